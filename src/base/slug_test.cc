#include "src/base/slug.h"

#include "gtest/gtest.h"

namespace serval::base {
namespace {

TEST(SlugifyTest, Examples) {
  EXPECT_EQ(Slugify("Hello, World!"), "hello-world");
  EXPECT_EQ(Slugify("C++ & Rust"), "c-rust");
  EXPECT_EQ(Slugify("  --a  b--  "), "a-b");
  EXPECT_EQ(Slugify("snake_case_Name"), "snake_case_name");
  EXPECT_EQ(Slugify("v1.2.3"), "v1-2-3");
  EXPECT_EQ(Slugify("\xC3\x9Cn\xC3\xAF Stra\xC3\x9F" "e"),
            "\xC3\x9Cn\xC3\xAF-stra\xC3\x9F" "e");
  EXPECT_EQ(Slugify(""), "");
  EXPECT_EQ(Slugify("!!!"), "");
}

TEST(SlugifyTest, NeverContainsPathSyntax) {
  for (absl::string_view hostile :
       {"../../etc/passwd", "a/b\\c", "%2e%2e", "x\ny\tz", "a\xFF/b"}) {
    std::string s = Slugify(hostile);
    EXPECT_EQ(s.find_first_of("/\\.% \n\t"), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace serval::base
