#include "src/theme/default_theme.h"

#include <string>

#include "gtest/gtest.h"

namespace serval::theme {
namespace {

TEST(DefaultThemeTest, HasEveryTemplateTheLookupNeeds) {
  for (const char* name :
       {"templates/base.html", "templates/page.html", "templates/list.html",
        "templates/home.html", "templates/taxonomy.html", "templates/term.html",
        "templates/404.html", "templates/search.html", "templates/alias.html",
        "templates/doc.html", "static/css/serval.css", "static/js/serval.js"}) {
    const base::EmbeddedFile* file = FindDefaultThemeFile(name);
    ASSERT_NE(file, nullptr) << name;
    EXPECT_FALSE(file->contents.empty()) << name;
  }
  EXPECT_EQ(FindDefaultThemeFile("templates/nope.html"), nullptr);
  EXPECT_EQ(FindDefaultThemeFile(""), nullptr);
}

TEST(DefaultThemeTest, SortedAndBytesIntact) {
  absl::Span<const base::EmbeddedFile> files = DefaultThemeFiles();
  ASSERT_GT(files.size(), 10u);
  for (size_t i = 1; i < files.size(); ++i) {
    EXPECT_LT(std::string(files[i - 1].path), std::string(files[i].path));
  }
  const base::EmbeddedFile* base = FindDefaultThemeFile("templates/base.html");
  EXPECT_EQ(base->contents.substr(0, 15), "<!doctype html>");
  EXPECT_EQ(base->contents.back(), '\n');
  EXPECT_EQ(base->contents.data()[base->contents.size()], '\0');
}

}  // namespace
}  // namespace serval::theme
