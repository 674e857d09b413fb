// thread_pool_stress — many threads run ParallelFor / ParallelMap on one
// shared pool at once, with errors injected at random indices:
//  * with no error, every index runs exactly once and results keep order;
//  * without cancellation, the error returned is the lowest failing index;
//  * with cancellation, the error returned is one of the injected ones and
//    no index runs twice;
//  * nested ParallelFor inside tasks completes (no deadlock).
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/concurrency/thread_pool.h"
#include "stress/harness.h"

int main(int argc, char** argv) {
  using serval::concurrency::ParallelFor;
  using serval::concurrency::ParallelMap;
  using serval::stress::Worker;
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv, {.threads = 16, .iterations = 200});
  serval::concurrency::ThreadPool pool(4);

  serval::stress::RunThreads(config, [&](Worker& w) {
    while (w.Next()) {
      const size_t n = 1 + w.rng()() % 300;
      const int mode = static_cast<int>(w.rng()() % 4);
      std::set<size_t> failing;
      if (mode != 0) {
        for (int k = 0; k < 3; ++k) failing.insert(w.rng()() % n);
      }
      std::vector<std::atomic<int>> runs(n);
      auto body = [&](size_t i) -> absl::Status {
        ++runs[i];
        if (failing.count(i)) return absl::InternalError(absl::StrCat(i));
        return absl::OkStatus();
      };
      if (mode == 0) {
        auto out = ParallelMap<size_t>(pool, n,
                                       [&](size_t i) -> absl::StatusOr<size_t> {
                                         ++runs[i];
                                         return i * 7;
                                       });
        STRESS_CHECK(out.ok(), "map failed");
        for (size_t i = 0; i < n; ++i) {
          STRESS_CHECK((*out)[i] == i * 7, "result out of order");
          STRESS_CHECK(runs[i].load() == 1, "index ran other than once");
        }
      } else if (mode == 1) {
        absl::Status s = ParallelFor(pool, n, body, {.cancel_on_error = false});
        STRESS_CHECK(s.message() == absl::StrCat(*failing.begin()),
                     absl::StrCat("got error ", s.message(), " want ",
                                  *failing.begin()));
        for (size_t i = 0; i < n; ++i) {
          STRESS_CHECK(runs[i].load() == 1, "index ran other than once");
        }
      } else if (mode == 2) {
        absl::Status s = ParallelFor(pool, n, body);
        size_t index = 0;
        STRESS_CHECK(!s.ok() && absl::SimpleAtoi(s.message(), &index) &&
                         failing.count(index),
                     absl::StrCat("unexpected result ", s.ToString()));
        for (size_t i = 0; i < n; ++i) {
          STRESS_CHECK(runs[i].load() <= 1, "index ran twice");
        }
      } else {
        std::atomic<int> inner{0};
        absl::Status s = ParallelFor(pool, 4, [&](size_t) {
          return ParallelFor(pool, 16, [&](size_t) {
            ++inner;
            return absl::OkStatus();
          });
        });
        STRESS_CHECK(s.ok() && inner.load() == 64, "nested ParallelFor");
      }
    }
  });
  return 0;
}
