// template_parse_fuzzer — any bytes as a template source:
//  * compiling either gives a template or fails with InvalidArgument
//    "fuzz.html:line:col: message";
//  * no crash, and no unbounded recursion: the parser's depth guard turns
//    deeply nested input ("((((((...", "{% if %}" x 10,000) into an error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "src/template/environment.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "template_parse_fuzzer: invariant failed: %s\n",
                 what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  static const auto* const env = new serval::tmpl::Environment(
      std::make_unique<serval::tmpl::MapLoader>(
          serval::tmpl::MapLoader::Map{}));
  absl::string_view source(reinterpret_cast<const char*>(data), size);
  auto compiled = env->Compile("fuzz.html", source);
  if (!compiled.ok()) {
    Check(compiled.status().code() == absl::StatusCode::kInvalidArgument,
          "a syntax error is InvalidArgument");
    Check(absl::StartsWith(compiled.status().message(), "fuzz.html:"),
          "a syntax error names the file");
    return 0;
  }
  Check(*compiled != nullptr, "a compiled template");
  Check((*compiled)->source() == source, "the template keeps its source");
  return 0;
}
