#include "src/base/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace serval::base {
namespace {

std::string Repair(absl::string_view s) {
  std::string out;
  AppendValidUtf8(s, &out);
  return out;
}

TEST(Utf8Test, ValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\x86"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8Test, FindsFirstInvalidOffset) {
  EXPECT_EQ(FindInvalidUtf8("ab\xFF" "cd"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);            // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);       // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);    // > U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ok\xE2\x82"), 2u);          // truncated
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);        // overlong 3-byte
}

// FindInvalidUtf8 skips ASCII eight bytes at a time: an invalid byte, or
// a valid sequence, at every offset around and across the words it reads.
TEST(Utf8Test, FindsInvalidByteAtEveryOffsetOfLongText) {
  for (size_t n = 0; n < 40; ++n) {
    for (size_t at = 0; at <= n; ++at) {
      std::string text(n, 'a');
      text.insert(at, "\xFF");
      EXPECT_EQ(FindInvalidUtf8(text), at) << n << " " << at;
      std::string valid(n, 'a');
      valid.insert(at, "\xE2\x82\xAC");
      EXPECT_EQ(FindInvalidUtf8(valid), valid.size()) << n << " " << at;
      valid.insert(at + 3, "\xE2\x82");  // truncated at the end, or not
      EXPECT_EQ(FindInvalidUtf8(valid), at + 3) << n << " " << at;
    }
  }
}

TEST(Utf8Test, RepairReplacesMaximalSubparts) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Repair("a\xFF" "b"), "a" + fffd + "b");
  // A truncated 3-byte sequence is one replacement, not two.
  EXPECT_EQ(Repair("a\xE2\x82" "b"), "a" + fffd + "b");
  // Two stray continuation bytes are two replacements.
  EXPECT_EQ(Repair("\x80\x80"), fffd + fffd);
  // Surrogate: lead byte alone is the maximal subpart, then two strays.
  EXPECT_EQ(Repair("\xED\xA0\x80"), fffd + fffd + fffd);
  EXPECT_EQ(Repair("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(Utf8Test, RepairedTextIsAlwaysValid) {
  // Every 1- and 2-byte string, plus a 3-byte tail, repairs to valid UTF-8.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      std::string s = {static_cast<char>(a), static_cast<char>(b), '\xBF'};
      ASSERT_TRUE(IsValidUtf8(Repair(s))) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace serval::base
