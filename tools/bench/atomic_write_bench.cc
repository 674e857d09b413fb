// atomic_write_bench — the cost of atomic, durable writes.
//
// Writes --files new small files (--size bytes) into a fresh directory
// under --dir, --runs times per method, and prints the median wall time of
// each method and its ratio to plain open/write/close:
//   plain   open(O_CREAT|O_TRUNC), write, close
//   none    AtomicWriter, durability none
//   batch   AtomicWriter, durability batch, plus the one Commit() (syncfs)
//   strict  AtomicWriter, durability strict (fsync file + directory)
// Run it on the disk the site lives on (not tmpfs):
//   bazel run //tools/bench:atomic_write_bench -- --dir=$HOME/bench
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/posix_fs.h"

ABSL_FLAG(std::string, dir, "/var/tmp", "where to write (a real disk)");
ABSL_FLAG(int, files, 10000, "files per run");
ABSL_FLAG(int, size, 2048, "bytes per file");
ABSL_FLAG(int, runs, 5, "runs per method (the median is reported)");
ABSL_FLAG(std::string, methods, "plain,none,batch,strict", "what to time");

namespace {

using serval::fs::Durability;

double PlainRun(const std::string& dir, const std::string& contents,
                int files) {
  const absl::Time start = absl::Now();
  for (int i = 0; i < files; ++i) {
    const std::string path = absl::StrCat(dir, "/f", i, ".html");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0644);
    if (fd < 0 || ::write(fd, contents.data(), contents.size()) !=
                      static_cast<ssize_t>(contents.size()) ||
        ::close(fd) != 0) {
      std::perror(path.c_str());
      std::exit(1);
    }
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

double AtomicRun(const std::string& dir, const std::string& contents,
                 int files, Durability durability) {
  serval::fs::AtomicWriteOptions options;
  options.durability = durability;
  options.root = dir;
  serval::fs::AtomicWriter writer(&serval::fs::DefaultPosixFs(), options);
  const absl::Time start = absl::Now();
  for (int i = 0; i < files; ++i) {
    auto outcome = writer.Write(absl::StrCat(dir, "/f", i, ".html"), contents);
    if (!outcome.ok()) {
      std::fprintf(stderr, "%s\n", outcome.status().ToString().c_str());
      std::exit(1);
    }
  }
  absl::Status committed = writer.Commit();
  if (!committed.ok()) {
    std::fprintf(stderr, "%s\n", committed.ToString().c_str());
    std::exit(1);
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2]
                      : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int files = absl::GetFlag(FLAGS_files);
  const int runs = absl::GetFlag(FLAGS_runs);
  const std::string contents(absl::GetFlag(FLAGS_size), 'x');
  const std::string base =
      absl::StrCat(absl::GetFlag(FLAGS_dir), "/atomic_write_bench.", ::getpid());
  std::vector<std::string> methods;
  for (absl::string_view m : absl::StrSplit(absl::GetFlag(FLAGS_methods), ',')) {
    methods.emplace_back(m);
  }
  std::printf("atomic_write_bench: %d files x %zu bytes, %d runs, in %s\n",
              files, contents.size(), runs, base.c_str());
  // Methods take turns within each round, so a change in machine load
  // affects them alike.
  std::vector<std::vector<double>> times(methods.size());
  for (int r = 0; r < runs; ++r) {
    for (size_t m = 0; m < methods.size(); ++m) {
      const std::string& method = methods[m];
      const std::string dir = absl::StrCat(base, "/", method, r);
      std::filesystem::create_directories(dir);
      ::sync();  // start every run from a quiet disk
      double seconds;
      if (method == "plain") {
        seconds = PlainRun(dir, contents, files);
      } else {
        const Durability durability = method == "strict" ? Durability::kStrict
                                      : method == "batch" ? Durability::kBatch
                                                          : Durability::kNone;
        seconds = AtomicRun(dir, contents, files, durability);
      }
      times[m].push_back(seconds);
      std::filesystem::remove_all(dir);
    }
  }
  double plain_median = 0;
  for (size_t m = 0; m < methods.size(); ++m) {
    const double median = Median(times[m]);
    if (methods[m] == "plain") plain_median = median;
    std::string runs_text;
    for (double t : times[m]) absl::StrAppend(&runs_text, " ", absl::SixDigits(t));
    std::printf("%-7s median %8.3f s  %8.1f us/file  ratio %-9s runs:%s\n",
                methods[m].c_str(), median, median * 1e6 / files,
                plain_median > 0
                    ? absl::StrCat(absl::SixDigits(median / plain_median), "x")
                          .c_str()
                    : "-",
                runs_text.c_str());
  }
  std::filesystem::remove_all(base);
  return 0;
}
