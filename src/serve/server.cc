#include "src/serve/server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "src/base/log.h"
#include "src/base/status_macros.h"
#include "src/serve/http_binding.h"
#include "src/serve/reload_client.h"

namespace serval::serve {
namespace {

constexpr int kAutoPortTries = 20;
constexpr size_t kMaxRequestBody = 64 * 1024;
constexpr char kScriptTag[] =
    "<script src=\"/__serval/reload.js\" data-serval-live-reload></script>";

// Why binding host:port fails, from a socket of our own (httplib only says
// that it failed).
int BindErrno(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints,
                  &result) != 0) {
    return EADDRNOTAVAIL;
  }
  int error = 0;
  int fd = socket(result->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errno;
  } else {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, result->ai_addr, result->ai_addrlen) != 0) error = errno;
    close(fd);
  }
  freeaddrinfo(result);
  return error;
}

void MethodNotAllowed(const httplib::Request& request,
                      httplib::Response& response) {
  response.status = 405;
  response.set_header("Allow", "GET, HEAD");
  response.set_content("405 method not allowed\n", "text/plain; charset=utf-8");
}

}  // namespace

DevServer::DevServer(ServerOptions options, RebuildFunction rebuild)
    : options_(std::move(options)),
      rebuild_(std::move(rebuild)),
      static_handler_({.root = options_.output_dir, .inject_html = kScriptTag}),
      http_(std::make_unique<httplib::Server>()) {}

absl::StatusOr<std::unique_ptr<DevServer>> DevServer::Start(
    fs::Fs& fs, ServerOptions options, RebuildFunction rebuild) {
  std::unique_ptr<DevServer> server(
      new DevServer(std::move(options), std::move(rebuild)));
  SERVAL_ASSIGN_OR_RETURN(server->pid_file_,
                          PidFile::Acquire(fs, server->options_.site_dir));
  if (server->options_.watch) {
    // Watch before the first build, so no edit made during it is lost.
    WatcherOptions watch;
    watch.site_dir = server->options_.site_dir;
    watch.debounce = server->options_.debounce;
    watch.ignore = {".serval"};
    std::string site_prefix = server->options_.site_dir + "/";
    if (absl::StartsWith(server->options_.output_dir, site_prefix)) {
      watch.ignore.push_back(
          server->options_.output_dir.substr(site_prefix.size()));
    }
    SERVAL_ASSIGN_OR_RETURN(server->watcher_, Watcher::Create(watch));
  }
  server->RebuildNow(ChangeSet{.full = true});
  server->InstallHandlers();
  SERVAL_RETURN_IF_ERROR(server->Bind());
  SERVAL_RETURN_IF_ERROR(server->pid_file_->SetUrl(server->url()));

  DevServer* raw = server.get();
  server->http_thread_ = std::thread([raw] { raw->http_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs: wait for it.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!server->http_->is_running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (server->watcher_ != nullptr) {
    server->rebuild_thread_ = std::thread([raw] { raw->RebuildLoop(); });
  }
  return server;
}

DevServer::~DevServer() { Stop(); }

std::string DevServer::url() const {
  std::string host = absl::StrContains(options_.host, ':')
                         ? absl::StrCat("[", options_.host, "]")
                         : options_.host;
  return absl::StrCat("http://", host, ":", port_, "/");
}

absl::Status DevServer::Bind() {
  // SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second
  // server share the port instead of failing.
  http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
    if (port_ > 0) return absl::OkStatus();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.host, ": ",
                     std::strerror(BindErrno(options_.host, 0))));
  }
  int tries = options_.auto_port ? kAutoPortTries : 1;
  for (int i = 0; i < tries; ++i) {
    int port = options_.port + i;
    if (port > 65535) break;
    if (http_->bind_to_port(options_.host, port)) {
      if (i > 0) {
        SERVAL_LOG(kInfo) << "serve: port " << options_.port
                          << " is in use; using " << port;
      }
      port_ = port;
      return absl::OkStatus();
    }
    int error = BindErrno(options_.host, port);
    if (error != EADDRINUSE) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options_.host, ":", port, ": ",
                       std::strerror(error ? error : EADDRNOTAVAIL)));
    }
  }
  return absl::UnavailableError(absl::StrCat(
      "port ", options_.port, " on ", options_.host,
      options_.auto_port
          ? absl::StrCat(" and the next ", kAutoPortTries - 1,
                         " ports are in use")
          : " is already in use (another server?); choose one with --port "
            "or let serval pick the next free one with --auto-port"));
}

void DevServer::InstallHandlers() {
  int streams = options_.max_event_clients;
  int threads = options_.http_threads + streams;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_payload_max_length(kMaxRequestBody);
  // httplib 0.11 does not look at stop() while a connection idles between
  // requests: a short keep-alive keeps shutdown under a second.
  http_->set_keep_alive_timeout(1);
  http_->set_pre_routing_handler([this](const httplib::Request& request,
                                        httplib::Response& response) {
    if (request.method != "GET" && request.method != "HEAD") {
      // Methods with a body are answered after httplib reads the body (the
      // handlers below), so the connection stays in step.
      if (httplib::detail::expect_content(request)) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      MethodNotAllowed(request, response);
      return httplib::Server::HandlerResponse::Handled;
    }
    absl::string_view path = request.target;
    path = path.substr(0, path.find('?'));
    if (path == "/__serval/events") {
      ServeEvents(request, response);
    } else if (path == "/__serval/reload.js") {
      response.set_header("Cache-Control", "no-cache");
      response.set_content(std::string(ReloadClientScript()),
                           "text/javascript; charset=utf-8");
    } else if (absl::StartsWith(path, "/__serval/")) {
      response.status = 404;
      response.set_content("404 page not found\n", "text/plain; charset=utf-8");
    } else {
      ApplyResponse(static_handler_.Handle(ToHttpRequest(request)), request,
                    &response);
    }
    return httplib::Server::HandlerResponse::Handled;
  });
  http_->Post(".*", MethodNotAllowed);
  http_->Put(".*", MethodNotAllowed);
  http_->Patch(".*", MethodNotAllowed);
  http_->Delete(".*", MethodNotAllowed);
}

void DevServer::ServeEvents(const httplib::Request& request,
                            httplib::Response& response) {
  if (!hub_.TryAddClient(options_.max_event_clients)) {
    response.status = 503;
    response.set_header("Retry-After", "5");
    response.set_content("too many live-reload clients\n",
                         "text/plain; charset=utf-8");
    return;
  }
  std::string since = request.get_param_value("since");
  if (since.empty()) since = request.get_header_value("Last-Event-ID");
  struct Stream {
    uint64_t seen;
    bool greeted = false;
  };
  auto stream = std::make_shared<Stream>(Stream{hub_.ResumePoint(since)});
  response.set_header("Cache-Control", "no-cache");
  response.set_chunked_content_provider(
      "text/event-stream",
      [this, stream](size_t /*offset*/, httplib::DataSink& sink) {
        std::string chunk;
        if (!stream->greeted) {
          stream->greeted = true;
          chunk = FormatSseHello(hub_.instance_id(), stream->seen);
          // Say hello at once; events follow on the next call.
          return sink.write(chunk.data(), chunk.size());
        }
        ReloadHub::Wait wait =
            hub_.WaitForNewer(stream->seen, options_.heartbeat);
        if (wait.shutdown) {
          sink.done();
          return true;
        }
        if (wait.event) {
          stream->seen = wait.event->generation;
          chunk = FormatSseEvent(*wait.event, hub_.instance_id());
        } else {
          chunk = ": ping\n\n";  // finds sockets whose browser went away
        }
        return sink.write(chunk.data(), chunk.size());
      },
      [this](bool /*success*/) { hub_.RemoveClient(); });
}

RebuildOutcome DevServer::RebuildNow(const ChangeSet& changes) {
  absl::Time start = absl::Now();
  RebuildOutcome outcome = rebuild_(changes);
  int64_t ms = absl::ToInt64Milliseconds(absl::Now() - start);
  if (!outcome.ok) {
    SERVAL_LOG(kError) << "serve: build failed (" << ms << " ms):\n"
                       << outcome.error;
    hub_.Publish(ReloadKind::kError, outcome.error);
  } else {
    SERVAL_LOG(kInfo) << "serve: rebuilt in " << ms << " ms ("
                      << (changes.full ? std::string("full")
                                       : absl::StrCat(changes.changed.size(),
                                                      " changed, ",
                                                      changes.removed.size(),
                                                      " removed"))
                      << (outcome.css_only ? ", css only" : "") << ")";
    hub_.Publish(outcome.css_only ? ReloadKind::kCss : ReloadKind::kReload);
  }
  return outcome;
}

void DevServer::RebuildLoop() {
  while (std::optional<ChangeSet> changes = watcher_->Next()) {
    RebuildNow(*changes);
  }
}

void DevServer::Stop() {
  {
    concurrency::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  hub_.Shutdown();  // event streams end, freeing their worker threads
  if (watcher_ != nullptr) watcher_->Stop();
  http_->stop();
  if (http_thread_.joinable()) http_thread_.join();
  if (rebuild_thread_.joinable()) rebuild_thread_.join();  // in-flight build
  pid_file_.reset();
}

void DevServer::Wait() {
  concurrency::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&stopped_));
}

void BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) != 0) {
  }
  return signal_number;
}

}  // namespace serval::serve
