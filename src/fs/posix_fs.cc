#include "src/fs/posix_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>  // renameat2, RENAME_EXCHANGE

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "src/base/errno_status.h"

namespace serval::fs {
namespace {

using base::ErrnoStatus;

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path)
      : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::StatusOr<size_t> Write(absl::string_view data) override {
    if (fd_ < 0) return ErrnoStatus(EBADF, "write", path_);
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) return ErrnoStatus(errno, "write", path_);
    return static_cast<size_t>(n);
  }
  absl::Status Sync() override {
    if (fd_ < 0) return ErrnoStatus(EBADF, "fsync", path_);
    if (::fsync(fd_) != 0) return ErrnoStatus(errno, "fsync", path_);
    return absl::OkStatus();
  }
  absl::Status SetMode(uint32_t mode) override {
    if (fd_ < 0) return ErrnoStatus(EBADF, "fchmod", path_);
    if (::fchmod(fd_, mode) != 0) return ErrnoStatus(errno, "fchmod", path_);
    return absl::OkStatus();
  }
  absl::Status Close() override {
    if (fd_ < 0) return ErrnoStatus(EBADF, "close", path_);
    int fd = fd_;
    fd_ = -1;  // Linux releases the descriptor even when close fails.
    if (::close(fd) != 0) return ErrnoStatus(errno, "close", path_);
    return absl::OkStatus();
  }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  const std::string path_;
};

class PosixFileLock : public FileLock {
 public:
  PosixFileLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  // Closing the descriptor releases the flock.
  ~PosixFileLock() override { ::close(fd_); }

  // Overwrites from offset 0, then cuts the file to the new length: a
  // reader sees the old contents, the new ones, or the new ones over the
  // old one's tail, never an empty file (truncating first would show one
  // to every waiter that reads while this holder is descheduled).
  absl::Status SetContents(absl::string_view contents) override {
    size_t done = 0;
    while (done < contents.size()) {
      ssize_t n = ::pwrite(fd_, contents.data() + done, contents.size() - done,
                           static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ErrnoStatus(n < 0 ? errno : EIO, "pwrite", path_);
      done += static_cast<size_t>(n);
    }
    if (::ftruncate(fd_, static_cast<off_t>(contents.size())) != 0) {
      return ErrnoStatus(errno, "ftruncate", path_);
    }
    return absl::OkStatus();
  }
  const std::string& path() const override { return path_; }

 private:
  const int fd_;
  const std::string path_;
};

FileType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

FileInfo InfoOf(const struct stat& st) {
  FileInfo info;
  info.type = TypeOf(st.st_mode);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mode = st.st_mode & 07777;
  info.mtime = absl::TimeFromTimespec(st.st_mtim);
  info.ctime = absl::TimeFromTimespec(st.st_ctim);
  info.inode = static_cast<uint64_t>(st.st_ino);
  return info;
}

}  // namespace

absl::StatusOr<std::string> PosixFs::ReadFile(absl::string_view path) {
  std::string p(path);
  int fd;
  do {
    fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  // Read straight into the string, sized by fstat for a regular file with
  // one byte more: the whole file comes in one read, and a read short of
  // the buffer that reached the fstat size is the end (no second read to
  // see it). A short read before that size (a file that shrank, a
  // filesystem that reads in pieces) goes on until a read returns 0; the
  // string grows for a file that grew, or that has no size to go by (not
  // regular, or empty as /proc's files say they are).
  std::string contents;
  struct stat st;
  const bool sized =
      ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  const size_t expected = sized ? static_cast<size_t>(st.st_size) : 0;
  contents.resize(sized ? expected + 1 : size_t{1} << 16);
  size_t filled = 0;
  for (;;) {
    if (filled == contents.size()) contents.resize(contents.size() * 2);
    // Linux reads at most about 2 GiB at a time.
    const size_t want = std::min(contents.size() - filled, size_t{1} << 30);
    ssize_t n = ::read(fd, &contents[filled], want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return ErrnoStatus(error, "read", path);
    }
    filled += static_cast<size_t>(n);
    if (n == 0 ||
        (sized && static_cast<size_t>(n) < want && filled >= expected)) {
      break;
    }
  }
  contents.resize(filled);
  ::close(fd);
  return contents;
}

absl::StatusOr<FileInfo> PosixFs::Stat(absl::string_view path) {
  struct stat st;
  if (::lstat(std::string(path).c_str(), &st) != 0) {
    return ErrnoStatus(errno, "lstat", path);
  }
  return InfoOf(st);
}

namespace {

// The sorted entry names of `dir` (closed by the caller), without "." and
// "..".
absl::StatusOr<std::vector<std::string>> ReadEntryNames(DIR* dir,
                                                        absl::string_view path) {
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    struct dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) return ErrnoStatus(errno, "readdir", path);
      break;
    }
    absl::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> PosixFs::ListDir(
    absl::string_view path) {
  DIR* dir = ::opendir(std::string(path).c_str());
  if (dir == nullptr) return ErrnoStatus(errno, "opendir", path);
  absl::StatusOr<std::vector<std::string>> names = ReadEntryNames(dir, path);
  ::closedir(dir);
  return names;
}

absl::StatusOr<std::vector<DirEntryInfo>> PosixFs::ListDirWithInfo(
    absl::string_view path) {
  DIR* dir = ::opendir(std::string(path).c_str());
  if (dir == nullptr) return ErrnoStatus(errno, "opendir", path);
  absl::StatusOr<std::vector<std::string>> names = ReadEntryNames(dir, path);
  if (!names.ok()) {
    ::closedir(dir);
    return names.status();
  }
  const int dir_fd = ::dirfd(dir);
  std::vector<DirEntryInfo> entries;
  entries.reserve(names->size());
  for (std::string& name : *names) {
    struct stat st;
    absl::StatusOr<FileInfo> info =
        ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0
            ? absl::StatusOr<FileInfo>(InfoOf(st))
            : ErrnoStatus(errno, "lstat", JoinPath(path, name));
    entries.push_back({std::move(name), std::move(info)});
  }
  ::closedir(dir);
  return entries;
}

absl::Status PosixFs::CreateDir(absl::string_view path, uint32_t mode) {
  if (::mkdir(std::string(path).c_str(), mode) != 0) {
    return ErrnoStatus(errno, "mkdir", path);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WritableFile>> PosixFs::OpenForWrite(
    absl::string_view path, OpenMode open_mode, uint32_t mode) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  if (open_mode == OpenMode::kCreateExclusive) {
    flags |= O_EXCL | O_NOFOLLOW;
  } else {
    flags |= O_TRUNC;
  }
  std::string p(path);
  int fd = ::open(p.c_str(), flags, mode);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, std::move(p)));
}

absl::Status PosixFs::Rename(absl::string_view from, absl::string_view to) {
  if (::rename(std::string(from).c_str(), std::string(to).c_str()) != 0) {
    return ErrnoStatus(errno, "rename", to);
  }
  return absl::OkStatus();
}

absl::Status PosixFs::Exchange(absl::string_view a, absl::string_view b) {
  if (::renameat2(AT_FDCWD, std::string(a).c_str(), AT_FDCWD,
                  std::string(b).c_str(), RENAME_EXCHANGE) != 0) {
    return ErrnoStatus(errno, "renameat2", b);
  }
  return absl::OkStatus();
}

absl::Status PosixFs::Remove(absl::string_view path) {
  if (::unlink(std::string(path).c_str()) != 0) {
    return ErrnoStatus(errno, "unlink", path);
  }
  return absl::OkStatus();
}

absl::Status PosixFs::RemoveDir(absl::string_view path) {
  if (::rmdir(std::string(path).c_str()) != 0) {
    return ErrnoStatus(errno, "rmdir", path);
  }
  return absl::OkStatus();
}

absl::Status PosixFs::Symlink(absl::string_view target,
                              absl::string_view link_path) {
  if (::symlink(std::string(target).c_str(), std::string(link_path).c_str()) !=
      0) {
    return ErrnoStatus(errno, "symlink", link_path);
  }
  return absl::OkStatus();
}

absl::Status PosixFs::SyncDir(absl::string_view path) {
  int fd = ::open(std::string(path).c_str(),
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  absl::Status status;
  if (::fsync(fd) != 0) status = ErrnoStatus(errno, "fsync", path);
  ::close(fd);
  return status;
}

absl::Status PosixFs::SyncAll(absl::string_view path) {
  int fd = ::open(std::string(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  absl::Status status;
  if (::syncfs(fd) != 0) status = ErrnoStatus(errno, "syncfs", path);
  ::close(fd);
  return status;
}

absl::StatusOr<std::unique_ptr<FileLock>> PosixFs::TryLock(
    absl::string_view path) {
  std::string p(path);
  int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int error = errno;
    ::close(fd);
    return ErrnoStatus(error, "flock", path);
  }
  return std::unique_ptr<FileLock>(new PosixFileLock(fd, std::move(p)));
}

PosixFs& DefaultPosixFs() {
  static PosixFs* fs = new PosixFs;
  return *fs;
}

}  // namespace serval::fs
