#include "src/markdown/markdown.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace serval::markdown {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RenderedMarkdown Render(absl::string_view text,
                        MarkdownOptions options = MarkdownOptions()) {
  absl::StatusOr<RenderedMarkdown> r = RenderMarkdown(text, options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : RenderedMarkdown();
}

TEST(MarkdownTest, PlainCommonMark) {
  RenderedMarkdown r = Render("# Hi\n\n*a* `b` <span>c</span>\n",
                              MarkdownOptions::CommonMark());
  EXPECT_EQ(r.html, "<h1>Hi</h1>\n<p><em>a</em> <code>b</code> <span>c</span></p>\n");
}

TEST(MarkdownTest, GitHubExtensions) {
  RenderedMarkdown r = Render(
      "| a | b |\n|---|--:|\n| 1 | 2 |\n\n~~gone~~ www.example.com\n\n- [x] done\n");
  EXPECT_THAT(r.html, HasSubstr("<table>"));
  EXPECT_THAT(r.html, HasSubstr("<td align=\"right\">2</td>"));
  EXPECT_THAT(r.html, HasSubstr("<del>gone</del>"));
  EXPECT_THAT(r.html, HasSubstr("<a href=\"http://www.example.com\">"));
  EXPECT_THAT(r.html, HasSubstr("checked"));
}

TEST(MarkdownTest, HeadingIdsAreUniqueAndExplicitIdsWin) {
  RenderedMarkdown r = Render(
      "## Intro\n\n## Intro\n\n### Setup & Go {#custom}\n\n# Top\n");
  EXPECT_THAT(r.html, HasSubstr("<h2 id=\"intro\">Intro</h2>"));
  EXPECT_THAT(r.html, HasSubstr("<h2 id=\"intro-1\">Intro</h2>"));
  EXPECT_THAT(r.html, HasSubstr("<h3 id=\"custom\">Setup &amp; Go</h3>"));
  ASSERT_EQ(r.toc.size(), 3u);  // h1 is outside the default 2..3 range
  EXPECT_EQ(r.toc[2].id, "custom");
  EXPECT_EQ(r.toc[2].title, "Setup & Go");
  EXPECT_EQ(r.toc_html,
            "<ul>\n<li><a href=\"#intro\">Intro</a></li>\n"
            "<li><a href=\"#intro-1\">Intro</a>\n<ul>\n"
            "<li><a href=\"#custom\">Setup &amp; Go</a></li>\n</ul>\n</li>\n</ul>\n");
}

TEST(MarkdownTest, AnchorsAndTocLevels) {
  MarkdownOptions o;
  o.heading_anchors = true;
  o.toc_min_level = 1;
  o.toc_max_level = 1;
  RenderedMarkdown r = Render("# A\n\n## B\n", o);
  EXPECT_THAT(r.html, HasSubstr("<a class=\"headerlink\" href=\"#a\""));
  ASSERT_EQ(r.toc.size(), 1u);
  EXPECT_EQ(r.toc[0].title, "A");
}

TEST(MarkdownTest, SummaryWordCountReadingTime) {
  RenderedMarkdown r = Render("First *para* here.\n\nSecond one.\n");
  EXPECT_EQ(r.summary_html, "<p>First <em>para</em> here.</p>\n");
  EXPECT_EQ(r.word_count, 5);
  EXPECT_EQ(r.reading_minutes, 1);
  RenderedMarkdown more = Render("One.\n\nTwo.\n\n<!--more-->\n\nThree.\n");
  EXPECT_TRUE(more.has_more_marker);
  EXPECT_EQ(more.summary_html, "<p>One.</p>\n<p>Two.</p>\n");
}

TEST(MarkdownTest, HighlightsKnownLanguagesOnly) {
  RenderedMarkdown r = Render("```python\ndef f(): pass\n```\n\n```nosuch\n<x>\n```\n");
  EXPECT_THAT(r.html, HasSubstr("<div class=\"highlight\"><pre><code class=\"language-python\"><span class=\"k\">def</span>"));
  EXPECT_THAT(r.html, HasSubstr("<pre><code class=\"language-nosuch\">&lt;x&gt;\n</code></pre>"));
}

TEST(MarkdownTest, Admonitions) {
  RenderedMarkdown r = Render(":::{warning} Be <careful>\n**Hot** stuff\n:::\n");
  EXPECT_THAT(r.html, HasSubstr("<div class=\"admonition warning\">"));
  EXPECT_THAT(r.html, HasSubstr("<p class=\"admonition-title\">Be &lt;careful&gt;</p>"));
  EXPECT_THAT(r.html, HasSubstr("<strong>Hot</strong>"));
  RenderedMarkdown untitled = Render(":::{seealso}\nx\n:::\n");
  EXPECT_THAT(untitled.html, HasSubstr(">See also</p>"));
}

TEST(MarkdownTest, DropdownTabsCardsSteps) {
  RenderedMarkdown r = Render(
      ":::{dropdown} More\n:open:\nhidden\n:::\n\n"
      "::::{tab-set}\n:::{tab-item} Py\npy\n:::\n:::{tab-item} Go\ngo\n:::\n::::\n\n"
      "::::{cards}\n:columns: 2\n:::{card} One\n:link: /one/\nbody\n:::\n::::\n\n"
      "::::{steps}\n:::{step} First\ndo it\n:::\n::::\n");
  EXPECT_THAT(r.html, HasSubstr("<details class=\"dropdown\" open>\n<summary>More</summary>"));
  EXPECT_THAT(r.html, HasSubstr("data-tab=\"1\">Go</button>"));
  EXPECT_THAT(r.html, HasSubstr("<div class=\"tab-panel\" role=\"tabpanel\" data-tab=\"1\">\n<p>go</p>"));
  EXPECT_THAT(r.html, HasSubstr("<div class=\"card-grid\" data-columns=\"2\">"));
  EXPECT_THAT(r.html, HasSubstr("<a href=\"/one/\">One</a>"));
  EXPECT_THAT(r.html, HasSubstr("<ol class=\"steps\">\n<li class=\"step\">"));
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics[0].ToString();
}

TEST(MarkdownTest, BadgeButtonCodeTabsListTable) {
  RenderedMarkdown r = Render(
      ":::{badge} New\n:color: success\n:::\n\n"
      ":::{button} https://example.com/\nGo there\n:::\n\n"
      ":::{code-tabs}\n### Python\n```python\nx = 1\n```\n```go\nvar x\n```\n:::\n\n"
      ":::{list-table} Caption\n:header-rows: 1\n* - A\n  - B\n* - *1*\n  - 2\n:::\n");
  EXPECT_THAT(r.html, HasSubstr("<span class=\"badge badge-success\">New</span>"));
  EXPECT_THAT(r.html, HasSubstr("<a class=\"button button-primary\" href=\"https://example.com/\">Go there</a>"));
  EXPECT_THAT(r.html, HasSubstr(">Python</button><button class=\"tab-label\" role=\"tab\" data-tab=\"1\">go</button>"));
  EXPECT_THAT(r.html, HasSubstr("<caption>Caption</caption>"));
  EXPECT_THAT(r.html, HasSubstr("<thead>\n<tr>\n<th>A</th>\n<th>B</th>"));
  EXPECT_THAT(r.html, HasSubstr("<td><em>1</em></td>"));
}

TEST(MarkdownTest, DirectiveArgumentsCannotInjectMarkup) {
  RenderedMarkdown r = Render(
      ":::{note} <script>alert(1)</script>\n:class: x\" onclick=\"evil\n:::\n\n"
      ":::{button} javascript:alert(1)\nclick\n:::\n\n"
      ":::{card} \"><img src=x>\n:link: javascript:evil()\n:::\n\n"
      ":::{badge} <b>\n:color: \"><i>\n:::\n\n"
      "{abbr}`X (<b>\"y\")` {kbd}`<Ctrl>+C`\n");
  EXPECT_THAT(r.html, Not(HasSubstr("<script>")));
  EXPECT_THAT(r.html, Not(HasSubstr("javascript:")));
  EXPECT_THAT(r.html, Not(HasSubstr("onclick=\"")));
  EXPECT_THAT(r.html, Not(HasSubstr("<img")));
  EXPECT_THAT(r.html, Not(HasSubstr("<b>")));
  EXPECT_THAT(r.html, Not(HasSubstr("<i>")));
  EXPECT_THAT(r.html, HasSubstr("<abbr title=\"&lt;b&gt;&quot;y&quot;\">X</abbr>"));
  EXPECT_THAT(r.html, HasSubstr("<kbd>&lt;Ctrl&gt;</kbd>+<kbd>C</kbd>"));
}

TEST(MarkdownTest, RawHtmlPassesThroughUnlessDisabled) {
  EXPECT_THAT(Render("<div>x</div>\n").html, HasSubstr("<div>x</div>"));
  MarkdownOptions o;
  o.allow_raw_html = false;
  RenderedMarkdown r = Render("<div>x</div>\n\na <b>b</b>\n", o);
  EXPECT_THAT(r.html, Not(HasSubstr("<div>")));
  EXPECT_THAT(r.html, Not(HasSubstr("<b>")));
}

TEST(MarkdownTest, Roles) {
  RenderedMarkdown r = Render("Press {kbd}`Ctrl+C`, H{sub}`2`O, x{sup}`2`, `{kbd}` stays.\n");
  EXPECT_THAT(r.html, HasSubstr("<kbd class=\"kbd\"><kbd>Ctrl</kbd>+<kbd>C</kbd></kbd>"));
  EXPECT_THAT(r.html, HasSubstr("H<sub>2</sub>O"));
  EXPECT_THAT(r.html, HasSubstr("x<sup>2</sup>"));
  EXPECT_THAT(r.html, HasSubstr("<code>{kbd}</code> stays"));
}

TEST(MarkdownTest, UnknownDirectiveWarnsWithFileAndLine) {
  MarkdownOptions o;
  o.source_path = "docs/a.md";
  RenderedMarkdown r = Render("text\n\n:::{frobnicate} x\nbody\n:::\n", o);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].ToString(),
            "docs/a.md:3:1: warning: unknown directive {frobnicate}");
  EXPECT_THAT(r.html, HasSubstr("<div class=\"directive-unknown\" data-directive=\"frobnicate\">\n<p>body</p>"));
}

TEST(MarkdownTest, DiagnosticsNameTheFenceColumn) {
  MarkdownOptions o;
  o.source_path = "docs/a.md";
  // An indented fence (up to 3 spaces), and one nested in a note's body.
  RenderedMarkdown r = Render(
      "  :::{frobnicate}\n  x\n  :::\n\n"
      "::::{note}\n   :::{unclosed-thing}\n   y\n::::\n",
      o);
  std::vector<std::string> got;
  for (const Diagnostic& d : r.diagnostics) got.push_back(d.ToString());
  EXPECT_THAT(got, ::testing::Contains(
                       "docs/a.md:1:3: warning: unknown directive {frobnicate}"));
  EXPECT_THAT(got,
              ::testing::Contains(
                  "docs/a.md:6:4: warning: unknown directive {unclosed-thing}"));
}

MarkdownOptions WithFiles(absl::flat_hash_map<std::string, std::string> files) {
  MarkdownOptions o;
  o.source_path = "page.md";
  o.read_file = [files = std::move(files)](absl::string_view path)
      -> absl::StatusOr<std::string> {
    auto it = files.find(std::string(path));
    if (it == files.end()) return absl::NotFoundError("no such file");
    return it->second;
  };
  return o;
}

TEST(MarkdownTest, IncludeAndLiteralInclude) {
  MarkdownOptions o = WithFiles({{"snippets/part.md", "## Part\n\nIncluded.\n"},
                                 {"code/x.py", "a = 1\nb = 2\nc = 3\n"}});
  RenderedMarkdown r = Render(
      ":::{include} snippets/./part.md\n:::\n\n"
      ":::{literalinclude} code/x.py\n:lines: 2-3\n:::\n", o);
  EXPECT_THAT(r.html, HasSubstr("<h2 id=\"part\">Part</h2>\n<p>Included.</p>"));
  EXPECT_THAT(r.html, HasSubstr("language-py\"><span class=\"n\">b</span>"));
  EXPECT_THAT(r.html, Not(HasSubstr(">a<")));
  EXPECT_EQ(r.dependencies,
            (std::vector<std::string>{"snippets/part.md", "code/x.py"}));
  ASSERT_EQ(r.toc.size(), 1u);
}

TEST(MarkdownTest, IncludeRefusesEscapesAndCycles) {
  MarkdownOptions o = WithFiles({{"a.md", ":::{include} b.md\n:::\n"},
                                 {"b.md", ":::{include} a.md\n:::\n"}});
  RenderedMarkdown r = Render(
      ":::{include} ../secret\n:::\n\n:::{include} /etc/passwd\n:::\n\n"
      ":::{include} a.md\n:::\n\n:::{include} missing.md\n:::\n", o);
  ASSERT_EQ(r.diagnostics.size(), 4u);
  EXPECT_THAT(r.diagnostics[0].message, HasSubstr("outside the content root"));
  EXPECT_THAT(r.diagnostics[1].message, HasSubstr("outside the content root"));
  EXPECT_THAT(r.diagnostics[2].message,
              HasSubstr("cycle: page.md -> a.md -> b.md -> a.md"));
  EXPECT_EQ(r.diagnostics[2].file, "b.md");
  EXPECT_THAT(r.diagnostics[3].message, HasSubstr("no such file"));
}

TEST(MarkdownTest, NormalizeContentPath) {
  EXPECT_EQ(NormalizeContentPath("a/./b/../c.md"), "a/c.md");
  EXPECT_EQ(NormalizeContentPath("../x"), "");
  EXPECT_EQ(NormalizeContentPath("a/../../x"), "");
  EXPECT_EQ(NormalizeContentPath("/abs"), "");
  EXPECT_EQ(NormalizeContentPath("a\\b"), "");
}

TEST(MarkdownTest, DeepNestingIsBounded) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += std::string(43 - i, ':') + "{note}\n";
  RenderedMarkdown r = Render(text);
  EXPECT_FALSE(r.diagnostics.empty());
}

TEST(MarkdownTest, RefusesHugeInput) {
  MarkdownOptions o;
  o.max_input_bytes = 10;
  EXPECT_EQ(RenderMarkdown("0123456789ab", o).status().code(),
            absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace serval::markdown

namespace serval::markdown {
namespace {

TEST(MarkdownFootnotesTest, NumberedInOrderOfFirstReference) {
  RenderedMarkdown r = Render(
      "B[^b] then A[^a] and B again[^b], `[^a]` in code, [^none].\n\n"
      "[^a]: Note *A*.\n[^b]: Note B.\n");
  EXPECT_THAT(r.html, HasSubstr(
      "B<sup class=\"footnote-ref\" id=\"fnref-1\"><a href=\"#fn-1\">1</a></sup> then "
      "A<sup class=\"footnote-ref\" id=\"fnref-2\"><a href=\"#fn-2\">2</a></sup>"));
  EXPECT_THAT(r.html, HasSubstr("again<sup class=\"footnote-ref\"><a href=\"#fn-1\">1</a></sup>"));
  EXPECT_THAT(r.html, HasSubstr("<code>[^a]</code>"));
  EXPECT_THAT(r.html, HasSubstr("[^none]"));
  EXPECT_THAT(r.html, HasSubstr(
      "<section class=\"footnotes\">\n<ol>\n<li id=\"fn-1\">\n<p>Note B. "
      "<a href=\"#fnref-1\" class=\"footnote-backref\">\xe2\x86\xa9</a></p>\n</li>\n"
      "<li id=\"fn-2\">\n<p>Note <em>A</em>."));
}

TEST(MarkdownFootnotesTest, OffInCommonMarkMode) {
  RenderedMarkdown r = Render("x[^1]\n\n[^1]: n\n", MarkdownOptions::CommonMark());
  // Without footnotes "[^1]: n" is a link reference definition.
  EXPECT_EQ(r.html, "<p>x<a href=\"n\">^1</a></p>\n");
}

}  // namespace
}  // namespace serval::markdown
