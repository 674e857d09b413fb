#include "src/serve/pid_file.h"

#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/base/log.h"
#include "src/base/status_macros.h"

namespace serval::serve {
namespace {

// The value of "key=value" in `contents`, or "".
std::string Field(absl::string_view contents, absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    if (absl::ConsumePrefix(&line, key) && absl::ConsumePrefix(&line, "=")) {
      return std::string(line);
    }
  }
  return "";
}

}  // namespace

std::string PidFilePath(absl::string_view site_dir) {
  return fs::JoinPath(fs::JoinPath(site_dir, ".serval"), "server.pid");
}

absl::StatusOr<std::unique_ptr<PidFile>> PidFile::Acquire(
    fs::Fs& fs, absl::string_view site_dir) {
  std::string path = PidFilePath(site_dir);
  SERVAL_RETURN_IF_ERROR(fs::CreateDirs(fs, fs::Dirname(path)));
  absl::StatusOr<std::unique_ptr<fs::FileLock>> lock = fs.TryLock(path);
  absl::StatusOr<std::string> contents = fs.ReadFile(path);
  std::string pid = contents.ok() ? Field(*contents, "pid") : "";
  if (absl::IsUnavailable(lock.status())) {
    std::string url = contents.ok() ? Field(*contents, "url") : "";
    return absl::FailedPreconditionError(absl::StrCat(
        "serval serve is already running for ", site_dir, " (pid ",
        pid.empty() ? "unknown" : pid, url.empty() ? "" : ", ", url,
        "); stop it first"));
  }
  if (!lock.ok()) return lock.status();
  if (!pid.empty()) {
    SERVAL_LOG(kInfo) << "serve: taking over stale " << path << " (pid " << pid
                      << " is gone)";
  }
  std::unique_ptr<PidFile> pid_file(new PidFile(std::move(*lock)));
  SERVAL_RETURN_IF_ERROR(pid_file->SetUrl(""));
  return pid_file;
}

absl::Status PidFile::SetUrl(absl::string_view url) {
  return lock_->SetContents(
      absl::StrCat("pid=", getpid(), "\nurl=", url, "\n"));
}

PidFile::~PidFile() { lock_->SetContents("").IgnoreError(); }

}  // namespace serval::serve
