#include "stress/harness.h"

#include <sys/random.h>

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"

ABSL_FLAG(uint64_t, seed, 0, "PRNG seed (0: random; always printed)");
ABSL_FLAG(int, threads, -1, "number of threads (-1: the binary's default)");
ABSL_FLAG(int64_t, iterations, -1,
          "iterations per thread (-1: the binary's default)");
ABSL_FLAG(absl::Duration, duration, absl::ZeroDuration(),
          "wall-clock bound of the run (0: the binary's default)");

namespace serval::stress {
namespace {
uint64_t g_seed = 0;
std::string g_program;
}  // namespace

StressConfig Init(int argc, char** argv, StressConfig defaults) {
  absl::ParseCommandLine(argc, argv);
  g_program = argv[0];
  StressConfig config = defaults;
  if (absl::GetFlag(FLAGS_seed) != 0) config.seed = absl::GetFlag(FLAGS_seed);
  if (config.seed == 0) {
    while (getrandom(&config.seed, sizeof(config.seed), 0) !=
           sizeof(config.seed)) {
    }
    if (config.seed == 0) config.seed = 1;
  }
  if (absl::GetFlag(FLAGS_threads) > 0) {
    config.threads = absl::GetFlag(FLAGS_threads);
  }
  if (absl::GetFlag(FLAGS_iterations) >= 0) {
    config.iterations = absl::GetFlag(FLAGS_iterations);
  }
  if (absl::GetFlag(FLAGS_duration) > absl::ZeroDuration()) {
    config.duration = absl::GetFlag(FLAGS_duration);
  }
  g_seed = config.seed;
  std::fprintf(stderr,
               "stress: %s seed=%llu threads=%d iterations=%lld "
               "duration=%s\n",
               argv[0], static_cast<unsigned long long>(config.seed),
               config.threads, static_cast<long long>(config.iterations),
               absl::FormatDuration(config.duration).c_str());
  return config;
}

bool Worker::Next() {
  if (done_ >= iterations_) return false;
  // Checking the clock every iteration is cheap next to the work stressed.
  if (absl::Now() >= deadline_) return false;
  ++done_;
  return true;
}

int64_t RunThreads(const StressConfig& config,
                   const std::function<void(Worker&)>& body) {
  absl::Barrier* start = new absl::Barrier(config.threads);
  const absl::Time deadline = absl::Now() + config.duration;
  std::vector<Worker> workers;
  workers.reserve(config.threads);
  for (int i = 0; i < config.threads; ++i) {
    // Per-thread seeds derived from the one printed seed.
    workers.emplace_back(i, config.seed * 0x9E3779B97F4A7C15ull + i,
                         config.iterations, deadline);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < config.threads; ++i) {
    threads.emplace_back([&, i] {
      // Block() deletes the barrier when the last thread passes it.
      if (start->Block()) delete start;
      body(workers[i]);
    });
  }
  int64_t total = 0;
  for (int i = 0; i < config.threads; ++i) {
    threads[i].join();
    total += workers[i].done();
  }
  std::fprintf(stderr, "stress: %lld iterations on %d threads\n",
               static_cast<long long>(total), config.threads);
  return total;
}

void Fail(absl::string_view file, int line, absl::string_view message) {
  std::fprintf(stderr,
               "stress: FAILED at %.*s:%d: %.*s\n"
               "stress: reproduce with: %s --seed=%llu\n",
               static_cast<int>(file.size()), file.data(), line,
               static_cast<int>(message.size()), message.data(),
               g_program.c_str(), static_cast<unsigned long long>(g_seed));
  std::fflush(stderr);
  std::abort();
}

}  // namespace serval::stress
