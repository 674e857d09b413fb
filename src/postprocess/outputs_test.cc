#include "src/postprocess/outputs.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "src/content/front_matter.h"
#include "src/site/site_builder.h"

namespace serval::postprocess {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<site::Site> BuildSite(
    const std::vector<std::pair<std::string, std::string>>& files,
    const std::string& config_toml = "baseurl = \"https://ex.org/sub/\"\n") {
  std::vector<site::SourceFile> sources;
  for (const auto& [path, text] : files) {
    auto parsed = content::ParseContentFile(path, text);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    sources.push_back({path, std::move(parsed).value()});
  }
  auto config = site::ParseSiteConfig("serval.toml", config_toml);
  EXPECT_TRUE(config.ok()) << config.status();
  site::Diagnostics diagnostics;
  rapidjson::Document data;
  data.SetObject();
  auto site = site::AssembleSite(std::move(config).value(), std::move(sources),
                                 std::move(data), {}, &diagnostics);
  EXPECT_TRUE(diagnostics.errors.empty());
  return site;
}

const std::vector<std::pair<std::string, std::string>> kFiles = {
    {"content/blog/old.md",
     "---\ntitle: Old & <b>bold</b>\ndate: 2020-01-02\ntags: [x]\n---\n"},
    {"content/blog/new.md",
     "---\ntitle: New\ndate: 2024-05-06T07:08:09Z\ntags: [x, y]\n---\n"},
    {"content/about.md", "---\ntitle: About\n---\n"},
};

TEST(PermalinkTest, JoinsWithoutDoubleSlash) {
  site::SiteConfig config = site::DefaultSiteConfig();
  config.baseurl = "https://ex.org/sub/";
  EXPECT_EQ(Permalink(config, "/a/"), "https://ex.org/sub/a/");
  config.baseurl = "/";
  EXPECT_EQ(Permalink(config, "/a/"), "/a/");
}

TEST(XmlEscapeTest, EscapesAndDropsForbiddenControls) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'\x01\td"), "a&lt;b&gt;&amp;&quot;c&apos;\td");
}

TEST(SitemapTest, EveryPageByUrlWithLastmod) {
  auto site = BuildSite(kFiles);
  std::string xml = RenderSitemap(*site);
  EXPECT_THAT(xml, HasSubstr("<loc>https://ex.org/sub/</loc>"));
  EXPECT_THAT(xml, HasSubstr("<loc>https://ex.org/sub/blog/new/</loc>\n"
                             "    <lastmod>2024-05-06T07:08:09Z</lastmod>"));
  EXPECT_THAT(xml, HasSubstr("<loc>https://ex.org/sub/tags/y/</loc>"));
  // Ordered by URL.
  EXPECT_LT(xml.find("/about/"), xml.find("/blog/"));
  EXPECT_LT(xml.find("/blog/new/"), xml.find("/blog/old/"));
  size_t urls = 0;
  for (size_t at = 0; (at = xml.find("<url>", at)) != std::string::npos; ++at) {
    ++urls;
  }
  EXPECT_EQ(urls, site->pages.size());
}

TEST(FeedTest, RssNewestFirstEscapedAndLimited) {
  auto site = BuildSite(kFiles);
  RenderedContents rendered;
  rendered[site->FindByUrl("/blog/new/")].summary_html = "<p>Fresh</p>";
  const site::Page& blog = *site->FindByUrl("/blog/");
  std::string rss = RenderRss(*site, blog, rendered, {});
  EXPECT_THAT(rss, HasSubstr("<title>Blog | My Site</title>"));
  EXPECT_THAT(rss, HasSubstr("<title>Old &amp; &lt;b&gt;bold&lt;/b&gt;</title>"));
  EXPECT_THAT(rss, HasSubstr("<description>&lt;p&gt;Fresh&lt;/p&gt;</description>"));
  EXPECT_THAT(rss, HasSubstr("<pubDate>Mon, 06 May 2024 07:08:09 +0000</pubDate>"));
  EXPECT_THAT(rss, HasSubstr("<lastBuildDate>Mon, 06 May 2024 07:08:09 +0000"));
  EXPECT_LT(rss.find("/blog/new/"), rss.find("/blog/old/"));
  std::string limited = RenderRss(*site, blog, rendered, {.feed_limit = 1});
  EXPECT_THAT(limited, Not(HasSubstr("/blog/old/</link>")));
}

TEST(FeedTest, AtomForTermPage) {
  auto site = BuildSite(kFiles);
  std::string atom =
      RenderAtom(*site, *site->FindByUrl("/tags/y/"), RenderedContents(), {});
  EXPECT_THAT(atom, HasSubstr("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
  EXPECT_THAT(atom, HasSubstr("<id>https://ex.org/sub/blog/new/</id>"));
  EXPECT_THAT(atom, Not(HasSubstr("/blog/old/")));
  EXPECT_THAT(atom, HasSubstr("<updated>2024-05-06T07:08:09Z</updated>"));
}

TEST(SearchIndexTest, ParsesAndHasEveryRegularPage) {
  auto site = BuildSite(kFiles);
  RenderedContents rendered;
  rendered[site->FindByUrl("/about/")].plain_text =
      std::string(10, 'a') + "\xC3\xA9" + "rest";
  std::string json = RenderSearchIndex(*site, rendered, {.search_text_limit = 11});
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 3u);
  bool saw_about = false;
  for (const auto& entry : doc.GetArray()) {
    if (std::string(entry["url"].GetString()) == "/about/") {
      saw_about = true;
      // Cut at 11 bytes would split "é": the cut moves back to 10.
      EXPECT_EQ(std::string(entry["content"].GetString()), std::string(10, 'a'));
    }
    if (std::string(entry["url"].GetString()) == "/blog/new/") {
      EXPECT_EQ(entry["tags"].Size(), 2u);
      EXPECT_STREQ(entry["date"].GetString(), "2024-05-06T07:08:09Z");
    }
  }
  EXPECT_TRUE(saw_about);
}

TEST(PostprocessOutputsTest, FeedsForHomeSectionsAndTermsSortedAndDeterministicOnAPool) {
  auto site = BuildSite(kFiles);
  std::vector<Output> outputs = PostprocessOutputs(*site, {}, {});
  std::vector<std::string> paths;
  for (const Output& o : outputs) paths.push_back(o.path);
  EXPECT_THAT(paths, ::testing::Contains("index.xml"));
  EXPECT_THAT(paths, ::testing::Contains("atom.xml"));
  EXPECT_THAT(paths, ::testing::Contains("blog/index.xml"));
  EXPECT_THAT(paths, ::testing::Contains("tags/x/atom.xml"));
  EXPECT_THAT(paths, ::testing::Contains("sitemap.xml"));
  EXPECT_THAT(paths, ::testing::Contains("robots.txt"));
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  concurrency::ThreadPool pool(3);
  auto again = PostprocessOutputs(*BuildSite(kFiles), {}, {}, &pool);
  ASSERT_EQ(again.size(), outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(again[i].bytes, outputs[i].bytes) << outputs[i].path;
  }
  EXPECT_EQ(RenderRobotsTxt(*site),
            "User-agent: *\nAllow: /\nSitemap: https://ex.org/sub/sitemap.xml\n");
}

}  // namespace
}  // namespace serval::postprocess
