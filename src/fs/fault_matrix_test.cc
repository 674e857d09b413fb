// The fault matrix: at each step of an atomic write (open, write, fchmod,
// fsync, close, rename, directory sync) inject each errno class and short
// writes, on FaultInjectionFs over PosixFs and over MemFs. Transient errors
// end in success; permanent ones in a Status naming the target path and
// the errno, with the old file intact and no temp left. Then power loss in
// each durability mode.
#include <cerrno>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
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

constexpr FsOp kSteps[] = {FsOp::kOpenForWrite, FsOp::kWrite,  FsOp::kSetMode,
                           FsOp::kSync,         FsOp::kClose,  FsOp::kRename,
                           FsOp::kSyncDir};
constexpr int kPermanent[] = {ENOSPC, EIO, EACCES, EROFS, EXDEV};
constexpr int kTransient[] = {EINTR, EAGAIN, EBUSY};

class FaultMatrix {
 public:
  explicit FaultMatrix(FsKind kind) : t_(kind), fs_(&t_.fs()) {
    target_ = t_.Path("out/index.html");
    EXPECT_TRUE(CreateDirs(t_.fs(), t_.Path("out")).ok());
    AtomicWriter setup(&t_.fs(), Options(Durability::kStrict));
    EXPECT_TRUE(setup.Write(target_, kOld).ok());
  }
  AtomicWriteOptions Options(Durability durability) {
    AtomicWriteOptions options;
    options.durability = durability;
    options.root = t_.root();
    options.retry.sleep = [](absl::Duration) {};  // no real waiting
    return options;
  }
  std::string Target() {
    auto data = t_.fs().ReadFile(target_);
    return data.ok() ? *data : "<" + data.status().ToString() + ">";
  }
  int Temps() {
    int temps = 0;
    std::vector<std::string> names = t_.fs().ListDir(t_.Path("out")).value();
    for (const std::string& name : names) {
      if (ParseTempName(name).has_value()) ++temps;
    }
    return temps;
  }
  FaultInjectionFs& fs() { return fs_; }
  const std::string& target() const { return target_; }

  static constexpr absl::string_view kOld = "old version, complete";
  static constexpr absl::string_view kNew = "new version, complete and longer";

 private:
  TestFs t_;
  FaultInjectionFs fs_;
  std::string target_;
};

class FaultMatrixTest : public ::testing::TestWithParam<FsKind> {};

TEST_P(FaultMatrixTest, PermanentErrorsFailCleanly) {
  for (FsOp step : kSteps) {
    for (int error : kPermanent) {
      SCOPED_TRACE(absl::StrCat(FsOpName(step), " ", base::ErrnoName(error)));
      FaultMatrix m(GetParam());
      m.fs().Inject({.op = step, .error = error});
      AtomicWriter writer(&m.fs(), m.Options(Durability::kStrict));
      auto outcome = writer.Write(m.target(), FaultMatrix::kNew);
      ASSERT_FALSE(outcome.ok());
      EXPECT_EQ(ErrnoOf(outcome.status()), error);
      EXPECT_NE(outcome.status().message().find(m.target()),
                std::string::npos)
          << outcome.status();
      EXPECT_NE(outcome.status().message().find(base::ErrnoName(error)),
                std::string::npos)
          << outcome.status();
      EXPECT_EQ(m.fs().FaultsFired(), 1);
      // The directory sync comes after the rename: the target is then new
      // and whole, only its durability is unknown.
      EXPECT_EQ(m.Target(), step == FsOp::kSyncDir ? FaultMatrix::kNew
                                                   : FaultMatrix::kOld);
      EXPECT_EQ(m.Temps(), 0);
    }
  }
}

TEST_P(FaultMatrixTest, TransientErrorsAreRetriedToSuccess) {
  for (FsOp step : kSteps) {
    for (int error : kTransient) {
      SCOPED_TRACE(absl::StrCat(FsOpName(step), " ", base::ErrnoName(error)));
      FaultMatrix m(GetParam());
      // Three in a row, then the call succeeds.
      for (int i = 0; i < 3; ++i) m.fs().Inject({.op = step, .error = error});
      AtomicWriter writer(&m.fs(), m.Options(Durability::kStrict));
      auto outcome = writer.Write(m.target(), FaultMatrix::kNew);
      ASSERT_TRUE(outcome.ok()) << outcome.status();
      EXPECT_EQ(m.fs().FaultsFired(), 3);
      EXPECT_EQ(m.Target(), FaultMatrix::kNew);
      EXPECT_EQ(m.Temps(), 0);
    }
  }
}

TEST_P(FaultMatrixTest, EndlessTransientErrorsGiveUpBounded) {
  for (FsOp step : kSteps) {
    SCOPED_TRACE(FsOpName(step));
    FaultMatrix m(GetParam());
    m.fs().Inject({.op = step, .error = EINTR, .persistent = true});
    AtomicWriteOptions options = m.Options(Durability::kStrict);
    options.retry.max_retries = 5;
    AtomicWriter writer(&m.fs(), options);
    auto outcome = writer.Write(m.target(), FaultMatrix::kNew);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(ErrnoOf(outcome.status()), EINTR);
    EXPECT_LE(m.fs().FaultsFired(), 6);
    EXPECT_EQ(m.Target(), step == FsOp::kSyncDir ? FaultMatrix::kNew
                                                 : FaultMatrix::kOld);
    EXPECT_EQ(m.Temps(), 0);
  }
}

TEST_P(FaultMatrixTest, ShortWritesAreCompleted) {
  for (size_t max_bytes : {1, 3, 7}) {
    FaultMatrix m(GetParam());
    m.fs().Inject(
        {.op = FsOp::kWrite, .persistent = true, .short_write = max_bytes});
    AtomicWriter writer(&m.fs(), m.Options(Durability::kStrict));
    ASSERT_TRUE(writer.Write(m.target(), FaultMatrix::kNew).ok());
    EXPECT_EQ(m.Target(), FaultMatrix::kNew);
    EXPECT_EQ(m.Temps(), 0);
  }
}

TEST_P(FaultMatrixTest, WritesThatNeverProgressFail) {
  FaultMatrix m(GetParam());
  m.fs().Inject({.op = FsOp::kWrite, .persistent = true, .short_write = 0});
  AtomicWriter writer(&m.fs(), m.Options(Durability::kNone));
  auto outcome = writer.Write(m.target(), FaultMatrix::kNew);
  EXPECT_EQ(ErrnoOf(outcome.status()), EIO);
  EXPECT_EQ(m.Target(), FaultMatrix::kOld);
  EXPECT_EQ(m.Temps(), 0);
}

TEST_P(FaultMatrixTest, FailedCommitNamesErrno) {
  FaultMatrix m(GetParam());
  m.fs().Inject({.op = FsOp::kSyncAll, .error = EIO});
  AtomicWriter writer(&m.fs(), m.Options(Durability::kBatch));
  ASSERT_TRUE(writer.Write(m.target(), FaultMatrix::kNew).ok());
  absl::Status commit = writer.Commit();
  EXPECT_EQ(ErrnoOf(commit), EIO);
  EXPECT_NE(commit.message().find("syncfs"), std::string::npos);
}

TEST_P(FaultMatrixTest, StrictWriteSurvivesPowerLoss) {
  FaultMatrix m(GetParam());
  AtomicWriter writer(&m.fs(), m.Options(Durability::kStrict));
  ASSERT_TRUE(writer.Write(m.target(), FaultMatrix::kNew).ok());
  ASSERT_TRUE(writer.Write(m.target() + ".2", "second").ok());
  ASSERT_TRUE(m.fs().SimulatePowerLoss().ok());
  EXPECT_EQ(m.Target(), FaultMatrix::kNew);
  EXPECT_EQ(m.fs().ReadFile(m.target() + ".2").value(), "second");
}

TEST_P(FaultMatrixTest, BatchWriteIsOldOrNewAcrossPowerLoss) {
  FaultMatrix m(GetParam());
  AtomicWriter writer(&m.fs(), m.Options(Durability::kBatch));
  ASSERT_TRUE(writer.Write(m.target(), FaultMatrix::kNew).ok());
  ASSERT_TRUE(writer.Write(m.target() + ".fresh", "fresh").ok());
  ASSERT_TRUE(m.fs().SimulatePowerLoss().ok());  // before the commit
  EXPECT_EQ(m.Target(), FaultMatrix::kOld);
  EXPECT_EQ(ErrnoOf(m.fs().Stat(m.target() + ".fresh").status()), ENOENT);
  EXPECT_EQ(m.Temps(), 0);

  ASSERT_TRUE(writer.Write(m.target(), FaultMatrix::kNew).ok());
  ASSERT_TRUE(writer.Commit().ok());
  ASSERT_TRUE(m.fs().SimulatePowerLoss().ok());  // after the commit
  EXPECT_EQ(m.Target(), FaultMatrix::kNew);
}

TEST_P(FaultMatrixTest, PowerLossMidWriteLeavesOldAndAtMostATemp) {
  // A strict write dies after its temp was made durable (a directory sync
  // by another writer) but before its rename: the target is old, and the
  // temp that survives is one the sweeper will recognise.
  FaultMatrix m(GetParam());
  m.fs().Inject({.op = FsOp::kRename, .error = EIO});
  m.fs().Inject({.op = FsOp::kRemove, .error = EIO, .persistent = true});
  AtomicWriter writer(&m.fs(), m.Options(Durability::kStrict));
  ASSERT_FALSE(writer.Write(m.target(), FaultMatrix::kNew).ok());
  EXPECT_EQ(m.Temps(), 1);  // could not be removed
  m.fs().ClearFaults();
  ASSERT_TRUE(m.fs().SyncDir(Dirname(m.target())).ok());
  ASSERT_TRUE(m.fs().SimulatePowerLoss().ok());
  EXPECT_EQ(m.Target(), FaultMatrix::kOld);
  EXPECT_EQ(m.Temps(), 1);
}

INSTANTIATE_TEST_SUITE_P(Fs, FaultMatrixTest,
                         ::testing::Values(FsKind::kPosix, FsKind::kMem),
                         FsKindName<::testing::TestParamInfo<FsKind>>);

}  // namespace
}  // namespace serval::fs
