// template_bench DIR [RUNS] — template render throughput against Jinja2.
//
// Renders DIR/page.html (a realistic page: extends + super(), include,
// import, macros with call blocks, a recursive loop, filters, namespace,
// groupby) with DIR/data.json, compiled once, for about a second per run,
// single-threaded; prints each run and the median renders/s. Then runs
// tools/bench/template_bench_jinja.py on the same directory (when
// /usr/bin/python3 with jinja2 is there), checks both outputs have the
// same size (the bytes are checked by the differential tests), and prints
// Jinja2's median and the ratio.
//
//   bazel run -c opt //tools/bench:template_bench -- \
//       $PWD/tools/bench/template_bench 5
// (the Python script is found next to DIR's parent; run from the
// workspace root, or set TEMPLATE_BENCH_JINJA=path/to/script.)
//
// For instruction counts, TEMPLATE_BENCH_RENDERS=N renders exactly N times
// after the first render and stops (no timing, no Jinja2):
//   TEMPLATE_BENCH_RENDERS=200 valgrind --tool=callgrind \
//       bazel-bin/tools/bench/template_bench $PWD/tools/bench/template_bench
// TEMPLATE_BENCH_OUT=FILE writes the first render's output to FILE (to
// compare it byte for byte with Jinja2's or another build's).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "src/template/environment.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using serval::tmpl::DirectoryLoader;
  using serval::tmpl::Environment;
  if (argc < 2) {
    std::fprintf(stderr, "usage: template_bench DIR [RUNS]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::ifstream in(dir + "/data.json", std::ios::binary);
  std::stringstream json;
  json << in.rdbuf();
  absl::StatusOr<serval::tmpl::Value> context =
      serval::tmpl::ValueFromJson(json.str());
  if (!context.ok()) {
    std::fprintf(stderr, "data.json: %s\n",
                 std::string(context.status().message()).c_str());
    return 1;
  }
  Environment env(
      std::make_unique<DirectoryLoader>(std::vector<std::string>{dir}));
  absl::StatusOr<std::shared_ptr<const serval::tmpl::Template>> page =
      env.GetTemplate("page.html");
  absl::StatusOr<std::string> first =
      page.ok() ? env.Render(**page, *context)
                : absl::StatusOr<std::string>(page.status());
  if (!first.ok()) {
    std::fprintf(stderr, "%s\n", std::string(first.status().message()).c_str());
    return 1;
  }
  if (const char* out_path = std::getenv("TEMPLATE_BENCH_OUT")) {
    std::ofstream(out_path, std::ios::binary) << *first;
  }
  if (const char* fixed = std::getenv("TEMPLATE_BENCH_RENDERS")) {
    const int n = std::atoi(fixed);
    for (int i = 0; i < n; ++i) {
      if (!env.Render(**page, *context).ok()) return 1;
    }
    std::printf("serval: %d renders, %zu bytes each\n", n, first->size());
    return 0;
  }
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    int64_t n = 0;
    const absl::Time start = absl::Now();
    while (absl::Now() - start < absl::Seconds(1)) {
      absl::StatusOr<std::string> html = env.Render(**page, *context);
      if (!html.ok()) return 1;
      ++n;
    }
    rates.push_back(n / absl::ToDoubleSeconds(absl::Now() - start));
    std::printf("serval run %d: %.0f renders/s\n", r + 1, rates.back());
  }
  const double serval_rate = Median(rates);
  std::printf("serval: median %.0f renders/s (%.1f us/render, %zu bytes)\n",
              serval_rate, 1e6 / serval_rate, first->size());

  const char* script_env = std::getenv("TEMPLATE_BENCH_JINJA");
  std::string script = script_env != nullptr
                           ? script_env
                           : dir + "/../template_bench_jinja.py";
  std::string cmd = absl::StrCat("/usr/bin/python3 '", script, "' '", dir,
                                 "' ", runs);
  FILE* p = popen(cmd.c_str(), "r");
  double jinja_rate = 0;
  size_t jinja_bytes = 0;
  if (p != nullptr) {
    char line[256];
    while (std::fgets(line, sizeof line, p) != nullptr) {
      std::sscanf(line, "median_renders_per_second %lf", &jinja_rate);
      std::sscanf(line, "output_bytes %zu", &jinja_bytes);
    }
    pclose(p);
  }
  if (jinja_rate <= 0) {
    std::printf("jinja2: not measured (python3-jinja2 or %s missing)\n",
                script.c_str());
    return 0;
  }
  std::printf("jinja2: median %.0f renders/s (%.1f us/render, %zu bytes)\n",
              jinja_rate, 1e6 / jinja_rate, jinja_bytes);
  std::printf("ratio: serval is %.1fx Jinja2%s\n", serval_rate / jinja_rate,
              jinja_bytes == first->size() ? "" : " (OUTPUT SIZES DIFFER)");
  return 0;
}
