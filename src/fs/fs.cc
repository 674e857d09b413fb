#include "src/fs/fs.h"

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/errno_status.h"

namespace serval::fs {

absl::StatusOr<std::vector<DirEntryInfo>> Fs::ListDirWithInfo(
    absl::string_view path) {
  absl::StatusOr<std::vector<std::string>> names = ListDir(path);
  if (!names.ok()) return names.status();
  std::vector<DirEntryInfo> entries;
  entries.reserve(names->size());
  for (std::string& name : *names) {
    absl::StatusOr<FileInfo> info = Stat(JoinPath(path, name));
    entries.push_back({std::move(name), std::move(info)});
  }
  return entries;
}

absl::Status CreateDirs(Fs& fs, absl::string_view path, uint32_t mode) {
  if (path.empty() || path == "/" || path == ".") return absl::OkStatus();
  absl::StatusOr<FileInfo> info = fs.Stat(path);
  if (info.ok()) {
    if (info->type == FileType::kDirectory) return absl::OkStatus();
    return base::ErrnoStatus(ENOTDIR, "mkdir", path);
  }
  if (base::ErrnoOf(info.status()) != ENOENT) return info.status();
  absl::Status parent = CreateDirs(fs, Dirname(path), mode);
  if (!parent.ok()) return parent;
  absl::Status created = fs.CreateDir(path, mode);
  // Another thread may have created it meanwhile.
  if (!created.ok() && base::ErrnoOf(created) == EEXIST) {
    info = fs.Stat(path);
    if (info.ok() && info->type == FileType::kDirectory) {
      return absl::OkStatus();
    }
  }
  return created;
}

absl::Status WriteAll(WritableFile& file, absl::string_view data) {
  int zero_progress = 0;
  while (!data.empty()) {
    absl::StatusOr<size_t> n = file.Write(data);
    if (!n.ok() && base::ErrnoOf(n.status()) != EINTR) return n.status();
    if (n.ok() && *n > 0) {
      data.remove_prefix(*n);
      zero_progress = 0;
    } else if (++zero_progress >= 100) {
      return n.ok() ? base::ErrnoStatus(EIO, "write", file.path())
                    : n.status();
    }
  }
  return absl::OkStatus();
}

std::string Dirname(absl::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  absl::string_view dir = path.substr(0, slash);
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir.empty()) return "/";
  return std::string(dir);
}

std::string Basename(absl::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return std::string(path);
  return std::string(path.substr(slash + 1));
}

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (a.empty() || (!b.empty() && b.front() == '/')) return std::string(b);
  if (b.empty()) return std::string(a);
  if (a.back() == '/') return absl::StrCat(a, b);
  return absl::StrCat(a, "/", b);
}

}  // namespace serval::fs
