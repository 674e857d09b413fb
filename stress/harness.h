// harness.h — the common frame of Serval's stress binaries.
//
// Every stress binary: N threads released together by a barrier, each with
// its own PRNG seeded from one printed seed, bounded by an iteration count
// and a wall-clock duration; a failed check prints the seed and the flags
// that reproduce the run, then aborts.
//
// Example:
//   int main(int argc, char** argv) {
//     serval::stress::StressConfig config = serval::stress::Init(
//         argc, argv, {.threads = 32, .iterations = 10000});
//     serval::stress::RunThreads(config, [&](serval::stress::Worker& w) {
//       while (w.Next()) { ... STRESS_CHECK(ok, "what went wrong"); }
//     });
//     return 0;
//   }
//
// Flags: --seed=N (default random) --threads=N --iterations=N (per thread)
//        --duration=5s (per run; whichever bound is reached first).
#ifndef SERVAL_STRESS_HARNESS_H_
#define SERVAL_STRESS_HARNESS_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace serval::stress {

struct StressConfig {
  uint64_t seed = 0;       // 0 in defaults: pick one at random
  int threads = 8;
  int64_t iterations = 1000;
  absl::Duration duration = absl::Seconds(10);
};

// Parses the stress flags over `defaults`, prints the effective config
// (seed included) to stderr and returns it.
StressConfig Init(int argc, char** argv, StressConfig defaults);

// What one thread sees: its index, its own PRNG, and the loop bound.
class Worker {
 public:
  Worker(int index, uint64_t seed, int64_t iterations, absl::Time deadline)
      : index_(index), rng_(seed), iterations_(iterations),
        deadline_(deadline) {}
  int index() const { return index_; }
  std::mt19937_64& rng() { return rng_; }
  // True while this thread should do one more iteration.
  bool Next();
  int64_t done() const { return done_; }

 private:
  int index_;
  std::mt19937_64 rng_;
  int64_t iterations_;
  absl::Time deadline_;
  int64_t done_ = 0;
};

// Starts config.threads threads, releases them together, runs `body` on
// each and joins them. Returns the total number of iterations done.
int64_t RunThreads(const StressConfig& config,
                   const std::function<void(Worker&)>& body);

// Prints `message` with the seed and a reproduce line, then aborts.
[[noreturn]] void Fail(absl::string_view file, int line,
                       absl::string_view message);

}  // namespace serval::stress

#define STRESS_CHECK(condition, message)                          \
  do {                                                            \
    if (!(condition)) {                                           \
      ::serval::stress::Fail(__FILE__, __LINE__,                  \
                             std::string("check failed: " #condition \
                                         ": ") + (message));      \
    }                                                             \
  } while (0)

#endif  // SERVAL_STRESS_HARNESS_H_
