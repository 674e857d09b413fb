// Integration tests: a whole small site written inline into a MemFs (and
// once on disk), built by BuildSite, checked through its output files.
#include "src/build/build.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/build/link_checker.h"
#include "src/build/markdown_cache.h"
#include "src/fs/mem_fs.h"
#include "src/fs/posix_fs.h"

namespace serval::build {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

using Files = std::map<std::string, std::string>;

class BuildTest : public ::testing::Test {
 protected:
  void Write(const Files& files) {
    for (const auto& [path, text] : files) Write(path, text);
  }
  void Write(const std::string& path, const std::string& text) {
    const std::string full = absl::StrCat("/site/", path);
    ASSERT_TRUE(fs::CreateDirs(fs_, fs::Dirname(full)).ok());
    auto file = fs_.OpenForWrite(full, fs::OpenMode::kTruncate, 0644);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE(fs::WriteAll(**file, text).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  void Remove(const std::string& path) {
    ASSERT_TRUE(fs_.Remove(absl::StrCat("/site/", path)).ok());
  }

  BuildResult Build(int jobs = 2) {
    BuildOptions options;
    options.site_dir = "/site";
    options.jobs = jobs;
    options.build_time = absl::FromUnixSeconds(1767225600);  // 2026-01-01
    return BuildSite(fs_, options);
  }

  // The output file at `path` under /site/public, or "<missing>".
  std::string Out(const std::string& path) {
    absl::StatusOr<std::string> text =
        fs_.ReadFile(absl::StrCat("/site/public/", path));
    return text.ok() ? *text : "<missing>";
  }
  bool Exists(const std::string& path) {
    return fs_.Stat(absl::StrCat("/site/public/", path)).ok();
  }

  // Every file under `dir`, path -> bytes.
  Files Tree(const std::string& dir) {
    Files tree;
    CollectTree(dir, "", &tree);
    return tree;
  }
  void CollectTree(const std::string& dir, const std::string& rel, Files* out) {
    auto names = fs_.ListDir(dir);
    if (!names.ok()) return;
    for (const std::string& name : *names) {
      const std::string path = fs::JoinPath(dir, name);
      const std::string child = rel.empty() ? name : absl::StrCat(rel, "/", name);
      auto info = fs_.Stat(path);
      ASSERT_TRUE(info.ok());
      if (info->type == fs::FileType::kDirectory) {
        CollectTree(path, child, out);
      } else {
        (*out)[child] = *fs_.ReadFile(path);
      }
    }
  }

  static std::string Errors(const BuildResult& r) {
    return absl::StrJoin(r.errors, "\n");
  }

  fs::MemFs fs_;
};

const Files kBlog = {
    {"serval.toml",
     "title = \"Test Blog\"\nbaseurl = \"https://example.org/\"\n"
     "paginate = 2\n"},
    {"content/_index.md", "---\ntitle: Home\n---\nWelcome *home*.\n"},
    {"content/blog/_index.md", "---\ntitle: Blog\n---\nAll posts.\n"},
    {"content/blog/first.md",
     "---\ntitle: First Post\ndate: 2025-01-02\ntags: [go, Web Dev]\n"
     "aliases: [/old/first/]\n---\nFirst paragraph.\n\n<!--more-->\n\n"
     "## Section A\n\n```go\nfunc main() {}\n```\n\n"
     ":::{note} Heads up\nA note.\n:::\n"},
    {"content/blog/second.md",
     "+++\ntitle = \"Second\"\ndate = 2025-02-03\ntags = [\"go\"]\n+++\n"
     "Second body.\n"},
    {"content/blog/third.md",
     "{\"title\": \"Third\", \"date\": \"2025-03-04\"}\nThird body.\n"},
    {"content/about.md", "---\ntitle: About\n---\nAbout us.\n"},
    {"static/favicon.svg", "<svg/>"},
    {"static/css/extra.css", "body {  color : red ; }\n"},
};

TEST_F(BuildTest, DefaultThemeBuildsEveryOutput) {
  Write(kBlog);
  BuildResult r = Build();
  ASSERT_TRUE(r.ok()) << Errors(r);
  EXPECT_THAT(Out("index.html"), HasSubstr("<title>Test Blog</title>"));
  const std::string first = Out("blog/first/index.html");
  EXPECT_THAT(first, HasSubstr("<h1>First Post</h1>"));
  EXPECT_THAT(first, HasSubstr("id=\"section-a\""));
  EXPECT_THAT(first, HasSubstr("class=\"highlight\""));
  EXPECT_THAT(first, HasSubstr("admonition"));
  EXPECT_THAT(first, HasSubstr("href=\"/tags/web-dev/\""));
  EXPECT_THAT(first, HasSubstr("January 02, 2025"));
  // The stylesheet is fingerprinted and the page links the fingerprint.
  EXPECT_THAT(first, testing::ContainsRegex("/css/serval\\.[0-9a-f]{16}\\.css"));
  EXPECT_THAT(Out("tags/go/index.html"), HasSubstr("Second"));
  EXPECT_THAT(Out("tags/index.html"), HasSubstr("Web Dev"));
  EXPECT_THAT(Out("old/first/index.html"),
              HasSubstr("https://example.org/blog/first/"));
  EXPECT_THAT(Out("sitemap.xml"), HasSubstr("https://example.org/about/"));
  EXPECT_THAT(Out("index.xml"), HasSubstr("<rss"));
  EXPECT_THAT(Out("blog/index.xml"), HasSubstr("First Post"));
  EXPECT_THAT(Out("tags/go/atom.xml"), HasSubstr("<feed"));
  EXPECT_THAT(Out("index.json"), HasSubstr("\"title\""));
  EXPECT_THAT(Out("robots.txt"), HasSubstr("Sitemap:"));
  EXPECT_THAT(Out("404.html"), HasSubstr("Page not found"));
  EXPECT_THAT(Out("search/index.html"), HasSubstr("search-input"));
  EXPECT_EQ(Out("favicon.svg"), "<svg/>");
  EXPECT_EQ(Out("css/extra.css"), "body {  color : red ; }\n");
  EXPECT_TRUE(Exists("css/highlight.css"));
  EXPECT_EQ(r.written, r.outputs);
  EXPECT_GT(r.pages, 8u);
  // No marker: the build committed.
  EXPECT_FALSE(fs_.Stat("/site/.serval/building").ok());
}

TEST_F(BuildTest, PaginationOnlyWhenTheTemplateUsesThePager) {
  Write(kBlog);
  ASSERT_TRUE(Build().ok());
  // Default theme: home lists 4 regular pages, 2 per page.
  EXPECT_THAT(Out("index.html"), HasSubstr("Page 1 of 2"));
  EXPECT_THAT(Out("page/2/index.html"), HasSubstr("Page 2 of 2"));
  EXPECT_FALSE(Exists("page/3/index.html"));
  EXPECT_THAT(Out("blog/page/2/index.html"), HasSubstr("First Post"));

  // A list template that never touches the pager gets no extra pages.
  Write("templates/list.html", "{% for p in page.pages %}{{ p.title }};{% endfor %}");
  Write("templates/home.html", "home");
  Write("templates/page.html", "{{ page.title }}");
  Write("templates/taxonomy.html", "tax");
  Write("templates/term.html", "term");
  BuildResult r = Build();
  ASSERT_TRUE(r.ok()) << Errors(r);
  // Outputs of the first build that this one no longer makes are pruned.
  EXPECT_EQ(Out("blog/index.html"), "Third;Second;First Post;");
  EXPECT_FALSE(Exists("blog/page/2/index.html"));
  BuildOptions options;
  options.site_dir = "/site";
  options.output_dir = "/fresh";
  ASSERT_TRUE(BuildSite(fs_, options).ok());
  EXPECT_TRUE(fs_.Stat("/fresh/blog/index.html").ok());
  EXPECT_FALSE(fs_.Stat("/fresh/blog/page/2/index.html").ok());
}

TEST_F(BuildTest, TemplateLookupOrder) {
  Write(kBlog);
  Write("content/blog/doc.md", "---\ntitle: Doc\nlayout: special\n---\nx\n");
  Write("templates/page.html", "generic {{ page.title }}");
  Write("templates/blog/page.html", "blog {{ page.title }}");
  Write("templates/special.html", "special {{ page.title }}");
  Write("templates/list.html", "list {{ page.title }}");
  BuildResult r = Build();
  ASSERT_TRUE(r.ok()) << Errors(r);
  EXPECT_EQ(Out("about/index.html"), "generic About");
  EXPECT_EQ(Out("blog/first/index.html"), "blog First Post");
  EXPECT_EQ(Out("blog/doc/index.html"), "special Doc");
  EXPECT_EQ(Out("blog/index.html"), "list Blog");
  // home.html of the theme is found before the site's list.html? No: the
  // site's own templates come first for every candidate.
  EXPECT_EQ(Out("index.html"), "list Home");
  // The site has its own templates and no 404/search: none are mixed in
  // from the theme.
  EXPECT_FALSE(Exists("404.html"));
  EXPECT_FALSE(Exists("css/serval.css"));
}

TEST_F(BuildTest, ContextVariablesAndSiteFunctions) {
  Write(kBlog);
  Write("data/authors.yaml", "ada: {name: Ada}\n");
  Write("templates/page.html",
        "{{ site.title }}|{{ page.url }}|{{ page.permalink }}|"
        "{{ page.kind }}|{{ page.section }}|{{ page.date }}|"
        "{{ page.tags | join(',') }}|{{ site.data.authors.ada.name }}|"
        "{{ page.prev.title if page.prev else '-' }}|"
        "{{ page.next.title if page.next else '-' }}|"
        "{{ '/x/' | absolute_url }}|{{ 'Hello World' | slugify }}|"
        "{{ page.date | dateformat('%d.%m.%Y') }}|{{ page.date | time_ago }}|"
        "{{ site.pages | where('section', 'blog') | length }}|"
        "{{ (site.pages | sort_by('title') | first).title }}|"
        "{{ get_page('blog/second.md').title }}|{{ tag_url('Web Dev') }}|"
        "{{ page | has_tag('GO') }}|{{ {'a': '<b>'} | jsonify }}|"
        "{{ config.title }}|{{ page.content }}");
  Write("templates/list.html", "list");
  BuildResult r = Build();
  ASSERT_TRUE(r.ok()) << Errors(r);
  const std::string out = Out("blog/second/index.html");
  EXPECT_THAT(out, HasSubstr("Test Blog|/blog/second/|"
                             "https://example.org/blog/second/|page|blog|"
                             "2025-02-03|go|Ada|"));
  EXPECT_THAT(out, HasSubstr("|https://example.org/x/|hello-world|03.02.2025|"
                             "11 months ago|3|About|Second|/tags/web-dev/|"
                             "True|{\"a\": \"\\u003cb\\u003e\"}|Test Blog|"
                             "<p>Second body.</p>"));
}

TEST_F(BuildTest, OutputIsIdenticalForAnyJobsAndRuns) {
  Write(kBlog);
  ASSERT_TRUE(Build(1).ok());
  const Files serial = Tree("/site/public");
  ASSERT_TRUE(fs_.Stat("/site/public/index.html").ok());
  for (int jobs : {2, 4, 8}) {
    BuildResult r = Build(jobs);
    ASSERT_TRUE(r.ok()) << Errors(r);
    EXPECT_EQ(r.written, 0u) << "jobs=" << jobs;  // same bytes: no rewrite
    EXPECT_EQ(Tree("/site/public"), serial) << "jobs=" << jobs;
  }
}

TEST_F(BuildTest, EveryBadInputIsReportedAndNothingIsWritten) {
  Write(kBlog);
  ASSERT_TRUE(Build().ok());
  const Files before = Tree("/site/public");

  Write("content/blog/broken.md", "---\ntitle: [unclosed\n---\nx\n");
  Write("content/blog/binary.md", "---\ntitle: B\n---\nbad \xff byte\n");
  Write("content/dup.md", "---\ntitle: Dup\nslug: about\n---\nx\n");
  Write("content/blog/tpl.md", "---\ntitle: T\nlayout: missing\n---\nx\n");
  Write("templates/missing.html", "{% if %}");
  BuildResult r = Build();
  EXPECT_FALSE(r.ok());
  const std::string errors = Errors(r);
  EXPECT_THAT(errors, HasSubstr("content/blog/broken.md:3:1: YAML:"));
  EXPECT_THAT(errors, HasSubstr("content/blog/binary.md:4:5"));
  EXPECT_THAT(errors, HasSubstr("/about/"));
  // The contested URL is one error, not also an output conflict.
  EXPECT_THAT(errors, Not(HasSubstr("is also written by"))) << errors;
  EXPECT_THAT(errors, HasSubstr("missing.html:1:"));
  EXPECT_EQ(Tree("/site/public"), before) << "previous output must stay";
}

TEST_F(BuildTest, AMissingOrForeignSiteDirectoryIsAnErrorAndIsNotCreated) {
  BuildOptions options;
  options.site_dir = "/nowhere";
  BuildResult missing = BuildSite(fs_, options);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.errors[0], HasSubstr("/nowhere: not a site directory"));
  EXPECT_FALSE(fs_.Stat("/nowhere").ok());

  // A directory that is not a site (no serval.toml, no content/) gets no
  // public/ and no .serval/.
  Write("notes.txt", "x");
  options.site_dir = "/site";
  BuildResult foreign = BuildSite(fs_, options);
  ASSERT_FALSE(foreign.ok());
  EXPECT_THAT(foreign.errors[0], HasSubstr("not a Serval site"));
  EXPECT_FALSE(fs_.Stat("/site/public").ok());
  EXPECT_FALSE(fs_.Stat("/site/.serval").ok());
}

TEST_F(BuildTest, TemplateRuntimeErrorNamesTheTemplateLine) {
  Write(kBlog);
  Write("templates/page.html", "line one\n{{ page.title | no_such_filter }}\n");
  Write("templates/list.html", "list");
  BuildResult r = Build();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("page.html:2:"));
  EXPECT_THAT(Errors(r), HasSubstr("content/about.md: rendering about/index.html"));
  EXPECT_FALSE(Exists("index.html"));  // nothing written
}

TEST_F(BuildTest, StaticFileClashingWithAPageIsAnError) {
  Write(kBlog);
  Write("static/about/index.html", "static");
  BuildResult r = Build();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("about/index.html"));
}

TEST_F(BuildTest, DraftsOnlyWithTheOption) {
  Write(kBlog);
  Write("content/blog/draft.md", "---\ntitle: Secret\ndraft: true\n---\nx\n");
  ASSERT_TRUE(Build().ok());
  EXPECT_FALSE(Exists("blog/draft/index.html"));
  BuildOptions options;
  options.site_dir = "/site";
  options.include_drafts = true;
  ASSERT_TRUE(BuildSite(fs_, options).ok());
  EXPECT_TRUE(Exists("blog/draft/index.html"));
}

TEST_F(BuildTest, MarkdownWarningsCarryFileLines) {
  Write(kBlog);
  Write("content/blog/unknown.md",
        "---\ntitle: U\n---\n\nText.\n\n:::{nosuchthing}\nbody\n:::\n");
  BuildResult r = Build();
  ASSERT_TRUE(r.ok()) << Errors(r);
  EXPECT_THAT(absl::StrJoin(r.warnings, "\n"),
              HasSubstr("content/blog/unknown.md:7:"));
}

TEST_F(BuildTest, CheckFindsBrokenLinksAndAnchorsOnly) {
  Write(kBlog);
  ASSERT_TRUE(Build().ok());
  EXPECT_THAT(CheckLinks(fs_, "/site/public", "https://example.org/"),
              IsEmpty());
  Write("content/links.md",
        "---\ntitle: Links\n---\nIntro.\n\n[ok](/blog/first/#section-a) "
        "[rel](../blog/second/) [abs](https://example.org/about/) "
        "[ext](https://other.org/x) [mail](mailto:a@b.c)\n\n"
        "[gone](/blog/nope/) [anchor](/blog/first/#no-such-id)\n");
  ASSERT_TRUE(Build().ok());
  std::vector<std::string> problems =
      CheckLinks(fs_, "/site/public", "https://example.org/");
  ASSERT_EQ(problems.size(), 2u) << absl::StrJoin(problems, "\n");
  EXPECT_THAT(problems[0], HasSubstr("links/index.html:"));
  EXPECT_THAT(problems[0], HasSubstr("broken link /blog/nope/"));
  EXPECT_THAT(problems[1], HasSubstr("broken anchor /blog/first/#no-such-id"));
}

TEST_F(BuildTest, MarkdownCacheReusesUnchangedPagesOnly) {
  Write(kBlog);
  Write("content/snippet.md", "Included *once*.\n");
  Write("content/blog/inc.md",
        "---\ntitle: Inc\n---\n:::{include} snippet.md\n:::\n");
  MarkdownCache cache;
  BuildOptions options;
  options.site_dir = "/site";
  options.build_time = absl::FromUnixSeconds(1767225600);
  options.markdown_cache = &cache;
  options.clean = true;
  ASSERT_TRUE(BuildSite(fs_, options).ok());
  const Files first = Tree("/site/public");
  const int64_t pages_with_markdown = static_cast<int64_t>(cache.size());
  EXPECT_GT(pages_with_markdown, 5);
  EXPECT_EQ(cache.hits(), 0);

  // Nothing changed: every page comes from the cache, same bytes.
  ASSERT_TRUE(BuildSite(fs_, options).ok());
  EXPECT_EQ(cache.hits(), pages_with_markdown);
  EXPECT_EQ(Tree("/site/public"), first);

  // An included file changes (it is a page too): both it and the page
  // including it are rendered again; every other page is a hit.
  Write("content/snippet.md", "Included *twice*.\n");
  ASSERT_TRUE(BuildSite(fs_, options).ok());
  EXPECT_EQ(cache.hits(), 2 * pages_with_markdown - 2);
  EXPECT_THAT(Out("blog/inc/index.html"), HasSubstr("<em>twice</em>"));

  // A removed page's entry is dropped at the end of the next build.
  Remove("content/about.md");
  ASSERT_TRUE(BuildSite(fs_, options).ok());
  EXPECT_EQ(static_cast<int64_t>(cache.size()), pages_with_markdown - 1);

  // The cached build equals a build without the cache.
  options.markdown_cache = nullptr;
  options.output_dir = "/uncached";
  ASSERT_TRUE(BuildSite(fs_, options).ok());
  EXPECT_EQ(Tree("/uncached"), Tree("/site/public"));
}

TEST(BuildOnDiskTest, BuildsThroughPosixFs) {
  const std::string dir = absl::StrCat(testing::TempDir(), "/build_on_disk");
  fs::PosixFs posix;
  for (const auto& [path, text] : kBlog) {
    const std::string full = fs::JoinPath(dir, path);
    ASSERT_TRUE(fs::CreateDirs(posix, fs::Dirname(full)).ok());
    auto file = posix.OpenForWrite(full, fs::OpenMode::kTruncate, 0644);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(fs::WriteAll(**file, text).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  BuildOptions options;
  options.site_dir = dir;
  BuildResult r = BuildSite(posix, options);
  ASSERT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
  auto home = posix.ReadFile(fs::JoinPath(dir, "public/index.html"));
  ASSERT_TRUE(home.ok());
  EXPECT_THAT(*home, HasSubstr("Test Blog"));
  EXPECT_THAT(r.Summary(), HasSubstr("pages/s"));
}

}  // namespace
}  // namespace serval::build
