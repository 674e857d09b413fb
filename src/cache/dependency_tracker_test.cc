// DependencyTracker: per-render recording from many threads at once (run
// it under --config=tsan), and the invalidation queries.
#include "src/cache/dependency_tracker.h"

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/cache/build_cache.h"

namespace serval::cache {
namespace {

Dependency Dep(DepKind kind, std::string key) { return {kind, std::move(key)}; }

TEST(DependencyTrackerTest, RecordsOneRender) {
  DependencyTracker tracker;
  RenderRecorder rec = tracker.StartRender("content/a.md");
  rec.AddSource("content/a.md");
  rec.AddTemplate("templates/base.html");
  rec.AddTemplate("templates/base.html");  // sets: once
  rec.AddData("data/team.yaml");
  rec.AddPageContent("content/b.md");
  rec.AddPageMeta("content/b.md");
  rec.AddSiteKey(SectionPagesKey("blog"));
  EXPECT_EQ(rec.page_key(), "content/a.md");
  tracker.Finish(std::move(rec));
  EXPECT_EQ(tracker.Size(), 1u);

  auto graph = tracker.Take();
  EXPECT_EQ(tracker.Size(), 0u);
  ASSERT_EQ(graph.size(), 1u);
  EXPECT_EQ(graph["content/a.md"],
            (std::set<Dependency>{
                Dep(DepKind::kSource, "content/a.md"),
                Dep(DepKind::kTemplate, "templates/base.html"),
                Dep(DepKind::kData, "data/team.yaml"),
                Dep(DepKind::kPageContent, "content/b.md"),
                Dep(DepKind::kPageMeta, "content/b.md"),
                Dep(DepKind::kSiteKey, "section:blog"),
            }));
}

TEST(DependencyTrackerTest, FinishingAPageTwiceUnions) {
  DependencyTracker tracker;
  RenderRecorder one = tracker.StartRender("/tags/");
  one.AddTemplate("a.html");
  RenderRecorder two = tracker.StartRender("/tags/");
  two.AddTemplate("b.html");
  tracker.Finish(std::move(one));
  tracker.Finish(std::move(two));
  tracker.CarryOver("content/x.md", {Dep(DepKind::kData, "data/x.json")});
  auto graph = tracker.Take();
  EXPECT_EQ(graph["/tags/"].size(), 2u);
  EXPECT_EQ(graph["content/x.md"].size(), 1u);
}

// Many threads, each rendering its own pages with interleaved recorders,
// released together. The graph must hold exactly what each recorded.
TEST(DependencyTrackerTest, ManyThreadsRecordAtOnce) {
  constexpr int kThreads = 16;
  constexpr int kPagesPerThread = 400;
  DependencyTracker tracker;
  absl::Barrier* start = new absl::Barrier(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&tracker, start, t] {
      if (start->Block()) delete start;
      for (int i = 0; i < kPagesPerThread; i += 2) {
        // Two renders in flight on one thread: recorders are independent.
        RenderRecorder a =
            tracker.StartRender(absl::StrCat("content/", t, "/", i, ".md"));
        RenderRecorder b = tracker.StartRender(
            absl::StrCat("content/", t, "/", i + 1, ".md"));
        a.AddSource(a.page_key());
        b.AddSource(b.page_key());
        a.AddTemplate("templates/base.html");
        b.AddTemplate(absl::StrCat("templates/t", t % 3, ".html"));
        a.AddPageMeta(b.page_key());
        b.AddSiteKey(SectionPagesKey(absl::StrCat(t)));
        tracker.Finish(std::move(b));
        tracker.Finish(std::move(a));
        // Every page of the site is also shown on the home page.
        RenderRecorder home = tracker.StartRender("content/_index.md");
        home.AddPageMeta(absl::StrCat("content/", t, "/", i, ".md"));
        tracker.Finish(std::move(home));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  auto graph = tracker.Take();
  ASSERT_EQ(graph.size(), size_t{kThreads * kPagesPerThread + 1});
  EXPECT_EQ(graph["content/_index.md"].size(),
            size_t{kThreads * kPagesPerThread / 2});
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPagesPerThread; i += 2) {
      const std::string a = absl::StrCat("content/", t, "/", i, ".md");
      const std::string b = absl::StrCat("content/", t, "/", i + 1, ".md");
      ASSERT_EQ(graph[a],
                (std::set<Dependency>{
                    Dep(DepKind::kSource, a),
                    Dep(DepKind::kTemplate, "templates/base.html"),
                    Dep(DepKind::kPageMeta, b)}));
      ASSERT_EQ(graph[b],
                (std::set<Dependency>{
                    Dep(DepKind::kSource, b),
                    Dep(DepKind::kTemplate,
                        absl::StrCat("templates/t", t % 3, ".html")),
                    Dep(DepKind::kSiteKey, SectionPagesKey(absl::StrCat(t)))}));
    }
  }
}

std::map<std::string, PageRecord> Graph() {
  std::map<std::string, PageRecord> graph;
  auto page = [&](std::string key, std::set<Dependency> deps) {
    graph[key] = PageRecord{"aa", "bb", std::move(deps)};
  };
  page("content/a.md", {Dep(DepKind::kSource, "content/a.md"),
                        Dep(DepKind::kTemplate, "templates/page.html"),
                        Dep(DepKind::kTemplate, "templates/base.html"),
                        Dep(DepKind::kPageMeta, "content/b.md"),
                        Dep(DepKind::kSiteKey, "section:blog")});
  page("content/b.md", {Dep(DepKind::kSource, "content/b.md"),
                        Dep(DepKind::kTemplate, "templates/page.html"),
                        Dep(DepKind::kTemplate, "templates/base.html"),
                        Dep(DepKind::kData, "data/team.yaml"),
                        Dep(DepKind::kPageMeta, "content/a.md"),
                        Dep(DepKind::kSiteKey, "section:blog")});
  page("content/blog/_index.md",
       {Dep(DepKind::kSource, "content/blog/_index.md"),
        Dep(DepKind::kTemplate, "templates/list.html"),
        Dep(DepKind::kTemplate, "templates/base.html"),
        Dep(DepKind::kPageContent, "content/a.md"),
        Dep(DepKind::kPageMeta, "content/a.md"),
        Dep(DepKind::kPageMeta, "content/b.md"),
        Dep(DepKind::kSiteKey, "section:blog")});
  page("/tags/go/", {Dep(DepKind::kTemplate, "templates/term.html"),
                     Dep(DepKind::kPageMeta, "content/a.md"),
                     Dep(DepKind::kSiteKey, "term:tags/go")});
  return graph;
}

std::vector<std::string> Explain(const std::vector<Dependency>& changes) {
  std::vector<std::string> lines;
  for (const Rerender& r : PagesToRerender(Graph(), changes)) {
    lines.push_back(r.Explain());
  }
  return lines;
}

using ::testing::ElementsAre;

TEST(PagesToRerenderTest, BodyEditReRendersThePageAndWhatShowsItsSummary) {
  EXPECT_THAT(Explain({Dep(DepKind::kSource, "content/a.md"),
                       Dep(DepKind::kPageContent, "content/a.md")}),
              ElementsAre("content/a.md: source content/a.md changed",
                          "content/blog/_index.md: page_content content/a.md "
                          "changed"));
}

TEST(PagesToRerenderTest, TitleEditReRendersListsTermsAndNeighbours) {
  EXPECT_THAT(
      Explain({Dep(DepKind::kSource, "content/a.md"),
               Dep(DepKind::kPageMeta, "content/a.md")}),
      ElementsAre("/tags/go/: page_meta content/a.md changed",
                  "content/a.md: source content/a.md changed",
                  "content/b.md: page_meta content/a.md changed",
                  "content/blog/_index.md: page_meta content/a.md changed"));
}

TEST(PagesToRerenderTest, TemplateEditReRendersItsDependentsOnly) {
  EXPECT_THAT(Explain({Dep(DepKind::kTemplate, "templates/list.html")}),
              ElementsAre("content/blog/_index.md: template "
                          "templates/list.html changed"));
  // A file change matches however it was read: kSource finds templates.
  EXPECT_THAT(Explain({Dep(DepKind::kSource, "templates/term.html")}),
              ElementsAre("/tags/go/: template templates/term.html changed"));
  EXPECT_EQ(Explain({Dep(DepKind::kTemplate, "templates/base.html")}).size(),
            3u);  // not the term page
}

TEST(PagesToRerenderTest, DataSiteKeyConfigAndNothing) {
  EXPECT_THAT(Explain({Dep(DepKind::kData, "data/team.yaml")}),
              ElementsAre("content/b.md: data data/team.yaml changed"));
  EXPECT_THAT(Explain({Dep(DepKind::kSiteKey, "term:tags/go")}),
              ElementsAre("/tags/go/: site_key term:tags/go changed"));
  EXPECT_THAT(Explain({Dep(DepKind::kConfig, "")}),
              ElementsAre("/tags/go/: config changed",
                          "content/a.md: config changed",
                          "content/b.md: config changed",
                          "content/blog/_index.md: config changed"));
  EXPECT_TRUE(Explain({}).empty());
  EXPECT_TRUE(Explain({Dep(DepKind::kSource, "static/x.css"),
                       Dep(DepKind::kPageMeta, "content/gone.md")})
                  .empty());
  // The page key itself is no dependency: a kind mismatch does not match.
  EXPECT_TRUE(Explain({Dep(DepKind::kPageContent, "content/b.md")}).empty());
}

TEST(DiffTest, FindsEveryDifference) {
  std::vector<Dependency> changes;
  DiffSources({{"a", {"01", 1}}, {"b", {"02", 2}}, {"c", {"03", 3}}},
              {{"a", {"01", 1}}, {"b", {"02", 9}}, {"d", {"04", 4}}},
              &changes);
  EXPECT_EQ(changes, (std::vector<Dependency>{Dep(DepKind::kSource, "b"),
                                              Dep(DepKind::kSource, "c"),
                                              Dep(DepKind::kSource, "d")}));
  changes.clear();
  DiffPages({{"p", {"c1", "m1", {}}}, {"q", {"c1", "m1", {}}},
             {"r", {"c1", "m1", {}}}},
            {{"p", {"c2", "m1", {}}},
             {"q", {"c1", "m2", {Dep(DepKind::kData, "x")}}},
             {"s", {"c1", "m1", {}}}},
            &changes);
  EXPECT_EQ(changes,
            (std::vector<Dependency>{
                Dep(DepKind::kPageContent, "p"), Dep(DepKind::kPageMeta, "q"),
                Dep(DepKind::kPageContent, "r"), Dep(DepKind::kPageMeta, "r"),
                Dep(DepKind::kPageContent, "s"),
                Dep(DepKind::kPageMeta, "s")}));
  changes.clear();
  DiffSiteKeys({{"section:a", "01"}, {"section:b", "02"}},
               {{"section:a", "01"}, {"section:b", "03"}}, &changes);
  EXPECT_EQ(changes,
            (std::vector<Dependency>{Dep(DepKind::kSiteKey, "section:b")}));
}

}  // namespace
}  // namespace serval::cache
