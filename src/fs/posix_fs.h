// posix_fs.h — Fs on the real filesystem, one system call per operation.
//
// Each method is a thin wrapper around its system call (open with
// O_CLOEXEC, lstat, rename, fsync, syncfs, flock...). Errors are
// base::ErrnoStatus values naming the call, the path and the errno; nothing
// is retried here (EINTR included) so callers' retry policies see every
// failure.
//
// Example:
//   serval::fs::PosixFs fs;
//   absl::StatusOr<std::string> text = fs.ReadFile("serval.toml");
//
// Thread-safety: stateless; safe to share between threads.
#ifndef SERVAL_FS_POSIX_FS_H_
#define SERVAL_FS_POSIX_FS_H_

#include <memory>
#include <string>
#include <vector>

#include "src/fs/fs.h"

namespace serval::fs {

class PosixFs : public Fs {
 public:
  absl::StatusOr<std::string> ReadFile(absl::string_view path) override;
  absl::StatusOr<FileInfo> Stat(absl::string_view path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
      absl::string_view path) override;
  absl::StatusOr<std::vector<DirEntryInfo>> ListDirWithInfo(
      absl::string_view path) override;
  absl::Status CreateDir(absl::string_view path, uint32_t mode) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(
      absl::string_view path, OpenMode open_mode, uint32_t mode) override;
  absl::Status Rename(absl::string_view from, absl::string_view to) override;
  absl::Status Exchange(absl::string_view a, absl::string_view b) override;
  absl::Status Remove(absl::string_view path) override;
  absl::Status RemoveDir(absl::string_view path) override;
  absl::Status Symlink(absl::string_view target,
                       absl::string_view link_path) override;
  absl::Status SyncDir(absl::string_view path) override;
  absl::Status SyncAll(absl::string_view path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> TryLock(
      absl::string_view path) override;
};

// The process-wide PosixFs.
PosixFs& DefaultPosixFs();

}  // namespace serval::fs

#endif  // SERVAL_FS_POSIX_FS_H_
