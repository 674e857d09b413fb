// output_buffer_test — OutputBuffer keeps exactly the bytes appended, and
// escaping (its word-at-a-time scan's every step and tail) matches a
// byte-by-byte markupsafe.escape at every length and position.
#include "src/template/output_buffer.h"

#include <string>

#include "gtest/gtest.h"

namespace serval::tmpl {
namespace {

std::string EscapeByByte(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

TEST(OutputBufferTest, KeepsEveryAppendInOrder) {
  OutputBuffer out(8);
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    const std::string piece(static_cast<size_t>(i % 40), 'a' + i % 26);
    out.append(piece);
    out.push_back('.');
    expected += piece + '.';
    ASSERT_EQ(out.size(), expected.size());
  }
  EXPECT_EQ(out.Take(), expected);
  EXPECT_EQ(out.size(), 0u);
  EXPECT_EQ(out.Take(), "");
}

TEST(OutputBufferTest, EscapesLikeMarkupsafeAtEveryLengthAndPosition) {
  for (char special : std::string("&<>\"'")) {
    for (size_t n = 0; n <= 50; ++n) {
      for (size_t at = 0; at <= n; ++at) {
        // Bytes next to the special ones ('%' 0x25, '=' 0x3D, '?' 0x3F)
        // must not be taken for them.
        std::string s(n, at % 2 ? '%' : '=');
        if (at < n) s[at] = special;
        if (n > 3) s[n - 2] = '?';
        OutputBuffer out;
        AppendEscapedTo(s, &out);
        ASSERT_EQ(out.Take(), EscapeByByte(s)) << "input: " << s;
        std::string plain = "x";
        AppendEscaped(s, &plain);
        ASSERT_EQ(plain, "x" + EscapeByByte(s)) << "input: " << s;
      }
    }
  }
}

}  // namespace
}  // namespace serval::tmpl
