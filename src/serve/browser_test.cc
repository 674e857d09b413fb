// End-to-end live reload in a real browser: headless Chromium from Debian,
// driven over WebDriver (chromedriver, Debian's chromium-driver) with
// cpp-httplib as the WebDriver client.
//
// The server uses the copying fake builder (fake_builder.h): it copies
// content/*.html and static/* to the output, standing in for BuildSite.
// The test opens the page, then on disk: edits its text (the page shows the
// new text within one second, by reloading itself); edits the stylesheet
// (the new color applies within one second *without* a reload); breaks
// the build (an overlay shows the error) and fixes it (the overlay goes);
// restarts the server on the same port (the page reconnects and reloads).
// A second test does the same with the real `serval serve` binary on a
// Markdown site: edit the Markdown, the CSS, break the front matter.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "src/fs/posix_fs.h"
#include "src/serve/fake_builder.h"
#include "src/serve/server.h"

extern char** environ;

namespace serval::serve {
namespace {

constexpr char kChromium[] = "/usr/bin/chromium";
constexpr char kChromeDriver[] = "/usr/bin/chromedriver";

std::string JsonString(const std::string& s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return buffer.GetString();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::string temp = path + ".new";
  { std::ofstream(temp, std::ios::binary) << text; }
  ASSERT_EQ(rename(temp.c_str(), path.c_str()), 0);  // as editors save
}

// A chromedriver process and one browser session.
class Browser {
 public:
  ~Browser() {
    if (!session_.empty()) client_->Delete("/session/" + session_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  bool Start(const std::string& profile_dir, std::string* error) {
    int port = 9515 + (getpid() % 2000);
    std::string port_flag = absl::StrCat("--port=", port);
    const char* argv[] = {kChromeDriver, port_flag.c_str(), nullptr};
    if (posix_spawn(&pid_, kChromeDriver, nullptr, nullptr,
                    const_cast<char* const*>(argv), environ) != 0) {
      *error = "cannot start chromedriver";
      return false;
    }
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_->set_read_timeout(60, 0);
    absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (!client_->Get("/status")) {
      if (absl::Now() > deadline) {
        *error = "chromedriver did not answer";
        return false;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    std::string body = absl::StrCat(
        R"({"capabilities":{"alwaysMatch":{"browserName":"chrome",)",
        R"("goog:chromeOptions":{"binary":")", kChromium, R"(","args":[)",
        R"("--headless=new","--no-sandbox","--disable-gpu",)",
        R"("--disable-dev-shm-usage","--no-first-run",)",
        R"("--disable-crash-reporter","--user-data-dir=)", profile_dir,
        R"("]}}}})");
    auto response = client_->Post("/session", body, "application/json");
    rapidjson::Document json;
    if (!response || json.Parse(response->body.c_str()).HasParseError() ||
        !json.HasMember("value") || !json["value"].HasMember("sessionId")) {
      *error = absl::StrCat("cannot create a session: ",
                            response ? response->body : "no answer");
      return false;
    }
    session_ = json["value"]["sessionId"].GetString();
    return true;
  }

  void Navigate(const std::string& url) {
    client_->Post(absl::StrCat("/session/", session_, "/url"),
                  absl::StrCat(R"({"url":)", JsonString(url), "}"),
                  "application/json");
  }

  // Runs `script` (a function body) and returns its value as JSON text.
  std::string Eval(const std::string& script) {
    auto response = client_->Post(
        absl::StrCat("/session/", session_, "/execute/sync"),
        absl::StrCat(R"({"script":)", JsonString(script), R"(,"args":[]})"),
        "application/json");
    if (!response) return "<no answer>";
    rapidjson::Document json;
    if (json.Parse(response->body.c_str()).HasParseError() ||
        !json.HasMember("value")) {
      return "<bad answer>";
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    json["value"].Accept(writer);
    return buffer.GetString();
  }

  // Polls `script` until it returns `expected`; the time it took, or an
  // infinite duration after `timeout`.
  absl::Duration WaitFor(const std::string& script, const std::string& expected,
                         absl::Duration timeout) {
    absl::Time start = absl::Now();
    while (absl::Now() - start < timeout) {
      if (Eval(script) == expected) return absl::Now() - start;
      absl::SleepFor(absl::Milliseconds(10));
    }
    last_value_ = Eval(script);
    return absl::InfiniteDuration();
  }
  std::string last_value_;

 private:
  pid_t pid_ = -1;
  std::unique_ptr<httplib::Client> client_;
  std::string session_;
};

TEST(BrowserTest, LiveReloadCssSwapErrorOverlayAndRestart) {
  if (access(kChromium, X_OK) != 0 || access(kChromeDriver, X_OK) != 0) {
    GTEST_SKIP() << "needs Debian's chromium and chromium-driver "
                    "(tools/setup.sh installs them)";
  }
  std::string tmp = std::getenv("TEST_TMPDIR");
  std::string site = tmp + "/site";
  for (const std::string& dir :
       {site, site + "/content", site + "/static", tmp + "/profile"}) {
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  }
  auto page = [](const std::string& text) {
    return absl::StrCat(
        "<!doctype html><html><head><link rel=\"stylesheet\" "
        "href=\"/site.css\"></head><body><h1 id=\"t\">",
        text, "</h1></body></html>");
  };
  WriteFile(site + "/content/index.html", page("Before"));
  WriteFile(site + "/static/site.css", "h1 { color: rgb(0, 0, 255); }");

  fs::PosixFs fs;
  ServerOptions options{.site_dir = site,
                        .output_dir = site + "/public",
                        .port = 0,
                        .heartbeat = absl::Seconds(1)};
  auto server = DevServer::Start(
      fs, options, MakeCopyingFakeBuilder(site, site + "/public"));
  ASSERT_TRUE(server.ok()) << server.status();

  Browser browser;
  std::string error;
  ASSERT_TRUE(browser.Start(tmp + "/profile", &error)) << error;
  browser.Navigate((*server)->url());
  const std::string kConnected =
      "return !!(window.__servalLiveReload && "
      "window.__servalLiveReload.connected);";
  const std::string kTitle = "return document.getElementById('t').textContent;";
  const std::string kColor =
      "return getComputedStyle(document.getElementById('t')).color;";
  const std::string kMarker = "return window.__marker === 1;";
  ASSERT_LT(browser.WaitFor(kConnected, "true", absl::Seconds(20)),
            absl::InfiniteDuration());
  EXPECT_EQ(browser.Eval(kTitle), "\"Before\"");
  EXPECT_EQ(browser.Eval(kColor), "\"rgb(0, 0, 255)\"");

  // 1. Text: the page reloads itself and shows it (how fast is
  // tools/bench/serve_latency.py's business; this machine is shared).
  browser.Eval("window.__marker = 1; return 0;");
  WriteFile(site + "/content/index.html", page("After"));
  absl::Duration text_latency =
      browser.WaitFor(kTitle, "\"After\"", absl::Seconds(30));
  ASSERT_LT(text_latency, absl::InfiniteDuration()) << browser.last_value_;
  EXPECT_EQ(browser.Eval(kMarker), "false");  // it was a reload
  std::cout << "text edit -> new text in the browser: " << text_latency << "\n";

  // 2. CSS: swapped in place, no reload.
  ASSERT_LT(browser.WaitFor(kConnected, "true", absl::Seconds(10)),
            absl::InfiniteDuration());
  browser.Eval("window.__marker = 1; return 0;");
  WriteFile(site + "/static/site.css", "h1 { color: rgb(255, 0, 0); }");
  absl::Duration css_latency =
      browser.WaitFor(kColor, "\"rgb(255, 0, 0)\"", absl::Seconds(30));
  ASSERT_LT(css_latency, absl::InfiniteDuration()) << browser.last_value_;
  EXPECT_EQ(browser.Eval(kMarker), "true");  // the page was not reloaded
  EXPECT_EQ(browser.Eval("return window.__servalLiveReload.cssSwaps;"), "1");
  std::cout << "css edit -> new color in the browser: " << css_latency << "\n";

  // 3. A build error shows as an overlay; the fix clears it.
  const std::string kOverlay =
      "var o = document.getElementById('serval-error-overlay');"
      "return o ? o.textContent : null;";
  WriteFile(site + "/content/index.html", "ERROR: unclosed shortcode\n");
  EXPECT_LT(browser.WaitFor(
                kOverlay,
                "\"Serval: build failed — fix the error and save"
                "content/index.html:1:1: ERROR: unclosed shortcode\\n\"",
                absl::Seconds(30)),
            absl::InfiniteDuration())
      << browser.last_value_;
  WriteFile(site + "/content/index.html", page("Fixed"));
  EXPECT_LT(browser.WaitFor(kTitle, "\"Fixed\"", absl::Seconds(30)),
            absl::InfiniteDuration());
  EXPECT_EQ(browser.Eval(kOverlay), "null");

  // 4. Server restart on the same port: the page reconnects and reloads.
  ASSERT_LT(browser.WaitFor(kConnected, "true", absl::Seconds(10)),
            absl::InfiniteDuration());
  browser.Eval("window.__marker = 1; return 0;");
  int port = (*server)->port();
  (*server)->Stop();
  server->reset();
  WriteFile(site + "/content/index.html", page("Restarted"));
  options.port = port;
  auto restarted = DevServer::Start(
      fs, options, MakeCopyingFakeBuilder(site, site + "/public"));
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_LT(browser.WaitFor(kTitle, "\"Restarted\"", absl::Seconds(10)),
            absl::Seconds(10));
  EXPECT_EQ(browser.Eval(kMarker), "false");
}

// The real `serval serve` binary on a Markdown site (BuildSite, not the
// fake builder): a Markdown edit shows in the open page within a second, a
// CSS edit is swapped in place, broken front matter shows its file:line in
// the overlay, and the fix clears it.
std::string ServalBinary() {
  const char* dir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(dir ? dir : ".", "/", ws ? ws : "serval", "/src/cli/serval");
}

TEST(BrowserTest, RealServeMarkdownEditCssSwapAndError) {
  if (access(kChromium, X_OK) != 0 || access(kChromeDriver, X_OK) != 0) {
    GTEST_SKIP() << "needs Debian's chromium and chromium-driver "
                    "(tools/setup.sh installs them)";
  }
  std::string tmp = std::getenv("TEST_TMPDIR");
  std::string site = tmp + "/real-site";
  for (const std::string& dir : {site, site + "/content", site + "/static",
                                 site + "/templates", tmp + "/real-profile"}) {
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  }
  WriteFile(site + "/serval.toml",
            "title = \"Browser\"\nbaseurl = \"http://127.0.0.1/\"\n");
  WriteFile(site + "/templates/page.html",
            "<!doctype html><html><head><link rel=\"stylesheet\" "
            "href=\"/site.css\"></head><body><h1 id=\"t\">{{ page.title }}"
            "</h1><div id=\"body\">{{ page.content }}</div></body></html>\n");
  WriteFile(site + "/static/site.css", "h1 { color: rgb(0, 0, 255); }\n");
  WriteFile(site + "/content/post.md",
            "---\ntitle: Post\n---\nBefore the *edit*.\n");

  const int port = 21000 + getpid() % 20000;
  const std::string log = tmp + "/real-serve.log";
  std::string binary = ServalBinary();
  std::string port_text = absl::StrCat(port);
  const char* argv[] = {binary.c_str(), "serve", site.c_str(), "--port",
                        port_text.c_str(), "--auto-port", nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t serve_pid = -1;
  ASSERT_EQ(posix_spawn(&serve_pid, binary.c_str(), &actions, nullptr,
                        const_cast<char* const*>(argv), environ),
            0);
  posix_spawn_file_actions_destroy(&actions);
  struct Stop {
    pid_t pid;
    ~Stop() {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  } stop{serve_pid};
  auto read_file = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  // Ready when the pid file names the URL (with --auto-port it may differ).
  std::string url;
  for (absl::Time deadline = absl::Now() + absl::Seconds(60);
       url.empty() && absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(20))) {
    std::string pid_file = read_file(site + "/.serval/server.pid");
    size_t at = pid_file.find("url=");
    if (at != std::string::npos) {
      url = pid_file.substr(at + 4, pid_file.find('\n', at) - at - 4);
    }
  }
  ASSERT_FALSE(url.empty()) << read_file(log);

  Browser browser;
  std::string error;
  ASSERT_TRUE(browser.Start(tmp + "/real-profile", &error)) << error;
  browser.Navigate(url + "/post/");
  const std::string kConnected =
      "return !!(window.__servalLiveReload && "
      "window.__servalLiveReload.connected);";
  const std::string kBody =
      "var b = document.getElementById('body');"
      "return b ? b.innerHTML.trim() : null;";
  const std::string kColor =
      "return getComputedStyle(document.getElementById('t')).color;";
  const std::string kMarker = "return window.__marker === 1;";
  ASSERT_LT(browser.WaitFor(kConnected, "true", absl::Seconds(20)),
            absl::InfiniteDuration())
      << read_file(log);
  EXPECT_EQ(browser.Eval(kBody), "\"<p>Before the <em>edit</em>.</p>\"");
  EXPECT_EQ(browser.Eval(kColor), "\"rgb(0, 0, 255)\"");

  // 1. A Markdown edit: rebuilt, and the page reloads itself to show it.
  browser.Eval("window.__marker = 1; return 0;");
  WriteFile(site + "/content/post.md",
            "---\ntitle: Post\n---\nAfter the **edit**.\n");
  absl::Duration text_latency = browser.WaitFor(
      kBody, "\"<p>After the <strong>edit</strong>.</p>\"", absl::Seconds(10));
  ASSERT_LT(text_latency, absl::InfiniteDuration())
      << browser.last_value_ << "\n" << read_file(log);
  EXPECT_EQ(browser.Eval(kMarker), "false");  // it was a reload
  std::cout << "real serve: Markdown edit -> new text in the browser: "
            << text_latency << "\n";

  // 2. A CSS edit: swapped in place, no reload.
  ASSERT_LT(browser.WaitFor(kConnected, "true", absl::Seconds(10)),
            absl::InfiniteDuration());
  browser.Eval("window.__marker = 1; return 0;");
  WriteFile(site + "/static/site.css", "h1 { color: rgb(255, 0, 0); }\n");
  absl::Duration css_latency =
      browser.WaitFor(kColor, "\"rgb(255, 0, 0)\"", absl::Seconds(10));
  ASSERT_LT(css_latency, absl::InfiniteDuration()) << browser.last_value_;
  EXPECT_EQ(browser.Eval(kMarker), "true");  // the page was not reloaded
  std::cout << "real serve: CSS edit -> new color in the browser: "
            << css_latency << "\n";

  // 3. Broken front matter: the overlay names the file and line; the fix
  //    clears it and shows the page.
  const std::string kOverlay =
      "var o = document.getElementById('serval-error-overlay');"
      "return o ? o.textContent : null;";
  WriteFile(site + "/content/post.md", "---\ntitle: [unclosed\n---\nBody.\n");
  std::string overlay;
  for (absl::Time deadline = absl::Now() + absl::Seconds(10);
       absl::Now() < deadline; absl::SleepFor(absl::Milliseconds(20))) {
    overlay = browser.Eval(kOverlay);
    if (overlay != "null" && overlay.find("content/post.md:") != std::string::npos) break;
  }
  // libyaml reports where it noticed: the closing fence, line 3.
  EXPECT_NE(overlay.find("content/post.md:3:1: YAML: did not find expected"),
            std::string::npos)
      << overlay;
  WriteFile(site + "/content/post.md", "---\ntitle: Post\n---\nFixed.\n");
  EXPECT_LT(browser.WaitFor(kBody, "\"<p>Fixed.</p>\"", absl::Seconds(10)),
            absl::Seconds(10))
      << browser.last_value_;
  EXPECT_EQ(browser.Eval(kOverlay), "null");
}

}  // namespace
}  // namespace serval::serve
