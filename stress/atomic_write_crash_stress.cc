// atomic_write_crash_stress — a child process writes in a loop (random
// targets, random durability mode) and is SIGKILLed at a random moment,
// --iterations times (default 200). After each kill every target must be
// old-complete or new-complete (one whole self-checking payload), and the
// sweeper must leave no temp file — and nothing but temp files may have
// been removed.
//
//   bazel test --config=tsan //stress:atomic_write_crash_stress
//   bazel run //stress:atomic_write_crash_stress -- --iterations=5000
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/posix_fs.h"
#include "src/fs/temp_sweeper.h"
#include "stress/harness.h"
#include "stress/payload.h"
#include "stress/spawn.h"

int main(int argc, char** argv) {
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv,
      {.threads = 1, .iterations = 200, .duration = absl::Seconds(120)});
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp",
                                       "/atomic_write_crash_stress");
  serval::fs::PosixFs& fs = serval::fs::DefaultPosixFs();
  STRESS_CHECK(serval::fs::CreateDirs(fs, dir + "/sub").ok(), dir);
  const std::vector<std::string> names = {"index.html", "feed.xml",
                                          "sub/index.html", "sub/a.css"};
  std::vector<std::string> targets;
  std::mt19937_64 rng(config.seed);
  serval::fs::AtomicWriteOptions options;
  options.root = dir;
  serval::fs::AtomicWriter writer(&fs, options);
  for (const std::string& name : names) {
    targets.push_back(dir + "/" + name);
    STRESS_CHECK(
        writer.Write(targets.back(), serval::stress::MakePayload("old", rng))
            .ok(),
        "initial write");
  }
  const std::string child =
      serval::stress::RunfilesPath(argv[0], "stress/atomic_write_child");
  const char* modes[] = {"strict", "batch", "none"};
  const absl::Time deadline = absl::Now() + config.duration;
  int64_t kills = 0, swept = 0, killed_mid_run = 0;
  for (int64_t i = 0; i < config.iterations && absl::Now() < deadline; ++i) {
    pid_t pid = serval::stress::Spawn(
        child, {"--root=" + dir, "--targets=" + absl::StrJoin(targets, ","),
                "--writes=1000000000", absl::StrCat("--seed=", rng()),
                absl::StrCat("--durability=", modes[rng() % 3])});
    // The random moment of the crash (from process start-up to deep in the
    // write loop); not a synchronization.
    absl::SleepFor(absl::Microseconds(rng() % 20000));
    STRESS_CHECK(::kill(pid, SIGKILL) == 0, "kill");
    int status = serval::stress::Wait(pid);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++killed_mid_run;
    } else {
      STRESS_CHECK(false, absl::StrCat("child ended on its own: ", status));
    }
    ++kills;
    for (const std::string& target : targets) {
      absl::StatusOr<std::string> data = fs.ReadFile(target);
      STRESS_CHECK(data.ok(), data.status().ToString());
      STRESS_CHECK(serval::stress::VerifyPayload(*data),
                   absl::StrCat(target, " torn after kill ", i));
    }
    absl::StatusOr<serval::fs::SweepResult> result =
        serval::fs::SweepTempFiles(fs, dir, {});
    STRESS_CHECK(result.ok(), result.status().ToString());
    STRESS_CHECK(result->kept == 0, "a temp of a dead child was kept");
    swept += result->removed;
    absl::StatusOr<std::vector<std::string>> top = fs.ListDir(dir);
    absl::StatusOr<std::vector<std::string>> sub = fs.ListDir(dir + "/sub");
    STRESS_CHECK(top.ok() && sub.ok(), "list");
    STRESS_CHECK(*top == (std::vector<std::string>{"feed.xml", "index.html",
                                                   "sub"}),
                 absl::StrCat("top: ", absl::StrJoin(*top, " ")));
    STRESS_CHECK(*sub == (std::vector<std::string>{"a.css", "index.html"}),
                 absl::StrCat("sub: ", absl::StrJoin(*sub, " ")));
  }
  std::printf(
      "atomic_write_crash_stress: %lld SIGKILLs, every target whole after "
      "each, %lld leftover temps swept, none left\n",
      static_cast<long long>(kills), static_cast<long long>(swept));
  return 0;
}
