#include "src/base/fingerprint.h"

#include "gtest/gtest.h"

namespace serval::base {
namespace {

TEST(FingerprintTest, KnownFnv1a64Vectors) {
  // Reference values of FNV-1a 64 (Fowler/Noll/Vo test suite).
  EXPECT_EQ(Fingerprint64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fingerprint64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fingerprint64("foobar"), 0x85944171f73967e8ull);
}

TEST(FingerprintTest, IncrementalEqualsWhole) {
  EXPECT_EQ(Fingerprint64("bar", Fingerprint64("foo")), Fingerprint64("foobar"));
}

TEST(FingerprintTest, HexIsSixteenDigits) {
  EXPECT_EQ(Hex64(0), "0000000000000000");
  EXPECT_EQ(Fingerprint64Hex("foobar"), "85944171f73967e8");
}

}  // namespace
}  // namespace serval::base
