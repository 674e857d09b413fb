#include "src/cli/serve_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "src/cli/cli.h"
#include "src/serve/fake_builder.h"

namespace serval::cli {
namespace {

using ::testing::HasSubstr;

class ServeCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site_ = std::string(std::getenv("TEST_TMPDIR")) + "/serve_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(mkdir(site_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir((site_ + "/content").c_str(), 0755), 0);
    std::ofstream(site_ + "/content/index.html") << "<body>Hello</body>";
  }
  ServeHooks FakeHooks() {
    ServeHooks hooks;
    hooks.make_rebuild = [](const ServeBuildSettings& settings)
        -> absl::StatusOr<serve::RebuildFunction> {
      return serve::MakeCopyingFakeBuilder(settings.site_dir,
                                           settings.output_dir);
    };
    hooks.on_serving = [this](const std::string& url) {
      url_ = url;
      serving_.Notify();
    };
    hooks.wait_for_stop = [this] { stop_.WaitForNotification(); };
    return hooks;
  }
  std::string site_, url_;
  absl::Notification serving_, stop_;
};

TEST_F(ServeCommandTest, ServesTheBuiltSiteUntilStopped) {
  std::ostringstream out, err;
  int code = -1;
  std::thread cli([&] {
    code = RunCli({"serval", "serve", site_, "--port", "38411", "--auto-port"},
                  out, err, FakeHooks());
  });
  ASSERT_TRUE(serving_.WaitForNotificationWithTimeout(absl::Seconds(20)))
      << err.str();
  httplib::Client client(url_.substr(0, url_.size() - 1));
  auto home = client.Get("/");
  ASSERT_TRUE(home);
  EXPECT_THAT(home->body, HasSubstr("Hello"));
  stop_.Notify();
  cli.join();
  EXPECT_EQ(code, 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("Serving " + site_ + " at http://127.0.0.1:"));
}

TEST_F(ServeCommandTest, SecondServeOnTheSiteNamesThePidAndExits1) {
  std::ostringstream out, err;
  std::thread cli([&] {
    RunCli({"serval", "serve", site_, "--port", "38431", "--auto-port"}, out,
           err, FakeHooks());
  });
  ASSERT_TRUE(serving_.WaitForNotificationWithTimeout(absl::Seconds(20)))
      << err.str();
  std::ostringstream out2, err2;
  ServeHooks hooks = FakeHooks();
  int code = RunCli({"serval", "serve", site_, "--auto-port", "--port", "38431"},
                    out2, err2, hooks);
  EXPECT_EQ(code, 1);
  EXPECT_THAT(err2.str(), HasSubstr(absl::StrCat("already running for ", site_,
                                                 " (pid ", getpid(), ", ",
                                                 url_, ")")));
  stop_.Notify();
  cli.join();
}

TEST_F(ServeCommandTest, UsageErrors) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"serval", "serve", "--port", "0"}, out, err, FakeHooks()),
            kExitUsage);
  EXPECT_EQ(RunCli({"serval", "serve", "--port", "x"}, out, err, FakeHooks()),
            kExitUsage);
  EXPECT_EQ(RunCli({"serval", "serve", "--bogus"}, out, err, FakeHooks()),
            kExitUsage);
}

// The default rebuild is the real build pipeline.
TEST_F(ServeCommandTest, DefaultRebuildIsBuildSite) {
  std::ofstream(site_ + "/serval.toml") << "title = \"Serve test\"\n";
  std::ofstream(site_ + "/content/_index.md") << "---\ntitle: Home\n---\nWelcome **home**.\n";
  ServeHooks hooks = FakeHooks();
  hooks.make_rebuild = nullptr;
  std::ostringstream out, err;
  int code = -1;
  std::thread cli([&] {
    code = RunCli({"serval", "serve", site_, "--port", "38451", "--auto-port"},
                  out, err, hooks);
  });
  ASSERT_TRUE(serving_.WaitForNotificationWithTimeout(absl::Seconds(60)))
      << err.str();
  httplib::Client client(url_.substr(0, url_.size() - 1));
  auto home = client.Get("/");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->status, 200);
  EXPECT_THAT(home->body, HasSubstr("<strong>home</strong>"));
  EXPECT_THAT(home->body, HasSubstr("/__serval/reload.js"));
  stop_.Notify();
  cli.join();
  EXPECT_EQ(code, 0) << err.str();
}

}  // namespace
}  // namespace serval::cli
