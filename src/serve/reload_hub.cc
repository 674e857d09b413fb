#include "src/serve/reload_hub.h"

#include <random>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace serval::serve {
namespace {

std::string RandomInstanceId() {
  std::random_device device;
  return absl::StrCat(absl::Hex(device(), absl::kZeroPad8),
                      absl::Hex(device(), absl::kZeroPad8));
}

}  // namespace

absl::string_view ReloadKindName(ReloadKind kind) {
  switch (kind) {
    case ReloadKind::kReload:
      return "reload";
    case ReloadKind::kCss:
      return "css";
    case ReloadKind::kError:
      return "error";
  }
  return "reload";
}

ReloadHub::ReloadHub(std::string instance_id)
    : instance_id_(instance_id.empty() ? RandomInstanceId()
                                       : std::move(instance_id)) {}

void ReloadHub::Publish(ReloadKind kind, std::string error) {
  concurrency::MutexLock lock(&mu_);
  ++generation_;
  if (kind == ReloadKind::kError) {
    broken_ = true;
    error_ = std::move(error);
    return;
  }
  // Recovering from an error reloads the page: the error may have hidden
  // any number of changes.
  if (kind == ReloadKind::kReload || broken_) last_reload_ = generation_;
  broken_ = false;
  error_.clear();
}

bool ReloadHub::NewerOrShutdown(uint64_t seen) const {
  return shutdown_ || generation_ > seen;
}

ReloadEvent ReloadHub::EventSince(uint64_t seen) const {
  ReloadEvent event;
  event.generation = generation_;
  if (broken_) {
    event.kind = ReloadKind::kError;
    event.error = error_;
  } else {
    event.kind = last_reload_ > seen ? ReloadKind::kReload : ReloadKind::kCss;
  }
  return event;
}

ReloadHub::Wait ReloadHub::WaitForNewer(uint64_t seen,
                                        absl::Duration timeout) {
  struct Args {
    ReloadHub* hub;
    uint64_t seen;
  } args{this, seen};
  concurrency::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(
      absl::Condition(
          +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return a->hub->NewerOrShutdown(a->seen);
          },
          &args),
      timeout);
  Wait wait;
  if (shutdown_) {
    wait.shutdown = true;
  } else if (generation_ > seen) {
    wait.event = EventSince(seen);
  }
  return wait;
}

uint64_t ReloadHub::ResumePoint(absl::string_view last_event_id) {
  concurrency::MutexLock lock(&mu_);
  if (last_event_id.empty()) {
    return broken_ ? generation_ - 1 : generation_;
  }
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(last_event_id, absl::MaxSplits('-', 1));
  uint64_t seen = 0;
  if (parts.first != instance_id_ || !absl::SimpleAtoi(parts.second, &seen) ||
      seen > generation_) {
    return 0;
  }
  return seen;
}

ReloadEvent ReloadHub::Current() {
  concurrency::MutexLock lock(&mu_);
  return EventSince(generation_ - 1);
}

void ReloadHub::Shutdown() {
  concurrency::MutexLock lock(&mu_);
  shutdown_ = true;
}

bool ReloadHub::TryAddClient(int limit) {
  concurrency::MutexLock lock(&mu_);
  if (clients_ >= limit) return false;
  ++clients_;
  return true;
}

void ReloadHub::RemoveClient() {
  concurrency::MutexLock lock(&mu_);
  --clients_;
}

int ReloadHub::clients() {
  concurrency::MutexLock lock(&mu_);
  return clients_;
}

std::string FormatSseHello(const std::string& instance_id,
                           uint64_t resume_from) {
  return absl::StrCat("retry: 500\nid: ", instance_id, "-", resume_from,
                      "\nevent: hello\ndata: \n\n");
}

std::string FormatSseEvent(const ReloadEvent& event,
                           const std::string& instance_id) {
  std::string out = absl::StrCat("id: ", instance_id, "-", event.generation,
                                 "\nevent: ", ReloadKindName(event.kind), "\n");
  // Each line of the text is one data field; EventSource joins them with
  // '\n'. A lone '\r' would end an SSE line too, so it splits as well.
  std::string text = absl::StrReplaceAll(event.error, {{"\r\n", "\n"}});
  for (absl::string_view line :
       absl::StrSplit(text, absl::ByAnyChar("\r\n"))) {
    absl::StrAppend(&out, "data: ", line, "\n");
  }
  out.push_back('\n');
  return out;
}

}  // namespace serval::serve
