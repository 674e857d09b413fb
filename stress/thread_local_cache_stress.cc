// thread_local_cache_stress — many threads hammer several caches at once:
// every instance is only ever touched by the thread that created it, each
// thread gets exactly one instance per cache, and the per-instance counts
// add up to the work done.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/concurrency/thread_local_cache.h"
#include "stress/harness.h"

namespace {
struct Slot {
  std::thread::id owner = std::this_thread::get_id();
  int64_t uses = 0;
};
}  // namespace

int main(int argc, char** argv) {
  using serval::stress::Worker;
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv, {.threads = 32, .iterations = 20000});
  constexpr int kCaches = 4;
  std::vector<std::unique_ptr<serval::concurrency::ThreadLocalCache<Slot>>>
      caches;
  for (int c = 0; c < kCaches; ++c) {
    caches.push_back(
        std::make_unique<serval::concurrency::ThreadLocalCache<Slot>>(
            [] { return std::make_unique<Slot>(); }));
  }
  std::atomic<int64_t> work{0};
  serval::stress::RunThreads(config, [&](Worker& w) {
    while (w.Next()) {
      Slot& slot = caches[w.rng()() % kCaches]->Get();
      STRESS_CHECK(slot.owner == std::this_thread::get_id(),
                   "instance shared between threads");
      ++slot.uses;  // plain write: TSan reports any sharing
      ++work;
    }
  });
  int64_t counted = 0;
  for (auto& cache : caches) {
    STRESS_CHECK(cache->Size() <= static_cast<size_t>(config.threads),
                 absl::StrCat("more instances than threads: ", cache->Size()));
    cache->ForEach([&](const Slot& s) { counted += s.uses; });
  }
  STRESS_CHECK(counted == work.load(),
               absl::StrCat("counted ", counted, " of ", work.load()));
  std::fprintf(stderr, "thread_local_cache_stress: %lld uses\n",
               static_cast<long long>(counted));
  return 0;
}
