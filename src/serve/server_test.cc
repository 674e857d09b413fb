// Live HTTP tests: a DevServer on an ephemeral loopback port, requests over
// real sockets (raw ones where a client library would clean the path up).
#include "src/serve/server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "src/fs/posix_fs.h"
#include "src/serve/fake_builder.h"

namespace serval::serve {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// One raw TCP connection to the server.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address),
                         sizeof address) == 0;
  }
  ~RawConnection() { close(fd_); }

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads until `needle` has arrived (true), EOF or the deadline (false).
  bool ReadUntil(absl::string_view needle, absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (!absl::StrContains(received_, needle)) {
      if (!ReadSome(deadline)) return false;
    }
    return true;
  }
  // Reads to EOF (or the deadline).
  std::string ReadAll(absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (ReadSome(deadline)) {
    }
    return received_;
  }
  bool ReadSome(absl::Time deadline) {
    pollfd p{fd_, POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (ms <= 0 || poll(&p, 1, ms) <= 0) return false;
    char buffer[4096];
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    received_.append(buffer, n);
    return true;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

int StatusOf(const std::string& response) {
  int status = 0;
  if (response.size() < 12 ||
      !absl::SimpleAtoi(response.substr(9, 3), &status)) {
    return -1;
  }
  return status;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site_ = std::string(std::getenv("TEST_TMPDIR")) + "/site_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (const char* dir : {"", "/content", "/content/about", "/static"}) {
      ASSERT_EQ(mkdir((site_ + dir).c_str(), 0755), 0);
    }
    WriteFile(site_ + "/content/index.html",
              "<html><body><h1>Home</h1></body></html>");
    WriteFile(site_ + "/content/about/index.html", "<body>About</body>");
    WriteFile(site_ + "/content/404.html", "<body>Custom 404</body>");
    WriteFile(site_ + "/static/site.css", "body{color:black}");
    WriteFile(site_ + "/static/app.js", "1;");
    WriteFile(site_ + "/SECRET.txt", "SECRET");
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  ServerOptions Options() {
    return {.site_dir = site_,
            .output_dir = site_ + "/public",
            .port = 0,
            .watch = false,
            .heartbeat = absl::Milliseconds(200)};
  }
  void StartServer(ServerOptions options, RebuildFunction rebuild = nullptr) {
    if (!rebuild) rebuild = MakeCopyingFakeBuilder(site_, site_ + "/public");
    auto server = DevServer::Start(fs_, std::move(options), std::move(rebuild));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    // Things the build must never publish, but the traversal tests try.
    ASSERT_EQ(symlink("../SECRET.txt", (site_ + "/public/leak.txt").c_str()), 0);
    ASSERT_EQ(symlink("..", (site_ + "/public/up").c_str()), 0);
  }
  std::string Raw(const std::string& request_line_target,
                  const std::string& method = "GET") {
    RawConnection c(server_->port());
    EXPECT_TRUE(c.connected());
    c.Send(absl::StrCat(method, " ", request_line_target,
                        " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    // The headers, then the body by Content-Length: httplib keeps a
    // connection open after a request it could not parse.
    if (!c.ReadUntil("\r\n\r\n", absl::Seconds(10))) return c.received();
    std::string response = c.received();
    size_t body_start = response.find("\r\n\r\n") + 4;
    size_t length_at = response.find("Content-Length: ");
    size_t length = 0;
    if (method != "HEAD" && length_at != std::string::npos &&
        length_at < body_start) {
      length = std::strtoul(response.c_str() + length_at + 16, nullptr, 10);
    }
    while (c.received().size() < body_start + length &&
           c.ReadSome(absl::Now() + absl::Seconds(10))) {
    }
    return c.received();
  }
  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_url_encode(false);
    return client;
  }

  fs::PosixFs fs_;
  std::string site_;
  std::unique_ptr<DevServer> server_;
};

TEST_F(ServerTest, ServesPagesWithMimeTypesAndScript) {
  StartServer(Options());
  httplib::Client client = Client();
  auto home = client.Get("/");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->status, 200);
  EXPECT_EQ(home->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(home->body, HasSubstr("<h1>Home</h1><script src=\"/__serval/reload.js\""));
  auto css = client.Get("/site.css");
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(css->body, "body{color:black}");
  EXPECT_EQ(client.Get("/app.js")->get_header_value("Content-Type"),
            "text/javascript; charset=utf-8");
  auto script = client.Get("/__serval/reload.js");
  EXPECT_EQ(script->status, 200);
  EXPECT_THAT(script->body, HasSubstr("EventSource"));
  EXPECT_EQ(client.Get("/__serval/nope")->status, 404);
}

TEST_F(ServerTest, DirectoryRedirectAnd404Page) {
  StartServer(Options());
  httplib::Client client = Client();
  auto redirect = client.Get("/about");
  EXPECT_EQ(redirect->status, 301);
  EXPECT_EQ(redirect->get_header_value("Location"), "/about/");
  EXPECT_THAT(client.Get("/about/")->body, HasSubstr("About"));
  auto missing = client.Get("/no/such/page/");
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("Custom 404"));
}

TEST_F(ServerTest, ConditionalGetHeadAndRange) {
  StartServer(Options());
  httplib::Client client = Client();
  auto first = client.Get("/site.css");
  std::string etag = first->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_FALSE(first->get_header_value("Last-Modified").empty());
  auto again = client.Get("/site.css", {{"If-None-Match", etag}});
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  auto since = client.Get(
      "/site.css", {{"If-Modified-Since", first->get_header_value("Last-Modified")}});
  EXPECT_EQ(since->status, 304);

  std::string head = Raw("/site.css", "HEAD");
  EXPECT_EQ(StatusOf(head), 200);
  EXPECT_THAT(head, HasSubstr("Content-Length: 17\r\n"));
  EXPECT_TRUE(absl::EndsWith(head, "\r\n\r\n")) << head;  // no body

  auto range = client.Get("/site.css", {{"Range", "bytes=0-3"}});
  EXPECT_EQ(range->status, 206);
  EXPECT_EQ(range->body, "body");
}

TEST_F(ServerTest, OnlyGetAndHead) {
  StartServer(Options());
  httplib::Client client = Client();
  client.set_keep_alive(true);
  auto post = client.Post("/", "x=1", "application/x-www-form-urlencoded");
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(client.Put("/a", "body", "text/plain")->status, 405);
  EXPECT_EQ(client.Delete("/")->status, 405);
  EXPECT_EQ(client.Options("/")->status, 405);
  EXPECT_EQ(client.Get("/")->status, 200);  // same connection, still in step
  EXPECT_EQ(StatusOf(Raw("/", "TRACE")), 405);
  EXPECT_EQ(StatusOf(Raw("/", "BREW")), 400);
}

TEST_F(ServerTest, EveryTraversalTrickFails) {
  StartServer(Options());
  for (const std::string target : {
           "/../SECRET.txt", "/../../../../etc/passwd", "/about/../../SECRET.txt",
           "/%2e%2e/SECRET.txt", "/%2E%2E/SECRET.txt", "/.%2e/SECRET.txt",
           "/..%2fSECRET.txt", "/%2e%2e%2fSECRET.txt", "/..%2FSECRET.txt",
           "/..\\SECRET.txt", "/%5c..%5cSECRET.txt", "/..%5cSECRET.txt",
           "/index.html%00", "/%00/../SECRET.txt", "/SECRET.txt%00.html",
           "/%c0%ae%c0%ae/SECRET.txt", "/%c0%af..%c0%afSECRET.txt",
           "/%e0%80%ae%e0%80%ae/SECRET.txt", "/%25%32%65%25%32%65/SECRET.txt",
           "/%252e%252e/SECRET.txt", "/leak.txt", "/up/SECRET.txt", "/up/",
           "//../SECRET.txt", "/./../SECRET.txt", "/%", "/%zz",
           "http://127.0.0.1/../SECRET.txt", "/.hidden", "/%ff%fe"}) {
    std::string response = Raw(target);
    int status = StatusOf(response);
    EXPECT_TRUE(status == 400 || status == 404) << target << " -> " << status;
    EXPECT_THAT(response, Not(HasSubstr("SECRET\r\n"))) << target;
    EXPECT_FALSE(absl::EndsWith(response, "\r\n\r\nSECRET")) << target;
  }
  // A NUL byte on the wire.
  std::string nul_target("/index.html\0/../SECRET.txt", 26);
  int status = StatusOf(Raw(nul_target));
  EXPECT_TRUE(status == 400 || status == 404) << status;
  // An over-long path.
  EXPECT_GE(StatusOf(Raw("/" + std::string(9000, 'a'))), 400);
}

TEST_F(ServerTest, EventsReachSixtyClients) {
  StartServer(Options());
  constexpr int kClients = 60;
  std::vector<std::unique_ptr<RawConnection>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(clients.back()->connected());
    clients.back()->Send(
        "GET /__serval/events HTTP/1.1\r\nHost: x\r\nAccept: "
        "text/event-stream\r\n\r\n");
  }
  for (auto& c : clients) {
    ASSERT_TRUE(c->ReadUntil("event: hello", absl::Seconds(20)))
        << c->received();
    EXPECT_THAT(c->received(), HasSubstr("Content-Type: text/event-stream"));
  }
  EXPECT_EQ(server_->hub().clients(), kClients);

  server_->RebuildNow(ChangeSet{.changed = {"content/index.html"}});
  for (auto& c : clients) {
    EXPECT_TRUE(c->ReadUntil("event: reload", absl::Seconds(10)));
  }
  server_->RebuildNow(ChangeSet{.changed = {"static/site.css"}});
  for (auto& c : clients) {
    EXPECT_TRUE(c->ReadUntil("event: css", absl::Seconds(10)));
  }
  // Heartbeats keep flowing while nothing happens.
  EXPECT_TRUE(clients[0]->ReadUntil(": ping", absl::Seconds(5)));
  // Closed tabs are noticed and their streams end.
  clients.resize(10);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (server_->hub().clients() > 10 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(server_->hub().clients(), 10);
  // Stop ends the rest.
  server_->Stop();
  for (auto& c : clients) c->ReadAll(absl::Seconds(5));
  EXPECT_EQ(server_->hub().clients(), 0);
}

TEST_F(ServerTest, BuildErrorShowsAndRecovers) {
  StartServer(Options());
  RawConnection c(server_->port());
  c.Send("GET /__serval/events HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("event: hello", absl::Seconds(10)));
  WriteFile(site_ + "/content/index.html", "ERROR: unclosed tag\nmore");
  RebuildOutcome bad = server_->RebuildNow(ChangeSet{.changed = {"content/index.html"}});
  EXPECT_FALSE(bad.ok);
  ASSERT_TRUE(c.ReadUntil("event: error\ndata: content/index.html:1:1: ERROR: "
                          "unclosed tag\n",
                          absl::Seconds(10)))
      << c.received();
  // The server still serves (the last good output).
  EXPECT_EQ(Client().Get("/")->status, 200);
  // A page opened now learns about the error at once.
  RawConnection late(server_->port());
  late.Send("GET /__serval/events HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(late.ReadUntil("event: error", absl::Seconds(10)));
  WriteFile(site_ + "/content/index.html", "<body>Fixed</body>");
  server_->RebuildNow(ChangeSet{.changed = {"content/index.html"}});
  EXPECT_TRUE(c.ReadUntil("event: reload", absl::Seconds(10)));
  EXPECT_THAT(Client().Get("/")->body, HasSubstr("Fixed"));
}

TEST_F(ServerTest, ResumingFromAnotherInstanceReloads) {
  StartServer(Options());
  RawConnection c(server_->port());
  c.Send("GET /__serval/events?since=deadbeef-7 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(c.ReadUntil("event: reload", absl::Seconds(10))) << c.received();
}

TEST_F(ServerTest, TooManyEventClientsGet503) {
  ServerOptions options = Options();
  options.max_event_clients = 2;
  StartServer(options);
  RawConnection a(server_->port()), b(server_->port()), c(server_->port());
  for (RawConnection* r : {&a, &b}) {
    r->Send("GET /__serval/events HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(r->ReadUntil("event: hello", absl::Seconds(10)));
  }
  c.Send("GET /__serval/events HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(c.ReadUntil("HTTP/1.1 503", absl::Seconds(10)));
  EXPECT_EQ(Client().Get("/")->status, 200);  // pages still load
}

TEST_F(ServerTest, SecondServerOnTheSiteIsRefused) {
  StartServer(Options());
  auto second = DevServer::Start(fs_, Options(),
                                 [](const ChangeSet&) { return RebuildOutcome(); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(),
              HasSubstr(absl::StrCat("pid ", getpid(), ", ", server_->url())));
}

TEST_F(ServerTest, PortInUseIsAClearErrorOrAutoPort) {
  StartServer(Options());
  std::string other_site = site_ + "/other";
  ASSERT_EQ(mkdir(other_site.c_str(), 0755), 0);
  ServerOptions options = Options();
  options.site_dir = other_site;
  options.output_dir = other_site + "/public";
  options.port = server_->port();
  auto noop = [](const ChangeSet&) { return RebuildOutcome(); };
  auto refused = DevServer::Start(fs_, options, noop);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(),
              HasSubstr(absl::StrCat("port ", server_->port(), " on 127.0.0.1 is "
                                     "already in use")));
  EXPECT_THAT(refused.status().message(), HasSubstr("--auto-port"));
  options.auto_port = true;
  auto moved = DevServer::Start(fs_, options, noop);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_GT((*moved)->port(), server_->port());
}

TEST_F(ServerTest, WatcherDrivesRebuildsAndReloads) {
  ServerOptions options = Options();
  options.watch = true;
  std::atomic<int> builds{0};
  RebuildFunction copy = MakeCopyingFakeBuilder(site_, site_ + "/public");
  StartServer(options, [&](const ChangeSet& changes) {
    builds.fetch_add(1);
    return copy(changes);
  });
  RawConnection c(server_->port());
  c.Send("GET /__serval/events HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("event: hello", absl::Seconds(10)));
  absl::Time saved = absl::Now();
  WriteFile(site_ + "/content/index.html", "<body>Edited</body>");
  ASSERT_TRUE(c.ReadUntil("event: reload", absl::Seconds(30)));
  // How fast is measured by tools/bench/serve_latency.py, not here: this
  // machine is shared, and a sanitized rebuild may take a second or more.
  std::cout << "save -> reload event: " << absl::Now() - saved << "\n";
  EXPECT_THAT(Client().Get("/")->body, HasSubstr("Edited"));
  WriteFile(site_ + "/static/site.css", "body{color:red}");
  EXPECT_TRUE(c.ReadUntil("event: css", absl::Seconds(30)));
  EXPECT_EQ(builds.load(), 3);  // the first build and one per save
}

}  // namespace
}  // namespace serval::serve
