#include "src/site/config.h"

#include "gtest/gtest.h"

namespace serval::site {
namespace {

TEST(SiteConfigTest, Defaults) {
  SiteConfig c = DefaultSiteConfig();
  EXPECT_EQ(c.baseurl, "/");
  EXPECT_EQ(c.paginate, 10);
  ASSERT_EQ(c.taxonomies.size(), 2u);
  EXPECT_EQ(c.taxonomies[0].plural, "tags");
  EXPECT_EQ(c.taxonomies[1].plural, "categories");
}

TEST(SiteConfigTest, ParsesKnownKeysAndKeepsTheRest) {
  absl::StatusOr<SiteConfig> c = ParseSiteConfig("serval.toml", R"(
title = "Blog"
baseurl = "https://example.org/blog"
paginate = 5
theme_color = "teal"
[taxonomies]
series = "series"
[params]
author = "Ann"
[[menu.main]]
name = "Posts"
url = "/posts/"
weight = 2
[[menu.main]]
name = "About"
url = "/about/"
weight = 1
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->title, "Blog");
  EXPECT_EQ(c->baseurl, "https://example.org/blog/");
  EXPECT_EQ(c->paginate, 5);
  ASSERT_EQ(c->taxonomies.size(), 1u);
  EXPECT_EQ(c->taxonomies[0].singular, "series");
  EXPECT_STREQ(c->params["author"].GetString(), "Ann");
  EXPECT_STREQ(c->raw["theme_color"].GetString(), "teal");
  ASSERT_EQ(c->menus.size(), 1u);
  ASSERT_EQ(c->menus[0].entries.size(), 2u);
  EXPECT_EQ(c->menus[0].entries[0].name, "About");
}

TEST(SiteConfigTest, AcceptsHugoBaseUrlSpelling) {
  absl::StatusOr<SiteConfig> c =
      ParseSiteConfig("serval.toml", "baseURL = \"https://example.org/\"\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->baseurl, "https://example.org/");
}

TEST(SiteConfigTest, WrongTypeNamesKeyPosition) {
  absl::StatusOr<SiteConfig> c =
      ParseSiteConfig("serval.toml", "title = \"x\"\npaginate = \"ten\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "serval.toml:2:12: 'paginate' must be a non-negative integer");
}

TEST(SiteConfigTest, SyntaxErrorHasPosition) {
  absl::StatusOr<SiteConfig> c = ParseSiteConfig("serval.toml", "title = \n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().substr(0, 14), "serval.toml:1:");
}

}  // namespace
}  // namespace serval::site

namespace serval::site {
namespace {

TEST(BaseUrlPathTest, PathPartWithTrailingSlash) {
  EXPECT_EQ(BaseUrlPath("https://example.org/"), "/");
  EXPECT_EQ(BaseUrlPath("https://example.org"), "/");
  EXPECT_EQ(BaseUrlPath("https://example.org/docs/"), "/docs/");
  EXPECT_EQ(BaseUrlPath("/docs/"), "/docs/");
  EXPECT_EQ(BaseUrlPath(""), "/");
}

}  // namespace
}  // namespace serval::site
