// highlight_samples.h — the highlighter's sample files for the bench tools:
// DIR/<language>.sample, read whole, keyed by language name.
#ifndef SERVAL_TOOLS_BENCH_HIGHLIGHT_SAMPLES_H_
#define SERVAL_TOOLS_BENCH_HIGHLIGHT_SAMPLES_H_

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace serval::bench {

inline std::map<std::string, std::string> ReadHighlightSamples(
    const char* dir) {
  std::map<std::string, std::string> samples;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".sample") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    samples[e.path().stem().string()] = ss.str();
  }
  return samples;
}

}  // namespace serval::bench

#endif  // SERVAL_TOOLS_BENCH_HIGHLIGHT_SAMPLES_H_
