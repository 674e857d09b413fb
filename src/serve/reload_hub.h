// reload_hub.h — live reload state: a generation counter under a mutex that
// browsers (one Server-Sent Events stream each) wait on.
//
// Each rebuild Publish()es an event and bumps the generation. A client
// remembers the last generation it saw and waits for a newer one; it wakes
// with the *latest* state, coalescing what it missed: a build error if the
// site is broken now, else `reload` if any missed rebuild changed more than
// stylesheets, else `css`. The wait has a timeout so the stream can send a
// heartbeat comment and notice a dead socket.
//
// SSE ids are "<instance>-<generation>", where the instance is random per
// server process. A client that resumes with an id from another instance
// (the server restarted) gets `reload` at once: the site may have changed
// while the server was down.
//
// Example (one SSE stream):
//   uint64_t seen = hub.ResumePoint(last_event_id);
//   write(FormatSseHello(hub));
//   while (true) {
//     ReloadHub::Wait w = hub.WaitForNewer(seen, absl::Seconds(15));
//     if (w.shutdown) break;
//     write(w.event ? FormatSseEvent(*w.event, hub.instance_id()) : ": ping\n\n");
//     if (w.event) seen = w.event->generation;
//   }
//
// Thread-safety: every member function may be called from any thread.
#ifndef SERVAL_SERVE_RELOAD_HUB_H_
#define SERVAL_SERVE_RELOAD_HUB_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/concurrency/mutex.h"

namespace serval::serve {

enum class ReloadKind {
  kReload,  // reload the page
  kCss,     // swap stylesheets, clear any error overlay
  kError,   // show `error` in an overlay
};

// "reload", "css", "error": the SSE event names.
absl::string_view ReloadKindName(ReloadKind kind);

struct ReloadEvent {
  uint64_t generation = 0;
  ReloadKind kind = ReloadKind::kReload;
  std::string error;  // for kError
};

class ReloadHub {
 public:
  // `instance_id`: empty for a random one.
  explicit ReloadHub(std::string instance_id = "");
  ReloadHub(const ReloadHub&) = delete;
  ReloadHub& operator=(const ReloadHub&) = delete;

  // Records a rebuild's outcome and wakes every waiting client.
  void Publish(ReloadKind kind, std::string error = "");

  struct Wait {
    std::optional<ReloadEvent> event;  // nullopt: timed out (heartbeat)
    bool shutdown = false;
  };
  // Blocks until the generation exceeds `seen`, Shutdown(), or `timeout`.
  Wait WaitForNewer(uint64_t seen, absl::Duration timeout);

  // The generation a new stream starts from, given the Last-Event-ID it
  // sent ("" for a first connection). A first connection starts at the
  // current generation, except that a broken site is reported at once; an
  // id from another instance starts at 0 (so the client reloads).
  uint64_t ResumePoint(absl::string_view last_event_id);

  // The current state as an event (generation, and what a client that saw
  // nothing of it would get).
  ReloadEvent Current();

  // Wakes every waiter for good; later waits return shutdown at once.
  void Shutdown();

  // Counts open streams, refusing more than `limit`.
  bool TryAddClient(int limit);
  void RemoveClient();
  int clients();

  const std::string& instance_id() const { return instance_id_; }

 private:
  bool NewerOrShutdown(uint64_t seen) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ReloadEvent EventSince(uint64_t seen) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string instance_id_;
  concurrency::Mutex mu_{concurrency::LockRank::kReloadHub, "ReloadHub::mu_"};
  // Starts at 1: the build the server started with.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
  // The last generation that needed a full page reload.
  uint64_t last_reload_ ABSL_GUARDED_BY(mu_) = 1;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  std::string error_ ABSL_GUARDED_BY(mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  int clients_ ABSL_GUARDED_BY(mu_) = 0;
};

// The first bytes of a stream: the reconnect delay and a `hello` event
// carrying the id of `resume_from` (so the client knows the instance).
std::string FormatSseHello(const std::string& instance_id,
                           uint64_t resume_from);
// One SSE event: "id: ...\nevent: reload\ndata: ...\n\n"; multi-line error
// text becomes several data lines.
std::string FormatSseEvent(const ReloadEvent& event,
                           const std::string& instance_id);

}  // namespace serval::serve

#endif  // SERVAL_SERVE_RELOAD_HUB_H_
