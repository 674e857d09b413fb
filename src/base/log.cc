#include "src/base/log.h"

#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "src/base/utf8.h"

namespace serval::base {
namespace {

// The options in force. Readers load the pointer; InitLogging publishes a
// new immutable state and never frees the old one (it is called a handful
// of times per process), so a reader never sees freed memory. Each state
// keeps the one it replaced reachable, which is what it is: retained, not
// leaked.
struct LogState {
  LogOptions options;
  const LogState* previous = nullptr;
};

std::atomic<const LogState*> g_state{nullptr};
absl::once_flag g_default_once;

const LogState& State() {
  const LogState* state = g_state.load(std::memory_order_acquire);
  if (state != nullptr) return *state;
  absl::call_once(g_default_once, [] {
    const LogState* expected = nullptr;
    auto* fresh = new LogState{LogOptions{}};
    fresh->options.build_id = NewBuildId();
    if (!g_state.compare_exchange_strong(expected, fresh,
                                         std::memory_order_acq_rel)) {
      delete fresh;
    }
  });
  return *g_state.load(std::memory_order_acquire);
}

void AppendTextEscaped(absl::string_view message, std::string* out) {
  std::string valid;
  AppendValidUtf8(message, &valid);
  for (char c : valid) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->push_back('\t');
    } else if (u < 0x20 || u == 0x7F) {
      absl::StrAppendFormat(out, "\\x%02x", u);
    } else {
      out->push_back(c);
    }
  }
}

void AppendJsonString(absl::string_view text, std::string* out) {
  std::string valid;
  AppendValidUtf8(text, &valid);
  out->push_back('"');
  for (char c : valid) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (u < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", u);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;  // Nowhere left to report a logging failure.
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void InitLogging(LogOptions options) {
  if (options.build_id.empty()) options.build_id = NewBuildId();
  auto* fresh = new LogState{std::move(options)};
  fresh->previous = g_state.load(std::memory_order_acquire);
  g_state.store(fresh, std::memory_order_release);
}

const std::string& BuildId() { return State().options.build_id; }

std::string NewBuildId() {
  uint8_t bytes[6];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // No entropy source: fall back to pid and clock, still unique enough
      // to tell concurrent builds apart.
      uint64_t mix = static_cast<uint64_t>(::getpid()) * 0x9E3779B97F4A7C15ull ^
                     static_cast<uint64_t>(absl::GetCurrentTimeNanos());
      for (size_t i = got; i < sizeof(bytes); ++i) bytes[i] = mix >> (8 * i);
      break;
    }
    got += static_cast<size_t>(n);
  }
  std::string id;
  for (uint8_t b : bytes) absl::StrAppendFormat(&id, "%02x", b);
  return id;
}

long CurrentThreadId() { return static_cast<long>(::syscall(SYS_gettid)); }

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= static_cast<int>(State().options.min_level);
}

std::string FormatLogLine(LogFormat format, LogLevel level,
                          absl::string_view build_id, long pid, long tid,
                          absl::Time time, absl::string_view message) {
  std::string line;
  line.reserve(message.size() + 96);
  if (format == LogFormat::kJson) {
    absl::StrAppend(&line, "{\"ts\":\"",
                    absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time,
                                     absl::UTCTimeZone()),
                    "\",\"level\":\"", LogLevelName(level), "\",\"build\":");
    AppendJsonString(build_id, &line);
    absl::StrAppend(&line, ",\"pid\":", pid, ",\"tid\":", tid, ",\"msg\":");
    AppendJsonString(message, &line);
    line.append("}\n");
  } else {
    line.append("[build=");
    AppendTextEscaped(build_id, &line);
    absl::StrAppend(&line, " pid=", pid, " tid=", tid, "] ",
                    LogLevelName(level), ": ");
    AppendTextEscaped(message, &line);
    line.push_back('\n');
  }
  return line;
}

void Log(LogLevel level, absl::string_view message) {
  const LogState& state = State();
  if (static_cast<int>(level) < static_cast<int>(state.options.min_level)) {
    return;
  }
  WriteAll(state.options.fd,
           FormatLogLine(state.options.format, level, state.options.build_id,
                         static_cast<long>(::getpid()), CurrentThreadId(),
                         absl::Now(), message));
}

}  // namespace serval::base
