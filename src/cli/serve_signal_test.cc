// `serval serve` as users run it: the real binary on a site on disk, told to
// stop with SIGINT or SIGTERM after an edit was rebuilt. It must exit 0,
// leave no temp file in the site, empty its pid file, and leave a
// committed build cache: a following `serval build` renders nothing.
#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "src/fs/temp_name.h"

extern char** environ;

namespace serval::cli {
namespace {

namespace stdfs = std::filesystem;

std::string Serval() {
  const char* dir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(dir ? dir : ".", "/", ws ? ws : "serval", "/src/cli/serval");
}

void WriteFile(const stdfs::path& path, const std::string& text) {
  stdfs::create_directories(path.parent_path());
  const stdfs::path temp = path.string() + ".new";
  { std::ofstream(temp, std::ios::binary) << text; }
  stdfs::rename(temp, path);  // as editors save
}

std::string ReadFile(const stdfs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs serval with `args`, stdout and stderr into `log`; returns the pid.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  std::string binary = Serval();
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(),
                        environ),
            0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Waits (up to `limit`) for the child to exit; its wait status, or -1.
int WaitExit(pid_t pid, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  int status = 0;
  while (absl::Now() < deadline) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

// Polls `ready` every 20 ms until it holds or `limit` passes.
template <typename Fn>
bool Eventually(Fn ready, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (ready()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return ready();
}

std::vector<std::string> TempFilesUnder(const stdfs::path& root) {
  std::vector<std::string> temps;
  for (const auto& entry : stdfs::recursive_directory_iterator(root)) {
    if (fs::ParseTempName(entry.path().filename().string()).has_value()) {
      temps.push_back(entry.path().string());
    }
  }
  return temps;
}

class ServeSignalTest : public ::testing::TestWithParam<int> {};

TEST_P(ServeSignalTest, StopsCleanlyWithTheCacheCommitted) {
  const int signal_number = GetParam();
  const stdfs::path site =
      stdfs::path(std::getenv("TEST_TMPDIR")) /
      absl::StrCat("site-", signal_number);
  stdfs::remove_all(site);
  WriteFile(site / "serval.toml",
            "title = \"Signals\"\nbaseurl = \"http://127.0.0.1/\"\n");
  WriteFile(site / "content/_index.md", "---\ntitle: Home\n---\nHome.\n");
  WriteFile(site / "content/post.md", "---\ntitle: Post\n---\nFirst text.\n");
  const std::string log = (site.parent_path() /
                           absl::StrCat("serve-", signal_number, ".log"))
                              .string();
  const int port = 20000 + (getpid() * 7 + signal_number) % 20000;
  pid_t pid = Spawn({"serve", site.string(), "--port", absl::StrCat(port),
                     "--auto-port"},
                    log);
  ASSERT_GT(pid, 0);

  // Ready: the pid file names the URL and the page is served.
  std::string url;
  ASSERT_TRUE(Eventually(
      [&] {
        std::string pid_file = ReadFile(site / ".serval/server.pid");
        size_t at = pid_file.find("url=http://127.0.0.1:");
        if (at == std::string::npos) return false;
        url = pid_file.substr(at + 4, pid_file.find('\n', at) - at - 4);
        return true;
      },
      absl::Seconds(60)))
      << ReadFile(log);
  const int served_port = std::stoi(url.substr(url.rfind(':') + 1));
  httplib::Client client("127.0.0.1", served_port);
  auto page_has = [&](const std::string& text) {
    auto response = client.Get("/post/");
    return response && response->status == 200 &&
           absl::StrContains(response->body, text);
  };
  ASSERT_TRUE(Eventually([&] { return page_has("First text."); },
                         absl::Seconds(30)))
      << ReadFile(log);

  // An edit is rebuilt and served, then the server is told to stop.
  WriteFile(site / "content/post.md",
            "---\ntitle: Post\n---\nSecond text.\n");
  ASSERT_TRUE(Eventually([&] { return page_has("Second text."); },
                         absl::Seconds(30)))
      << ReadFile(log);
  ASSERT_EQ(kill(pid, signal_number), 0);
  const int status = WaitExit(pid, absl::Seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status << "\n" << ReadFile(log);
  EXPECT_EQ(WEXITSTATUS(status), 0) << ReadFile(log);

  EXPECT_EQ(TempFilesUnder(site), std::vector<std::string>());
  EXPECT_EQ(ReadFile(site / ".serval/server.pid"), "");
  EXPECT_FALSE(stdfs::exists(site / ".serval/building"));
  EXPECT_TRUE(absl::StrContains(ReadFile(site / "public/post/index.html"),
                                "Second text."));

  // The cache the server committed describes the output: nothing renders.
  const std::string build_log = log + ".build";
  pid_t build = Spawn({"build", site.string()}, build_log);
  const int build_status = WaitExit(build, absl::Seconds(60));
  ASSERT_TRUE(WIFEXITED(build_status)) << ReadFile(build_log);
  EXPECT_EQ(WEXITSTATUS(build_status), 0) << ReadFile(build_log);
  EXPECT_TRUE(absl::StrContains(ReadFile(build_log), "(0 rendered;"))
      << ReadFile(build_log);
}

INSTANTIATE_TEST_SUITE_P(Signals, ServeSignalTest,
                         ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == SIGINT ? "SIGINT" : "SIGTERM";
                         });

}  // namespace
}  // namespace serval::cli
