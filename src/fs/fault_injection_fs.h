// fault_injection_fs.h — an Fs wrapper that injects failures and power
// loss, for tests and fuzzers (LevelDB's FaultInjectionTestEnv, in spirit).
//
// Faults: the nth call (counted from injection, optionally only calls whose
// path contains a substring) of one operation fails with a chosen errno —
// once, or that call and every later one — or, for kWrite, writes only a
// prefix (a short write; 0 bytes allowed). An injected error is the very
// Status PosixFs would return (base::ErrnoStatus with the same call name
// and path), so code under test cannot tell them apart. An injected close
// failure still releases the handle, as Linux does.
//
// Power loss: the wrapper tracks, for every file written through it, its
// contents as of its last fsync, and for every directory whose entries
// changed, its entries as of its last directory sync (or as of the first
// change after construction — everything that exists when the wrapper is
// made counts as durable). SimulatePowerLoss() rewinds the wrapped Fs to
// that durable state and every handle opened before it fails with EIO.
// SyncAll() (syncfs) makes everything durable. Three models:
//   kDataAndEntries  (default) unsynced directory entries vanish or come
//                    back AND unsynced file data is dropped (a never-synced
//                    file is empty): the pessimistic model (ext4 without
//                    auto_da_alloc), where a rename made durable by a
//                    directory sync does not make the renamed file's data
//                    durable;
//   kDataOnly        every name stays as it is; unsynced file data is
//                    dropped (names are journaled, data is not);
//   kEntriesOnly     directory entries created, renamed, exchanged or
//                    removed since their directory's last sync are undone;
//                    file data written so far survives (data=journal).
// Rename and Exchange move tracked files' inodes with their names.
// Not modelled: renaming directories (their unsynced subtree snapshots are
// dropped), symlink durability, and paths reaching the same file through
// symlinks (tracking is by lexically normalized path).
//
// Example:
//   MemFs mem;
//   FaultInjectionFs fs(&mem);
//   fs.Inject({.op = FsOp::kRename, .nth = 1, .error = EXDEV});
//   EXPECT_EQ(ErrnoOf(writer.Write("/a", "x").status()), EXDEV);
//   fs.SimulatePowerLoss();
//
// Thread-safety: thread-safe. One mutex (rank kFaultInjectionFs) is held
// around every call into the wrapped Fs, so the wrapped Fs may take locks
// of higher rank (MemFs does) and calls are serialized.
#ifndef SERVAL_FS_FAULT_INJECTION_FS_H_
#define SERVAL_FS_FAULT_INJECTION_FS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "src/concurrency/mutex.h"
#include "src/fs/fs.h"

namespace serval::fs {

enum class FsOp {
  kReadFile,
  kStat,
  kListDir,
  kCreateDir,
  kOpenForWrite,
  kWrite,
  kSync,
  kSetMode,
  kClose,
  kRename,
  kExchange,
  kRemove,
  kRemoveDir,
  kSymlink,
  kSyncDir,
  kSyncAll,
  kTryLock,
};
inline constexpr int kFsOpCount = static_cast<int>(FsOp::kTryLock) + 1;

// "ReadFile", "Write", ...
absl::string_view FsOpName(FsOp op);

struct Fault {
  FsOp op = FsOp::kWrite;
  int nth = 1;              // the nth matching call from now (1-based)
  int error = 0;            // the errno to fail with
  bool persistent = false;  // also every later matching call
  // kWrite only: instead of failing, write at most this many bytes.
  std::optional<size_t> short_write;
  // Only calls whose path contains this count (empty: all calls).
  std::string path_contains;
};

class FaultInjectionFs : public Fs {
 public:
  // `base` must outlive this object.
  explicit FaultInjectionFs(Fs* base);
  ~FaultInjectionFs() override;

  void Inject(Fault fault);
  void ClearFaults();
  // Calls of `op` so far (all paths), and faults fired so far.
  int64_t Calls(FsOp op) const;
  int64_t FaultsFired() const;

  enum class PowerLoss { kDataAndEntries, kDataOnly, kEntriesOnly };
  // Rewinds the wrapped Fs to its durable state under `model` (see the
  // file comment).
  absl::Status SimulatePowerLoss(PowerLoss model = PowerLoss::kDataAndEntries);

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

 private:
  class File;
  struct Inode {
    std::string contents;  // what the file holds now
    std::string durable;   // what survives power loss
    uint32_t mode = 0644;
  };
  struct Entry {
    bool is_dir = false;
    int64_t inode = 0;  // files
  };
  struct ArmedFault {
    Fault fault;
    int remaining;  // matching calls until it fires
  };
  using Snapshot = std::map<std::string, Entry>;

  // Counts the call; returns the error to inject, or OK. Sets *short_write
  // when a short write is to be made instead.
  absl::Status Check(FsOp op, absl::string_view path,
                     std::optional<size_t>* short_write = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records `dir`'s current entries as durable unless already recorded.
  absl::Status SnapshotDir(const std::string& dir)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The inode of the regular file at `path`, tracking it (its current
  // contents durable) if new to us.
  absl::StatusOr<int64_t> Track(const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t NewInode(uint32_t mode) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RemoveTree(const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteDurable(const std::string& path, const Inode& inode,
                            const std::string& contents)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Handle operations (called by File).
  absl::StatusOr<size_t> FileWrite(File& file, absl::string_view data);
  absl::Status FileSync(File& file);
  absl::Status FileSetMode(File& file, uint32_t mode);
  absl::Status FileClose(File& file);

  Fs* const base_;
  mutable concurrency::Mutex mu_{concurrency::LockRank::kFaultInjectionFs,
                                 "FaultInjectionFs::mu_"};
  std::vector<ArmedFault> faults_ ABSL_GUARDED_BY(mu_);
  int64_t calls_[kFsOpCount] ABSL_GUARDED_BY(mu_) = {};
  int64_t fired_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped by SimulatePowerLoss; handles of an older generation are dead.
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_inode_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int64_t, Inode> inodes_ ABSL_GUARDED_BY(mu_);
  // Regular files we track, by normalized path.
  std::map<std::string, int64_t> names_ ABSL_GUARDED_BY(mu_);
  // Directories changed since their last sync: their durable entries.
  std::map<std::string, Snapshot> snapshots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace serval::fs

#endif  // SERVAL_FS_FAULT_INJECTION_FS_H_
