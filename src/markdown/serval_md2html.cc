// serval_md2html [--commonmark] [--repeat=N] [FILE] — renders Markdown from
// FILE (or stdin) to HTML on stdout with Serval's renderer. --commonmark
// turns every Serval feature off (md4c's spec_tests.py -p runs it this
// way); --repeat renders N times (benchmarks) and prints the last.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "src/markdown/markdown.h"

int main(int argc, char** argv) {
  serval::markdown::MarkdownOptions options;
  int repeat = 1;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--commonmark") == 0) {
      options = serval::markdown::MarkdownOptions::CommonMark();
    } else if (std::strncmp(argv[i], "--repeat=", 9) == 0) {
      repeat = std::atoi(argv[i] + 9);
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      std::fprintf(stderr, "usage: serval_md2html [--commonmark] [--repeat=N] [FILE]\n");
      return 2;
    } else {
      path = argv[i];
    }
  }
  std::stringstream ss;
  if (path != nullptr) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "serval_md2html: cannot read %s\n", path);
      return 1;
    }
    ss << in.rdbuf();
  } else {
    ss << std::cin.rdbuf();
  }
  const std::string text = ss.str();
  std::string html;
  for (int i = 0; i < repeat; ++i) {
    auto page = serval::markdown::RenderMarkdown(text, options);
    if (!page.ok()) {
      std::fprintf(stderr, "serval_md2html: %s\n",
                   std::string(page.status().message()).c_str());
      return 1;
    }
    html = std::move(page->html);
  }
  std::fwrite(html.data(), 1, html.size(), stdout);
  return 0;
}
