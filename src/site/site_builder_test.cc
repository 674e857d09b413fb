#include "src/site/site_builder.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace serval::site {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A whole small site, inline: file name -> text.
using Files = std::vector<std::pair<std::string, std::string>>;

struct Built {
  std::unique_ptr<Site> site;
  Diagnostics diagnostics;
};

Built Build(const Files& files, AssembleOptions options = {},
            SiteConfig config = DefaultSiteConfig()) {
  std::vector<SourceFile> sources;
  for (const auto& [path, text] : files) {
    absl::StatusOr<content::ParsedContent> parsed =
        content::ParseContentFile(path, text);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    sources.push_back({path, std::move(parsed).value()});
  }
  Built built;
  rapidjson::Document data;
  data.SetObject();
  built.site = AssembleSite(std::move(config), std::move(sources),
                            std::move(data), options, &built.diagnostics);
  return built;
}

std::vector<std::string> Urls(const std::vector<const Page*>& pages) {
  std::vector<std::string> urls;
  for (const Page* p : pages) urls.push_back(p->url);
  return urls;
}

std::vector<std::string> AllUrls(const Site& site) {
  std::vector<std::string> urls;
  for (const auto& p : site.pages) urls.push_back(p->url);
  return urls;
}

TEST(AssembleSiteTest, PrettyUrlsSlugsSectionsAndBundles) {
  Built b = Build({
      {"content/_index.md", "---\ntitle: Home\n---\nWelcome\n"},
      {"content/about.md", "---\ntitle: About\n---\n"},
      {"content/blog/_index.md", "---\ntitle: Blog\n---\n"},
      {"content/blog/hello.md", "---\ntitle: Hello\nslug: hi-there\n---\n"},
      {"content/docs/intro/index.md", "---\ntitle: Intro\n---\n"},
  });
  ASSERT_TRUE(b.diagnostics.errors.empty())
      << absl::StrJoin(b.diagnostics.errors, "\n");
  const Site& site = *b.site;
  EXPECT_THAT(AllUrls(site), ElementsAre("/", "/about/", "/blog/",
                                         "/blog/hi-there/", "/docs/",
                                         "/docs/intro/"));
  const Page* hello = site.FindBySourcePath("content/blog/hello.md");
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->output_path, "blog/hi-there/index.html");
  EXPECT_EQ(hello->section, "blog");
  EXPECT_EQ(hello->parent, site.FindByUrl("/blog/"));
  // docs/ has no _index.md: a section is generated for it.
  const Page* docs = site.FindByUrl("/docs/");
  ASSERT_NE(docs, nullptr);
  EXPECT_EQ(docs->kind, PageKind::kSection);
  EXPECT_EQ(docs->title, "Docs");
  EXPECT_EQ(site.home->title, "Home");
  EXPECT_EQ(site.home->output_path, "index.html");
  // Home lists top-level sections and root pages.
  EXPECT_EQ(site.home->pages.size(), 3u);
}

TEST(AssembleSiteTest, DraftsExcludedUnlessAsked) {
  Files files = {{"content/a.md", "---\ndraft: true\n---\n"},
                 {"content/b.md", "---\ntitle: B\n---\n"}};
  EXPECT_THAT(Urls(Build(files).site->regular_pages), ElementsAre("/b/"));
  EXPECT_THAT(Urls(Build(files, {.include_drafts = true}).site->regular_pages),
              ElementsAre("/a/", "/b/"));
}

TEST(AssembleSiteTest, CascadeNearestWinsAndPageWinsOverCascade) {
  Built b = Build({
      {"content/_index.md", "---\ncascade:\n  layout: wide\n  color: red\n---\n"},
      {"content/docs/_index.md", "---\ncascade:\n  layout: doc\n---\n"},
      {"content/docs/a.md", "---\ntitle: A\n---\n"},
      {"content/docs/b.md", "---\ntitle: B\nlayout: special\n---\n"},
      {"content/blog/c.md", "---\ntitle: C\n---\n"},
  });
  ASSERT_TRUE(b.diagnostics.errors.empty());
  const Site& site = *b.site;
  EXPECT_EQ(site.FindBySourcePath("content/docs/a.md")->layout, "doc");
  EXPECT_EQ(site.FindBySourcePath("content/docs/b.md")->layout, "special");
  EXPECT_EQ(site.FindBySourcePath("content/blog/c.md")->layout, "wide");
  EXPECT_STREQ(
      site.FindBySourcePath("content/docs/a.md")->params["color"].GetString(),
      "red");
  // A section's own cascade is for the pages below it.
  EXPECT_EQ(site.FindByUrl("/docs/")->layout, "wide");
  EXPECT_FALSE(site.FindByUrl("/docs/")->params.HasMember("cascade"));
}

TEST(AssembleSiteTest, TaxonomiesAndTermPages) {
  Built b = Build({
      {"content/a.md",
       "---\ntitle: A\ndate: 2024-01-01\ntags: [Go, C++]\n---\n"},
      {"content/b.md", "---\ntitle: B\ndate: 2024-02-01\ntags: go\n---\n"},
      {"content/c.md", "---\ntitle: C\ncategories: [news]\n---\n"},
  });
  ASSERT_TRUE(b.diagnostics.errors.empty())
      << absl::StrJoin(b.diagnostics.errors, "\n");
  const Site& site = *b.site;
  const Page* go = site.FindByUrl("/tags/go/");
  ASSERT_NE(go, nullptr);
  EXPECT_EQ(go->kind, PageKind::kTerm);
  EXPECT_EQ(go->term, "Go");  // first spelling, in path order
  EXPECT_THAT(Urls(go->pages), ElementsAre("/b/", "/a/"));  // newest first
  const Page* tags = site.FindByUrl("/tags/");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->title, "Tags");
  EXPECT_THAT(Urls(tags->term_pages), ElementsAre("/tags/c/", "/tags/go/"));
  ASSERT_EQ(site.taxonomies.size(), 2u);
  EXPECT_EQ(site.taxonomies[1]->url, "/categories/");
  const std::vector<TermRef>* a_tags =
      site.FindBySourcePath("content/a.md")->TermsOf("tags");
  ASSERT_NE(a_tags, nullptr);
  ASSERT_EQ(a_tags->size(), 2u);
  EXPECT_EQ((*a_tags)[1].url, "/tags/c/");
}

TEST(AssembleSiteTest, DefaultOrderAndPrevNext) {
  Built b = Build({
      {"content/blog/old.md", "---\ntitle: Old\ndate: 2020-01-01\n---\n"},
      {"content/blog/new.md", "---\ntitle: New\ndate: 2024-01-01\n---\n"},
      {"content/blog/pinned.md", "---\ntitle: Pinned\nweight: 1\n---\n"},
      {"content/blog/undated.md", "---\ntitle: Undated\n---\n"},
  });
  const Page* blog = b.site->FindByUrl("/blog/");
  EXPECT_THAT(Urls(blog->pages), ElementsAre("/blog/pinned/", "/blog/new/",
                                             "/blog/old/", "/blog/undated/"));
  const Page* n = b.site->FindByUrl("/blog/new/");
  EXPECT_EQ(n->prev->url, "/blog/pinned/");
  EXPECT_EQ(n->next->url, "/blog/old/");
  EXPECT_EQ(b.site->FindByUrl("/blog/pinned/")->prev, nullptr);
  EXPECT_EQ(b.site->FindByUrl("/blog/undated/")->next, nullptr);
}

TEST(AssembleSiteTest, TwoPagesClaimingOneUrlIsAnError) {
  Built b = Build({
      {"content/blog/a.md", "---\nslug: same\n---\n"},
      {"content/blog/b.md", "---\nslug: same\n---\n"},
  });
  ASSERT_EQ(b.diagnostics.errors.size(), 1u);
  EXPECT_EQ(b.diagnostics.errors[0],
            "content/blog/b.md:1:1: URL /blog/same/ is also claimed by "
            "content/blog/a.md");
}

TEST(AssembleSiteTest, AliasesNormalizedAndConflictsReported) {
  Built b = Build({
      {"content/a.md", "---\naliases: [/old/a, old-a.html]\n---\n"},
      {"content/b.md", "---\naliases: [/a/]\n---\n"},
      {"content/c.md", "---\naliases: [../../etc]\n---\n"},
  });
  ASSERT_EQ(b.site->aliases.size(), 2u);
  EXPECT_EQ(b.site->aliases[0].url, "/old-a.html");
  EXPECT_EQ(b.site->aliases[0].output_path, "old-a.html");
  EXPECT_EQ(b.site->aliases[1].url, "/old/a/");
  EXPECT_EQ(b.site->aliases[1].target->url, "/a/");
  ASSERT_EQ(b.diagnostics.errors.size(), 2u);
  EXPECT_THAT(b.diagnostics.errors[0],
              HasSubstr("content/c.md:2:1: alias '../../etc' is not a site path"));
  EXPECT_THAT(b.diagnostics.errors[1],
              HasSubstr("content/b.md:1:1: alias /a/ is also claimed by "
                        "content/a.md"));
}

TEST(AssembleSiteTest, TypedFieldErrorsHavePositionsAndAllAreReported) {
  Built b = Build({
      {"content/a.md", "---\ntitle: A\ndate: yesterday\n---\n"},
      {"content/b.md", "---\nweight: heavy\n---\n"},
      {"content/c.md", "---\ntags: {a: 1}\n---\n"},
      {"content/d.md", "---\nslug: a/b\n---\n"},
      {"content/ok.md", "---\ntitle: fine\n---\n"},
  });
  ASSERT_EQ(b.diagnostics.errors.size(), 4u)
      << absl::StrJoin(b.diagnostics.errors, "\n");
  EXPECT_THAT(b.diagnostics.errors[0],
              HasSubstr("content/a.md:3:1: cannot parse date 'yesterday'"));
  EXPECT_EQ(b.diagnostics.errors[1],
            "content/b.md:2:1: 'weight' must be an integer");
  EXPECT_EQ(b.diagnostics.errors[2],
            "content/c.md:2:1: 'tags' must be a list of strings");
  EXPECT_EQ(b.diagnostics.errors[3],
            "content/d.md:2:1: 'slug' must be one path segment, not 'a/b'");
  // The good page is still in the model.
  EXPECT_NE(b.site->FindByUrl("/ok/"), nullptr);
}

TEST(AssembleSiteTest, OneFilesFieldErrorsAreInFileOrder) {
  Built b = Build({
      {"content/a.md", "---\ntitle: A\nweight: abc\ntags: 5\ndate: soon\n---\n"},
  });
  ASSERT_EQ(b.diagnostics.errors.size(), 3u)
      << absl::StrJoin(b.diagnostics.errors, "\n");
  EXPECT_THAT(b.diagnostics.errors[0], HasSubstr("content/a.md:3:1: 'weight'"));
  EXPECT_THAT(b.diagnostics.errors[1], HasSubstr("content/a.md:4:1: 'tags'"));
  EXPECT_THAT(b.diagnostics.errors[2],
              HasSubstr("content/a.md:5:1: cannot parse date"));
}

TEST(AssembleSiteTest, PathsOutsideContentAreRejected) {
  Built b = Build({
      {"content/../../etc/x.md", "---\n---\n"},
      {"elsewhere/a.md", "---\n---\n"},
      {"content//b.md", "---\n---\n"},
      {"content/good.md", "---\n---\n"},
  });
  EXPECT_EQ(b.diagnostics.errors.size(), 3u);
  for (const auto& page : b.site->pages) {
    EXPECT_EQ(page->url.find(".."), std::string::npos) << page->url;
  }
  EXPECT_NE(b.site->FindByUrl("/good/"), nullptr);
}

TEST(AssembleSiteTest, DeterministicWhateverTheInputOrder) {
  Files files;
  for (int i = 0; i < 30; ++i) {
    files.push_back({"content/s" + std::to_string(i % 3) + "/p" +
                         std::to_string(i) + ".md",
                     "---\ntitle: P" + std::to_string(i % 7) +
                         "\ntags: [t" + std::to_string(i % 4) + "]\n---\n"});
  }
  std::vector<std::string> reference = AllUrls(*Build(files).site);
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(files.begin(), files.end(), rng);
    Built b = Build(files);
    EXPECT_EQ(AllUrls(*b.site), reference);
    EXPECT_EQ(Urls(b.site->FindByUrl("/tags/t1/")->pages),
              Urls(Build(files).site->FindByUrl("/tags/t1/")->pages));
  }
}

// Each file's page is made, and each list sorted, by
// AssembleOptions::for_each_index: on four threads, or in reverse order,
// the site, its lists and its errors are the same as made serially (pages
// with cascades, drafts and field errors included).
TEST(AssembleSiteTest, SameSiteAndErrorsWhateverRunsTheFiles) {
  Files files = {
      {"content/_index.md", "---\ntitle: Home\ncascade:\n  kind: c\n---\n"},
      {"content/bad.txt", "x"},
      {"content/d.md", "---\ndraft: true\n---\n"},
  };
  for (int i = 0; i < 60; ++i) {
    const std::string n = std::to_string(i);
    files.push_back(
        {"content/s" + std::to_string(i % 4) + "/p" + n + ".md",
         i % 9 == 0 ? "---\nweight: heavy\ndate: never\n---\n"
                    : "---\ntitle: P" + n + "\nweight: " +
                          std::to_string((i * 7) % 5) + "\ntags: [t" +
                          std::to_string(i % 5) + "]\n---\nBody " + n + "\n"});
  }
  files.push_back({"content/s1/_index.md",
                   "---\ntitle: S1\ncascade:\n  kind: s1\n---\n"});
  auto summary = [](const Built& b) {
    std::vector<std::string> lines = b.diagnostics.errors;
    for (const auto& p : b.site->pages) {
      auto kind = p->params.FindMember("kind");
      lines.push_back(absl::StrCat(
          p->url, " ", p->title, " ", p->body, " ",
          kind == p->params.MemberEnd() ? "-" : kind->value.GetString(),
          " lists ", absl::StrJoin(Urls(p->pages), ","), " ",
          absl::StrJoin(Urls(p->sections), ",")));
    }
    return lines;
  };
  const std::vector<std::string> serial = summary(Build(files));
  EXPECT_GT(serial.size(), files.size());
  AssembleOptions reversed;
  reversed.for_each_index = [](size_t n, const std::function<void(size_t)>& fn) {
    for (size_t i = n; i-- > 0;) fn(i);
  };
  EXPECT_EQ(summary(Build(files, reversed)), serial);
  AssembleOptions threaded;
  threaded.for_each_index = [](size_t n, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
      });
    }
    for (std::thread& thread : threads) thread.join();
  };
  EXPECT_EQ(summary(Build(files, threaded)), serial);
}

}  // namespace
}  // namespace serval::site
