#include "src/fs/temp_sweeper.h"

#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <string>
#include <vector>

#include "src/base/errno_status.h"
#include "src/fs/temp_name.h"

namespace serval::fs {
namespace {

absl::Status Sweep(Fs& fs, const std::string& dir, const SweepOptions& options,
                   absl::Time now, SweepResult* result) {
  absl::StatusOr<std::vector<std::string>> names = fs.ListDir(dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    const std::string path = JoinPath(dir, name);
    absl::StatusOr<FileInfo> info = fs.Stat(path);
    if (!info.ok()) {
      if (base::ErrnoOf(info.status()) == ENOENT) continue;  // raced
      return info.status();
    }
    if (info->type == FileType::kDirectory) {
      if (options.recursive) {
        absl::Status status = Sweep(fs, path, options, now, result);
        if (!status.ok()) return status;
      }
      continue;
    }
    if (info->type != FileType::kRegular) continue;
    std::optional<TempName> temp = ParseTempName(name);
    if (!temp.has_value()) continue;
    const bool alive = options.is_alive ? options.is_alive(temp->pid)
                                        : ProcessIsAlive(temp->pid);
    if (alive && now - info->mtime <= options.max_age) {
      ++result->kept;
      continue;
    }
    absl::Status removed = fs.Remove(path);
    if (removed.ok()) {
      ++result->removed;
    } else if (base::ErrnoOf(removed) != ENOENT) {
      return removed;
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool ProcessIsAlive(int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

absl::StatusOr<SweepResult> SweepTempFiles(Fs& fs, absl::string_view dir,
                                           const SweepOptions& options) {
  SweepResult result;
  const absl::Time now = options.now ? options.now() : absl::Now();
  absl::Status status = Sweep(fs, std::string(dir), options, now, &result);
  if (!status.ok()) return status;
  return result;
}

}  // namespace serval::fs
