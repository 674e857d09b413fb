#include "src/fs/build_lock.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "src/base/errno_status.h"

namespace serval::fs {

std::string FormatHolderInfo(absl::string_view build_id) {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat("pid=", ::getpid(), "\nhost=", host, "\nstarted=",
                      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(),
                                       absl::UTCTimeZone()),
                      "\nbuild=", build_id, "\n");
}

std::string DescribeHolder(absl::string_view contents) {
  std::map<std::string, std::string> fields;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (!kv.first.empty()) fields[kv.first] = kv.second;
  }
  if (fields.count("pid") == 0) return "an unknown holder";
  std::string text = absl::StrCat("pid ", fields["pid"]);
  if (!fields["host"].empty()) absl::StrAppend(&text, " on ", fields["host"]);
  if (!fields["started"].empty()) {
    absl::StrAppend(&text, " since ", fields["started"]);
  }
  if (!fields["build"].empty()) {
    absl::StrAppend(&text, " (build ", fields["build"], ")");
  }
  return text;
}

absl::StatusOr<std::unique_ptr<BuildLock>> BuildLock::Acquire(
    Fs& fs, absl::string_view path, const BuildLockOptions& options) {
  const absl::Time deadline = absl::Now() + options.timeout;
  std::optional<absl::Time> unknown_since;  // holder unknown since then
  absl::Duration poll = options.initial_poll;
  std::string last_holder;
  for (;;) {
    absl::StatusOr<std::unique_ptr<FileLock>> lock = fs.TryLock(path);
    if (lock.ok()) {
      std::string info = FormatHolderInfo(options.build_id);
      absl::Status written = (*lock)->SetContents(info);
      if (!written.ok()) return written;
      return std::unique_ptr<BuildLock>(
          new BuildLock(std::move(lock).value(), std::move(info)));
    }
    const int error = base::ErrnoOf(lock.status());
    if (error != EWOULDBLOCK && error != EINTR) return lock.status();
    absl::StatusOr<std::string> contents = fs.ReadFile(path);
    const std::string holder = DescribeHolder(contents.ok() ? *contents : "");
    const absl::Time now = absl::Now();
    // A new holder writes who it is right after taking the lock: between
    // the two its file is empty (or the last holder's). Report an unknown
    // holder only if it stays unknown, so waiters name the holder's pid.
    const bool known = holder != DescribeHolder("");
    if (known) {
      unknown_since.reset();
    } else if (!unknown_since.has_value()) {
      unknown_since = now;
    }
    if (holder != last_holder &&
        (known || now - *unknown_since >= absl::Seconds(1))) {
      last_holder = holder;
      if (options.on_wait) options.on_wait(holder);
    }
    if (now >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "build lock ", path, " is held by ", holder, "; gave up after ",
          absl::FormatDuration(options.timeout)));
    }
    // Polling: flock has no timed wait. Capped backoff keeps it cheap.
    absl::SleepFor(std::min(poll, deadline - now));
    poll = std::min(poll * 2, options.max_poll);
  }
}

}  // namespace serval::fs
