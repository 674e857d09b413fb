// log.h — Serval's logger: one whole line per message, each tagged with the
// build id, the process id and the thread id, so the logs of concurrent
// builds (and of the threads inside one) can always be told apart.
//
// Text format (default):
//   [build=3fa2c1d09b7e pid=4242 tid=4250] warning: content/a.md:3:1: ...
// JSON format (--log-format=json), one object per line:
//   {"ts":"2026-11-23T09:30:00.123Z","level":"warning","build":"3fa2c1d09b7e",
//    "pid":4242,"tid":4250,"msg":"content/a.md:3:1: ..."}
//
// Example:
//   serval::base::InitLogging({.build_id = serval::base::NewBuildId()});
//   SERVAL_LOG(kInfo) << "built " << pages << " pages";
//
// Thread-safety: Log() may be called from any thread at any time. Each line
// is emitted with a single write(2), so lines of concurrent threads and
// processes never interleave (up to PIPE_BUF bytes on pipes). InitLogging()
// must run before other threads log (it is the one writer of the options).
#ifndef SERVAL_BASE_LOG_H_
#define SERVAL_BASE_LOG_H_

#include <sstream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace serval::base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

struct LogOptions {
  LogLevel min_level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  std::string build_id;  // empty: a fresh NewBuildId()
  int fd = 2;            // where lines go; the logger never closes it
};

// Replaces the process-wide logger options. Call before threads log.
void InitLogging(LogOptions options);

// The current build id (set by InitLogging, or generated on first use).
const std::string& BuildId();

// 12 lowercase hex digits from the OS random source.
std::string NewBuildId();

// Emits `message` at `level` if it passes the configured minimum.
void Log(LogLevel level, absl::string_view message);

// True if a message at `level` would be written.
bool LogEnabled(LogLevel level);

// "debug", "info", "warning", "error".
absl::string_view LogLevelName(LogLevel level);

// One complete line (with its trailing '\n') as Log() would write it.
// Invalid UTF-8 in `message` becomes U+FFFD in JSON; in text, control
// characters (newlines included) are escaped so one call is one line.
std::string FormatLogLine(LogFormat format, LogLevel level,
                          absl::string_view build_id, long pid, long tid,
                          absl::Time time, absl::string_view message);

// The kernel thread id of the calling thread.
long CurrentThreadId();

namespace internal {
// Collects a streamed message and logs it when destroyed.
class LogMessage {
 public:
  explicit LogMessage(LogLevel level) : level_(level) {}
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  ~LogMessage() { Log(level_, stream_.str()); }
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};
}  // namespace internal

}  // namespace serval::base

// SERVAL_LOG(kWarning) << "text " << value;  The arguments are not evaluated
// when the level is disabled.
#define SERVAL_LOG(level)                                               \
  if (!::serval::base::LogEnabled(::serval::base::LogLevel::level)) {   \
  } else                                                                \
    ::serval::base::internal::LogMessage(::serval::base::LogLevel::level) \
        .stream()

#endif  // SERVAL_BASE_LOG_H_
