// Runs every example of the CommonMark spec through Serval's renderer (in
// plain CommonMark mode) and through md4c-html, md4c's reference renderer.
// Serval's output must equal md4c-html's on every example, so it passes
// exactly the examples md4c passes; both pass counts are printed.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "md4c-html.h"
#include "src/markdown/markdown.h"

namespace serval::markdown {
namespace {

const char* g_spec_path = nullptr;

struct Example {
  int number;
  int line;
  std::string markdown;
  std::string html;
};

std::vector<Example> ReadSpec(const std::string& path) {
  std::ifstream in(path);
  std::vector<Example> examples;
  std::string line;
  int line_no = 0;
  int state = 0;  // 0 outside, 1 markdown, 2 html
  Example ex;
  const std::string fence(32, '`');
  while (std::getline(in, line)) {
    ++line_no;
    if (state == 0 && line.rfind(fence + " example", 0) == 0) {
      state = 1;
      ex = Example{static_cast<int>(examples.size()) + 1, line_no, "", ""};
    } else if (state == 1 && line == ".") {
      state = 2;
    } else if (state == 2 && line == fence) {
      state = 0;
      examples.push_back(ex);
    } else if (state == 1) {
      ex.markdown += line + "\n";
    } else if (state == 2) {
      ex.html += line + "\n";
    }
  }
  for (Example& e : examples) {
    e.markdown = absl::StrReplaceAll(e.markdown, {{"\xe2\x86\x92", "\t"}});
    e.html = absl::StrReplaceAll(e.html, {{"\xe2\x86\x92", "\t"}});
  }
  return examples;
}

void Append(const MD_CHAR* text, MD_SIZE size, void* out) {
  static_cast<std::string*>(out)->append(text, size);
}

TEST(CommonMarkSpecTest, EqualsMd4cHtmlOnEveryExample) {
  ASSERT_NE(g_spec_path, nullptr);
  std::vector<Example> examples = ReadSpec(g_spec_path);
  ASSERT_GT(examples.size(), 600u) << "spec.txt not found or truncated";
  int serval_pass = 0, md4c_pass = 0, equal = 0;
  for (const Example& e : examples) {
    std::string reference;
    md_html(e.markdown.data(), e.markdown.size(), &Append, &reference, 0, 0);
    absl::StatusOr<RenderedMarkdown> ours =
        RenderMarkdown(e.markdown, MarkdownOptions::CommonMark());
    ASSERT_TRUE(ours.ok()) << ours.status();
    if (reference == e.html) ++md4c_pass;
    if (ours->html == e.html) ++serval_pass;
    if (ours->html == reference) {
      ++equal;
    } else {
      ADD_FAILURE() << "example " << e.number << " (spec.txt line " << e.line
                    << ")\ninput:\n" << e.markdown << "md4c-html:\n"
                    << reference << "serval:\n" << ours->html;
    }
  }
  std::printf("CommonMark spec: %zu examples; serval passes %d, md4c-html "
              "passes %d (exact match); serval == md4c-html on %d\n",
              examples.size(), serval_pass, md4c_pass, equal);
  EXPECT_GE(serval_pass, md4c_pass);
}

}  // namespace
}  // namespace serval::markdown

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc > 1) serval::markdown::g_spec_path = argv[1];
  return RUN_ALL_TESTS();
}
