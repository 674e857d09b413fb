#include "src/fs/build_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "src/fs/posix_fs.h"
#include "src/fs/test_fs.h"

namespace serval::fs {
namespace {

class BuildLockTest : public ::testing::TestWithParam<FsKind> {
 protected:
  BuildLockOptions Options(const std::string& id, absl::Duration timeout) {
    BuildLockOptions options;
    options.build_id = id;
    options.timeout = timeout;
    return options;
  }
  std::string LockPath() { return t_.Path("lock"); }
  TestFs t_{GetParam()};
};

TEST_P(BuildLockTest, HolderWritesWhoItIs) {
  auto lock = BuildLock::Acquire(t_.fs(), LockPath(),
                                 Options("b1", absl::ZeroDuration()));
  ASSERT_TRUE(lock.ok()) << lock.status();
  std::string contents = t_.fs().ReadFile(LockPath()).value();
  EXPECT_EQ(contents, (*lock)->info());
  EXPECT_NE(contents.find(absl::StrCat("pid=", ::getpid(), "\n")),
            std::string::npos);
  EXPECT_NE(contents.find("build=b1\n"), std::string::npos);
  EXPECT_NE(contents.find("host="), std::string::npos);
  EXPECT_NE(contents.find("started=20"), std::string::npos);
}

TEST_P(BuildLockTest, SecondBuildReportsHolderAndTimesOut) {
  auto first = BuildLock::Acquire(t_.fs(), LockPath(),
                                  Options("first", absl::ZeroDuration()));
  ASSERT_TRUE(first.ok());
  std::vector<std::string> reported;
  BuildLockOptions options = Options("second", absl::Milliseconds(50));
  options.on_wait = [&](absl::string_view holder) {
    reported.emplace_back(holder);
  };
  auto second = BuildLock::Acquire(t_.fs(), LockPath(), options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kDeadlineExceeded);
  const std::string pid = absl::StrCat("pid ", ::getpid());
  EXPECT_NE(second.status().message().find(pid), std::string::npos);
  EXPECT_NE(second.status().message().find("(build first)"),
            std::string::npos);
  ASSERT_EQ(reported.size(), 1u);  // once per holder, not once per poll
  EXPECT_NE(reported[0].find(pid), std::string::npos);
}

TEST_P(BuildLockTest, WaiterGetsTheLockWhenReleasedAndFileStays) {
  auto first = BuildLock::Acquire(t_.fs(), LockPath(),
                                  Options("first", absl::ZeroDuration()));
  ASSERT_TRUE(first.ok());
  absl::Notification waiting;
  absl::StatusOr<std::unique_ptr<BuildLock>> second;
  std::thread waiter([&] {
    BuildLockOptions options = Options("second", absl::Seconds(60));
    options.on_wait = [&](absl::string_view) {
      if (!waiting.HasBeenNotified()) waiting.Notify();
    };
    second = BuildLock::Acquire(t_.fs(), LockPath(), options);
  });
  waiting.WaitForNotification();
  first->reset();
  waiter.join();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(t_.fs().ReadFile(LockPath()).value().find("build=second"),
            std::string::npos);
  second->reset();
  EXPECT_TRUE(t_.fs().Stat(LockPath()).ok());  // never deleted
}

TEST(DescribeHolderTest, Formats) {
  EXPECT_EQ(DescribeHolder("pid=7\nhost=h\nstarted=2026-01-01T00:00:00Z\n"
                           "build=abc\n"),
            "pid 7 on h since 2026-01-01T00:00:00Z (build abc)");
  EXPECT_EQ(DescribeHolder(""), "an unknown holder");
  EXPECT_EQ(DescribeHolder("garbage"), "an unknown holder");
}

// A holder in another process is SIGKILLed: the kernel releases its lock.
TEST(BuildLockProcessTest, KernelReleasesLockOfKilledHolder) {
  TestFs t(FsKind::kPosix);
  const std::string lock_path = t.Path("lock");
  const std::string helper =
      std::string(std::getenv("TEST_SRCDIR")) + "/serval/src/fs/build_lock_holder";
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(helper.c_str(), helper.c_str(), lock_path.c_str(), "killed",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  char buf[16] = {};
  ssize_t n;
  do {
    n = ::read(out[0], buf, sizeof(buf) - 1);
  } while (n < 0 && errno == EINTR);
  ::close(out[0]);
  ASSERT_EQ(std::string(buf, n > 0 ? n : 0), "locked\n");

  PosixFs fs;
  BuildLockOptions busy;
  busy.build_id = "parent";
  busy.timeout = absl::ZeroDuration();
  auto blocked = BuildLock::Acquire(fs, lock_path, busy);
  ASSERT_FALSE(blocked.ok());
  EXPECT_NE(blocked.status().message().find(absl::StrCat("pid ", child)),
            std::string::npos)
      << blocked.status();
  EXPECT_NE(blocked.status().message().find("(build killed)"),
            std::string::npos);

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus));

  BuildLockOptions wait;
  wait.build_id = "parent";
  wait.timeout = absl::Seconds(10);
  auto lock = BuildLock::Acquire(fs, lock_path, wait);
  ASSERT_TRUE(lock.ok()) << lock.status();
  EXPECT_NE(fs.ReadFile(lock_path).value().find("build=parent"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Fs, BuildLockTest,
                         ::testing::Values(FsKind::kPosix, FsKind::kMem),
                         FsKindName<::testing::TestParamInfo<FsKind>>);

}  // namespace
}  // namespace serval::fs
