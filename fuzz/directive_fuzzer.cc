// directive_fuzzer — any bytes through the directive splitter:
//  * the markdown and bodies only hold lines of the input (no byte is
//    invented except placeholder lines), so their sizes are bounded;
//  * every placeholder in the markdown maps back to its directive;
//  * line numbers are within the input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/markdown/directive_parser.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "directive_fuzzer: invariant failed: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  serval::markdown::SplitResult r = serval::markdown::SplitDirectives(text);
  if (!r.has_directives) {
    Check(r.directives.empty(), "no directives when has_directives is false");
    return 0;
  }
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  size_t body_bytes = 0;
  for (size_t i = 0; i < r.directives.size(); ++i) {
    const auto& d = r.directives[i];
    Check(d.line >= 1 && d.line <= lines, "opener line in range");
    Check(d.body_line > d.line && d.body_line <= lines + 1, "body line in range");
    Check(!d.name.empty(), "name not empty");
    body_bytes += d.body.size();
    const std::string placeholder =
        "<!--" + r.placeholder_prefix + std::to_string(i) + "-->";
    Check(r.markdown.find(placeholder) != std::string::npos, "placeholder present");
    Check(serval::markdown::PlaceholderIndex(placeholder, r.placeholder_prefix) ==
              static_cast<int>(i),
          "placeholder maps back");
  }
  Check(body_bytes <= text.size(), "bodies come from the input");
  return 0;
}
