// tree_publisher.h — replace a whole set of files (a site's output tree) so
// that a failure anywhere leaves every one of them as it was: readers and
// the next build see the previous tree or the new one, never a mix.
//
// Phases:
//   1. Stage     Stage(i, path, contents) for each file, from any threads
//                (distinct i): a file that already holds `contents` is left
//                alone; the others are written to a temp beside the target
//                (AtomicWriter::Stage: written, mode set, closed; fsynced in
//                strict mode). StageRemoval(path) marks a file to delete.
//                Nothing a reader can see has changed.
//   2. Switch    Switch() first makes the staged data durable (batch: one
//                syncfs; strict: each temp was fsynced; none: nothing), then
//                puts every staged file in place: an existing target is
//                swapped with its temp (Fs::Exchange, renameat2
//                RENAME_EXCHANGE), so the old bytes live on under the temp
//                name; a new target is renamed in; a file to delete is
//                renamed aside to a temp name. Then the commit sync (batch:
//                syncfs; strict: fsync of each changed directory). If any
//                step fails, every step done is undone and every target
//                holds exactly what it held before; the temps are removed.
//                Where the filesystem cannot exchange (EINVAL, ENOSYS), the
//                old bytes are read into memory and the temp is renamed
//                over the target; undoing writes them back atomically.
//   3. Finish    Finish() deletes the old copies and the files set aside and
//                makes the deletions durable (batch, strict). A failure here
//                changes no target: what is left over has a temp name
//                (temp_name.h), which the sweeper removes (temp_sweeper.h);
//                it is returned as a message.
// Rollback() undoes a successful Switch() while Finish() has not run (a
// later step of the caller, such as committing a cache, failed); the
// destructor does the same for a publish that was never finished.
//
// Undo uses other calls than the step it undoes where it can, so one
// persistent fault (say, every rename failing) does not prevent it: an
// exchange is undone by renaming the old copy back, else by exchanging
// again; a file set aside by renaming it back, else by exchanging it with
// a placeholder; a new file by unlinking it, else by renaming it aside.
//
// Example:
//   TreePublisher pub(&fs, {.durability = Durability::kBatch,
//                           .root = "site/public"}, outputs.size());
//   ForEachIndex(pool, outputs.size(), [&](size_t i) {
//     status[i] = pub.Stage(i, outputs[i].path, outputs[i].bytes);
//   });
//   pub.StageRemoval("site/public/old/index.html");
//   SERVAL_RETURN_IF_ERROR(pub.Switch());    // all new, or all old
//   if (!CommitCache().ok()) return pub.Rollback();  // all old again
//   for (const std::string& m : pub.Finish()) Warn(m);
//
// Thread-safety: Stage() may run concurrently for distinct indices; every
// other method is called from one thread, after the Stage() calls
// returned. Several processes may publish to one tree at once (no build
// lock): each target is always whole, the last switch wins, and a removal
// of a file another process already removed is not an error.
#ifndef SERVAL_FS_TREE_PUBLISHER_H_
#define SERVAL_FS_TREE_PUBLISHER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/fs.h"

namespace serval::fs {

class TreePublisher {
 public:
  // Runs fn(0), ..., fn(n - 1), possibly in parallel, and returns when all
  // have. Default: one after the other.
  using ForEach =
      std::function<void(size_t n, const std::function<void(size_t)>& fn)>;

  // `fs` must outlive the publisher; `files` is the number of Stage slots.
  TreePublisher(Fs* fs, AtomicWriteOptions options, size_t files,
                ForEach for_each = nullptr);
  ~TreePublisher();
  TreePublisher(const TreePublisher&) = delete;
  TreePublisher& operator=(const TreePublisher&) = delete;

  // Phase 1 for slot `index` (< files): see the file comment.
  absl::StatusOr<WriteOutcome> Stage(size_t index, absl::string_view path,
                                     absl::string_view contents);
  // Marks `path` (a regular file) to be deleted by the switch.
  void StageRemoval(absl::string_view path);

  // Phase 2. On error every target is as before and no temp is left (but
  // for one that could not be removed either: it has a temp name).
  absl::Status Switch();
  // Undoes a successful Switch() (before Finish()); OK if nothing to undo.
  absl::Status Rollback();
  // Phase 3; the messages of what could not be deleted or synced.
  std::vector<std::string> Finish();

  // Files removed by the switch (set aside, then deleted by Finish()).
  size_t removed() const { return removed_; }

 private:
  enum class State {
    kNone,        // nothing staged, or done
    kStaged,      // temp holds the new bytes
    kExchanged,   // target holds the new bytes, temp the old
    kRenamedNew,  // target holds the new bytes; it did not exist
    kRenamedOver, // target holds the new bytes; old ones in `old_bytes`
    kRemoval,     // to be set aside
    kSetAside,    // the file is at `temp`; the target name is free
  };
  struct Entry {
    State state = State::kNone;
    StagedFile staged;  // target, temp, replaces, old_mode
    std::string old_bytes;
  };

  absl::Status SwitchOne(Entry& entry);
  absl::Status UndoOne(Entry& entry);
  // kData: before the switch (batch: syncfs); kCommit: after it (batch:
  // syncfs; strict: each directory in `dirs`).
  enum class SyncPoint { kData, kCommit };
  absl::Status Sync(SyncPoint point, const std::vector<std::string>& dirs);
  // Retries transient errors of `op` (EINTR, EAGAIN, EBUSY).
  absl::Status Retrying(const std::function<absl::Status()>& op) const;

  Fs* const fs_;
  const AtomicWriter writer_;
  const ForEach for_each_;
  std::vector<Entry> entries_;  // Stage slots, then removals
  // Set by the first exchange that reports EINVAL/ENOSYS (any thread).
  std::atomic<bool> exchange_unsupported_{false};
  bool finished_ = false;
  size_t removed_ = 0;
};

}  // namespace serval::fs

#endif  // SERVAL_FS_TREE_PUBLISHER_H_
