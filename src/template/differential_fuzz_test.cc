// Differential fuzzer, C++ half: renders every case that
// tools/template_fuzz_gen.py generated (random templates within the
// supported grammar, random contexts, Jinja2's output) with Serval and
// compares byte for byte; a case where Jinja2 raised must fail in Serval
// too. Run by differential_fuzz_test.sh, which generates the cases first.
//
//   differential_fuzz_test CASES.jsonl
//
// Prints the number of cases compared and each mismatch (template,
// context, both outputs); exits 1 on any mismatch.
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "src/template/environment.h"

namespace serval::tmpl {
namespace {

int Run(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    return 2;
  }
  int total = 0, mismatches = 0, errors = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    absl::StatusOr<Value> c = ValueFromJson(line);
    if (!c.ok() || !c->is_dict()) {
      std::cerr << "bad case line: " << c.status() << "\n";
      return 2;
    }
    ++total;
    MapLoader::Map templates;
    for (const auto& [k, v] : c->GetAttr("partials").dict().entries()) {
      templates[k.Str()] = v.Str();
    }
    const std::string source = c->GetAttr("template").Str();
    templates["main.html"] = source;
    EnvironmentOptions options;
    for (const Value& o : c->GetAttr("options").items()) {
      if (o.Str() == "trim_blocks") options.lex.trim_blocks = true;
      if (o.Str() == "lstrip_blocks") options.lex.lstrip_blocks = true;
    }
    Environment env(std::make_unique<MapLoader>(std::move(templates)),
                    options);
    absl::StatusOr<std::string> got =
        env.Render("main.html", c->GetAttr("context"));
    const bool jinja_error = c->GetAttr("error").Truthy();
    errors += jinja_error;
    bool same = jinja_error ? !got.ok()
                            : got.ok() && *got == c->GetAttr("expected").Str();
    if (same) continue;
    if (++mismatches > 20) continue;  // count the rest, print 20
    std::cout << "MISMATCH " << c->GetAttr("name").Str() << "\n"
              << "  template: " << Value(source).Repr() << "\n"
              << "  options:  " << c->GetAttr("options").Repr() << "\n"
              << "  context:  " << c->GetAttr("context").Repr() << "\n"
              << "  jinja2:   "
              << (jinja_error ? std::string("<error>")
                              : Value(c->GetAttr("expected").Str()).Repr())
              << "\n  serval:   "
              << (got.ok() ? Value(*got).Repr()
                           : absl::StrCat("<error> ", got.status().message()))
              << "\n";
  }
  std::cout << "differential fuzz: " << total - mismatches << " of " << total
            << " random templates match Jinja2 (" << errors
            << " where both fail)\n";
  return mismatches == 0 && total > 0 ? 0 : 1;
}

}  // namespace
}  // namespace serval::tmpl

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: differential_fuzz_test CASES.jsonl\n";
    return 2;
  }
  return serval::tmpl::Run(argv[1]);
}
