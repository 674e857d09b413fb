#include "src/concurrency/mutex.h"

#include <cstdio>
#include <cstdlib>

namespace serval::concurrency {

#ifndef SERVAL_NO_LOCK_RANK_CHECKS
namespace {

// The locks this thread holds, in acquisition order. Deeper nesting than
// this is itself a design error and aborts.
constexpr int kMaxHeld = 32;
struct HeldLocks {
  const Mutex* locks[kMaxHeld];
  int count = 0;
};
thread_local HeldLocks t_held;

[[noreturn]] void Die(const char* what, const Mutex* acquiring,
                      const Mutex* holding) {
  if (holding != nullptr) {
    std::fprintf(stderr,
                 "serval: %s: acquiring \"%s\" (rank %d) while holding "
                 "\"%s\" (rank %d)\n",
                 what, acquiring->name(), static_cast<int>(acquiring->rank()),
                 holding->name(), static_cast<int>(holding->rank()));
  } else {
    std::fprintf(stderr, "serval: %s: \"%s\" (rank %d)\n", what,
                 acquiring->name(), static_cast<int>(acquiring->rank()));
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace

void Mutex::CheckAndPush() {
  HeldLocks& held = t_held;
  for (int i = 0; i < held.count; ++i) {
    if (static_cast<int>(held.locks[i]->rank()) >= static_cast<int>(rank_)) {
      Die("lock order violation", this, held.locks[i]);
    }
  }
  if (held.count == kMaxHeld) Die("too many nested locks", this, nullptr);
  held.locks[held.count++] = this;
}

void Mutex::Pop() {
  HeldLocks& held = t_held;
  // Usually the last one taken; search from the top to allow any order.
  for (int i = held.count - 1; i >= 0; --i) {
    if (held.locks[i] == this) {
      for (int j = i; j + 1 < held.count; ++j) {
        held.locks[j] = held.locks[j + 1];
      }
      --held.count;
      return;
    }
  }
  Die("unlock of a mutex this thread does not hold", this, nullptr);
}
#else
void Mutex::CheckAndPush() {}
void Mutex::Pop() {}
#endif  // SERVAL_NO_LOCK_RANK_CHECKS

void Mutex::Lock() {
  CheckAndPush();
  mu_.Lock();
}

void Mutex::Unlock() {
  mu_.Unlock();
  Pop();
}

bool Mutex::TryLock() {
  // A try-lock cannot deadlock, but what it guards is held from now on, so
  // it still enters the held set (and must still respect the order).
  CheckAndPush();
  if (mu_.TryLock()) return true;
  Pop();
  return false;
}

void Mutex::ReaderLock() {
  CheckAndPush();
  mu_.ReaderLock();
}

void Mutex::ReaderUnlock() {
  mu_.ReaderUnlock();
  Pop();
}

}  // namespace serval::concurrency
