#include "src/markdown/html_buffer.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace serval::markdown {
namespace {

TEST(HtmlBufferTest, AppendsAndGrows) {
  HtmlBuffer out;
  EXPECT_TRUE(out.empty());
  std::string want;
  for (int i = 0; i < 1000; ++i) {
    out.append("<p>");
    out.push_back('x');
    out.append("abcdef", i % 7);
    want += "<p>x" + std::string("abcdef", i % 7);
  }
  EXPECT_EQ(out.size(), want.size());
  EXPECT_EQ(out.view(), want);
  EXPECT_EQ(out.Release(), want);
  EXPECT_TRUE(out.empty());
  out.append("again");
  EXPECT_EQ(out.Release(), "again");
}

TEST(HtmlBufferTest, EditsAsStdString) {
  HtmlBuffer out;
  out.reserve(4);
  out.append("<h2>Title</h2>\n");
  out.insert(3, 6, '"');
  std::memcpy(&out[3], " id=", 4);
  EXPECT_EQ(out.view(), "<h2 id=\"\">Title</h2>\n");
  out.replace(3, 6, "");
  EXPECT_EQ(out.view(), "<h2>Title</h2>\n");
  out.replace(4, 5, "A much longer title");
  EXPECT_EQ(out.view(), "<h2>A much longer title</h2>\n");
  out.insert(out.size() - 6, " more");
  EXPECT_EQ(out.view(), "<h2>A much longer title more</h2>\n");
  out.resize(4);
  EXPECT_EQ(out.view(), "<h2>");
  out.resize(6);
  EXPECT_EQ(out.view(), absl::string_view("<h2>\0\0", 6));
  out.clear();
  EXPECT_EQ(out.view(), "");
}

TEST(HtmlBufferTest, StrAppendAndMove) {
  HtmlBuffer out;
  StrAppend(&out, "<ol start=\"", 3, "\">", std::string("\n"), size_t{12});
  EXPECT_EQ(out.view(), "<ol start=\"3\">\n12");
  HtmlBuffer moved = std::move(out);
  EXPECT_TRUE(out.empty());  // NOLINT: moved-from is empty by contract
  EXPECT_EQ(moved.view(), "<ol start=\"3\">\n12");
  out.append("x");
  out = std::move(moved);
  EXPECT_EQ(out.view(), "<ol start=\"3\">\n12");
}

}  // namespace
}  // namespace serval::markdown
