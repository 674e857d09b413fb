// minify_fuzzer — any bytes as CSS and as JavaScript:
//  * no crash, linear work;
//  * CSS never grows, JS grows by at most the final newline;
//  * valid UTF-8 stays valid UTF-8 (only ASCII is ever removed).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/assets/minify.h"
#include "src/base/utf8.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "minify_fuzzer: invariant failed: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  const bool valid = serval::base::IsValidUtf8(input);
  std::string css = serval::assets::MinifyCss(input);
  Check(css.size() <= input.size(), "CSS does not grow");
  std::string js = serval::assets::MinifyJs(input);
  Check(js.size() <= input.size() + 1, "JS grows by at most a newline");
  if (valid) {
    Check(serval::base::IsValidUtf8(css), "CSS stays valid UTF-8");
    Check(serval::base::IsValidUtf8(js), "JS stays valid UTF-8");
  }
  return 0;
}
