#include "src/base/fingerprint.h"

#include <string>

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
  EXPECT_EQ(Hex64(0x0123456789abcdefull), "0123456789abcdef");
  EXPECT_EQ(Hex64(~0ull), "ffffffffffffffff");
  EXPECT_EQ(Hex64(0xa), "000000000000000a");
  EXPECT_EQ(Fingerprint64Hex("foobar"), "85944171f73967e8");
}

TEST(FingerprintTest, FastIsXxh3AndStable) {
  // XXH3_64bits("") with seed 0, from the xxHash reference.
  EXPECT_EQ(FastFingerprint64(""), 0x2d06800538d394c2ull);
  EXPECT_NE(FastFingerprint64("a"), FastFingerprint64("b"));
  EXPECT_EQ(FastFingerprint64Hex("").size(), 16u);
}

TEST(FingerprintTest, FastFingerprinterEqualsWholeAtEverySplit) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>('a' + i * 7 % 26);
  for (size_t a = 0; a <= data.size(); a += 37) {
    for (size_t b = a; b <= data.size(); b += 151) {
      FastFingerprinter f;
      f.Add(absl::string_view(data).substr(0, a));
      f.Add(absl::string_view(data).substr(a, b - a));
      f.Add(absl::string_view(data).substr(b));
      ASSERT_EQ(f.Digest(), FastFingerprint64(data)) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace serval::base
