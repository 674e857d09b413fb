// fs.h — the one filesystem interface every Serval read and write goes
// through (like LevelDB's Env or ninja's DiskInterface).
//
// Implementations: PosixFs (the real disk), MemFs (in memory, for tests and
// fuzzers) and FaultInjectionFs (wraps any Fs; injects errors, short writes
// and power loss). The write path is handle based — open exclusively, write
// (which may be short), fsync, fchmod, close — so the atomic writer's loop
// and retries are real code that fault injection exercises.
//
// Error contract: every failure is a Status made by base::ErrnoStatus, so it
// names the operation, the path and the errno, and carries the errno as a
// payload (base::ErrnoOf). Implementations never retry: EINTR, EAGAIN and
// short writes are reported to the caller, whose policy decides.
//
// Paths are strings with '/' separators. Stat() does not follow a final
// symlink (lstat); ReadFile() and OpenForWrite(kTruncate) do;
// OpenForWrite(kCreateExclusive) never does (O_NOFOLLOW).
//
// Example:
//   PosixFs fs;
//   SERVAL_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f,
//       fs.OpenForWrite("out/.a.tmp", OpenMode::kCreateExclusive, 0600));
//   SERVAL_ASSIGN_OR_RETURN(size_t n, f->Write("hello"));  // n may be < 5
//   SERVAL_RETURN_IF_ERROR(f->Close());
//
// Thread-safety: every Fs implementation is thread-safe. A WritableFile or
// FileLock is used by one thread at a time.
#ifndef SERVAL_FS_FS_H_
#define SERVAL_FS_FS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace serval::fs {

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

struct FileInfo {
  FileType type = FileType::kOther;
  uint64_t size = 0;
  uint32_t mode = 0;  // permission bits (07777)
  absl::Time mtime;
  absl::Time ctime;        // status change (chmod, rename, write)
  uint64_t inode = 0;      // st_ino; unique among live files of one Fs
};

// A directory entry and its lstat (or the error of that lstat).
struct DirEntryInfo {
  std::string name;
  absl::StatusOr<FileInfo> info;
};

enum class OpenMode {
  // O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC: fails with EEXIST if the
  // name exists (a symlink included).
  kCreateExclusive,
  // O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC.
  kTruncate,
};

// An open file being written. Close() must be called to learn whether the
// data reached the file; destroying an unclosed file closes it silently.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes a prefix of `data`; returns how many bytes (may be fewer than
  // data.size(), never more). EINTR/EAGAIN come back as errors.
  virtual absl::StatusOr<size_t> Write(absl::string_view data) = 0;
  // fsync(2).
  virtual absl::Status Sync() = 0;
  // fchmod(2): sets the permission bits exactly (no umask).
  virtual absl::Status SetMode(uint32_t mode) = 0;
  // close(2). The handle is released even when an error is returned.
  virtual absl::Status Close() = 0;
  virtual const std::string& path() const = 0;
};

// An exclusive advisory lock (flock) on an open lock file. Destroying it
// releases the lock; so does the death of the process.
class FileLock {
 public:
  virtual ~FileLock() = default;
  // Replaces the lock file's contents (for humans: who holds the lock).
  // A concurrent reader never sees the file empty once it held bytes: it
  // reads the old contents, the new ones, or the new ones over the old
  // one's tail.
  virtual absl::Status SetContents(absl::string_view contents) = 0;
  virtual const std::string& path() const = 0;
};

class Fs {
 public:
  virtual ~Fs() = default;

  // The whole contents of a regular file.
  virtual absl::StatusOr<std::string> ReadFile(absl::string_view path) = 0;
  // lstat(2).
  virtual absl::StatusOr<FileInfo> Stat(absl::string_view path) = 0;
  // The entry names of a directory, sorted, without "." and "..".
  virtual absl::StatusOr<std::vector<std::string>> ListDir(
      absl::string_view path) = 0;
  // ListDir with each entry's Stat (a failed lstat is that entry's
  // error; the listing's own failure is the result's). This default does
  // exactly that; PosixFs stats relative to the open directory, which
  // spares the kernel a lookup of the whole path per entry.
  virtual absl::StatusOr<std::vector<DirEntryInfo>> ListDirWithInfo(
      absl::string_view path);
  // mkdir(2) of one directory; EEXIST if `path` exists.
  virtual absl::Status CreateDir(absl::string_view path, uint32_t mode) = 0;
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(
      absl::string_view path, OpenMode open_mode, uint32_t mode) = 0;
  // rename(2): atomically replaces `to`. EXDEV across filesystems.
  virtual absl::Status Rename(absl::string_view from,
                              absl::string_view to) = 0;
  // renameat2(RENAME_EXCHANGE): atomically swaps the entries `a` and `b`
  // (both must exist: ENOENT otherwise); every reader sees one or the
  // other, never neither. EINVAL (or ENOSYS) where the filesystem or kernel
  // does not support it: callers fall back to Rename. Errors name `b`.
  virtual absl::Status Exchange(absl::string_view a,
                                absl::string_view b) = 0;
  // unlink(2) of a file or symlink.
  virtual absl::Status Remove(absl::string_view path) = 0;
  // rmdir(2) of an empty directory.
  virtual absl::Status RemoveDir(absl::string_view path) = 0;
  // symlink(2): creates `link_path` pointing at `target`.
  virtual absl::Status Symlink(absl::string_view target,
                               absl::string_view link_path) = 0;
  // fsync(2) of a directory: makes its entries (creations, renames,
  // removals) durable.
  virtual absl::Status SyncDir(absl::string_view path) = 0;
  // syncfs(2) on the filesystem holding `path`: makes every file and
  // directory on it durable. The commit point of the `batch` durability mode.
  virtual absl::Status SyncAll(absl::string_view path) = 0;
  // Opens (creating it, mode 0644, if absent) and flock(LOCK_EX|LOCK_NB)s
  // `path`. EWOULDBLOCK (Unavailable) when another open file holds it, even
  // one of this process. The lock file is never deleted.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> TryLock(
      absl::string_view path) = 0;
};

// mkdir -p: creates `path` and its missing parents. OK if it exists as a
// directory.
absl::Status CreateDirs(Fs& fs, absl::string_view path, uint32_t mode = 0755);

// Writes all of `data` through `file`, continuing after short writes and
// EINTR; fails after 100 calls in a row that write nothing. For simple
// callers; the atomic writer has its own retry policy.
absl::Status WriteAll(WritableFile& file, absl::string_view data);

// Path helpers (purely lexical).
// "a/b/c" -> "a/b", "c" -> ".", "/c" -> "/".
std::string Dirname(absl::string_view path);
// "a/b/c" -> "c", "a/b/" -> "b".
std::string Basename(absl::string_view path);
// JoinPath("a", "b") -> "a/b"; an absolute second part wins.
std::string JoinPath(absl::string_view a, absl::string_view b);

}  // namespace serval::fs

#endif  // SERVAL_FS_FS_H_
