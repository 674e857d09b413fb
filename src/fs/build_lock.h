// build_lock.h — one build at a time per site: an exclusive flock on a
// lock file (.serval/lock) that is never deleted.
//
// The holder writes who it is into the file, for humans and for the next
// build's message:
//   pid=4242
//   host=ci-runner-3
//   started=2026-11-23T09:30:00Z
//   build=3fa2c1d09b7e
// A second build finds the lock taken, reports the holder through
// `on_wait` ("waiting for the build lock held by pid 4242 on ci-runner-3
// since ... (build 3fa2c1d09b7e)") and polls with capped backoff until it
// gets the lock or `timeout` passes (DeadlineExceeded naming the holder).
// The kernel releases a flock when its holder dies, however it dies
// (SIGKILL included), so a crashed build never leaves a stale lock. The
// file is never deleted: deleting it would let two processes lock two
// different inodes under one name.
//
// Example:
//   SERVAL_ASSIGN_OR_RETURN(std::unique_ptr<BuildLock> lock,
//       BuildLock::Acquire(fs, "site/.serval/lock",
//                          {.build_id = base::BuildId(),
//                           .timeout = absl::Seconds(60),
//                           .on_wait = [](absl::string_view holder) {
//                             SERVAL_LOG(kWarning) << "waiting for " << holder;
//                           }}));
//   ... build ...
//   lock.reset();  // or let it go out of scope
//
// Thread-safety: a BuildLock is owned by one thread; Acquire() may be
// called from several threads and processes (only one wins at a time).
#ifndef SERVAL_FS_BUILD_LOCK_H_
#define SERVAL_FS_BUILD_LOCK_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/fs/fs.h"

namespace serval::fs {

struct BuildLockOptions {
  std::string build_id;
  // How long to wait for another holder; zero: try once.
  absl::Duration timeout = absl::Minutes(10);
  // Called with DescribeHolder() text when the lock is found busy, again
  // whenever the holder changes.
  std::function<void(absl::string_view holder)> on_wait;
  absl::Duration initial_poll = absl::Milliseconds(5);
  absl::Duration max_poll = absl::Milliseconds(250);
};

class BuildLock {
 public:
  // Takes the lock at `path` (creating the file and nothing else; its
  // directory must exist), waiting as the options say.
  static absl::StatusOr<std::unique_ptr<BuildLock>> Acquire(
      Fs& fs, absl::string_view path, const BuildLockOptions& options);

  // What this holder wrote into the lock file.
  const std::string& info() const { return info_; }

 private:
  BuildLock(std::unique_ptr<FileLock> lock, std::string info)
      : lock_(std::move(lock)), info_(std::move(info)) {}
  std::unique_ptr<FileLock> lock_;
  std::string info_;
};

// The contents a holder writes (see the file comment).
std::string FormatHolderInfo(absl::string_view build_id);

// "pid 4242 on ci-runner-3 since 2026-11-23T09:30:00Z (build 3fa2c1d09b7e)"
// from a lock file's contents; "an unknown holder" if they are empty or
// unreadable (a holder between flock and writing its info).
std::string DescribeHolder(absl::string_view contents);

}  // namespace serval::fs

#endif  // SERVAL_FS_BUILD_LOCK_H_
