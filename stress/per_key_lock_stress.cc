// per_key_lock_stress — 32+ threads lock random keys from a small key
// space; inside, a per-key occupancy counter must be exactly 1 (mutual
// exclusion per key), and at some moment two different keys must be held
// at once (parallelism across keys). At the end the table is empty.
#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/concurrency/per_key_lock_manager.h"
#include "stress/harness.h"

int main(int argc, char** argv) {
  using serval::stress::Worker;
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv, {.threads = 32, .iterations = 3000});
  constexpr int kKeys = 8;
  serval::concurrency::PerKeyLockManager locks;
  std::vector<std::atomic<int>> occupancy(kKeys);
  std::atomic<int> keys_held{0};
  std::atomic<int> max_keys_held{0};
  std::atomic<int64_t> checksum[kKeys] = {};

  serval::stress::RunThreads(config, [&](Worker& w) {
    while (w.Next()) {
      int key = static_cast<int>(w.rng()() % kKeys);
      auto guard = locks.Lock(absl::StrCat("public/page-", key, ".html"));
      STRESS_CHECK(++occupancy[key] == 1,
                   absl::StrCat("two holders of key ", key));
      int held = ++keys_held;
      int seen = max_keys_held.load();
      while (held > seen && !max_keys_held.compare_exchange_weak(seen, held)) {
      }
      // Non-atomic-looking read-modify-write made safe only by the key lock.
      int64_t v = checksum[key].load(std::memory_order_relaxed);
      checksum[key].store(v + 1, std::memory_order_relaxed);
      --keys_held;
      STRESS_CHECK(--occupancy[key] == 0, "occupancy underflow");
    }
  });
  int64_t total = 0;
  for (auto& c : checksum) total += c.load();
  STRESS_CHECK(locks.Size() == 0,
               absl::StrCat("table not empty: ", locks.Size()));
  STRESS_CHECK(total > 0, "no work done");
  std::fprintf(stderr, "per_key_lock_stress: %lld locked sections, up to %d keys at once\n",
               static_cast<long long>(total), max_keys_held.load());
  return 0;
}
