// mem_fs.h — an in-memory Fs for tests and fuzzers.
//
// A tree of files, directories and symlinks keyed by normalized absolute
// path (a relative path is taken from "/"; "/" always exists). It follows
// POSIX where Serval depends on it: rename atomically replaces its target
// and moves an open file with it, exchange swaps two files (directories:
// EINVAL), open handles keep writing to their file
// after a rename or unlink, O_EXCL|O_NOFOLLOW refuses an existing name
// (symlinks included), symlinks are followed in every component but the
// last of lstat/exclusive-open/rename/unlink, and a file lock conflicts
// with any other lock on the same file. Errors carry the errno POSIX
// would give. Sync operations succeed and do nothing: everything in memory
// is "durable"; FaultInjectionFs models what a crash loses.
//
// Example:
//   serval::fs::MemFs fs;
//   ASSERT_OK(serval::fs::CreateDirs(fs, "/site/public"));
//   ... fs.ReadFile("/site/public/index.html") ...
//
// Thread-safety: thread-safe; one mutex (rank kMemFs) guards the tree.
#ifndef SERVAL_FS_MEM_FS_H_
#define SERVAL_FS_MEM_FS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "src/concurrency/mutex.h"
#include "src/fs/fs.h"

namespace serval::fs {

class MemFs : public Fs {
 public:
  // `clock` gives the mtime of writes (default: absl::Now).
  explicit MemFs(std::function<absl::Time()> clock = nullptr);
  ~MemFs() override;

  absl::StatusOr<std::string> ReadFile(absl::string_view path) override;
  absl::StatusOr<FileInfo> Stat(absl::string_view path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
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

  // Sets the mtime of an existing entry (tests of age-based sweeping).
  absl::Status SetMtime(absl::string_view path, absl::Time mtime);

 private:
  struct Node;
  class File;
  class Lock;

  // The normalized key `path` names, following symlinks in every component
  // before the last, and in the last if `follow_last`. The entry itself
  // may not exist; its parent does and is a directory.
  absl::StatusOr<std::string> Resolve(absl::string_view path,
                                      bool follow_last, absl::string_view op)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasChildren(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Handle operations (File and Lock call back into the fs under mu_).
  absl::StatusOr<size_t> WriteAt(Node& node, uint64_t offset,
                                 absl::string_view data);
  void SetNodeMode(Node& node, uint32_t mode);
  void SetNodeContents(Node& node, absl::string_view contents);
  void Unlock(Node& node);

  const std::function<absl::Time()> clock_;
  concurrency::Mutex mu_{concurrency::LockRank::kMemFs, "MemFs::mu_"};
  // Every entry by normalized absolute path. Nodes are shared with open
  // handles; their fields are guarded by mu_ as well.
  std::map<std::string, std::shared_ptr<Node>> nodes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace serval::fs

#endif  // SERVAL_FS_MEM_FS_H_
