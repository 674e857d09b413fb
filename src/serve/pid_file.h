// pid_file.h — one `serval serve` per site: SITE/.serval/server.pid.
//
// The file is locked (flock, through fs::Fs::TryLock) for the server's
// whole life and holds "pid=N\nurl=http://...\n". A second server on the
// same site finds it locked and fails with the first one's pid and URL.
// A file left by a server that died is stale by construction — the kernel
// dropped its lock — so it is simply taken over (the old pid is logged).
// The file is never deleted (see fs/build_lock.h for why); a clean exit
// empties it.
//
// Example:
//   SERVAL_ASSIGN_OR_RETURN(std::unique_ptr<PidFile> pid,
//                           PidFile::Acquire(fs, site_dir));
//   SERVAL_RETURN_IF_ERROR(pid->SetUrl("http://127.0.0.1:1313/"));
//
// Thread-safety: a PidFile is owned by one thread.
#ifndef SERVAL_SERVE_PID_FILE_H_
#define SERVAL_SERVE_PID_FILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/fs/fs.h"

namespace serval::serve {

class PidFile {
 public:
  // FailedPrecondition "serval serve is already running for SITE (pid N,
  // URL)" when another server holds it.
  static absl::StatusOr<std::unique_ptr<PidFile>> Acquire(
      fs::Fs& fs, absl::string_view site_dir);
  ~PidFile();  // empties the file, then unlocks

  // Records this process and the URL it serves.
  absl::Status SetUrl(absl::string_view url);

  const std::string& path() const { return lock_->path(); }

 private:
  explicit PidFile(std::unique_ptr<fs::FileLock> lock)
      : lock_(std::move(lock)) {}
  std::unique_ptr<fs::FileLock> lock_;
};

// "SITE/.serval/server.pid".
std::string PidFilePath(absl::string_view site_dir);

}  // namespace serval::serve

#endif  // SERVAL_SERVE_PID_FILE_H_
