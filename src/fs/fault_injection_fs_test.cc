#include "src/fs/fault_injection_fs.h"

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/base/errno_status.h"
#include "src/fs/mem_fs.h"
#include "src/fs/test_fs.h"

namespace serval::fs {
namespace {

using base::ErrnoOf;

class FaultInjectionFsTest : public ::testing::TestWithParam<FsKind> {
 protected:
  void Put(const std::string& path, absl::string_view data, bool sync) {
    auto file = fs_.OpenForWrite(path, OpenMode::kTruncate, 0644);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE(WriteAll(**file, data).ok());
    if (sync) ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  std::string Get(const std::string& path) {
    auto data = fs_.ReadFile(path);
    return data.ok() ? *data : "<missing>";
  }
  std::string P(const std::string& relative) { return t_.Path(relative); }

  TestFs t_{GetParam()};
  FaultInjectionFs fs_{&t_.fs()};
};

TEST_P(FaultInjectionFsTest, NthCallFailsOnceWithPosixShapedStatus) {
  Put(P("a"), "x", false);
  fs_.Inject({.op = FsOp::kReadFile, .nth = 2, .error = EIO});
  EXPECT_TRUE(fs_.ReadFile(P("a")).ok());
  auto second = fs_.ReadFile(P("a"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(ErrnoOf(second.status()), EIO);
  EXPECT_EQ(second.status(), base::ErrnoStatus(EIO, "open", P("a")));
  EXPECT_TRUE(fs_.ReadFile(P("a")).ok());
  EXPECT_EQ(fs_.FaultsFired(), 1);
  EXPECT_EQ(fs_.Calls(FsOp::kReadFile), 3);
}

TEST_P(FaultInjectionFsTest, PersistentFaultKeepsFiringUntilCleared) {
  fs_.Inject({.op = FsOp::kCreateDir, .error = EROFS, .persistent = true});
  EXPECT_EQ(ErrnoOf(fs_.CreateDir(P("d1"), 0755)), EROFS);
  EXPECT_EQ(ErrnoOf(fs_.CreateDir(P("d2"), 0755)), EROFS);
  fs_.ClearFaults();
  EXPECT_TRUE(fs_.CreateDir(P("d3"), 0755).ok());
}

TEST_P(FaultInjectionFsTest, PathFilterCountsOnlyMatchingCalls) {
  fs_.Inject({.op = FsOp::kOpenForWrite, .error = ENOSPC,
              .path_contains = ".tmp"});
  Put(P("plain"), "ok", false);
  auto temp = fs_.OpenForWrite(P("x.tmp"), OpenMode::kCreateExclusive, 0600);
  EXPECT_EQ(ErrnoOf(temp.status()), ENOSPC);
}

TEST_P(FaultInjectionFsTest, ShortWritesAndEintr) {
  fs_.Inject({.op = FsOp::kWrite, .nth = 1, .short_write = 2});
  fs_.Inject({.op = FsOp::kWrite, .nth = 1, .error = EINTR});
  auto file = fs_.OpenForWrite(P("f"), OpenMode::kCreateExclusive, 0644);
  ASSERT_TRUE(file.ok());
  auto n = (*file)->Write("abcdef");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  auto interrupted = (*file)->Write("cdef");
  EXPECT_EQ(ErrnoOf(interrupted.status()), EINTR);
  ASSERT_TRUE(WriteAll(**file, "cdef").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Get(P("f")), "abcdef");
}

TEST_P(FaultInjectionFsTest, FailedCloseStillReleasesTheHandle) {
  fs_.Inject({.op = FsOp::kClose, .error = EIO});
  auto file = fs_.OpenForWrite(P("f"), OpenMode::kCreateExclusive, 0644);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(ErrnoOf((*file)->Close()), EIO);
  EXPECT_EQ(ErrnoOf((*file)->Close()), EBADF);
}

TEST_P(FaultInjectionFsTest, PowerLossDropsUnsyncedDataAndEntries) {
  ASSERT_TRUE(CreateDirs(t_.fs(), P("d")).ok());
  Put(P("d/before"), "durable", false);  // exists before the wrapper: durable
  FaultInjectionFs fs(&t_.fs());
  auto put = [&](const std::string& path, absl::string_view data, bool sync) {
    auto file = fs.OpenForWrite(path, OpenMode::kTruncate, 0644);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(WriteAll(**file, data).ok());
    if (sync) ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE((*file)->Close().ok());
  };
  put(P("d/synced"), "synced data", true);       // data synced, entry not
  put(P("d/entry_only"), "unsynced data", false);
  ASSERT_TRUE(fs.SyncDir(P("d")).ok());            // both entries durable
  put(P("d/new"), "never synced", false);          // entry not durable
  put(P("d/before"), "overwritten", false);        // data not durable
  ASSERT_TRUE(fs.Remove(P("d/synced")).ok());      // removal not durable
  auto open = fs.OpenForWrite(P("d/open"), OpenMode::kCreateExclusive, 0644);
  ASSERT_TRUE(open.ok());

  ASSERT_TRUE(fs.SimulatePowerLoss().ok());

  auto names = t_.fs().ListDir(P("d"));
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names,
            (std::vector<std::string>{"before", "entry_only", "synced"}));
  EXPECT_EQ(Get(P("d/before")), "durable");
  EXPECT_EQ(Get(P("d/synced")), "synced data");
  EXPECT_EQ(Get(P("d/entry_only")), "");  // entry durable, data not
  EXPECT_EQ(ErrnoOf((*open)->Write("late").status()), EIO);
}

TEST_P(FaultInjectionFsTest, PowerLossUndoesUnsyncedRenameAndNewDirs) {
  Put(P("target"), "old", false);
  FaultInjectionFs fs(&t_.fs());
  auto file = fs.OpenForWrite(P("tmp"), OpenMode::kCreateExclusive, 0644);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(WriteAll(**file, "new").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(fs.Rename(P("tmp"), P("target")).ok());
  ASSERT_TRUE(CreateDirs(fs, P("x/y")).ok());
  ASSERT_TRUE(fs.SimulatePowerLoss().ok());
  EXPECT_EQ(Get(P("target")), "old");
  EXPECT_EQ(ErrnoOf(t_.fs().Stat(P("tmp")).status()), ENOENT);
  EXPECT_EQ(ErrnoOf(t_.fs().Stat(P("x")).status()), ENOENT);
}

TEST_P(FaultInjectionFsTest, SyncAllMakesEverythingDurable) {
  FaultInjectionFs fs(&t_.fs());
  ASSERT_TRUE(CreateDirs(fs, P("a/b")).ok());
  auto file = fs.OpenForWrite(P("a/b/f"), OpenMode::kCreateExclusive, 0600);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(WriteAll(**file, "data").ok());
  ASSERT_TRUE((*file)->SetMode(0640).ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(fs.SyncAll(t_.root()).ok());
  ASSERT_TRUE(fs.SimulatePowerLoss().ok());
  EXPECT_EQ(Get(P("a/b/f")), "data");
  EXPECT_EQ(t_.fs().Stat(P("a/b/f")).value().mode, 0640u);
}

// The same scenario as above under each of the three models.
struct PowerLossScenario {
  std::vector<std::string> names;
  std::string before, synced, entry_only, renamed;
};

TEST_P(FaultInjectionFsTest, PowerLossModelsDropDataOrEntriesOrBoth) {
  using Model = FaultInjectionFs::PowerLoss;
  for (Model model : {Model::kDataAndEntries, Model::kDataOnly,
                      Model::kEntriesOnly}) {
    SCOPED_TRACE(static_cast<int>(model));
    const std::string d = P(absl::StrCat("m", static_cast<int>(model)));
    ASSERT_TRUE(CreateDirs(t_.fs(), d).ok());
    Put(d + "/before", "durable", false);
    FaultInjectionFs fs(&t_.fs());
    auto put = [&](const std::string& path, absl::string_view data,
                   bool sync) {
      auto file = fs.OpenForWrite(path, OpenMode::kTruncate, 0644);
      ASSERT_TRUE(file.ok());
      ASSERT_TRUE(WriteAll(**file, data).ok());
      if (sync) ASSERT_TRUE((*file)->Sync().ok());
      ASSERT_TRUE((*file)->Close().ok());
    };
    put(d + "/synced", "synced data", true);
    put(d + "/entry_only", "unsynced data", false);
    ASSERT_TRUE(fs.SyncDir(d).ok());
    put(d + "/new", "never synced", false);    // entry and data unsynced
    put(d + "/before", "overwritten", false);  // data unsynced
    put(d + "/tmp", "renamed", true);          // data synced, entry not
    ASSERT_TRUE(fs.Rename(d + "/tmp", d + "/renamed").ok());
    ASSERT_TRUE(fs.SimulatePowerLoss(model).ok());
    auto names = t_.fs().ListDir(d);
    ASSERT_TRUE(names.ok());
    switch (model) {
      case Model::kDataAndEntries:
        EXPECT_EQ(*names, (std::vector<std::string>{"before", "entry_only",
                                                    "synced"}));
        EXPECT_EQ(Get(d + "/before"), "durable");
        EXPECT_EQ(Get(d + "/entry_only"), "");
        break;
      case Model::kDataOnly:  // every name stays; unsynced data is gone
        EXPECT_EQ(*names,
                  (std::vector<std::string>{"before", "entry_only", "new",
                                            "renamed", "synced"}));
        EXPECT_EQ(Get(d + "/before"), "durable");
        EXPECT_EQ(Get(d + "/entry_only"), "");
        EXPECT_EQ(Get(d + "/new"), "");
        EXPECT_EQ(Get(d + "/renamed"), "renamed");
        break;
      case Model::kEntriesOnly:  // names as of the sync; data all kept
        EXPECT_EQ(*names, (std::vector<std::string>{"before", "entry_only",
                                                    "synced"}));
        EXPECT_EQ(Get(d + "/before"), "overwritten");
        EXPECT_EQ(Get(d + "/entry_only"), "unsynced data");
        break;
    }
    EXPECT_EQ(Get(d + "/synced"), "synced data");
  }
}

TEST_P(FaultInjectionFsTest, ExchangeSwapsAndPowerLossUndoesIt) {
  Put(P("target"), "old", false);
  FaultInjectionFs fs(&t_.fs());
  auto file = fs.OpenForWrite(P("tmp"), OpenMode::kCreateExclusive, 0644);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(WriteAll(**file, "new").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(fs.Exchange(P("tmp"), P("target")).ok());
  EXPECT_EQ(Get(P("target")), "new");
  EXPECT_EQ(Get(P("tmp")), "old");
  // Entries only: the exchange is undone, each name keeps its data.
  ASSERT_TRUE(fs.SimulatePowerLoss(FaultInjectionFs::PowerLoss::kEntriesOnly)
                  .ok());
  EXPECT_EQ(Get(P("target")), "old");
  EXPECT_EQ(ErrnoOf(t_.fs().Stat(P("tmp")).status()), ENOENT);
  // A synced exchange survives.
  Put(P("tmp2"), "newer", true);
  ASSERT_TRUE(fs.SyncAll(t_.root()).ok());
  ASSERT_TRUE(fs.Exchange(P("tmp2"), P("target")).ok());
  ASSERT_TRUE(fs.SyncDir(t_.root()).ok());
  ASSERT_TRUE(fs.SimulatePowerLoss().ok());
  EXPECT_EQ(Get(P("target")), "newer");
  EXPECT_EQ(Get(P("tmp2")), "old");
  fs.Inject({.op = FsOp::kExchange, .error = EINVAL});
  EXPECT_EQ(fs.Exchange(P("tmp2"), P("target")),
            base::ErrnoStatus(EINVAL, "renameat2", P("target")));
}

INSTANTIATE_TEST_SUITE_P(Fs, FaultInjectionFsTest,
                         ::testing::Values(FsKind::kPosix, FsKind::kMem),
                         FsKindName<::testing::TestParamInfo<FsKind>>);

}  // namespace
}  // namespace serval::fs
