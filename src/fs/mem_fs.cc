#include "src/fs/mem_fs.h"

#include <atomic>
#include <cerrno>
#include <deque>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/base/errno_status.h"

namespace serval::fs {
namespace {
using base::ErrnoStatus;
constexpr int kMaxSymlinkHops = 40;  // Linux's MAXSYMLINKS

std::deque<std::string> Components(absl::string_view path) {
  std::deque<std::string> out;
  for (absl::string_view c : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    out.emplace_back(c);
  }
  return out;
}
}  // namespace

// Fields guarded by MemFs::mu_ (the annotation cannot name it from here).
struct MemFs::Node {
  FileType type = FileType::kRegular;
  std::string data;         // regular files
  std::string link_target;  // symlinks
  uint32_t mode = 0644;
  absl::Time mtime;
  absl::Time ctime;  // every change, rename and explicit mtime included
  uint64_t inode = NextInode();
  bool locked = false;

  static uint64_t NextInode() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
};

class MemFs::File : public WritableFile {
 public:
  File(MemFs* fs, std::shared_ptr<Node> node, std::string path)
      : fs_(fs), node_(std::move(node)), path_(std::move(path)) {}

  absl::StatusOr<size_t> Write(absl::string_view data) override {
    if (closed_) return ErrnoStatus(EBADF, "write", path_);
    absl::StatusOr<size_t> n = fs_->WriteAt(*node_, offset_, data);
    if (n.ok()) offset_ += *n;
    return n;
  }
  absl::Status Sync() override {
    if (closed_) return ErrnoStatus(EBADF, "fsync", path_);
    return absl::OkStatus();
  }
  absl::Status SetMode(uint32_t mode) override {
    if (closed_) return ErrnoStatus(EBADF, "fchmod", path_);
    fs_->SetNodeMode(*node_, mode);
    return absl::OkStatus();
  }
  absl::Status Close() override {
    if (closed_) return ErrnoStatus(EBADF, "close", path_);
    closed_ = true;
    return absl::OkStatus();
  }
  const std::string& path() const override { return path_; }

 private:
  MemFs* const fs_;
  const std::shared_ptr<Node> node_;
  const std::string path_;
  uint64_t offset_ = 0;
  bool closed_ = false;
};

class MemFs::Lock : public FileLock {
 public:
  Lock(MemFs* fs, std::shared_ptr<Node> node, std::string path)
      : fs_(fs), node_(std::move(node)), path_(std::move(path)) {}
  ~Lock() override { fs_->Unlock(*node_); }
  absl::Status SetContents(absl::string_view contents) override {
    fs_->SetNodeContents(*node_, contents);
    return absl::OkStatus();
  }
  const std::string& path() const override { return path_; }

 private:
  MemFs* const fs_;
  const std::shared_ptr<Node> node_;
  const std::string path_;
};

MemFs::MemFs(std::function<absl::Time()> clock)
    : clock_(clock ? std::move(clock) : [] { return absl::Now(); }) {
  auto root = std::make_shared<Node>();
  root->type = FileType::kDirectory;
  root->mode = 0755;
  root->mtime = root->ctime = clock_();
  concurrency::MutexLock lock(&mu_);
  nodes_["/"] = std::move(root);
}

MemFs::~MemFs() = default;

absl::StatusOr<std::string> MemFs::Resolve(absl::string_view path,
                                           bool follow_last,
                                           absl::string_view op) {
  if (path.empty()) return ErrnoStatus(ENOENT, op, path);
  std::deque<std::string> rest = Components(path);
  std::string current = "/";
  int hops = 0;
  while (!rest.empty()) {
    std::string component = std::move(rest.front());
    rest.pop_front();
    if (component == ".") continue;
    if (component == "..") {
      current = Dirname(current);
      continue;
    }
    std::string next = JoinPath(current, component);
    auto it = nodes_.find(next);
    const bool last = rest.empty();
    if (it != nodes_.end() && it->second->type == FileType::kSymlink &&
        (!last || follow_last)) {
      if (++hops > kMaxSymlinkHops) return ErrnoStatus(ELOOP, op, path);
      const std::string& target = it->second->link_target;
      if (absl::StartsWith(target, "/")) current = "/";
      std::deque<std::string> target_components = Components(target);
      rest.insert(rest.begin(), target_components.begin(),
                  target_components.end());
      continue;
    }
    if (!last) {
      if (it == nodes_.end()) return ErrnoStatus(ENOENT, op, path);
      if (it->second->type != FileType::kDirectory) {
        return ErrnoStatus(ENOTDIR, op, path);
      }
    }
    current = std::move(next);
  }
  return current;
}

bool MemFs::HasChildren(const std::string& key) {
  const std::string prefix = key == "/" ? "/" : key + "/";
  auto it = nodes_.upper_bound(prefix);
  return it != nodes_.end() && absl::StartsWith(it->first, prefix);
}

absl::StatusOr<std::string> MemFs::ReadFile(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, true, "open");
  if (!key.ok()) return key.status();
  auto it = nodes_.find(*key);
  if (it == nodes_.end()) return ErrnoStatus(ENOENT, "open", path);
  if (it->second->type == FileType::kDirectory) {
    return ErrnoStatus(EISDIR, "read", path);
  }
  return it->second->data;
}

absl::StatusOr<FileInfo> MemFs::Stat(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, false, "lstat");
  if (!key.ok()) return key.status();
  auto it = nodes_.find(*key);
  if (it == nodes_.end()) return ErrnoStatus(ENOENT, "lstat", path);
  const Node& node = *it->second;
  FileInfo info;
  info.type = node.type;
  info.size = node.type == FileType::kSymlink ? node.link_target.size()
                                              : node.data.size();
  info.mode = node.type == FileType::kSymlink ? 0777 : node.mode;
  info.mtime = node.mtime;
  info.ctime = node.ctime;
  info.inode = node.inode;
  return info;
}

absl::StatusOr<std::vector<std::string>> MemFs::ListDir(
    absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, true, "opendir");
  if (!key.ok()) return key.status();
  auto it = nodes_.find(*key);
  if (it == nodes_.end()) return ErrnoStatus(ENOENT, "opendir", path);
  if (it->second->type != FileType::kDirectory) {
    return ErrnoStatus(ENOTDIR, "opendir", path);
  }
  const std::string prefix = *key == "/" ? "/" : *key + "/";
  std::vector<std::string> names;
  for (auto child = nodes_.upper_bound(prefix);
       child != nodes_.end() && absl::StartsWith(child->first, prefix);
       ++child) {
    absl::string_view name = absl::string_view(child->first).substr(
        prefix.size());
    if (name.find('/') == absl::string_view::npos) names.emplace_back(name);
  }
  return names;  // std::map order is sorted order
}

absl::Status MemFs::CreateDir(absl::string_view path, uint32_t mode) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, false, "mkdir");
  if (!key.ok()) return key.status();
  if (nodes_.count(*key) != 0) return ErrnoStatus(EEXIST, "mkdir", path);
  auto node = std::make_shared<Node>();
  node->type = FileType::kDirectory;
  node->mode = mode & 07777;
  node->mtime = node->ctime = clock_();
  nodes_[*key] = std::move(node);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WritableFile>> MemFs::OpenForWrite(
    absl::string_view path, OpenMode open_mode, uint32_t mode) {
  concurrency::MutexLock lock(&mu_);
  const bool exclusive = open_mode == OpenMode::kCreateExclusive;
  absl::StatusOr<std::string> key = Resolve(path, !exclusive, "open");
  if (!key.ok()) return key.status();
  auto it = nodes_.find(*key);
  std::shared_ptr<Node> node;
  if (it != nodes_.end()) {
    if (exclusive) return ErrnoStatus(EEXIST, "open", path);
    if (it->second->type == FileType::kDirectory) {
      return ErrnoStatus(EISDIR, "open", path);
    }
    node = it->second;
    node->data.clear();
  } else {
    node = std::make_shared<Node>();
    node->mode = mode & 07777;
    nodes_[*key] = node;
  }
  node->mtime = node->ctime = clock_();
  return std::unique_ptr<WritableFile>(
      new File(this, std::move(node), std::string(path)));
}

absl::Status MemFs::Rename(absl::string_view from, absl::string_view to) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> from_key = Resolve(from, false, "rename");
  if (!from_key.ok()) return from_key.status();
  absl::StatusOr<std::string> to_key = Resolve(to, false, "rename");
  if (!to_key.ok()) return to_key.status();
  auto from_it = nodes_.find(*from_key);
  if (from_it == nodes_.end()) return ErrnoStatus(ENOENT, "rename", from);
  if (*from_key == "/" || *to_key == "/") {
    return ErrnoStatus(EBUSY, "rename", to);
  }
  if (*from_key == *to_key) return absl::OkStatus();
  const bool from_dir = from_it->second->type == FileType::kDirectory;
  if (from_dir && absl::StartsWith(*to_key, *from_key + "/")) {
    return ErrnoStatus(EINVAL, "rename", to);
  }
  auto to_it = nodes_.find(*to_key);
  if (to_it != nodes_.end()) {
    const bool to_dir = to_it->second->type == FileType::kDirectory;
    if (from_dir && !to_dir) return ErrnoStatus(ENOTDIR, "rename", to);
    if (!from_dir && to_dir) return ErrnoStatus(EISDIR, "rename", to);
    if (to_dir && HasChildren(*to_key)) {
      return ErrnoStatus(ENOTEMPTY, "rename", to);
    }
    nodes_.erase(to_it);
  }
  std::shared_ptr<Node> node = std::move(from_it->second);
  nodes_.erase(from_it);
  if (from_dir) {
    // Move the subtree: every key under from/ is re-keyed under to/.
    const std::string prefix = *from_key + "/";
    std::vector<std::pair<std::string, std::shared_ptr<Node>>> moved;
    auto it = nodes_.lower_bound(prefix);
    while (it != nodes_.end() && absl::StartsWith(it->first, prefix)) {
      moved.emplace_back(*to_key + "/" + it->first.substr(prefix.size()),
                         std::move(it->second));
      it = nodes_.erase(it);
    }
    for (auto& entry : moved) nodes_[entry.first] = std::move(entry.second);
  }
  node->ctime = clock_();
  nodes_[*to_key] = std::move(node);
  return absl::OkStatus();
}

absl::Status MemFs::Exchange(absl::string_view a, absl::string_view b) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> a_key = Resolve(a, false, "renameat2");
  if (!a_key.ok()) return a_key.status();
  absl::StatusOr<std::string> b_key = Resolve(b, false, "renameat2");
  if (!b_key.ok()) return b_key.status();
  auto a_it = nodes_.find(*a_key);
  auto b_it = nodes_.find(*b_key);
  if (a_it == nodes_.end() || b_it == nodes_.end()) {
    return ErrnoStatus(ENOENT, "renameat2", b);
  }
  if (*a_key == *b_key) return absl::OkStatus();
  // Directories would need their subtrees re-keyed; Serval swaps files only.
  if (a_it->second->type == FileType::kDirectory ||
      b_it->second->type == FileType::kDirectory) {
    return ErrnoStatus(EINVAL, "renameat2", b);
  }
  std::swap(a_it->second, b_it->second);
  return absl::OkStatus();
}

absl::Status MemFs::Remove(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, false, "unlink");
  if (!key.ok()) return key.status();
  auto it = nodes_.find(*key);
  if (it == nodes_.end()) return ErrnoStatus(ENOENT, "unlink", path);
  if (it->second->type == FileType::kDirectory) {
    return ErrnoStatus(EISDIR, "unlink", path);
  }
  nodes_.erase(it);
  return absl::OkStatus();
}

absl::Status MemFs::RemoveDir(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, false, "rmdir");
  if (!key.ok()) return key.status();
  auto it = nodes_.find(*key);
  if (it == nodes_.end()) return ErrnoStatus(ENOENT, "rmdir", path);
  if (it->second->type != FileType::kDirectory) {
    return ErrnoStatus(ENOTDIR, "rmdir", path);
  }
  if (*key == "/") return ErrnoStatus(EBUSY, "rmdir", path);
  if (HasChildren(*key)) return ErrnoStatus(ENOTEMPTY, "rmdir", path);
  nodes_.erase(it);
  return absl::OkStatus();
}

absl::Status MemFs::Symlink(absl::string_view target,
                            absl::string_view link_path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(link_path, false, "symlink");
  if (!key.ok()) return key.status();
  if (nodes_.count(*key) != 0) {
    return ErrnoStatus(EEXIST, "symlink", link_path);
  }
  auto node = std::make_shared<Node>();
  node->type = FileType::kSymlink;
  node->link_target = std::string(target);
  node->mode = 0777;
  node->mtime = node->ctime = clock_();
  nodes_[*key] = std::move(node);
  return absl::OkStatus();
}

absl::Status MemFs::SyncDir(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, true, "open");
  if (!key.ok()) return key.status();
  auto it = nodes_.find(*key);
  if (it == nodes_.end()) return ErrnoStatus(ENOENT, "open", path);
  if (it->second->type != FileType::kDirectory) {
    return ErrnoStatus(ENOTDIR, "open", path);
  }
  return absl::OkStatus();
}

absl::Status MemFs::SyncAll(absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, true, "open");
  if (!key.ok()) return key.status();
  if (nodes_.count(*key) == 0) return ErrnoStatus(ENOENT, "open", path);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileLock>> MemFs::TryLock(
    absl::string_view path) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, true, "open");
  if (!key.ok()) return key.status();
  std::shared_ptr<Node>& node = nodes_[*key];
  if (node == nullptr) {
    node = std::make_shared<Node>();
    node->mtime = node->ctime = clock_();
  }
  if (node->type == FileType::kDirectory) {
    return ErrnoStatus(EISDIR, "open", path);
  }
  if (node->locked) return ErrnoStatus(EWOULDBLOCK, "flock", path);
  node->locked = true;
  return std::unique_ptr<FileLock>(new Lock(this, node, std::string(path)));
}

absl::Status MemFs::SetMtime(absl::string_view path, absl::Time mtime) {
  concurrency::MutexLock lock(&mu_);
  absl::StatusOr<std::string> key = Resolve(path, false, "utimensat");
  if (!key.ok()) return key.status();
  auto it = nodes_.find(*key);
  if (it == nodes_.end()) return ErrnoStatus(ENOENT, "utimensat", path);
  it->second->mtime = mtime;
  it->second->ctime = clock_();
  return absl::OkStatus();
}

absl::StatusOr<size_t> MemFs::WriteAt(Node& node, uint64_t offset,
                                      absl::string_view data) {
  concurrency::MutexLock lock(&mu_);
  if (node.data.size() < offset + data.size()) {
    node.data.resize(offset + data.size());
  }
  node.data.replace(offset, data.size(), data.data(), data.size());
  node.mtime = node.ctime = clock_();
  return data.size();
}

void MemFs::SetNodeMode(Node& node, uint32_t mode) {
  concurrency::MutexLock lock(&mu_);
  node.mode = mode & 07777;
}

void MemFs::SetNodeContents(Node& node, absl::string_view contents) {
  concurrency::MutexLock lock(&mu_);
  node.data = std::string(contents);
  node.mtime = node.ctime = clock_();
}

void MemFs::Unlock(Node& node) {
  concurrency::MutexLock lock(&mu_);
  node.locked = false;
}

}  // namespace serval::fs
