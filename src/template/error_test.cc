// Errors of the template engine as a template author reads them: a syntax
// error at file:line:col with the line and a caret; a runtime error with the
// template stack (innermost first), a runaway recursion collapsed into a
// few lines; strict undefined with the same precision.
#include <memory>
#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/template/environment.h"

namespace serval::tmpl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ErrorOf(MapLoader::Map templates, const std::string& name,
                    EnvironmentOptions options = {}) {
  Environment env(std::make_unique<MapLoader>(std::move(templates)), options);
  absl::StatusOr<std::string> got = env.Render(name, Value::Dict({}));
  EXPECT_FALSE(got.ok()) << "rendered: " << *got;
  return got.ok() ? "" : std::string(got.status().message());
}

TEST(TemplateErrorTest, SyntaxErrorHasPositionLineAndCaret) {
  const std::string e =
      ErrorOf({{"a.html", "line one\n{% if x %}\n  {{ 1 + }}\n{% endif %}\n"}},
              "a.html");
  EXPECT_EQ(e,
            "a.html:3:10: unexpected end of print statement\n"
            "    {{ 1 + }}\n"
            "           ^");
}

TEST(TemplateErrorTest, RuntimeErrorNamesEveryTemplateOnTheStack) {
  const std::string e =
      ErrorOf({{"page.html", "{% include 'part.html' %}"},
               {"part.html", "\n{{ 1 // 0 }}"}},
              "page.html");
  EXPECT_THAT(e, StartsWith("part.html:2:")) << e;
  EXPECT_THAT(e, HasSubstr("template stack (innermost first):\n  part.html:2:"))
      << e;
  EXPECT_THAT(e, HasSubstr("\n  page.html:1:")) << e;
}

TEST(TemplateErrorTest, RunawayRecursionIsAFewLinesWithACount) {
  const std::string e = ErrorOf(
      {{"page.html",
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n<p>{{ f(1) }}</p>"}},
      "page.html");
  EXPECT_THAT(e, HasSubstr("maximum template recursion depth exceeded")) << e;
  // The recursive call site once, with how many frames it stands for;
  // then the first call, from line 2.
  EXPECT_THAT(e, HasSubstr("\n  page.html:1:21 (")) << e;
  EXPECT_THAT(e, HasSubstr(" times)\n  page.html:2:")) << e;
  std::vector<std::string> lines = absl::StrSplit(e, '\n');
  EXPECT_LE(lines.size(), 8u) << e;
}

TEST(TemplateErrorTest, StrictUndefinedIsAnErrorAtItsPosition) {
  EnvironmentOptions options;
  options.strict_undefined = true;
  const std::string e =
      ErrorOf({{"a.html", "ok\n  {{ missing }}"}}, "a.html", options);
  EXPECT_THAT(e, StartsWith("a.html:2:")) << e;
  EXPECT_THAT(e, HasSubstr("missing")) << e;
}

}  // namespace
}  // namespace serval::tmpl
