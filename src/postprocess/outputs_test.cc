#include "src/postprocess/outputs.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

// The links of a feed's items, in order.
std::vector<std::string> ItemLinks(absl::string_view feed) {
  std::vector<std::string> links;
  std::vector<absl::string_view> items = absl::StrSplit(feed, "<item>");
  items.erase(items.begin());  // the channel's head
  for (absl::string_view item : items) {
    const size_t at = item.find("<link>");
    if (at == absl::string_view::npos) continue;
    const size_t end = item.find("</link>", at);
    links.emplace_back(item.substr(at + 6, end - at - 6));
  }
  return links;
}

TEST(FeedTest, ALimitedFeedIsTheFirstItemsOfTheWholeFeed) {
  // Many pages on few dates (and some undated), so ties are most of the
  // order: a limit must cut the full order, whatever it is.
  std::vector<std::pair<std::string, std::string>> files;
  const char* dates[] = {"2021-03-04", "2020-01-01", "", "2021-03-04T10:00:00Z"};
  for (int i = 0; i < 41; ++i) {
    const std::string date = dates[(i * 7) % 4];
    files.push_back({absl::StrCat("content/blog/p", (i * 13) % 41, ".md"),
                     absl::StrCat("---\ntitle: P", i, "\n",
                                  date.empty() ? "" : "date: " + date + "\n",
                                  "---\n")});
  }
  auto site = BuildSite(files);
  const site::Page& blog = *site->FindByUrl("/blog/");
  const std::vector<std::string> all =
      ItemLinks(RenderRss(*site, blog, RenderedContents(), {.feed_limit = 0}));
  ASSERT_EQ(all.size(), 41u);
  for (int limit : {1, 2, 5, 10, 11, 20, 40, 41, 60}) {
    const std::vector<std::string> some = ItemLinks(
        RenderRss(*site, blog, RenderedContents(), {.feed_limit = limit}));
    const std::vector<std::string> first(
        all.begin(), all.begin() + std::min<size_t>(limit, all.size()));
    EXPECT_EQ(some, first) << "limit " << limit;
  }
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

TEST(SearchIndexTest, OneEntryPerLineAndUnchangedEntriesCopiedFromThePreviousIndex) {
  auto site = BuildSite(kFiles);
  const site::Page* about = site->FindByUrl("/about/");
  RenderedContents rendered;
  for (const site::Page* page : site->regular_pages) {
    rendered[page].plain_text = "text of " + page->url + " \"quoted\"\n";
  }
  const std::string before = RenderSearchIndex(*site, rendered, {});
  std::vector<std::string> lines = absl::StrSplit(before, '\n');
  ASSERT_EQ(lines.size(), site->regular_pages.size() + 3);  // [ ... ] ""
  EXPECT_EQ(lines.front(), "[");
  EXPECT_EQ(lines[lines.size() - 2], "]");
  for (size_t i = 1; i + 2 < lines.size(); ++i) {
    EXPECT_TRUE(absl::StartsWith(lines[i], "{\"url\":\"")) << lines[i];
  }

  // Every entry unchanged: all copied, no content asked for (the map is
  // empty, so a made entry would differ).
  int asked = 0;
  PageContents none([&](const site::Page*) {
    ++asked;
    return RenderedContentView{};
  });
  std::string previous = before;
  OutputOptions reuse;
  reuse.previous_output = [&](absl::string_view path) -> std::optional<std::string> {
    if (path != "index.json") return std::nullopt;
    return previous;
  };
  reuse.unchanged = [](const site::Page*) { return true; };
  EXPECT_EQ(RenderSearchIndex(*site, none, reuse), before);
  EXPECT_EQ(asked, 0);

  // One page changed: its entry is made again, the others copied.
  rendered[about].plain_text = "new text";
  reuse.unchanged = [&](const site::Page* p) { return p != about; };
  EXPECT_EQ(RenderSearchIndex(*site, rendered, reuse),
            RenderSearchIndex(*site, rendered, {}));
  // A previous index that is not one (or lacks a page): entries are made.
  previous = "garbage\n{\"url\":\"/about/";
  EXPECT_EQ(RenderSearchIndex(*site, rendered, reuse),
            RenderSearchIndex(*site, rendered, {}));
}

TEST(FeedTest, UnchangedItemSummariesCopiedFromThePreviousFeed) {
  auto site = BuildSite(kFiles);
  const site::Page& blog = *site->FindByUrl("/blog/");
  const site::Page* changed = site->FindByUrl("/blog/new/");
  RenderedContents rendered;
  for (const site::Page* page : site->regular_pages) {
    rendered[page].summary_html = "<p>summary of " + page->url + " &amp;</p>";
  }
  for (bool atom : {false, true}) {
    auto render = [&](const PageContents& contents, const OutputOptions& o) {
      return atom ? RenderAtom(*site, blog, contents, o)
                  : RenderRss(*site, blog, contents, o);
    };
    const std::string before = render(rendered, {});
    const std::string path = atom ? "blog/atom.xml" : "blog/index.xml";
    OutputOptions reuse;
    reuse.previous_output = [&](absl::string_view p) -> std::optional<std::string> {
      if (p != path) return std::nullopt;
      return before;
    };
    reuse.unchanged = [](const site::Page*) { return true; };
    int asked = 0;
    PageContents none([&](const site::Page*) {
      ++asked;
      return RenderedContentView{};
    });
    EXPECT_EQ(render(none, reuse), before) << path;
    EXPECT_EQ(asked, 0) << path;
    rendered[changed].summary_html = "<p>new</p>";
    reuse.unchanged = [&](const site::Page* p) { return p != changed; };
    const std::string after = render(rendered, reuse);
    EXPECT_EQ(after, render(rendered, {})) << path;
    EXPECT_THAT(after, HasSubstr("&lt;p&gt;new&lt;/p&gt;")) << path;
  }
}

TEST(SearchIndexTest, EmptySite) {
  auto site = BuildSite({{"content/_index.md", "---\ntitle: Home\n---\n"}});
  EXPECT_EQ(RenderSearchIndex(*site, {}, {}), "[]\n");
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
