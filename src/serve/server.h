// server.h — the dev server: static files + live reload + watcher, tied to
// a rebuild function.
//
// Start() takes SITE/.serval/server.pid (pid_file.h), runs the first build
// (RebuildFunction with ChangeSet{.full = true}), binds host:port and
// starts two threads: cpp-httplib's accept loop (with its worker pool) and
// the rebuild loop, which takes each ChangeSet from the watcher, rebuilds,
// logs the outcome, and publishes it to the ReloadHub. A failed build does
// not stop anything: the error goes to the log and, as an overlay, to
// every open page; the next good build clears it.
//
// URLs:
//   /__serval/events     live-reload Server-Sent Events (reload_hub.h)
//   /__serval/reload.js  the client script injected into every HTML page
//   anything else        the output directory (static_handler.h)
//
// Ports: `port` (0 picks a free one, for tests). If it is taken, Start()
// fails with Unavailable naming it — or, with `auto_port`, tries the next
// ports. Only GET and HEAD are served; request bodies are capped at 64 KiB.
//
// Example:
//   BlockTerminationSignals();  // before any thread starts
//   SERVAL_ASSIGN_OR_RETURN(std::unique_ptr<DevServer> server,
//       DevServer::Start(fs, {.site_dir = "blog", .output_dir = "blog/public"},
//                        rebuild));
//   std::cout << "Serving " << server->url() << "\n";
//   WaitForTerminationSignal();
//   server->Stop();  // waits for an in-flight rebuild to finish
//
// Thread-safety: Stop(), Wait() and the accessors may be called from any
// thread. The rebuild function runs on one thread at a time.
#ifndef SERVAL_SERVE_SERVER_H_
#define SERVAL_SERVE_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/concurrency/mutex.h"
#include "src/fs/fs.h"
#include "src/serve/change_set.h"
#include "src/serve/pid_file.h"
#include "src/serve/reload_hub.h"
#include "src/serve/static_handler.h"
#include "src/serve/watcher.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace serval::serve {

struct ServerOptions {
  std::string site_dir;
  std::string output_dir;  // what is served; usually SITE/public
  std::string host = "127.0.0.1";
  int port = 1313;
  bool auto_port = false;  // port taken: try the next 20
  bool watch = true;       // false: no watcher (tests drive rebuilds)
  absl::Duration debounce = absl::Milliseconds(30);
  absl::Duration heartbeat = absl::Seconds(15);
  int max_event_clients = 256;  // each open page holds one stream
  int http_threads = 16;        // for everything but event streams
};

class DevServer {
 public:
  static absl::StatusOr<std::unique_ptr<DevServer>> Start(
      fs::Fs& fs, ServerOptions options, RebuildFunction rebuild);
  ~DevServer();  // Stop()s
  DevServer(const DevServer&) = delete;
  DevServer& operator=(const DevServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:1313/".
  std::string url() const;

  // Rebuilds for `changes` on the caller's thread and publishes the
  // outcome, as the watcher loop does. For tests with `watch = false`.
  RebuildOutcome RebuildNow(const ChangeSet& changes);

  // Closes event streams, stops watching and serving, waits for an
  // in-flight rebuild. Idempotent.
  void Stop();
  // Blocks until Stop() has been called.
  void Wait();

  ReloadHub& hub() { return hub_; }

 private:
  DevServer(ServerOptions options, RebuildFunction rebuild);
  absl::Status Bind();
  void InstallHandlers();
  void ServeEvents(const httplib::Request& request,
                   httplib::Response& response);
  void RebuildLoop();

  const ServerOptions options_;
  const RebuildFunction rebuild_;
  ReloadHub hub_;
  StaticHandler static_handler_;
  std::unique_ptr<PidFile> pid_file_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<Watcher> watcher_;
  std::thread http_thread_;
  std::thread rebuild_thread_;
  int port_ = 0;

  concurrency::Mutex mu_{concurrency::LockRank::kDevServer, "DevServer::mu_"};
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// Blocks SIGINT and SIGTERM in the calling thread and every thread it
// starts afterwards, so WaitForTerminationSignal() can take them.
void BlockTerminationSignals();
// Waits for SIGINT or SIGTERM (blocked first) and returns its number.
int WaitForTerminationSignal();

}  // namespace serval::serve

#endif  // SERVAL_SERVE_SERVER_H_
