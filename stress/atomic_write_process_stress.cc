// atomic_write_process_stress — 8 processes (--threads) each make
// --iterations atomic writes to the SAME file while reader threads in the
// parent check that every read is one whole payload. At the end: every
// child exited 0, the file is one valid payload, no temp file is left.
//
//   bazel test --config=tsan //stress:atomic_write_process_stress
//   bazel run //stress:atomic_write_process_stress -- --threads=16 \
//       --iterations=20000
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/posix_fs.h"
#include "stress/harness.h"
#include "stress/payload.h"
#include "stress/spawn.h"

int main(int argc, char** argv) {
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv,
      {.threads = 8, .iterations = 2000, .duration = absl::Seconds(120)});
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp",
                                       "/atomic_write_process_stress");
  const std::string target = dir + "/index.html";
  serval::fs::PosixFs& fs = serval::fs::DefaultPosixFs();
  STRESS_CHECK(serval::fs::CreateDirs(fs, dir).ok(), dir);
  serval::fs::AtomicWriteOptions options;
  options.root = dir;
  std::mt19937_64 rng(config.seed);
  STRESS_CHECK(serval::fs::AtomicWriter(&fs, options)
                   .Write(target, serval::stress::MakePayload("initial", rng))
                   .ok(),
               "initial write");

  std::atomic<bool> writing{true};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (writing.load(std::memory_order_relaxed)) {
        absl::StatusOr<std::string> data = fs.ReadFile(target);
        STRESS_CHECK(data.ok(), data.status().ToString());
        STRESS_CHECK(serval::stress::VerifyPayload(*data),
                     absl::StrCat("torn read of ", data->size(), " bytes"));
        reads.fetch_add(1, std::memory_order_relaxed);
        absl::SleepFor(absl::Microseconds(200));  // pacing only
      }
    });
  }

  const std::string child =
      serval::stress::RunfilesPath(argv[0], "stress/atomic_write_child");
  const absl::Time start = absl::Now();
  std::vector<pid_t> pids;
  for (int p = 0; p < config.threads; ++p) {
    pids.push_back(serval::stress::Spawn(
        child, {"--root=" + dir, "--targets=" + target,
                absl::StrCat("--writes=", config.iterations),
                absl::StrCat("--seed=", config.seed + p)}));
  }
  for (pid_t pid : pids) {
    int status = serval::stress::Wait(pid);
    STRESS_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                 absl::StrCat("child ", pid, " status ", status));
  }
  const absl::Duration elapsed = absl::Now() - start;
  writing = false;
  for (auto& reader : readers) reader.join();

  absl::StatusOr<std::string> final_data = fs.ReadFile(target);
  STRESS_CHECK(final_data.ok() && serval::stress::VerifyPayload(*final_data),
               "final payload");
  absl::StatusOr<std::vector<std::string>> names = fs.ListDir(dir);
  STRESS_CHECK(names.ok() && names->size() == 1 &&
                   (*names)[0] == "index.html",
               "exactly the target, no temp file");
  std::printf(
      "atomic_write_process_stress: %d processes x %lld writes, %lld whole "
      "reads, %.1fs; 1 valid payload, 0 temp files\n",
      config.threads, static_cast<long long>(config.iterations),
      static_cast<long long>(reads.load()), absl::ToDoubleSeconds(elapsed));
  return 0;
}
