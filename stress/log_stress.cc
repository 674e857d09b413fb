// log_stress — many threads log to one pipe at once; a reader checks that
// every line arrives whole (never interleaved with another thread's line)
// and that no line is lost.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/base/log.h"
#include "stress/harness.h"

int main(int argc, char** argv) {
  using serval::stress::Worker;
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv, {.threads = 32, .iterations = 2000});

  int fds[2];
  STRESS_CHECK(::pipe(fds) == 0, "pipe");
  serval::base::InitLogging({.build_id = "stress", .fd = fds[1]});

  std::string received;
  std::thread reader([&] {
    char buf[1 << 16];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) received.append(buf, n);
  });

  int64_t total = serval::stress::RunThreads(config, [](Worker& w) {
    while (w.Next()) {
      // Payload: thread, sequence, a filler whose length depends on the
      // PRNG, and a checksum of all that, so a torn line cannot verify.
      std::string filler(w.rng()() % 200, 'a' + w.index() % 26);
      std::string body = absl::StrCat(w.index(), ",", w.done(), ",", filler);
      SERVAL_LOG(kInfo) << body << "," << std::hash<std::string>()(body);
    }
  });
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);

  int64_t lines = 0;
  for (absl::string_view line : absl::StrSplit(received, '\n')) {
    if (line.empty()) continue;
    ++lines;
    size_t body_start = line.find("] info: ");
    STRESS_CHECK(line.rfind("[build=stress pid=", 0) == 0 &&
                     body_start != absl::string_view::npos,
                 std::string(line));
    absl::string_view rest = line.substr(body_start + 8);
    size_t comma = rest.rfind(',');
    STRESS_CHECK(comma != absl::string_view::npos, std::string(line));
    size_t hash = 0;
    STRESS_CHECK(absl::SimpleAtoi(rest.substr(comma + 1), &hash),
                 std::string(line));
    STRESS_CHECK(std::hash<std::string>()(std::string(rest.substr(0, comma))) ==
                     hash,
                 absl::StrCat("torn line: ", line));
  }
  STRESS_CHECK(lines == total,
               absl::StrCat("lines=", lines, " expected=", total));
  std::printf("log_stress: %lld whole lines\n", static_cast<long long>(lines));
  return 0;
}
