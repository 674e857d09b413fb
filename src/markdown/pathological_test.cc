// md4c's pathological inputs (md4c's test/pathological_tests.py), plus
// Serval's own (headings, directives, roles, footnotes), through
// RenderMarkdown with every feature on and in plain CommonMark mode:
//  * every render succeeds and is valid UTF-8;
//  * the CommonMark rendering equals md4c-html's;
//  * work is linear: each input is rendered at size n and 32n, and the
//    larger takes at most 128 times the CPU time of the smaller (linear is
//    32x; quadratic would be about 1024x). Thread CPU time, the minimum of
//    three renders, with a 0.5 ms floor on the smaller: other processes on
//    the machine barely move it, and a 4x margin covers cache effects.
//    Not under the sanitizers, which check correctness only, at an eighth
//    of the scale: ASan's strict_string_checks makes md4c's per-line
//    strcspn(line, "\r\n") scan to the end of the document, which is
//    quadratic there and only there.
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "md4c-html.h"
#include "src/base/utf8.h"
#include "src/markdown/markdown.h"

namespace serval::markdown {
namespace {

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out.append(s.data(), s.size());
  return out;
}

struct Case {
  const char* name;
  std::function<std::string(int)> make;  // the input at scale n
  int big;                               // md4c's scale (or one like it)
};

// Inputs whose size is quadratic in their scale (a run of lengths 1..k,
// nesting k deep by indentation) use k and k / sqrt(32) ~ k * 10 / 57.
std::vector<Case> Cases() {
  return {
      {"nested strong emph",
       [](int n) {
         return Repeat("*a **a ", n) + "b" + Repeat(" a** a*", n);
       },
       65000},
      {"many emph closers with no openers", [](int n) { return Repeat("a_ ", n); },
       65000},
      {"many emph openers with no closers", [](int n) { return Repeat("_a ", n); },
       65000},
      {"many 3-emph openers with no closers",
       [](int n) { return Repeat("a***", n); }, 65000},
      {"many link closers with no openers", [](int n) { return Repeat("a]", n); },
       65000},
      {"many link openers with no closers", [](int n) { return Repeat("[a", n); },
       65000},
      {"mismatched openers and closers", [](int n) { return Repeat("*a_ ", n); },
       50000},
      {"openers and closers multiple of 3",
       [](int n) { return "a**b" + Repeat("c* ", n); }, 50000},
      {"link openers and emph closers", [](int n) { return Repeat("[ a_", n); },
       50000},
      {"nested brackets",
       [](int n) { return Repeat("[", n) + "a" + Repeat("]", n); }, 50000},
      {"nested block quotes", [](int n) { return Repeat("> ", n) + "a"; }, 50000},
      {"many links", [](int n) { return Repeat("[t](/u) ", n); }, 50000},
      {"many references",
       [](int n) {
         std::string s;
         for (int i = 1; i < 16 * n; ++i) absl::StrAppend(&s, "[", i, "]: u\n");
         return s + Repeat("[0] ", n);
       },
       10000},
      {"many html openers and closers", [](int n) { return Repeat("<>", n); },
       50000},
      {"many html proc. inst. openers",
       [](int n) { return "x" + Repeat("<?", n); }, 50000},
      {"many html CDATA openers",
       [](int n) { return "x" + Repeat("<![CDATA[", n); }, 50000},
      {"many backticks and escapes", [](int n) { return Repeat("\\``", n); },
       50000},
      {"many broken link titles", [](int n) { return Repeat("[ (](", n); },
       50000},
      {"broken thematic break", [](int n) { return Repeat("* ", n) + "a"; },
       50000},
      // Quadratic in k: "e`", "e``", ... and a list nested k deep.
      {"backticks",
       [](int k) {
         std::string s;
         for (int x = 1; x < k; ++x) s += "e" + std::string(x, '`');
         return s;
       },
       -1000},
      {"deeply nested lists",
       [](int k) {
         std::string s;
         for (int x = 0; x < k; ++x) s += std::string(2 * x, ' ') + "* a\n";
         return s;
       },
       -1000},
      // Serval's own: ids made unique among equal headings, TOC entries,
      // directives, roles and footnotes.
      {"many equal headings", [](int n) { return Repeat("## Same\n", n); },
       20000},
      {"many explicit heading ids",
       [](int n) { return Repeat("## A {#x}\n", n); }, 20000},
      {"many admonitions",
       [](int n) { return Repeat(":::{note} T\nbody\n:::\n", n); }, 20000},
      {"many unclosed directives",
       [](int n) { return Repeat(":::{note}\n", n); }, 20000},
      {"many named closers without openers",
       [](int n) { return Repeat(":::{/note}\n", n); }, 20000},
      {"many roles", [](int n) { return Repeat("{kbd}`Ctrl` {sub}`2` ", n); },
       20000},
      {"many unclosed roles", [](int n) { return Repeat("{kbd}`", n); }, 50000},
      {"many footnote references",
       [](int n) { return Repeat("x[^a] ", n) + "\n\n[^a]: note\n"; }, 20000},
      {"link closers with a footnote defined",
       [](int n) { return Repeat("a]", n) + "\n\n[^a]: note\n"; }, 65000},
      {"footnote openers with a footnote defined",
       [](int n) { return Repeat("[^a", n) + "\n\n[^a]: note\n"; }, 65000},
      {"many footnote definitions",
       [](int n) {
         std::string s;
         for (int i = 0; i < n; ++i) absl::StrAppend(&s, "[^", i, "]: n\n\n");
         return s;
       },
       20000},
  };
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

MarkdownOptions AllFeatures() {
  MarkdownOptions options;
  options.heading_anchors = true;
  return options;
}

// The minimum of three renders' thread CPU time.
double RenderSeconds(const std::string& input, const MarkdownOptions& options) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const double start = ThreadCpuSeconds();
    absl::StatusOr<RenderedMarkdown> page = RenderMarkdown(input, options);
    const double took = ThreadCpuSeconds() - start;
    EXPECT_TRUE(page.ok()) << page.status();
    best = std::min(best, took);
  }
  return best;
}

void Append(const MD_CHAR* text, MD_SIZE size, void* out) {
  static_cast<std::string*>(out)->append(text, size);
}

class PathologicalTest : public ::testing::TestWithParam<size_t> {};

TEST_P(PathologicalTest, RendersInLinearTimeAndCommonMarkEqualsMd4c) {
  const Case c = Cases()[GetParam()];
  const bool quadratic = c.big < 0;
#ifdef SERVAL_SANITIZER
  constexpr int kScaleDivisor = 8;
#else
  constexpr int kScaleDivisor = 1;
#endif
  const int big = (quadratic ? -c.big : c.big) / kScaleDivisor;
  const int small = quadratic ? big * 10 / 57 : big / 32;
  const std::string large_input = c.make(big);
  const std::string small_input = c.make(small);
  SCOPED_TRACE(absl::StrCat(c.name, ": ", small_input.size(), " and ",
                            large_input.size(), " bytes"));

  absl::StatusOr<RenderedMarkdown> page =
      RenderMarkdown(large_input, AllFeatures());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(base::IsValidUtf8(page->html));
  EXPECT_TRUE(base::IsValidUtf8(page->toc_html));
  EXPECT_TRUE(base::IsValidUtf8(page->summary_html));

  absl::StatusOr<RenderedMarkdown> plain =
      RenderMarkdown(large_input, MarkdownOptions::CommonMark());
  ASSERT_TRUE(plain.ok()) << plain.status();
  std::string reference;
  md_html(large_input.data(), static_cast<MD_SIZE>(large_input.size()),
          &Append, &reference, 0, 0);
  EXPECT_TRUE(plain->html == reference)
      << "CommonMark output differs from md4c-html's (" << plain->html.size()
      << " and " << reference.size() << " bytes)";

#ifndef SERVAL_SANITIZER
  for (const MarkdownOptions& options :
       {AllFeatures(), MarkdownOptions::CommonMark()}) {
    const double t_small = RenderSeconds(small_input, options);
    const double t_large = RenderSeconds(large_input, options);
    std::printf("%-40s %s %8.2f ms -> %8.2f ms (x%.1f)\n", c.name,
                options.directives ? "all features" : "commonmark  ",
                t_small * 1e3, t_large * 1e3,
                t_large / std::max(t_small, 1e-9));
    EXPECT_LE(t_large, 128 * std::max(t_small, 0.5e-3))
        << (options.directives ? "all features" : "CommonMark") << ": "
        << t_small * 1e3 << " ms at the small size, " << t_large * 1e3
        << " ms at 32x";
  }
#endif
}

INSTANTIATE_TEST_SUITE_P(
    Md4cAndServal, PathologicalTest, ::testing::Range<size_t>(0, Cases().size()),
    [](const ::testing::TestParamInfo<size_t>& info) {
      std::string name;
      for (char ch : std::string(Cases()[info.param].name)) {
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      }
      return name;
    });

}  // namespace
}  // namespace serval::markdown
