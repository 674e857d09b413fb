// temp_sweeper.h — removes temp files that atomic writers of dead
// processes left behind.
//
// Only names that parse exactly as temp names (temp_name.h) are candidates;
// nothing else is ever touched. A candidate is removed when
//   * its pid is not alive (kill(pid, 0) fails with ESRCH), or
//   * it is older than `max_age` whatever its pid — pids are reused, and
//     in containers a new build often gets the very pid of a dead one. No
//     atomic write takes anywhere near max_age, so a live writer's temp is
//     never that old.
// Symlinks are never followed; with `recursive`, subdirectories are swept.
//
// Example:
//   SERVAL_ASSIGN_OR_RETURN(SweepResult swept,
//                           SweepTempFiles(fs, "site/public", {}));
//
// Thread-safety: thread-safe; concurrent sweeps and writes are fine (a temp
// renamed or removed meanwhile is skipped).
#ifndef SERVAL_FS_TEMP_SWEEPER_H_
#define SERVAL_FS_TEMP_SWEEPER_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/fs/fs.h"

namespace serval::fs {

struct SweepOptions {
  bool recursive = true;
  absl::Duration max_age = absl::Hours(1);
  // Whether `pid` is a live process (null: kill(pid, 0) != ESRCH).
  std::function<bool(int64_t pid)> is_alive;
  // The current time (null: absl::Now).
  std::function<absl::Time()> now;
};

struct SweepResult {
  int64_t removed = 0;  // temps of dead processes, or too old
  int64_t kept = 0;     // temps of live processes
};

absl::StatusOr<SweepResult> SweepTempFiles(Fs& fs, absl::string_view dir,
                                           const SweepOptions& options);

// kill(pid, 0) != ESRCH.
bool ProcessIsAlive(int64_t pid);

}  // namespace serval::fs

#endif  // SERVAL_FS_TEMP_SWEEPER_H_
