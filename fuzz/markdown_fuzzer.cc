// markdown_fuzzer — any bytes as Markdown, with every feature on:
//  * rendering never fails (inputs are bounded) and never crashes;
//  * valid UTF-8 in gives valid UTF-8 out (html, summary, toc);
//  * plain CommonMark output equals md4c-html's.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "md4c-html.h"
#include "src/base/utf8.h"
#include "src/markdown/markdown.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "markdown_fuzzer: invariant failed: %s\n", what);
    std::abort();
  }
}
void Append(const MD_CHAR* text, MD_SIZE size, void* out) {
  static_cast<std::string*>(out)->append(text, size);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  serval::markdown::MarkdownOptions options;
  options.heading_anchors = true;
  options.read_file = [&text](absl::string_view) -> absl::StatusOr<std::string> {
    return text;  // every include includes the input itself: cycles
  };
  auto page = serval::markdown::RenderMarkdown(text, options);
  Check(page.ok(), "render succeeds");
  if (serval::base::IsValidUtf8(text)) {
    Check(serval::base::IsValidUtf8(page->html), "html is valid UTF-8");
    Check(serval::base::IsValidUtf8(page->summary_html), "summary is valid UTF-8");
    Check(serval::base::IsValidUtf8(page->toc_html), "toc is valid UTF-8");
  }
  auto plain = serval::markdown::RenderMarkdown(
      text, serval::markdown::MarkdownOptions::CommonMark());
  Check(plain.ok(), "plain render succeeds");
  std::string reference;
  md_html(text.data(), static_cast<MD_SIZE>(text.size()), &Append, &reference, 0, 0);
  Check(plain->html == reference, "CommonMark output equals md4c-html");
  return 0;
}
