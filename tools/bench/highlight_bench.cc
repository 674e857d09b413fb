// highlight_bench DIR [RUNS] — highlighting throughput (code to HTML spans)
// on every DIR/<language>.sample (src/highlight/testdata), each repeated
// to at least 1 MB; prints the median MB/s per language and overall.
// tools/bench/highlight_bench_pygments.py measures Pygments the same way.
//
//   bazel run -c opt //tools/bench:highlight_bench -- $PWD/src/highlight/testdata
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "src/base/allocator.h"
#include "src/highlight/highlight.h"
#include "tools/bench/highlight_samples.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: highlight_bench DIR [RUNS]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::map<std::string, std::string> samples =
      serval::bench::ReadHighlightSamples(argv[1]);
  for (auto& [lang, text] : samples) {
    std::string big;
    while (big.size() < 1000000) big += text;
    text = std::move(big);
  }
  size_t total_bytes = 0;
  double total_seconds = 0;
  for (const auto& [lang, code] : samples) {
    std::vector<double> secs;
    for (int i = 0; i < runs; ++i) {
      std::string html;
      const absl::Time start = absl::Now();
      serval::highlight::AppendHighlightedHtml(lang, code, &html);
      secs.push_back(absl::ToDoubleSeconds(absl::Now() - start));
    }
    std::sort(secs.begin(), secs.end());
    const double s = secs[secs.size() / 2];
    total_bytes += code.size();
    total_seconds += s;
    std::printf("%-12s %8.2f MB/s\n", lang.c_str(), code.size() / 1e6 / s);
  }
  std::printf("%-12s %8.2f MB/s\n", "all", total_bytes / 1e6 / total_seconds);
  std::printf("(%s)\n", serval::base::AllocatorName().c_str());
  return 0;
}
