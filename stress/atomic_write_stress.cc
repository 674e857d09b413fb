// atomic_write_stress — many threads atomically replace ONE file while
// reader threads read it. Every read must be one whole self-checking
// payload (stress/payload.h); at the end the file is one valid payload and
// its directory holds no temp file. Runs on the real filesystem
// (TEST_TMPDIR), batch durability, committed at the end.
//
//   bazel test --config=tsan //stress:atomic_write_stress
//   bazel run --config=tsan //stress:atomic_write_stress -- \
//       --threads=32 --iterations=10000 --duration=3600s   # the full run
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/posix_fs.h"
#include "src/fs/temp_name.h"
#include "stress/harness.h"
#include "stress/payload.h"

namespace {
using serval::fs::AtomicWriter;
using serval::fs::DefaultPosixFs;
using serval::stress::VerifyPayload;
using serval::stress::Worker;
}  // namespace

int main(int argc, char** argv) {
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv,
      {.threads = 32, .iterations = 1000, .duration = absl::Seconds(120)});
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/atomic_write_stress");
  const std::string target = dir + "/index.html";
  serval::fs::PosixFs& fs = DefaultPosixFs();
  STRESS_CHECK(serval::fs::CreateDirs(fs, dir).ok(), dir);

  serval::fs::AtomicWriteOptions options;
  options.root = dir;
  AtomicWriter writer(&fs, options);
  std::mt19937_64 seed_rng(config.seed);
  STRESS_CHECK(
      writer.Write(target, serval::stress::MakePayload("initial", seed_rng))
          .ok(),
      "initial write");

  std::atomic<bool> writing{true};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> readers;
  constexpr int kReaders = 2;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      while (writing.load(std::memory_order_relaxed)) {
        absl::StatusOr<std::string> data = fs.ReadFile(target);
        STRESS_CHECK(data.ok(), data.status().ToString());
        STRESS_CHECK(VerifyPayload(*data),
                     absl::StrCat("torn read of ", data->size(), " bytes"));
        reads.fetch_add(1, std::memory_order_relaxed);
        // Pacing, not synchronization: spinning readers would starve the
        // writers on a small machine.
        absl::SleepFor(absl::Microseconds(200));
      }
    });
  }

  const absl::Time start = absl::Now();
  const int64_t writes = serval::stress::RunThreads(config, [&](Worker& w) {
    while (w.Next()) {
      std::string payload = serval::stress::MakePayload(
          absl::StrCat("w", w.index(), "-", w.done()), w.rng());
      absl::StatusOr<serval::fs::WriteOutcome> outcome =
          writer.Write(target, payload);
      STRESS_CHECK(outcome.ok(), outcome.status().ToString());
      STRESS_CHECK(*outcome == serval::fs::WriteOutcome::kWritten,
                   "unique payloads are always written");
    }
  });
  const absl::Duration elapsed = absl::Now() - start;
  writing = false;
  for (auto& reader : readers) reader.join();
  STRESS_CHECK(writer.Commit().ok(), "commit");

  absl::StatusOr<std::string> final_data = fs.ReadFile(target);
  STRESS_CHECK(final_data.ok() && VerifyPayload(*final_data), "final payload");
  absl::StatusOr<std::vector<std::string>> names = fs.ListDir(dir);
  STRESS_CHECK(names.ok(), "list");
  STRESS_CHECK(names->size() == 1 && (*names)[0] == "index.html",
               absl::StrCat(names->size(), " entries, e.g. ",
                            names->empty() ? "" : (*names)[0]));
  std::printf(
      "atomic_write_stress: %lld writes by %d threads, %lld whole reads by "
      "%d readers, %.1fs; 1 valid payload, 0 temp files\n",
      static_cast<long long>(writes), config.threads,
      static_cast<long long>(reads.load()), kReaders,
      absl::ToDoubleSeconds(elapsed));
  if (writes < static_cast<int64_t>(config.threads) * config.iterations) {
    std::printf("atomic_write_stress: note: duration bound reached first\n");
  }
  return 0;
}
