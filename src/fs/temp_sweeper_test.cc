#include "src/fs/temp_sweeper.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/base/errno_status.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/fault_injection_fs.h"
#include "src/fs/mem_fs.h"
#include "src/fs/temp_name.h"
#include "src/fs/test_fs.h"

namespace serval::fs {
namespace {

using base::ErrnoOf;

class TempSweeperTest : public ::testing::TestWithParam<FsKind> {
 protected:
  void Put(const std::string& path) {
    auto file = t_.fs().OpenForWrite(path, OpenMode::kTruncate, 0644);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE(WriteAll(**file, "partial").ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  bool Exists(const std::string& path) { return t_.fs().Stat(path).ok(); }
  std::string Temp(const std::string& target, int64_t pid) {
    return FormatTempName(
        {.target = target, .pid = pid, .tid = 7, .random = "0123456789abcdef"});
  }
  std::string P(const std::string& relative) { return t_.Path(relative); }

  TestFs t_{GetParam()};
};

TEST_P(TempSweeperTest, RemovesTempsOfDeadPidsOnly) {
  ASSERT_TRUE(CreateDirs(t_.fs(), P("out/sub")).ok());
  const std::string dead = P("out/" + Temp("a.html", 111));
  const std::string live = P("out/" + Temp("b.html", 222));
  const std::string nested_dead = P("out/sub/" + Temp("c.html", 111));
  Put(dead);
  Put(live);
  Put(nested_dead);
  SweepOptions options;
  options.is_alive = [](int64_t pid) { return pid == 222; };
  auto result = SweepTempFiles(t_.fs(), P("out"), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->removed, 2);
  EXPECT_EQ(result->kept, 1);
  EXPECT_FALSE(Exists(dead));
  EXPECT_FALSE(Exists(nested_dead));
  EXPECT_TRUE(Exists(live));
}

TEST_P(TempSweeperTest, NonRecursiveLeavesSubdirectories) {
  ASSERT_TRUE(CreateDirs(t_.fs(), P("out/sub")).ok());
  const std::string nested = P("out/sub/" + Temp("c.html", 111));
  Put(nested);
  SweepOptions options;
  options.recursive = false;
  options.is_alive = [](int64_t) { return false; };
  ASSERT_EQ(SweepTempFiles(t_.fs(), P("out"), options).value().removed, 0);
  EXPECT_TRUE(Exists(nested));
}

TEST_P(TempSweeperTest, OldTempsOfLivePidsAreRemoved) {
  // Pid reuse: the pid is alive (it is ours) but the temp is hours old.
  ASSERT_TRUE(CreateDirs(t_.fs(), P("out")).ok());
  const std::string mine = P("out/" + Temp("a.html", ::getpid()));
  Put(mine);
  SweepOptions options;
  EXPECT_EQ(SweepTempFiles(t_.fs(), P("out"), options).value().kept, 1);
  options.now = [] { return absl::Now() + absl::Hours(2); };
  EXPECT_EQ(SweepTempFiles(t_.fs(), P("out"), options).value().removed, 1);
  EXPECT_FALSE(Exists(mine));
}

TEST_P(TempSweeperTest, NeverTouchesOtherNames) {
  ASSERT_TRUE(CreateDirs(t_.fs(), P("out")).ok());
  const std::vector<std::string> keep = {
      "index.html", ".index.html.tmp", "a.111.7.0123456789abcdef.tmp",
      ".a.111.7.0123456789ABCDEF.tmp", ".a.111.7.0123456789abcdef.tmp.bak",
      ".a.111.7.0123.tmp"};
  for (const std::string& name : keep) Put(P("out/" + name));
  // A symlink with a temp name is not a regular file: left alone.
  ASSERT_TRUE(
      t_.fs().Symlink(P("out/index.html"), P("out/" + Temp("l", 111))).ok());
  SweepOptions options;
  options.is_alive = [](int64_t) { return false; };
  options.now = [] { return absl::Now() + absl::Hours(1000); };
  auto result = SweepTempFiles(t_.fs(), P("out"), options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->removed, 0);
  for (const std::string& name : keep) EXPECT_TRUE(Exists(P("out/" + name)));
  EXPECT_TRUE(Exists(P("out/" + Temp("l", 111))));
}

TEST_P(TempSweeperTest, RealDeadProcessIsRecognised) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  EXPECT_FALSE(ProcessIsAlive(child));  // reaped: ESRCH (barring reuse)
  EXPECT_TRUE(ProcessIsAlive(::getpid()));
  ASSERT_TRUE(CreateDirs(t_.fs(), P("out")).ok());
  Put(P("out/" + Temp("a.html", child)));
  Put(P("out/" + Temp("b.html", ::getpid())));
  auto result = SweepTempFiles(t_.fs(), P("out"), {});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->removed, 1);
  EXPECT_EQ(result->kept, 1);
}

TEST_P(TempSweeperTest, SweepsTempsThatSurvivedPowerLoss) {
  FaultInjectionFs fs(&t_.fs());
  ASSERT_TRUE(CreateDirs(t_.fs(), P("out")).ok());
  fs.Inject({.op = FsOp::kRename, .error = EIO});
  fs.Inject({.op = FsOp::kRemove, .error = EIO});
  AtomicWriteOptions options;
  options.durability = Durability::kStrict;
  AtomicWriter writer(&fs, options);
  ASSERT_FALSE(writer.Write(P("out/a.html"), "x").ok());
  ASSERT_TRUE(fs.SyncDir(P("out")).ok());
  ASSERT_TRUE(fs.SimulatePowerLoss().ok());
  SweepOptions sweep;
  sweep.is_alive = [](int64_t) { return false; };  // the writer "died"
  EXPECT_EQ(SweepTempFiles(fs, P("out"), sweep).value().removed, 1);
  EXPECT_EQ(t_.fs().ListDir(P("out")).value().size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Fs, TempSweeperTest,
                         ::testing::Values(FsKind::kPosix, FsKind::kMem),
                         FsKindName<::testing::TestParamInfo<FsKind>>);

}  // namespace
}  // namespace serval::fs
