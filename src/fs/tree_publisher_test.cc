#include "src/fs/tree_publisher.h"

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/base/errno_status.h"
#include "src/fs/fault_injection_fs.h"
#include "src/fs/mem_fs.h"
#include "src/fs/temp_name.h"
#include "src/fs/test_fs.h"

namespace serval::fs {
namespace {

using base::ErrnoOf;
using Tree = std::map<std::string, std::string>;

// Every regular file under `dir` (relative path -> bytes), temps included.
void ReadTreeInto(Fs& fs, const std::string& root, const std::string& rel,
                  Tree* out) {
  auto names = fs.ListDir(JoinPath(root, rel));
  if (!names.ok()) return;
  for (const std::string& name : *names) {
    const std::string r = rel.empty() ? name : JoinPath(rel, name);
    auto info = fs.Stat(JoinPath(root, r));
    if (!info.ok()) continue;
    if (info->type == FileType::kDirectory) {
      ReadTreeInto(fs, root, r, out);
    } else {
      (*out)[r] = fs.ReadFile(JoinPath(root, r)).value_or("<unreadable>");
    }
  }
}
Tree ReadTree(Fs& fs, const std::string& root) {
  Tree t;
  ReadTreeInto(fs, root, "", &t);
  return t;
}
bool HasTemp(const Tree& t) {
  for (const auto& [path, bytes] : t) {
    if (ParseTempName(Basename(path)).has_value()) return true;
  }
  return false;
}

void Put(Fs& fs, const std::string& path, absl::string_view data) {
  ASSERT_TRUE(CreateDirs(fs, Dirname(path)).ok());
  auto file = fs.OpenForWrite(path, OpenMode::kTruncate, 0644);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE(WriteAll(**file, data).ok());
  ASSERT_TRUE((*file)->Close().ok());
}

// The old tree: a, b/c, keep, stale; the new one: a and b/c changed, keep
// unchanged, d/e new, stale removed.
struct Publish {
  std::vector<std::pair<std::string, std::string>> files = {
      {"a", "A2"}, {"b/c", "C2"}, {"keep", "K"}, {"d/e", "E2"}};
  std::vector<std::string> removals = {"stale"};
};
const Tree kOld = {{"a", "A1"}, {"b/c", "C1"}, {"keep", "K"}, {"stale", "S"}};
const Tree kNew = {{"a", "A2"}, {"b/c", "C2"}, {"keep", "K"}, {"d/e", "E2"}};

class TreePublisherTest : public ::testing::TestWithParam<FsKind> {
 protected:
  void SetUp() override {
    for (const auto& [path, bytes] : kOld) Put(t_.fs(), P(path), bytes);
  }
  std::string P(const std::string& rel) { return t_.Path(rel); }
  // Stages the publish through `fs`; false if a Stage failed.
  bool StageAll(TreePublisher& pub, const Publish& p = {}) {
    bool ok = true;
    for (size_t i = 0; i < p.files.size(); ++i) {
      ok &= pub.Stage(i, P(p.files[i].first), p.files[i].second).ok();
    }
    for (const std::string& r : p.removals) pub.StageRemoval(P(r));
    return ok;
  }
  AtomicWriteOptions Options(Durability d = Durability::kBatch) {
    return {.durability = d, .root = t_.root()};
  }

  TestFs t_{GetParam()};
};

TEST_P(TreePublisherTest, SwitchThenFinishPublishesTheNewTree) {
  for (Durability d :
       {Durability::kBatch, Durability::kStrict, Durability::kNone}) {
    SCOPED_TRACE(DurabilityName(d));
    for (const auto& [path, bytes] : kOld) Put(t_.fs(), P(path), bytes);
    (void)t_.fs().Remove(P("d/e"));
    TreePublisher pub(&t_.fs(), Options(d), 4);
    ASSERT_TRUE(StageAll(pub));
    EXPECT_EQ(ReadTree(t_.fs(), t_.root()).size(), kOld.size() + 3)
        << "three temps staged, no target changed";
    ASSERT_TRUE(pub.Switch().ok());
    EXPECT_EQ(pub.removed(), 1u);
    EXPECT_TRUE(pub.Finish().empty());
    EXPECT_EQ(ReadTree(t_.fs(), t_.root()), kNew);
  }
}

TEST_P(TreePublisherTest, UnchangedFilesAreNotRewritten) {
  FaultInjectionFs fs(&t_.fs());
  TreePublisher pub(&fs, Options(), 1);
  EXPECT_EQ(pub.Stage(0, P("keep"), "K").value(), WriteOutcome::kUnchanged);
  EXPECT_EQ(fs.Calls(FsOp::kOpenForWrite), 0);
  ASSERT_TRUE(pub.Switch().ok());
  EXPECT_EQ(fs.Calls(FsOp::kRename) + fs.Calls(FsOp::kExchange), 0);
  EXPECT_TRUE(pub.Finish().empty());
}

TEST_P(TreePublisherTest, RollbackAfterSwitchAndDestructorRestoreOldTree) {
  {
    TreePublisher pub(&t_.fs(), Options(), 4);
    ASSERT_TRUE(StageAll(pub));
    ASSERT_TRUE(pub.Switch().ok());
    EXPECT_EQ(ReadTree(t_.fs(), t_.root()).size(), kNew.size() + 3)
        << "new tree plus two old copies and one file set aside";
    ASSERT_TRUE(pub.Rollback().ok());
    EXPECT_EQ(ReadTree(t_.fs(), t_.root()), kOld);
  }
  {
    TreePublisher pub(&t_.fs(), Options(), 4);
    ASSERT_TRUE(StageAll(pub));
    ASSERT_TRUE(pub.Switch().ok());
  }  // never finished: undone
  EXPECT_EQ(ReadTree(t_.fs(), t_.root()), kOld);
}

// Every call of every operation the switch makes, failing once or from
// then on: Switch() fails and the tree is exactly the old one, no temp.
TEST_P(TreePublisherTest, AnyFaultInSwitchLeavesTheOldTree) {
  int cases = 0;
  for (FsOp op : {FsOp::kRename, FsOp::kExchange, FsOp::kSyncAll,
                  FsOp::kReadFile}) {
    for (bool unsupported : {false, true}) {
      // Without exchange, an old file put back needs a rename: one that
      // keeps failing cannot be undone (see tree_publisher.h). And an
      // unsupported exchange is itself the fault on kExchange.
      if (unsupported && (op == FsOp::kRename || op == FsOp::kExchange)) {
        continue;
      }
      // Calls of `op` in a clean publish.
      int64_t calls = 0;
      {
        TestFs t(GetParam());
        for (const auto& [path, bytes] : kOld) Put(t.fs(), t.Path(path), bytes);
        FaultInjectionFs fs(&t.fs());
        if (unsupported) {
          fs.Inject({.op = FsOp::kExchange, .error = EINVAL,
                     .persistent = true});
        }
        TreePublisher pub(&fs, {.root = t.root()}, 4);
        Publish p;
        for (size_t i = 0; i < p.files.size(); ++i) {
          ASSERT_TRUE(pub.Stage(i, t.Path(p.files[i].first),
                                p.files[i].second).ok());
        }
        pub.StageRemoval(t.Path("stale"));
        const int64_t before = fs.Calls(op);
        ASSERT_TRUE(pub.Switch().ok());
        calls = fs.Calls(op) - before;
        EXPECT_TRUE(pub.Finish().empty());
        EXPECT_EQ(ReadTree(t.fs(), t.root()), kNew);
      }
      for (int nth = 1; nth <= calls; ++nth) {
        for (bool persistent : {false, true}) {
          SCOPED_TRACE(absl::StrCat(FsOpName(op), " #", nth,
                                    persistent ? " persistent" : " once",
                                    unsupported ? ", no exchange" : ""));
          TestFs t(GetParam());
          for (const auto& [path, bytes] : kOld) {
            Put(t.fs(), t.Path(path), bytes);
          }
          FaultInjectionFs fs(&t.fs());
          if (unsupported) {
            fs.Inject({.op = FsOp::kExchange, .error = EINVAL,
                       .persistent = true});
          }
          TreePublisher pub(&fs, {.root = t.root()}, 4);
          Publish p;
          for (size_t i = 0; i < p.files.size(); ++i) {
            ASSERT_TRUE(pub.Stage(i, t.Path(p.files[i].first),
                                  p.files[i].second).ok());
          }
          pub.StageRemoval(t.Path("stale"));
          // Counted from here: the switch's calls only.
          fs.Inject({.op = op, .nth = nth, .error = EIO,
                     .persistent = persistent});
          absl::Status s = pub.Switch();
          ++cases;
          ASSERT_FALSE(s.ok());
          EXPECT_EQ(ErrnoOf(s), EIO) << s;
          fs.ClearFaults();
          EXPECT_EQ(ReadTree(t.fs(), t.root()), kOld);
        }
      }
    }
  }
  // Rename: 2 calls (the new file, the removal), Exchange: 2 (the
  // replaced files), SyncAll: 2 (data, commit) x 2 (with and without
  // exchange), ReadFile: 2 (old bytes, without exchange); each once and
  // persistent.
  EXPECT_EQ(cases, 2 * (2 + 2 + 2 * 2 + 2));
}

TEST_P(TreePublisherTest, WithoutExchangeRenamesAndRollsBackFromMemory) {
  FaultInjectionFs fs(&t_.fs());
  fs.Inject({.op = FsOp::kExchange, .error = EINVAL, .persistent = true});
  TreePublisher pub(&fs, Options(), 4);
  ASSERT_TRUE(StageAll(pub));
  ASSERT_TRUE(pub.Switch().ok());
  EXPECT_EQ(fs.Calls(FsOp::kExchange), 1) << "tried once, then renames";
  EXPECT_EQ(ReadTree(t_.fs(), t_.root()).size(), kNew.size() + 1)
      << "the file set aside";
  ASSERT_TRUE(pub.Rollback().ok());
  EXPECT_EQ(ReadTree(t_.fs(), t_.root()), kOld);
}

TEST_P(TreePublisherTest, StageFailureChangesNothingAndLeavesNoTemp) {
  FaultInjectionFs fs(&t_.fs());
  fs.Inject({.op = FsOp::kWrite, .nth = 2, .error = ENOSPC});
  {
    TreePublisher pub(&fs, Options(), 4);
    EXPECT_FALSE(StageAll(pub));
  }  // abandoned
  EXPECT_EQ(ReadTree(t_.fs(), t_.root()), kOld);
}

TEST_P(TreePublisherTest, FinishFailureIsReportedAndLeavesOnlyTemps) {
  FaultInjectionFs fs(&t_.fs());
  TreePublisher pub(&fs, Options(), 4);
  ASSERT_TRUE(StageAll(pub));
  ASSERT_TRUE(pub.Switch().ok());
  fs.Inject({.op = FsOp::kRemove, .error = EIO, .persistent = true});
  std::vector<std::string> messages = pub.Finish();
  EXPECT_EQ(messages.size(), 3u);  // two old copies, one set aside
  Tree tree = ReadTree(t_.fs(), t_.root());
  Tree without_temps;
  for (const auto& [path, bytes] : tree) {
    if (!ParseTempName(Basename(path)).has_value()) without_temps[path] = bytes;
  }
  EXPECT_EQ(without_temps, kNew);
  EXPECT_TRUE(HasTemp(tree));
}

TEST_P(TreePublisherTest, RemovalOfAFileAlreadyGoneIsNotAnError) {
  TreePublisher pub(&t_.fs(), Options(), 0);
  pub.StageRemoval(P("never-existed"));
  ASSERT_TRUE(pub.Switch().ok());
  EXPECT_EQ(pub.removed(), 0u);
  EXPECT_TRUE(pub.Finish().empty());
  EXPECT_EQ(ReadTree(t_.fs(), t_.root()), kOld);
}

INSTANTIATE_TEST_SUITE_P(Fs, TreePublisherTest,
                         ::testing::Values(FsKind::kPosix, FsKind::kMem),
                         FsKindName<::testing::TestParamInfo<FsKind>>);

}  // namespace
}  // namespace serval::fs
