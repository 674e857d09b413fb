// atomic_writer.h — replace a file so that every reader, and every crash,
// sees either the whole old contents or the whole new contents.
//
// One Write():
//   1. refuses a path that passes through a symlink inside the output root
//      (FailedPrecondition, errno ELOOP) or lies outside it
//      (InvalidArgument);
//   2. returns kUnchanged, touching nothing, if the file already holds
//      exactly `contents` with the requested mode;
//   3. creates missing parent directories;
//   4. opens a unique temp in the target's directory (temp_name.h) with
//      O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, writes in a loop that survives
//      short writes and EINTR, sets the final mode explicitly (fchmod, so
//      the umask plays no part), fsyncs it in `strict` mode, closes it
//      checking the result, and renames it over the target; in `strict`
//      mode it then fsyncs the directory.
// Transient errors (EINTR, EAGAIN, EBUSY) are retried with capped
// exponential backoff and jitter, a bounded number of times (retry.h).
// On any error before the rename the temp is removed and the target is
// untouched; the Status keeps the failed call's code and errno payload and
// reads "atomic write <target>: <call> <path>: <ERRNO>: <text>". EXDEV is
// an error, never a copy. A failure of the strict-mode directory sync comes
// after the rename: the target is then new and complete but not known to be
// durable.
//
// Durability:
//   kStrict  fsync file before rename, fsync directory after: a Write that
//            returned OK survives power loss.
//   kBatch   (default) no per-file sync; Commit() syncs the whole filesystem
//            (syncfs). After a crash before Commit() each target is old or
//            new, never torn — when the filesystem orders the data of a
//            renamed file before the rename (ext4 auto_da_alloc, xfs,
//            btrfs) or, as FaultInjectionFs models it, the rename is not
//            yet durable either.
//   kNone    no syncs: atomic for readers, not for crashes.
//
// Limits: the symlink check and the rename are not one atomic step; a
// process that swaps a directory for a symlink in between is not defended
// against (the output root is Serval's own).
//
// Example:
//   AtomicWriter writer(&fs, {.root = "site/public"});
//   SERVAL_ASSIGN_OR_RETURN(WriteOutcome outcome,
//                           writer.Write("site/public/index.html", html));
//   ...
//   SERVAL_RETURN_IF_ERROR(writer.Commit());  // batch: one syncfs
//
// Thread-safety: Write() and Commit() may be called from any number of
// threads and processes at once, on the same path too; the last rename wins
// and every reader sees one whole version.
#ifndef SERVAL_FS_ATOMIC_WRITER_H_
#define SERVAL_FS_ATOMIC_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/fs/fs.h"
#include "src/fs/retry.h"

namespace serval::fs {

enum class Durability { kStrict, kBatch, kNone };

// "strict", "batch", "none".
absl::string_view DurabilityName(Durability durability);

struct AtomicWriteOptions {
  Durability durability = Durability::kBatch;
  uint32_t mode = 0644;  // the final permission bits, exactly
  // The output root: no component below it (nor the target) may be a
  // symlink, and targets must lie inside it. Empty: only the target itself
  // is checked.
  std::string root;
  RetryPolicy retry;
  // Write even when the file already holds `contents` (step 2 skipped).
  bool always_write = false;
};

enum class WriteOutcome { kWritten, kUnchanged };

// A file written by AtomicWriter::Stage but not yet put in place.
struct StagedFile {
  WriteOutcome outcome = WriteOutcome::kUnchanged;  // kUnchanged: no temp
  std::string target;
  std::string temp;  // holds the new contents: written, mode set, closed
  // The target existed as a regular file when staged (its mode then).
  bool replaces = false;
  uint32_t old_mode = 0;
};

class AtomicWriter {
 public:
  // `fs` must outlive the writer.
  AtomicWriter(Fs* fs, AtomicWriteOptions options);

  // Atomically replaces `path` with `contents` (see the file comment).
  absl::StatusOr<WriteOutcome> Write(absl::string_view path,
                                     absl::string_view contents) const;

  // Phase one of a two-phase publish (tree_publisher.h): steps 1-4 of
  // Write() up to, not including, the rename. The temp is fsynced in
  // strict mode. On error no temp is left and the target is untouched.
  absl::StatusOr<StagedFile> Stage(absl::string_view path,
                                   absl::string_view contents) const;

  // Phase two for one staged file, alone (no TreePublisher): renames
  // `staged.temp` over its target, then in strict mode fsyncs the
  // directory — the rest of Write() after Stage(). A kUnchanged `staged`
  // is a no-op. If the rename fails the temp is removed and the target is
  // untouched; a failed directory sync comes after the rename, as in
  // Write(). Together, Stage() + Install() write exactly what one Write()
  // of the same contents writes, so the costly part (writing, fsync) can
  // run early, on another thread, and the rename at the commit point.
  absl::Status Install(const StagedFile& staged) const;

  // Removes the temp of a staged file that will not be installed (no-op
  // for kUnchanged). A temp that cannot be removed is left to the sweeper.
  void Discard(const StagedFile& staged) const;

  // The commit point: in kBatch mode, syncs the filesystem holding the
  // root ("." if none); a no-op in the other modes.
  absl::Status Commit() const;

  const AtomicWriteOptions& options() const { return options_; }

 private:
  absl::Status CheckPath(absl::string_view path) const;
  // Whether `path` already holds `contents` with our mode; *existing_mode
  // gets its mode if it is a regular file (else stays unset).
  absl::StatusOr<bool> Unchanged(absl::string_view path,
                                 absl::string_view contents,
                                 std::optional<uint32_t>* existing_mode) const;
  // Checks the path and creates the parent directories; *unchanged when
  // there is nothing to write.
  absl::Status Prepare(absl::string_view path, absl::string_view contents,
                       bool* unchanged, std::optional<uint32_t>* existing_mode,
                       Retrier& retrier) const;
  // One attempt: a fresh temp beside `path` holding `contents` (mode set,
  // fsynced in strict mode, closed); its name, or an error with no temp
  // left.
  absl::StatusOr<std::string> WriteTemp(absl::string_view path,
                                        absl::string_view contents,
                                        Retrier& retrier) const;
  // One attempt: temp, write, rename (and strict syncs).
  absl::Status WriteOnce(absl::string_view path, absl::string_view contents,
                         Retrier& retrier) const;
  absl::Status WriteBody(WritableFile& file, absl::string_view contents,
                         Retrier& retrier) const;
  // Renames `temp` over `path` (on failure removes the temp), then in
  // strict mode fsyncs the directory: the end of Write() and Install().
  absl::Status RenameIntoPlace(const std::string& temp, absl::string_view path,
                               Retrier& retrier) const;
  void RemoveTemp(const std::string& temp, Retrier& retrier) const;

  Fs* const fs_;
  const AtomicWriteOptions options_;
};

}  // namespace serval::fs

#endif  // SERVAL_FS_ATOMIC_WRITER_H_
