// Incremental builds on MemFs: what re-renders after each kind of edit,
// what --explain says, pruning, mtimes, the building marker, and caches
// that must be discarded (with a warning, a full build and exit 0).
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/build/build.h"
#include "src/build/test_site.h"
#include "src/cache/build_cache.h"
#include "src/fs/mem_fs.h"

namespace serval::build {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const Files kSite = {
    {"serval.toml",
     "title = \"Inc\"\nbaseurl = \"https://example.org/\"\npaginate = 10\n"},
    {"content/_index.md", "---\ntitle: Home\n---\nWelcome.\n"},
    {"content/blog/_index.md", "---\ntitle: Blog\n---\nPosts.\n"},
    {"content/blog/a.md",
     "---\ntitle: A\ndate: 2025-01-01\ntags: [go]\naliases: [/old-a/]\n---\n"
     "Body of A.\n"},
    {"content/blog/b.md",
     "---\ntitle: B\ndate: 2025-01-02\n---\nBody of B.\n"},
    {"content/blog/c.md",
     "---\ntitle: C\ndate: 2025-01-03\n---\nBody of C.\n"},
    {"content/docs/x.md", "---\ntitle: X\n---\nDoc X.\n"},
    {"content/about.md", "---\ntitle: About\n---\nAbout us.\n"},
    {"data/team.yaml", "lead: Ada\n"},
    {"static/site.css", "body{}\n"},
    {"templates/base.html",
     "<title>{{ site.title }}</title>{% block main %}{% endblock %}"},
    {"templates/page.html",
     "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1>"
     "{{ page.content }}{% if page.prev %}prev={{ page.prev.title }}{% endif "
     "%}{% if page.next %} next={{ page.next.title }}{% endif %}"
     "{% endblock %}"},
    {"templates/docs/page.html",
     "{% extends \"base.html\" %}{% block main %}doc {{ page.title }}"
     "{% endblock %}"},
    {"templates/list.html",
     "{% extends \"base.html\" %}{% block main %}{% for p in page.pages %}"
     "<p>{{ p.title }}: {{ p.summary }}</p>{% endfor %}{% endblock %}"},
    {"templates/home.html",
     "{% extends \"base.html\" %}{% block main %}lead={{ site.data.team.lead "
     "}}{% endblock %}"},
};

class IncrementalTest : public ::testing::Test {
 protected:
  IncrementalTest() : fs_([this] { return now_; }) {}

  void SetUp() override { WriteFiles(fs_, "/site", kSite); }

  void Write(const std::string& path, const std::string& text) {
    WriteFiles(fs_, "/site", {{path, text}});
  }

  BuildResult Build(bool clean = false) {
    now_ += absl::Seconds(10);
    BuildOptions options;
    options.site_dir = "/site";
    options.jobs = 2;
    options.clean = clean;
    options.build_time = absl::FromUnixSeconds(1767225600);
    BuildResult r = BuildSite(fs_, options);
    EXPECT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
    return r;
  }

  // The output of a clean build of the same sources in a fresh MemFs.
  Files CleanTree() {
    fs::MemFs clean;
    Files sources;
    for (const char* dir : {"content", "data", "static", "templates"}) {
      for (auto& [path, text] : ReadTree(fs_, absl::StrCat("/site/", dir))) {
        sources[absl::StrCat(dir, "/", path)] = text;
      }
    }
    sources["serval.toml"] = *fs_.ReadFile("/site/serval.toml");
    WriteFiles(clean, "/site", sources);
    BuildOptions options;
    options.site_dir = "/site";
    options.build_time = absl::FromUnixSeconds(1767225600);
    EXPECT_TRUE(BuildSite(clean, options).ok());
    return ReadTree(clean, "/site/public");
  }
  Files Tree() { return ReadTree(fs_, "/site/public"); }

  // The keys of the pages re-rendered ("content/blog/a.md").
  static std::vector<std::string> Rendered(const BuildResult& r) {
    std::vector<std::string> keys;
    for (const std::string& line : r.explain) {
      keys.push_back(line.substr(0, line.find(": ")));
    }
    return keys;
  }

  std::string Cache() { return *fs_.ReadFile("/site/.serval/cache.json"); }
  void SetCache(const std::string& text) {
    Write(".serval/cache.json", text);
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  fs::MemFs fs_;
};

TEST_F(IncrementalTest, NoOpRebuildRendersAndWritesNothing) {
  BuildResult first = Build();
  EXPECT_EQ(first.rendered, first.pages + 1);  // + the alias
  BuildResult second = Build();
  EXPECT_EQ(second.rendered, 0u);
  EXPECT_EQ(second.written, 0u);
  EXPECT_EQ(second.pages, first.pages);
  EXPECT_EQ(second.outputs, first.outputs);
  EXPECT_THAT(second.warnings, IsEmpty());
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, BodyEditRendersThePageAndTheListsShowingItsSummary) {
  Build();
  Write("content/blog/b.md",
        "---\ntitle: B\ndate: 2025-01-02\n---\nNew body of B.\n");
  BuildResult r = Build();
  EXPECT_THAT(r.explain,
              ElementsAre("content/blog/_index.md: page_content "
                          "content/blog/b.md changed",
                          "content/blog/b.md: source content/blog/b.md "
                          "changed"));
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, TitleEditAlsoRendersNeighboursListsAndTerms) {
  Build();
  Write("content/blog/b.md",
        "---\ntitle: Bee\ndate: 2025-01-02\n---\nBody of B.\n");
  BuildResult r = Build();
  EXPECT_THAT(Rendered(r), ElementsAre("content/blog/_index.md",
                                       "content/blog/a.md",
                                       "content/blog/b.md",
                                       "content/blog/c.md"))
      << absl::StrJoin(r.explain, "\n");
  EXPECT_EQ(Tree(), CleanTree());
  // A tag edit re-renders the term and taxonomy pages; sitemap and feeds
  // are produced every build.
  Write("content/blog/b.md",
        "---\ntitle: Bee\ndate: 2025-01-02\ntags: [go]\n---\nBody of B.\n");
  r = Build();
  EXPECT_THAT(Rendered(r), Contains("/tags/go/"));
  EXPECT_THAT(*fs_.ReadFile("/site/public/tags/go/index.html"),
              HasSubstr("Bee"));
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, TemplateEditRendersItsDependentsOnly) {
  Build();
  Write("templates/docs/page.html",
        "{% extends \"base.html\" %}{% block main %}DOC {{ page.title }}"
        "{% endblock %}");
  BuildResult r = Build();
  EXPECT_THAT(Rendered(r), ElementsAre("content/docs/x.md"));
  EXPECT_THAT(r.explain, ElementsAre("content/docs/x.md: template "
                                     "templates/docs/page.html changed"));
  EXPECT_EQ(Tree(), CleanTree());
  // A template that now shadows another one changes the choice.
  Write("templates/blog/page.html", "blog {{ page.title }}");
  r = Build();
  EXPECT_THAT(Rendered(r), ElementsAre("content/blog/a.md",
                                       "content/blog/b.md",
                                       "content/blog/c.md"));
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, DataEditRendersTheReaders) {
  Build();
  Write("data/team.yaml", "lead: Grace\n");
  BuildResult r = Build();
  EXPECT_THAT(r.explain, ElementsAre("content/_index.md: data "
                                     "data/team.yaml changed"));
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, ConfigEditRendersEverythingWithoutWarning) {
  BuildResult first = Build();
  Write("serval.toml",
        "title = \"Inc 2\"\nbaseurl = \"https://example.org/\"\n"
        "paginate = 1\n");
  BuildResult r = Build();
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_THAT(r.explain, Contains("content/about.md: config changed"));
  EXPECT_EQ(r.rendered, first.rendered);
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, StaticFileEditRewritesThatFileOnly) {
  Build();
  Write("static/site.css", "body{color:red}\n");
  BuildResult r = Build();
  EXPECT_EQ(r.rendered, 0u);
  EXPECT_EQ(*fs_.ReadFile("/site/public/site.css"), "body{color:red}\n");
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, UnchangedOutputsKeepTheirMtime) {
  Build();
  auto mtime = [&](const std::string& path) {
    return fs_.Stat(absl::StrCat("/site/public/", path))->mtime;
  };
  const absl::Time about = mtime("about/index.html");
  const absl::Time sitemap = mtime("sitemap.xml");
  const absl::Time b = mtime("blog/b/index.html");
  Write("content/blog/b.md",
        "---\ntitle: B\ndate: 2025-01-02\n---\nNew body of B.\n");
  Build();
  EXPECT_EQ(mtime("about/index.html"), about);
  EXPECT_EQ(mtime("sitemap.xml"), sitemap);  // re-made, same bytes
  EXPECT_GT(mtime("blog/b/index.html"), b);
}

TEST_F(IncrementalTest, RemovedAndRenamedPagesArePrunedForeignFilesStay) {
  Build();
  Write("public/mine.txt", "not Serval's\n");
  ASSERT_TRUE(fs_.Remove("/site/content/blog/a.md").ok());
  Write("content/blog/b2.md", *fs_.ReadFile("/site/content/blog/b.md"));
  ASSERT_TRUE(fs_.Remove("/site/content/blog/b.md").ok());
  BuildResult r = Build();
  EXPECT_FALSE(fs_.Stat("/site/public/blog/a/index.html").ok());
  EXPECT_FALSE(fs_.Stat("/site/public/old-a/index.html").ok());
  EXPECT_FALSE(fs_.Stat("/site/public/blog/b/index.html").ok());
  EXPECT_FALSE(fs_.Stat("/site/public/tags/go/index.html").ok());
  EXPECT_TRUE(fs_.Stat("/site/public/blog/b2/index.html").ok());
  EXPECT_EQ(*fs_.ReadFile("/site/public/mine.txt"), "not Serval's\n");
  Files tree = Tree();
  tree.erase("mine.txt");
  EXPECT_EQ(tree, CleanTree());
  // A stale output someone changed since is not Serval's to delete.
  Write("public/about/index.html", "hand-edited\n");
  ASSERT_TRUE(fs_.Remove("/site/content/about.md").ok());
  r = Build();
  EXPECT_EQ(*fs_.ReadFile("/site/public/about/index.html"), "hand-edited\n");
  EXPECT_THAT(absl::StrJoin(r.warnings, "\n"),
              HasSubstr("about/index.html: stale output kept"));
}

// The no-op fast path (cache/input_snapshot.h): a build that finds every
// input and output as the last committed build left them stops after one
// walk ("check"), without loading anything.
bool TookFastPath(const BuildResult& r) {
  bool checked = false, loaded = false;
  for (const PhaseTime& p : r.phases) {
    checked |= p.name == "check";
    loaded |= p.name == "load";
  }
  return checked && !loaded;
}

TEST_F(IncrementalTest, FastPathWhenNothingChangedWithTheSameCounts) {
  BuildResult first = Build();
  EXPECT_FALSE(TookFastPath(first));
  ASSERT_TRUE(fs_.Stat("/site/.serval/inputs.snap").ok());
  BuildResult second = Build();
  EXPECT_TRUE(TookFastPath(second));
  EXPECT_EQ(second.pages, first.pages);
  EXPECT_EQ(second.outputs, first.outputs);
  EXPECT_EQ(second.unchanged, first.outputs);
  EXPECT_EQ(second.written, 0u);
  EXPECT_EQ(second.rendered, 0u);
  EXPECT_TRUE(TookFastPath(Build()));
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, AnyInputOrOutputChangeLeavesTheFastPath) {
  Build();
  Build();
  struct Case {
    const char* what;
    std::function<void()> change;
  };
  const std::vector<Case> cases = {
      {"body edit", [&] { Write("content/blog/a.md", "---\ntitle: A\n---\nNew.\n"); }},
      {"same bytes rewritten", [&] { Write("content/about.md", *fs_.ReadFile("/site/content/about.md")); }},
      {"mtime forged back", [&] { ASSERT_TRUE(fs_.SetMtime("/site/content/docs/x.md", absl::FromUnixSeconds(1)).ok()); }},
      {"new page", [&] { Write("content/blog/d.md", "---\ntitle: D\n---\nD.\n"); }},
      {"removed page", [&] { ASSERT_TRUE(fs_.Remove("/site/content/blog/d.md").ok()); }},
      {"template edit", [&] { Write("templates/docs/page.html", "doc2 {{ page.title }}"); }},
      {"data edit", [&] { Write("data/team.yaml", "lead: Grace\n"); }},
      {"static edit", [&] { Write("static/site.css", "body{color:red}\n"); }},
      {"config edit", [&] { Write("serval.toml", "title = \"Inc2\"\nbaseurl = \"https://example.org/\"\npaginate = 10\n"); }},
      {"output removed", [&] { ASSERT_TRUE(fs_.Remove("/site/public/about/index.html").ok()); }},
      {"output overwritten", [&] { Write("public/blog/b/index.html", "defaced"); }},
      {"feed overwritten", [&] { Write("public/sitemap.xml", "defaced"); }},
      {"asset overwritten", [&] { Write("public/site.css", "defaced"); }},
      {"cache replaced", [&] { SetCache(Cache()); }},
      {"snapshot damaged", [&] { Write(".serval/inputs.snap", "serval-input-snapshot 1\n"); }},
  };
  for (const Case& c : cases) {
    c.change();
    BuildResult after = Build();
    EXPECT_FALSE(TookFastPath(after)) << c.what;
    EXPECT_EQ(Tree(), CleanTree()) << c.what;
    EXPECT_TRUE(TookFastPath(Build())) << c.what << ": and back on it";
  }
}

TEST_F(IncrementalTest, OtherOptionsOrBinaryLeaveTheFastPath) {
  Build();
  BuildOptions options;
  options.site_dir = "/site";
  options.build_time = absl::FromUnixSeconds(1767225600);
  options.include_drafts = true;
  now_ += absl::Seconds(10);
  EXPECT_FALSE(TookFastPath(BuildSite(fs_, options)));
  options.include_drafts = false;
  options.tool_identity = "exe=1/2";
  now_ += absl::Seconds(10);
  EXPECT_FALSE(TookFastPath(BuildSite(fs_, options)));
  now_ += absl::Seconds(10);
  EXPECT_TRUE(TookFastPath(BuildSite(fs_, options)));
  options.clean = true;
  now_ += absl::Seconds(10);
  EXPECT_FALSE(TookFastPath(BuildSite(fs_, options)));
}

TEST_F(IncrementalTest, KnownChangesSkipTheWalkButKeepOutputsByStat) {
  Build();
  Write("content/blog/b.md", "---\ntitle: B\ndate: 2025-01-02\n---\nNew.\n");
  BuildOptions options;
  options.site_dir = "/site";
  options.build_time = absl::FromUnixSeconds(1767225600);
  options.inputs_changed = true;  // as serve's watcher says
  now_ += absl::Seconds(10);
  BuildResult r = BuildSite(fs_, options);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(TookFastPath(r));
  EXPECT_EQ(Tree(), CleanTree());
  // Said even when nothing changed, it is only a normal build.
  now_ += absl::Seconds(10);
  BuildResult again = BuildSite(fs_, options);
  EXPECT_FALSE(TookFastPath(again));
  EXPECT_EQ(again.written, 0u);
  EXPECT_EQ(Tree(), CleanTree());
}

// Markdown is rendered only where it changed, or where a template or an
// output shows it; the others' fingerprints come from the cache.
TEST_F(IncrementalTest, ABodyEditRendersOnlyTheMarkdownThatIsShown) {
  BuildResult first = Build();
  EXPECT_EQ(first.markdown_rendered, 7u);  // every page with a source
  // x is in the home feed (as is every page of this small site): its new
  // summary is made, the other feed items' summaries are copied.
  Write("content/docs/x.md", "---\ntitle: X\n---\nDoc X, edited.\n");
  BuildResult second = Build();
  EXPECT_EQ(second.markdown_rendered, 1u);
  // (and the docs list, which shows x's summary)
  EXPECT_THAT(Rendered(second), ElementsAre("/docs/", "content/docs/x.md"));
  EXPECT_EQ(Tree(), CleanTree());
  // a's summary is shown by the blog list, which re-renders and shows b's
  // and c's summaries too.
  Write("content/blog/a.md",
        "---\ntitle: A\ndate: 2025-01-01\ntags: [go]\naliases: [/old-a/]\n"
        "---\nNew body of A.\n");
  BuildResult third = Build();
  EXPECT_EQ(third.markdown_rendered, 3u);
  EXPECT_THAT(Rendered(third), Contains("content/blog/_index.md"));
  EXPECT_EQ(Tree(), CleanTree());
  // --clean renders everything.
  EXPECT_EQ(Build(/*clean=*/true).markdown_rendered, 7u);
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, AnIncludedFileEditRendersTheMarkdownThatIncludesIt) {
  Write("content/docs/part.txt", "Part one.\n");
  Write("content/docs/x.md",
        "---\ntitle: X\n---\n:::{include} docs/part.txt\n:::\n");
  Build();
  EXPECT_NE(Cache().find("\"content/docs/part.txt\""), std::string::npos);
  Write("content/docs/part.txt", "Part two.\n");
  BuildResult r = Build();
  EXPECT_EQ(r.markdown_rendered, 1u);
  EXPECT_EQ(Tree(), CleanTree());
  EXPECT_THAT(*fs_.ReadFile("/site/public/index.json"), HasSubstr("Part two."));
  // Removed: the include fails, as in a clean build.
  ASSERT_TRUE(fs_.Remove("/site/content/docs/part.txt").ok());
  now_ += absl::Seconds(10);
  BuildOptions options;
  options.site_dir = "/site";
  options.build_time = absl::FromUnixSeconds(1767225600);
  BuildResult failed = BuildSite(fs_, options);
  EXPECT_THAT(absl::StrJoin(failed.errors, "\n") +
                  absl::StrJoin(failed.warnings, "\n"),
              HasSubstr("part.txt"));
}

TEST_F(IncrementalTest, MarkdownThatWarnedRendersEveryBuildToRepeatItsWarning) {
  Write("content/docs/x.md", "---\ntitle: X\n---\n:::{nosuchthing}\nbody\n:::\n");
  BuildResult first = Build();
  ASSERT_THAT(first.warnings, Not(IsEmpty()));
  Write("content/about.md", "---\ntitle: About\n---\nAbout us, edited.\n");
  BuildResult second = Build();
  EXPECT_EQ(second.markdown_rendered, 2u);  // about, and x for its warning
  EXPECT_EQ(second.warnings, first.warnings);
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, RacyInputsAreNotTrustedByTheNextBuild) {
  Build();
  // Edited in the same second as the build that reads it: a second edit in
  // the same timestamp tick could keep its size and mtime.
  Write("content/blog/b.md", "---\ntitle: B\n---\nRacy.\n");
  now_ -= absl::Seconds(10);  // Build() runs at the edit's time
  EXPECT_FALSE(TookFastPath(Build()));
  EXPECT_FALSE(TookFastPath(Build()));  // racy: not trusted
  EXPECT_TRUE(TookFastPath(Build()));
  EXPECT_EQ(Tree(), CleanTree());
}

// An input rewritten after the build read it, in the same timestamp tick
// as its last write (same size, mtime, ctime and inode: no stat can tell),
// by a build that then runs on for seconds: the input snapshot must not
// vouch for it, or the next build would take the fast path over a stale
// page. (Judged against the snapshot's own mtime alone, it was trusted.)
TEST(InputSnapshotRaceTest, AnInputRewrittenInItsTickAfterTheReadIsNotTrusted) {
  std::atomic<int64_t> now_ns{absl::ToUnixNanos(absl::FromUnixSeconds(1700000000))};
  auto advance = [&](absl::Duration d) {
    now_ns += absl::ToInt64Nanoseconds(d);
  };
  class RewriteAfterRead : public fs::MemFs {
   public:
    using fs::MemFs::MemFs;
    absl::StatusOr<std::string> ReadFile(absl::string_view path) override {
      absl::StatusOr<std::string> bytes = fs::MemFs::ReadFile(path);
      if (path == armed_path && armed.exchange(false)) {
        auto file = OpenForWrite(path, fs::OpenMode::kTruncate, 0644);
        EXPECT_TRUE(file.ok() && fs::WriteAll(**file, rewrite).ok() &&
                    (*file)->Close().ok());
        after_rewrite();
      }
      return bytes;
    }
    std::string armed_path;
    std::string rewrite;
    std::function<void()> after_rewrite;
    std::atomic<bool> armed{false};
  };
  RewriteAfterRead fs([&] { return absl::FromUnixNanos(now_ns.load()); });
  WriteFiles(fs, "/site", kSite);
  BuildOptions options;
  options.site_dir = "/site";
  options.jobs = 2;
  options.build_time = absl::FromUnixSeconds(1767225600);
  auto build = [&] {
    BuildResult r = BuildSite(fs, options);
    EXPECT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
    return r;
  };
  advance(absl::Seconds(10));
  build();
  advance(absl::Seconds(10));
  WriteFiles(fs, "/site", {{"content/blog/b.md",
                            "---\ntitle: B\n---\nFirst take.\n"}});
  fs.armed_path = "/site/content/blog/b.md";
  fs.rewrite = "---\ntitle: B\n---\nFinal word.\n";  // the same size
  fs.after_rewrite = [&] { advance(absl::Seconds(10)); };
  const fs::FileInfo before = *fs.Stat(fs.armed_path);
  fs.armed = true;
  build();  // reads "First take.", then the file says "Final word."
  ASSERT_FALSE(fs.armed);
  const fs::FileInfo after = *fs.Stat(fs.armed_path);
  ASSERT_EQ(after.size, before.size);
  ASSERT_EQ(after.mtime, before.mtime);
  ASSERT_EQ(after.ctime, before.ctime);
  ASSERT_EQ(after.inode, before.inode);
  advance(absl::Seconds(10));
  BuildResult next = build();
  EXPECT_FALSE(TookFastPath(next));
  const Files tree = ReadTree(fs, "/site/public");
  ASSERT_NE(tree.count("blog/b/index.html"), 0u);
  EXPECT_THAT(tree.at("blog/b/index.html"), HasSubstr("Final word."));
}

TEST_F(IncrementalTest, RemovingASectionIndexAfterABuildThatChangedNothing) {
  Write("templates/list.html",
        "{% extends \"base.html\" %}{% block main %}{{ page.content }}"
        "{% for p in page.pages %}<p>{{ p.title }}</p>{% endfor %}{% endblock %}");
  Build();
  Write("content/blog/_index.md", "---\ntitle: Blog\n---\nPosts.\n");
  Build();
  // A normal build that finds nothing changed (serve's watcher saw a
  // save), then the section's _index.md goes.
  now_ += absl::Seconds(10);
  BuildOptions options;
  options.site_dir = "/site";
  options.jobs = 2;
  options.build_time = absl::FromUnixSeconds(1767225600);
  options.inputs_changed = true;
  BuildResult same = BuildSite(fs_, options);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same.rendered, 0u);
  ASSERT_TRUE(fs_.Remove("/site/content/blog/_index.md").ok());
  BuildResult r = Build();
  EXPECT_THAT(Rendered(r), Contains("/blog/")) << absl::StrJoin(r.explain, "\n");
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, PagesShowingTheBuildTimeNeverTakeTheFastPath) {
  Write("templates/docs/page.html", "doc {{ page.title }} {{ now() }}");
  Build();
  EXPECT_FALSE(fs_.Stat("/site/.serval/inputs.snap").ok());
  EXPECT_FALSE(TookFastPath(Build()));
}

TEST_F(IncrementalTest, FastPathRepeatsTheLastBuildsWarnings) {
  Write("content/docs/x.md", "---\ntitle: X\n---\n:::{nosuchthing}\nbody\n:::\n");
  BuildResult first = Build();
  ASSERT_THAT(first.warnings, Not(IsEmpty()));
  BuildResult second = Build();
  EXPECT_TRUE(TookFastPath(second));
  EXPECT_EQ(second.warnings, first.warnings);
}

TEST_F(IncrementalTest, ABuildAfterTheCheckReportsItsWalkOnce) {
  // The load reuses the no-op check's walk: its warnings and its files.
  ASSERT_TRUE(fs_.Symlink("/site/nowhere.md", "/site/content/blog/gone.md").ok());
  Build();
  Build();
  Write("content/blog/d.md", "---\ntitle: D\n---\nD.\n");
  BuildResult r = Build();
  EXPECT_FALSE(TookFastPath(r));
  int dangling = 0;
  for (const std::string& w : r.warnings) {
    dangling += absl::StrContains(w, "content/blog/gone.md: dangling symlink");
  }
  EXPECT_EQ(dangling, 1) << absl::StrJoin(r.warnings, "\n");
  EXPECT_NE(Tree().count("blog/d/index.html"), 0u);
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, AFailedBuildRemovesTheSnapshot) {
  Build();
  ASSERT_TRUE(fs_.Stat("/site/.serval/inputs.snap").ok());
  Write("templates/page.html", "{% if %}");
  BuildOptions options;
  options.site_dir = "/site";
  options.build_time = absl::FromUnixSeconds(1767225600);
  now_ += absl::Seconds(10);
  EXPECT_FALSE(BuildSite(fs_, options).ok());
  // Fixing the template back to its old bytes is still a new file state.
  Write("templates/page.html", kSite.at("templates/page.html"));
  EXPECT_FALSE(TookFastPath(Build()));
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, MissingOutputIsRenderedAgain) {
  Build();
  ASSERT_TRUE(fs_.Remove("/site/public/about/index.html").ok());
  BuildResult r = Build();
  EXPECT_THAT(r.explain, ElementsAre("content/about.md: output missing"));
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, MarkerOfAnUncommittedBuildMakesKeptOutputsVerified) {
  Build();
  // A build died after replacing some outputs and before its cache.
  Write(".serval/building", "build=dead\n");
  Write("public/about/index.html", "torn\n");
  BuildResult r = Build();
  EXPECT_THAT(r.explain,
              ElementsAre("content/about.md: output not as the last "
                          "committed build wrote it"));
  EXPECT_FALSE(fs_.Stat("/site/.serval/building").ok());
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, FailedBuildLeavesTheCacheAsItWas) {
  Build();
  const std::string cache = Cache();
  Write("templates/page.html", "{% if %}");
  BuildOptions options;
  options.site_dir = "/site";
  options.build_time = absl::FromUnixSeconds(1767225600);
  EXPECT_FALSE(BuildSite(fs_, options).ok());
  EXPECT_EQ(Cache(), cache);
  Write("templates/page.html", "fixed {{ page.title }}");
  Build();
  EXPECT_EQ(Tree(), CleanTree());
}

TEST_F(IncrementalTest, CleanRendersEverythingAndStillPrunes) {
  BuildResult first = Build();
  ASSERT_TRUE(fs_.Remove("/site/content/about.md").ok());
  BuildResult r = Build(/*clean=*/true);
  EXPECT_EQ(r.rendered, first.rendered - 1);
  EXPECT_THAT(r.explain, Contains("content/blog/a.md: full build (--clean)"));
  EXPECT_EQ(Tree(), CleanTree());
}

// Each damaged cache: a warning, a full build, exit 0, the right output;
// the build after it is incremental again.
struct Damage {
  const char* name;
  std::string (*apply)(std::string);
  const char* reason;
};

std::string Replace(std::string text, absl::string_view from,
                    absl::string_view to) {
  const size_t at = text.find(std::string(from));
  if (at == std::string::npos) return "<pattern not found>";
  return text.replace(at, from.size(), std::string(to));
}

const Damage kDamages[] = {
    {"Truncated", [](std::string t) { return t.substr(0, t.size() / 2); },
     "parse error"},
    {"BitFlipped",
     [](std::string t) {
       // A bit of a hash digit in the body: still JSON, still a cache.
       const size_t at = t.find("\"content_hash\": \"") + 17;
       t[at] ^= 0x01;
       return t;
     },
     ""},
    {"WrongFormatVersion",
     [](std::string t) {
       return Replace(t, "\"format_version\":2", "\"format_version\":3");
     },
     "format version"},
    {"OtherToolVersion",
     [](std::string t) {
       return Replace(t, absl::StrCat("\"tool_version\":\"", base::kVersion),
                      "\"tool_version\":\"0.0.9");
     },
     "tool version"},
    {"ChecksumMismatch",
     [](std::string t) {
       return Replace(t, "\"checksum\":\"xxh3:", "\"checksum\":\"xxh3:0");
     },
     ""},
    {"Empty", [](std::string) { return std::string(); }, "parse error"},
};

class DamagedCacheTest : public IncrementalTest,
                         public ::testing::WithParamInterface<Damage> {};

TEST_P(DamagedCacheTest, WarnsAndBuildsEverything) {
  BuildResult first = Build();
  const std::string damaged = GetParam().apply(Cache());
  ASSERT_NE(damaged, "<pattern not found>");
  SetCache(damaged);
  Write("content/blog/b.md",
        "---\ntitle: B\ndate: 2025-01-02\n---\nNew body of B.\n");
  BuildResult r = Build();
  ASSERT_EQ(r.warnings.size(), 1u) << absl::StrJoin(r.warnings, "\n");
  EXPECT_THAT(r.warnings[0], HasSubstr("cache discarded: "));
  EXPECT_THAT(r.warnings[0], HasSubstr(GetParam().reason));
  EXPECT_EQ(r.rendered, first.rendered);
  EXPECT_EQ(Tree(), CleanTree());
  BuildResult again = Build();
  EXPECT_THAT(again.warnings, IsEmpty());
  EXPECT_EQ(again.rendered, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Damages, DamagedCacheTest, ::testing::ValuesIn(kDamages),
    [](const ::testing::TestParamInfo<Damage>& info) {
      return std::string(info.param.name);
    });

TEST_F(IncrementalTest, AnotherSitesCacheIsDiscarded) {
  Build();
  // The same sources under another base URL: another site.
  Write("serval.toml",
        "title = \"Inc\"\nbaseurl = \"https://other.example/\"\n"
        "paginate = 10\n");
  BuildResult r = Build();
  EXPECT_THAT(absl::StrJoin(r.warnings, "\n"),
              HasSubstr("cache discarded: another site"));
  EXPECT_EQ(Tree(), CleanTree());
}

}  // namespace
}  // namespace serval::build
