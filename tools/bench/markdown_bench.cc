// markdown_bench SITE_DIR [RUNS [ONLY]] — Markdown to HTML throughput on every
// content/**.md of a site (e.g. one written by ../shared/bench/gen_site.py),
// front matter stripped, all in memory:
//   serval (all features: GFM, ids, TOC, footnotes, directives, highlighting),
//   serval without highlighting, serval --commonmark, md4c-html (md4c's own
//   renderer, linked in, same parser flags as Serval's GitHub mode), and
//   cmark-gfm (Debian's CLI, on the concatenated documents, so its process
//   start is included once per run).
// Prints the median MB/s over RUNS runs (default 5) and the ratios, by
// wall-clock and by the thread's CPU time (steadier on a loaded machine);
// the in-process renderers' runs are interleaved.
// ONLY (full, nohl, commonmark, md4c-gfm or md4c) runs just that one, e.g.
// under `valgrind --tool=callgrind` to compare instruction counts.
// ONLY=dump prints every result field (HTML, TOC, summary, word count,
// diagnostics) of every document in full, nohl and commonmark modes, to
// check that a renderer change leaves the output byte for byte the same.
//
//   python3 ../shared/bench/gen_site.py /tmp/site --pages 2000
//   bazel run -c opt //tools/bench:markdown_bench -- /tmp/site
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "md4c-html.h"
#include "md4c.h"
#include "src/base/allocator.h"
#include "src/markdown/markdown.h"

namespace {

std::string StripFrontMatter(const std::string& text) {
  for (const char* fence : {"---\n", "+++\n"}) {
    if (absl::StartsWith(text, fence)) {
      const size_t end = text.find(absl::StrCat("\n", fence), 4);
      if (end != std::string::npos) return text.substr(end + 5);
    }
  }
  return text;
}

void Sink(const MD_CHAR* text, MD_SIZE size, void* out) {
  static_cast<std::string*>(out)->append(text, size);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// This thread's CPU time, in seconds: unlike wall-clock time it does not
// count the time the scheduler gave to other processes.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct Rate {
  double wall = 0;  // MB per wall-clock second
  double cpu = 0;   // MB per CPU second
};

template <typename F>
Rate MeasureOnce(size_t bytes, F f) {
  const absl::Time start = absl::Now();
  const double cpu_start = ThreadCpuSeconds();
  f();
  const double cpu = ThreadCpuSeconds() - cpu_start;
  const double wall = absl::ToDoubleSeconds(absl::Now() - start);
  return Rate{bytes / 1e6 / wall, bytes / 1e6 / cpu};
}

template <typename F>
double MedianMBps(int runs, size_t bytes, F f) {
  std::vector<double> rates;
  for (int i = 0; i < runs; ++i) {
    const absl::Time start = absl::Now();
    f();
    const double s = absl::ToDoubleSeconds(absl::Now() - start);
    rates.push_back(bytes / 1e6 / s);
  }
  return Median(rates);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: markdown_bench SITE_DIR [RUNS]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string only = argc > 3 ? argv[3] : "";
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(argv[1]) / "content")) {
    if (e.is_regular_file() && e.path().extension() == ".md") {
      paths.push_back(e.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> docs;
  size_t bytes = 0;
  for (const std::filesystem::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    docs.push_back(StripFrontMatter(ss.str()));
    bytes += docs.back().size();
  }
  if (docs.empty()) {
    std::fprintf(stderr, "markdown_bench: no content/**.md under %s\n", argv[1]);
    return 1;
  }
  std::printf("%zu documents, %.2f MB, median of %d runs, %s\n", docs.size(),
              bytes / 1e6, runs, serval::base::AllocatorName().c_str());

  size_t sink = 0;
  if (only == "dump") {
    serval::markdown::MarkdownOptions nohl;
    nohl.highlight_code = false;
    const std::pair<const char*, serval::markdown::MarkdownOptions> modes[] = {
        {"full", serval::markdown::MarkdownOptions()},
        {"nohl", nohl},
        {"commonmark", serval::markdown::MarkdownOptions::CommonMark()}};
    for (size_t i = 0; i < docs.size(); ++i) {
      for (const auto& [mode, options] : modes) {
        const auto r = serval::markdown::RenderMarkdown(docs[i], options);
        std::printf("=== %s %s\n", paths[i].c_str(), mode);
        if (!r.ok()) {
          std::printf("error: %s\n", r.status().ToString().c_str());
          continue;
        }
        std::string toc;
        for (const auto& e : r->toc) absl::StrAppend(&toc, e.level, " ", e.id, " ", e.title, "\n");
        std::string diagnostics;
        for (const auto& d : r->diagnostics) absl::StrAppend(&diagnostics, d.ToString(), "\n");
        std::printf("--- html\n%s--- toc\n%s--- toc_html\n%s--- summary\n%s\n"
                    "--- more %d words %d minutes %d\n--- diagnostics\n%s"
                    "--- dependencies %zu\n",
                    r->html.c_str(), toc.c_str(), r->toc_html.c_str(),
                    r->summary_html.c_str(), r->has_more_marker, r->word_count,
                    r->reading_minutes, diagnostics.c_str(),
                    r->dependencies.size());
      }
    }
    return 0;
  }
  if (!only.empty()) {
    serval::markdown::MarkdownOptions options;
    options.highlight_code = only != "nohl";
    if (only == "commonmark") options = serval::markdown::MarkdownOptions::CommonMark();
    const unsigned flags = only == "md4c" ? 0
                           : MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |
                                 MD_FLAG_TASKLISTS | MD_FLAG_PERMISSIVEAUTOLINKS;
    const double rate = MedianMBps(runs, bytes, [&] {
      for (const std::string& d : docs) {
        if (absl::StartsWith(only, "md4c")) {
          std::string out;
          out.reserve(d.size() + d.size() / 4);
          md_html(d.data(), d.size(), &Sink, &out, flags, 0);
          sink += out.size();
        } else {
          sink += serval::markdown::RenderMarkdown(d, options)->html.size();
        }
      }
    });
    std::printf("%-12s %8.1f MB/s\n", only.c_str(), rate);
    return sink == 0 ? 1 : 0;
  }
  // The in-process renderers run interleaved (run 1 of each, then run 2 of
  // each, ...), so that load from other processes on a shared machine
  // falls on all of them alike rather than on whichever ran during it.
  serval::markdown::MarkdownOptions full;
  serval::markdown::MarkdownOptions no_highlight;
  no_highlight.highlight_code = false;
  const serval::markdown::MarkdownOptions plain =
      serval::markdown::MarkdownOptions::CommonMark();
  const unsigned gfm = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |
                       MD_FLAG_TASKLISTS | MD_FLAG_PERMISSIVEAUTOLINKS;
  auto serval_run = [&](const serval::markdown::MarkdownOptions& options) {
    for (const std::string& d : docs) {
      sink += serval::markdown::RenderMarkdown(d, options)->html.size();
    }
  };
  auto md4c_run = [&](unsigned flags) {
    for (const std::string& d : docs) {
      std::string out;
      out.reserve(d.size() + d.size() / 4);
      md_html(d.data(), d.size(), &Sink, &out, flags, 0);
      sink += out.size();
    }
  };
  std::vector<double> wall[5], cpu[5];
  for (int i = 0; i < runs; ++i) {
    const Rate r[5] = {MeasureOnce(bytes, [&] { serval_run(full); }),
                       MeasureOnce(bytes, [&] { serval_run(no_highlight); }),
                       MeasureOnce(bytes, [&] { serval_run(plain); }),
                       MeasureOnce(bytes, [&] { md4c_run(gfm); }),
                       MeasureOnce(bytes, [&] { md4c_run(0); })};
    for (int k = 0; k < 5; ++k) {
      wall[k].push_back(r[k].wall);
      cpu[k].push_back(r[k].cpu);
    }
  }
  const double serval_full = Median(wall[0]), serval_full_cpu = Median(cpu[0]);
  const double serval_nohl = Median(wall[1]), serval_nohl_cpu = Median(cpu[1]);
  const double serval_plain = Median(wall[2]), serval_plain_cpu = Median(cpu[2]);
  const double md4c_gfm = Median(wall[3]), md4c_gfm_cpu = Median(cpu[3]);
  const double md4c_plain = Median(wall[4]), md4c_plain_cpu = Median(cpu[4]);

  // cmark-gfm on the same documents, concatenated into one file.
  const std::string all_path =
      (std::filesystem::temp_directory_path() / "serval_markdown_bench.md").string();
  {
    std::ofstream all(all_path, std::ios::binary);
    for (const std::string& d : docs) all << d << "\n\n";
  }
  double cmark = 0;
  if (std::system("command -v cmark-gfm >/dev/null 2>&1") == 0) {
    const std::string cmd = absl::StrCat(
        "cmark-gfm -e table -e strikethrough -e autolink -e tasklist ", all_path,
        " >/dev/null");
    cmark = MedianMBps(runs, bytes, [&] {
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cmark-gfm failed\n");
    });
  }
  std::remove(all_path.c_str());

  std::printf("                         wall-clock             CPU time\n");
  std::printf("serval (all features)    %6.1f MB/s %5.2fx   %6.1f MB/s %5.2fx  md4c-html (GFM flags)\n",
              serval_full, serval_full / md4c_gfm, serval_full_cpu,
              serval_full_cpu / md4c_gfm_cpu);
  std::printf("serval (no highlighting) %6.1f MB/s %5.2fx   %6.1f MB/s %5.2fx  md4c-html (GFM flags)\n",
              serval_nohl, serval_nohl / md4c_gfm, serval_nohl_cpu,
              serval_nohl_cpu / md4c_gfm_cpu);
  std::printf("serval --commonmark      %6.1f MB/s %5.2fx   %6.1f MB/s %5.2fx  md4c-html (CommonMark)\n",
              serval_plain, serval_plain / md4c_plain, serval_plain_cpu,
              serval_plain_cpu / md4c_plain_cpu);
  std::printf("md4c-html (GFM flags)    %6.1f MB/s          %6.1f MB/s\n", md4c_gfm,
              md4c_gfm_cpu);
  std::printf("md4c-html (CommonMark)   %6.1f MB/s          %6.1f MB/s\n", md4c_plain,
              md4c_plain_cpu);
  if (cmark > 0) {
    std::printf("cmark-gfm (CLI, GFM)    %8.1f MB/s  serval is %.2fx\n", cmark,
                serval_full / cmark);
  } else {
    std::printf("cmark-gfm               not installed\n");
  }
  return sink == 0 ? 1 : 0;
}
