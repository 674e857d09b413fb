#include "src/serve/watcher.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/base/errno_status.h"
#include "src/base/log.h"

namespace serval::serve {
namespace {

constexpr uint32_t kDirMask = IN_CREATE | IN_DELETE | IN_MODIFY |
                              IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                              IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                              IN_EXCL_UNLINK | IN_ONLYDIR;
constexpr int kMaxDepth = 64;

std::string Join(const std::string& dir, absl::string_view name) {
  return dir.empty() ? std::string(name) : absl::StrCat(dir, "/", name);
}

bool IsUnder(const std::string& path, const std::string& dir) {
  return path == dir ||
         (absl::StartsWith(path, dir) && path.size() > dir.size() &&
          path[dir.size()] == '/');
}

int PollTimeoutMs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(absl::ToInt64Milliseconds(d + absl::Microseconds(999)));
}

}  // namespace

bool IsIgnoredName(absl::string_view name) {
  if (name.empty() || name[0] == '.' || absl::EndsWith(name, "~")) return true;
  if (name.size() > 1 && name.front() == '#' && name.back() == '#') return true;
  for (absl::string_view suffix : {".swp", ".swx", ".swo", ".bak"}) {
    if (absl::EndsWith(name, suffix)) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<Watcher>> Watcher::Create(
    WatcherOptions options) {
  int inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd < 0) {
    return base::ErrnoStatus(errno, "inotify_init1", options.site_dir);
  }
  int stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_fd < 0) {
    int saved = errno;
    close(inotify_fd);
    return base::ErrnoStatus(saved, "eventfd", options.site_dir);
  }
  std::unique_ptr<Watcher> watcher(
      new Watcher(std::move(options), inotify_fd, stop_fd));
  // The site directory itself, for serval.toml and roots created later.
  int wd = inotify_add_watch(
      inotify_fd, watcher->options_.site_dir.c_str(),
      IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
          IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR);
  if (wd < 0) {
    return base::ErrnoStatus(errno, "inotify_add_watch",
                             watcher->options_.site_dir);
  }
  watcher->dir_of_watch_[wd] = "";
  watcher->watch_of_dir_[""] = wd;
  for (const std::string& root : watcher->options_.roots) {
    watcher->AddTree(root, /*report_files=*/false, 0);
  }
  return watcher;
}

Watcher::Watcher(WatcherOptions options, int inotify_fd, int stop_fd)
    : options_(std::move(options)),
      inotify_fd_(inotify_fd),
      stop_fd_(stop_fd) {}

Watcher::~Watcher() {
  close(inotify_fd_);
  close(stop_fd_);
}

void Watcher::Stop() {
  uint64_t one = 1;
  while (write(stop_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

bool Watcher::IsIgnoredPath(const std::string& path) const {
  for (const std::string& dir : options_.ignore) {
    if (IsUnder(path, dir)) return true;
  }
  return false;
}

void Watcher::AddTree(const std::string& dir, bool report_files, int depth) {
  if (depth > kMaxDepth || IsIgnoredPath(dir)) return;
  std::string full = Join(options_.site_dir, dir);
  int wd = inotify_add_watch(inotify_fd_, full.c_str(), kDirMask);
  if (wd < 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      SERVAL_LOG(kWarning) << "serve: cannot watch " << full << ": "
                           << std::strerror(errno);
    }
    return;
  }
  auto [it, inserted] = dir_of_watch_.emplace(wd, dir);
  if (!inserted && it->second != dir) return;  // a symlink loop: seen already
  watch_of_dir_[dir] = wd;
  DIR* stream = opendir(full.c_str());
  if (stream == nullptr) return;
  std::vector<std::pair<std::string, bool>> entries;
  while (struct dirent* entry = readdir(stream)) {
    absl::string_view name = entry->d_name;
    if (name == "." || name == ".." || IsIgnoredName(name)) continue;
    struct stat info;
    bool is_dir = stat(Join(full, name).c_str(), &info) == 0 &&
                  S_ISDIR(info.st_mode);
    entries.emplace_back(std::string(name), is_dir);
  }
  closedir(stream);
  for (const auto& [name, is_dir] : entries) {
    std::string path = Join(dir, name);
    if (is_dir) {
      AddTree(path, report_files, depth + 1);
    } else if (report_files && !IsIgnoredPath(path)) {
      Touch(path, /*created=*/true);
    }
  }
}

void Watcher::RemoveTree(const std::string& dir) {
  for (auto it = watch_of_dir_.lower_bound(dir);
       it != watch_of_dir_.end() && IsUnder(it->first, dir);) {
    inotify_rm_watch(inotify_fd_, it->second);
    dir_of_watch_.erase(it->second);
    it = watch_of_dir_.erase(it);
  }
}

void Watcher::Touch(const std::string& path, bool created) {
  auto [it, inserted] = touched_.try_emplace(path);
  if (inserted) it->second.created_in_burst = created;
}

bool Watcher::ReadEvents() {
  alignas(struct inotify_event) char buffer[64 * 1024];
  bool any = false;
  while (true) {
    ssize_t n = read(inotify_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return any;
    any = true;
    for (char* p = buffer; p < buffer + n;) {
      auto* event = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        overflowed_ = true;
        continue;
      }
      auto dir_it = dir_of_watch_.find(event->wd);
      if (dir_it == dir_of_watch_.end()) continue;
      const std::string dir = dir_it->second;
      if (event->mask & IN_IGNORED) {  // the directory went away
        watch_of_dir_.erase(dir);
        dir_of_watch_.erase(dir_it);
        continue;
      }
      if (event->len == 0) continue;  // about the directory itself
      absl::string_view name = event->name;  // NUL-padded
      if (IsIgnoredName(name)) continue;
      std::string path = Join(dir, name);
      bool is_root = std::find(options_.roots.begin(), options_.roots.end(),
                               path) != options_.roots.end();
      if (dir.empty() && !is_root &&
          std::find(options_.files.begin(), options_.files.end(), path) ==
              options_.files.end()) {
        continue;  // another file at the top of the site
      }
      if (IsIgnoredPath(path)) continue;
      bool created = event->mask & (IN_CREATE | IN_MOVED_TO);
      if (event->mask & IN_ISDIR) {
        if (created) {
          AddTree(path, /*report_files=*/true, 0);
        } else if (event->mask & (IN_DELETE | IN_MOVED_FROM)) {
          RemoveTree(path);
          Touch(path, false);
        }
        continue;
      }
      Touch(path, created);
    }
  }
}

ChangeSet Watcher::TakeChanges() {
  ChangeSet changes;
  changes.full = overflowed_;
  for (const auto& [path, touched] : touched_) {
    struct stat info;
    if (lstat(Join(options_.site_dir, path).c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) changes.changed.push_back(path);
    } else if (!touched.created_in_burst) {
      changes.removed.push_back(path);
    }
  }
  touched_.clear();
  if (overflowed_) {
    // Events were lost, directory creations among them: watch again.
    overflowed_ = false;
    for (const std::string& root : options_.roots) AddTree(root, false, 0);
    touched_.clear();
  }
  return changes;  // std::map iteration: already sorted and unique
}

std::optional<ChangeSet> Watcher::Next() {
  while (true) {
    absl::Time first = absl::InfiniteFuture();
    absl::Time quiet_until = absl::InfiniteFuture();
    while (true) {
      bool pending = !touched_.empty() || overflowed_;
      absl::Time now = absl::Now();
      if (pending && first == absl::InfiniteFuture()) {
        first = now;
        quiet_until = now + options_.debounce;
      }
      absl::Time deadline = std::min(quiet_until, first + options_.max_delay);
      if (pending && now >= deadline) break;
      struct pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      int timeout = pending ? PollTimeoutMs(deadline - now) : -1;
      int ready = poll(fds, 2, timeout);
      if (ready < 0 && errno != EINTR) {
        SERVAL_LOG(kError) << "serve: poll: " << std::strerror(errno);
        return std::nullopt;
      }
      if (fds[1].revents & POLLIN) return std::nullopt;
      if ((fds[0].revents & POLLIN) && ReadEvents()) {
        if (!touched_.empty() || overflowed_) {
          quiet_until = absl::Now() + options_.debounce;
        }
      }
    }
    ChangeSet changes = TakeChanges();
    if (!changes.empty()) return changes;
  }
}

}  // namespace serval::serve
