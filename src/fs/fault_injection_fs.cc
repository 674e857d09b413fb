#include "src/fs/fault_injection_fs.h"

#include <algorithm>
#include <cerrno>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "src/base/errno_status.h"

namespace serval::fs {
namespace {

using base::ErrnoOf;
using base::ErrnoStatus;

// The system call PosixFs names in its errors for each operation.
absl::string_view CallName(FsOp op) {
  switch (op) {
    case FsOp::kReadFile:
    case FsOp::kOpenForWrite:
      return "open";
    case FsOp::kStat:
      return "lstat";
    case FsOp::kListDir:
      return "opendir";
    case FsOp::kCreateDir:
      return "mkdir";
    case FsOp::kWrite:
      return "write";
    case FsOp::kSync:
    case FsOp::kSyncDir:
      return "fsync";
    case FsOp::kSetMode:
      return "fchmod";
    case FsOp::kClose:
      return "close";
    case FsOp::kRename:
      return "rename";
    case FsOp::kExchange:
      return "renameat2";
    case FsOp::kRemove:
      return "unlink";
    case FsOp::kRemoveDir:
      return "rmdir";
    case FsOp::kSymlink:
      return "symlink";
    case FsOp::kSyncAll:
      return "syncfs";
    case FsOp::kTryLock:
      return "flock";
  }
  return "?";
}

// Lexical normalization: "a//b/./c" -> "a/b/c", "/a/../b" -> "/b".
std::string Normalize(absl::string_view path) {
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  const bool absolute = absl::StartsWith(path, "/");
  std::string joined = absl::StrJoin(parts, "/");
  if (absolute) return "/" + joined;
  return joined.empty() ? "." : joined;
}

}  // namespace

absl::string_view FsOpName(FsOp op) {
  static constexpr absl::string_view kNames[kFsOpCount] = {
      "ReadFile", "Stat",    "ListDir", "CreateDir", "OpenForWrite", "Write",
      "Sync",     "SetMode", "Close",   "Rename",    "Exchange",     "Remove",
      "RemoveDir", "Symlink", "SyncDir", "SyncAll",  "TryLock"};
  return kNames[static_cast<int>(op)];
}

class FaultInjectionFs::File : public WritableFile {
 public:
  File(FaultInjectionFs* fs, std::unique_ptr<WritableFile> base,
       int64_t inode, int64_t generation, std::string path)
      : fs_(fs),
        base_(std::move(base)),
        inode_(inode),
        generation_(generation),
        path_(std::move(path)) {}
  absl::StatusOr<size_t> Write(absl::string_view data) override {
    return fs_->FileWrite(*this, data);
  }
  absl::Status Sync() override { return fs_->FileSync(*this); }
  absl::Status SetMode(uint32_t mode) override {
    return fs_->FileSetMode(*this, mode);
  }
  absl::Status Close() override { return fs_->FileClose(*this); }
  const std::string& path() const override { return path_; }

 private:
  friend class FaultInjectionFs;
  FaultInjectionFs* const fs_;
  std::unique_ptr<WritableFile> base_;
  const int64_t inode_;
  const int64_t generation_;
  const std::string path_;
  uint64_t offset_ = 0;
};

FaultInjectionFs::FaultInjectionFs(Fs* base) : base_(base) {}
FaultInjectionFs::~FaultInjectionFs() = default;

void FaultInjectionFs::Inject(Fault fault) {
  concurrency::MutexLock lock(&mu_);
  const int remaining = std::max(fault.nth, 1);
  faults_.push_back({std::move(fault), remaining});
}

void FaultInjectionFs::ClearFaults() {
  concurrency::MutexLock lock(&mu_);
  faults_.clear();
}

int64_t FaultInjectionFs::Calls(FsOp op) const {
  concurrency::MutexLock lock(&mu_);
  return calls_[static_cast<int>(op)];
}

int64_t FaultInjectionFs::FaultsFired() const {
  concurrency::MutexLock lock(&mu_);
  return fired_;
}

absl::Status FaultInjectionFs::Check(FsOp op, absl::string_view path,
                                     std::optional<size_t>* short_write) {
  ++calls_[static_cast<int>(op)];
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    const Fault& fault = it->fault;
    if (fault.op != op) continue;
    if (!fault.path_contains.empty() &&
        !absl::StrContains(path, fault.path_contains)) {
      continue;
    }
    if (it->remaining > 1) {
      --it->remaining;
      continue;
    }
    ++fired_;
    Fault fired = fault;
    if (!fault.persistent) faults_.erase(it);
    if (fired.short_write.has_value() && short_write != nullptr) {
      *short_write = fired.short_write;
      return absl::OkStatus();
    }
    return ErrnoStatus(fired.error != 0 ? fired.error : EIO, CallName(op),
                       path);
  }
  return absl::OkStatus();
}

int64_t FaultInjectionFs::NewInode(uint32_t mode) {
  const int64_t id = next_inode_++;
  inodes_[id].mode = mode;
  return id;
}

absl::StatusOr<int64_t> FaultInjectionFs::Track(const std::string& path) {
  auto it = names_.find(path);
  if (it != names_.end()) return it->second;
  absl::StatusOr<FileInfo> info = base_->Stat(path);
  if (!info.ok()) return info.status();
  absl::StatusOr<std::string> contents = base_->ReadFile(path);
  if (!contents.ok()) return contents.status();
  const int64_t id = NewInode(info->mode);
  inodes_[id].contents = *contents;
  inodes_[id].durable = *std::move(contents);
  names_[path] = id;
  return id;
}

absl::Status FaultInjectionFs::SnapshotDir(const std::string& dir) {
  if (snapshots_.count(dir) != 0) return absl::OkStatus();
  absl::StatusOr<std::vector<std::string>> names = base_->ListDir(dir);
  if (!names.ok()) {
    // A missing directory has nothing durable to remember; the operation
    // itself will fail.
    if (ErrnoOf(names.status()) == ENOENT) return absl::OkStatus();
    return names.status();
  }
  Snapshot snapshot;
  for (const std::string& name : *names) {
    const std::string path = Normalize(JoinPath(dir, name));
    absl::StatusOr<FileInfo> info = base_->Stat(path);
    if (!info.ok()) return info.status();
    if (info->type == FileType::kDirectory) {
      snapshot[name].is_dir = true;
    } else if (info->type == FileType::kRegular) {
      absl::StatusOr<int64_t> inode = Track(path);
      if (!inode.ok()) return inode.status();
      snapshot[name].inode = *inode;
    }
    // Symlinks and others are not modelled: power loss leaves them alone.
  }
  snapshots_[dir] = std::move(snapshot);
  return absl::OkStatus();
}

absl::StatusOr<std::string> FaultInjectionFs::ReadFile(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kReadFile, path);
  if (!fault.ok()) return fault;
  return base_->ReadFile(path);
}

absl::StatusOr<FileInfo> FaultInjectionFs::Stat(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kStat, path);
  if (!fault.ok()) return fault;
  return base_->Stat(path);
}

absl::StatusOr<std::vector<std::string>> FaultInjectionFs::ListDir(
    absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kListDir, path);
  if (!fault.ok()) return fault;
  return base_->ListDir(path);
}

absl::Status FaultInjectionFs::CreateDir(absl::string_view path,
                                         uint32_t mode) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kCreateDir, path);
  if (!fault.ok()) return fault;
  absl::Status snap = SnapshotDir(Dirname(Normalize(path)));
  if (!snap.ok()) return snap;
  return base_->CreateDir(path, mode);
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionFs::OpenForWrite(
    absl::string_view path, OpenMode open_mode, uint32_t mode) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kOpenForWrite, path);
  if (!fault.ok()) return fault;
  const std::string key = Normalize(path);
  absl::Status snap = SnapshotDir(Dirname(key));
  if (!snap.ok()) return snap;
  int64_t inode = 0;
  if (open_mode == OpenMode::kTruncate && base_->Stat(key).ok()) {
    absl::StatusOr<int64_t> existing = Track(key);
    if (!existing.ok()) return existing.status();
    inode = *existing;
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      base_->OpenForWrite(path, open_mode, mode);
  if (!file.ok()) return file.status();
  if (inode == 0) {
    inode = NewInode(mode);
    names_[key] = inode;
  }
  inodes_[inode].contents.clear();
  return std::unique_ptr<WritableFile>(new File(
      this, std::move(file).value(), inode, generation_, std::string(path)));
}

absl::Status FaultInjectionFs::Rename(absl::string_view from,
                                      absl::string_view to) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kRename, to);
  if (!fault.ok()) return fault;
  const std::string from_key = Normalize(from);
  const std::string to_key = Normalize(to);
  absl::Status snap = SnapshotDir(Dirname(from_key));
  if (snap.ok()) snap = SnapshotDir(Dirname(to_key));
  if (!snap.ok()) return snap;
  absl::StatusOr<FileInfo> info = base_->Stat(from_key);
  if (info.ok() && info->type == FileType::kRegular) {
    absl::StatusOr<int64_t> inode = Track(from_key);
    if (!inode.ok()) return inode.status();
  }
  absl::Status status = base_->Rename(from, to);
  if (!status.ok()) return status;
  if (from_key == to_key) return status;
  auto it = names_.find(from_key);
  if (it != names_.end()) {
    const int64_t inode = it->second;
    names_.erase(it);
    names_[to_key] = inode;
  } else {
    names_.erase(to_key);
  }
  // A renamed directory: re-key the files tracked under it.
  const std::string prefix = from_key + "/";
  std::vector<std::pair<std::string, int64_t>> moved;
  for (auto child = names_.lower_bound(prefix);
       child != names_.end() && absl::StartsWith(child->first, prefix);) {
    moved.emplace_back(to_key + "/" + child->first.substr(prefix.size()),
                       child->second);
    child = names_.erase(child);
  }
  for (auto& entry : moved) names_[entry.first] = entry.second;
  return status;
}

absl::Status FaultInjectionFs::Exchange(absl::string_view a,
                                        absl::string_view b) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kExchange, b);
  if (!fault.ok()) return fault;
  const std::string a_key = Normalize(a);
  const std::string b_key = Normalize(b);
  absl::Status snap = SnapshotDir(Dirname(a_key));
  if (snap.ok()) snap = SnapshotDir(Dirname(b_key));
  if (!snap.ok()) return snap;
  for (const std::string& key : {a_key, b_key}) {
    absl::StatusOr<FileInfo> info = base_->Stat(key);
    if (info.ok() && info->type == FileType::kRegular) {
      absl::StatusOr<int64_t> inode = Track(key);
      if (!inode.ok()) return inode.status();
    }
  }
  absl::Status status = base_->Exchange(a, b);
  if (!status.ok() || a_key == b_key) return status;
  auto a_it = names_.find(a_key);
  auto b_it = names_.find(b_key);
  const std::optional<int64_t> a_inode =
      a_it == names_.end() ? std::nullopt : std::optional(a_it->second);
  const std::optional<int64_t> b_inode =
      b_it == names_.end() ? std::nullopt : std::optional(b_it->second);
  names_.erase(a_key);
  names_.erase(b_key);
  if (a_inode) names_[b_key] = *a_inode;
  if (b_inode) names_[a_key] = *b_inode;
  return status;
}

absl::Status FaultInjectionFs::Remove(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kRemove, path);
  if (!fault.ok()) return fault;
  const std::string key = Normalize(path);
  absl::Status snap = SnapshotDir(Dirname(key));
  if (!snap.ok()) return snap;
  absl::Status status = base_->Remove(path);
  if (status.ok()) names_.erase(key);
  return status;
}

absl::Status FaultInjectionFs::RemoveDir(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kRemoveDir, path);
  if (!fault.ok()) return fault;
  absl::Status snap = SnapshotDir(Dirname(Normalize(path)));
  if (!snap.ok()) return snap;
  return base_->RemoveDir(path);
}

absl::Status FaultInjectionFs::Symlink(absl::string_view target,
                                       absl::string_view link_path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kSymlink, link_path);
  if (!fault.ok()) return fault;
  return base_->Symlink(target, link_path);
}

absl::Status FaultInjectionFs::SyncDir(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kSyncDir, path);
  if (!fault.ok()) return fault;
  absl::Status status = base_->SyncDir(path);
  if (status.ok()) snapshots_.erase(Normalize(path));
  return status;
}

absl::Status FaultInjectionFs::SyncAll(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kSyncAll, path);
  if (!fault.ok()) return fault;
  absl::Status status = base_->SyncAll(path);
  if (!status.ok()) return status;
  snapshots_.clear();
  for (auto& [id, inode] : inodes_) inode.durable = inode.contents;
  return status;
}

absl::StatusOr<std::unique_ptr<FileLock>> FaultInjectionFs::TryLock(
    absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kTryLock, path);
  if (!fault.ok()) return fault;
  return base_->TryLock(path);
}

absl::StatusOr<size_t> FaultInjectionFs::FileWrite(File& file,
                                                   absl::string_view data) {
  concurrency::MutexLock lock(&mu_);
  if (file.generation_ != generation_) {
    return ErrnoStatus(EIO, "write", file.path_);
  }
  std::optional<size_t> short_write;
  absl::Status fault = Check(FsOp::kWrite, file.path_, &short_write);
  if (!fault.ok()) return fault;
  if (short_write.has_value()) {
    data = data.substr(0, std::min(*short_write, data.size()));
    if (data.empty()) return 0;
  }
  absl::StatusOr<size_t> n = file.base_->Write(data);
  if (!n.ok()) return n;
  std::string& contents = inodes_[file.inode_].contents;
  if (contents.size() < file.offset_ + *n) contents.resize(file.offset_ + *n);
  contents.replace(file.offset_, *n, data.data(), *n);
  file.offset_ += *n;
  return n;
}

absl::Status FaultInjectionFs::FileSync(File& file) {
  concurrency::MutexLock lock(&mu_);
  if (file.generation_ != generation_) {
    return ErrnoStatus(EIO, "fsync", file.path_);
  }
  absl::Status fault = Check(FsOp::kSync, file.path_);
  if (!fault.ok()) return fault;
  absl::Status status = file.base_->Sync();
  if (status.ok()) {
    Inode& inode = inodes_[file.inode_];
    inode.durable = inode.contents;
  }
  return status;
}

absl::Status FaultInjectionFs::FileSetMode(File& file, uint32_t mode) {
  concurrency::MutexLock lock(&mu_);
  if (file.generation_ != generation_) {
    return ErrnoStatus(EIO, "fchmod", file.path_);
  }
  absl::Status fault = Check(FsOp::kSetMode, file.path_);
  if (!fault.ok()) return fault;
  absl::Status status = file.base_->SetMode(mode);
  if (status.ok()) inodes_[file.inode_].mode = mode;
  return status;
}

absl::Status FaultInjectionFs::FileClose(File& file) {
  concurrency::MutexLock lock(&mu_);
  absl::Status fault = Check(FsOp::kClose, file.path_);
  // The handle is released whatever happens, as close(2) does on Linux.
  absl::Status status = file.base_->Close();
  if (file.generation_ != generation_) {
    return ErrnoStatus(EIO, "close", file.path_);
  }
  return fault.ok() ? status : fault;
}

absl::Status FaultInjectionFs::RemoveTree(const std::string& path) {
  absl::StatusOr<FileInfo> info = base_->Stat(path);
  if (!info.ok()) return info.status();
  if (info->type != FileType::kDirectory) return base_->Remove(path);
  absl::StatusOr<std::vector<std::string>> names = base_->ListDir(path);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    absl::Status status = RemoveTree(JoinPath(path, name));
    if (!status.ok()) return status;
  }
  return base_->RemoveDir(path);
}

absl::Status FaultInjectionFs::WriteDurable(const std::string& path,
                                            const Inode& inode,
                                            const std::string& contents) {
  absl::StatusOr<FileInfo> info = base_->Stat(path);
  if (info.ok() && info->type != FileType::kRegular) {
    absl::Status removed = RemoveTree(path);
    if (!removed.ok()) return removed;
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      base_->OpenForWrite(path, OpenMode::kTruncate, inode.mode);
  if (!file.ok()) return file.status();
  absl::Status status = WriteAll(**file, contents);
  if (status.ok()) status = (*file)->SetMode(inode.mode);
  absl::Status closed = (*file)->Close();
  return status.ok() ? closed : status;
}

absl::Status FaultInjectionFs::SimulatePowerLoss(PowerLoss model) {
  concurrency::MutexLock lock(&mu_);
  std::set<std::string> restored;  // names brought back from snapshots
  // 1. Directory entries: back to their last synced state, parents first
  //    (std::map order puts "/a" before "/a/b").
  if (model == PowerLoss::kDataOnly) snapshots_.clear();
  for (const auto& [dir, snapshot] : snapshots_) {
    absl::StatusOr<std::vector<std::string>> current = base_->ListDir(dir);
    if (!current.ok()) continue;  // removed by its parent's rewind
    for (const std::string& name : *current) {
      const std::string path = Normalize(JoinPath(dir, name));
      auto durable = snapshot.find(name);
      absl::StatusOr<FileInfo> info = base_->Stat(path);
      if (!info.ok()) return info.status();
      if (info->type == FileType::kSymlink) continue;  // not modelled
      const bool keep = durable != snapshot.end() &&
                        durable->second.is_dir ==
                            (info->type == FileType::kDirectory);
      if (keep) continue;
      absl::Status removed = RemoveTree(path);
      if (!removed.ok()) return removed;
      // Forget files under it; names in the snapshot come back below.
      for (auto it = names_.lower_bound(path); it != names_.end() &&
                                               (it->first == path ||
                                                absl::StartsWith(
                                                    it->first, path + "/"));) {
        it = names_.erase(it);
      }
    }
    for (const auto& [name, entry] : snapshot) {
      const std::string path = Normalize(JoinPath(dir, name));
      if (entry.is_dir) {
        if (!base_->Stat(path).ok()) {
          absl::Status created = base_->CreateDir(path, 0755);
          if (!created.ok()) return created;
        }
      } else {
        names_[path] = entry.inode;
        restored.insert(path);
      }
    }
  }
  snapshots_.clear();
  // 2. File data: every tracked name holds its inode's durable contents
  //    (in kEntriesOnly, all the data written so far is durable).
  const bool keep_data = model == PowerLoss::kEntriesOnly;
  for (auto it = names_.begin(); it != names_.end();) {
    if (restored.count(it->first) == 0 &&
        ErrnoOf(base_->Stat(it->first).status()) == ENOENT) {
      it = names_.erase(it);
      continue;
    }
    Inode& inode = inodes_[it->second];
    absl::Status status = WriteDurable(
        it->first, inode, keep_data ? inode.contents : inode.durable);
    if (!status.ok()) return status;
    ++it;
  }
  for (auto& [id, inode] : inodes_) {
    if (keep_data) {
      inode.durable = inode.contents;
    } else {
      inode.contents = inode.durable;
    }
  }
  ++generation_;
  return absl::OkStatus();
}

}  // namespace serval::fs
