// AtomicWriter on PosixFs and MemFs. Error paths under injected faults are
// in fault_matrix_test.cc.
#include "src/fs/atomic_writer.h"

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "src/base/errno_status.h"
#include "src/fs/mem_fs.h"
#include "src/fs/temp_name.h"
#include "src/fs/test_fs.h"

namespace serval::fs {
namespace {

using base::ErrnoOf;

class AtomicWriterTest : public ::testing::TestWithParam<FsKind> {
 protected:
  AtomicWriter Writer(Durability durability, uint32_t mode = 0644) {
    AtomicWriteOptions options;
    options.durability = durability;
    options.mode = mode;
    options.root = t_.root();
    return AtomicWriter(&t_.fs(), options);
  }
  std::string Get(const std::string& path) {
    auto data = t_.fs().ReadFile(path);
    return data.ok() ? *data : "<" + data.status().ToString() + ">";
  }
  // Names in `dir` that are temp files.
  int Temps(const std::string& dir) {
    auto names = t_.fs().ListDir(dir);
    int temps = 0;
    for (const std::string& name : names.value()) {
      if (ParseTempName(name).has_value()) ++temps;
    }
    return temps;
  }
  std::string P(const std::string& relative) { return t_.Path(relative); }

  TestFs t_{GetParam()};
};

TEST_P(AtomicWriterTest, WritesInEveryModeWithExactModeAndNoTemp) {
  for (Durability durability :
       {Durability::kStrict, Durability::kBatch, Durability::kNone}) {
    SCOPED_TRACE(DurabilityName(durability));
    for (uint32_t mode : {0644u, 0600u, 0664u}) {
      AtomicWriter writer = Writer(durability, mode);
      std::string path = P(absl::StrCat("out/", DurabilityName(durability),
                                        "/f", mode, ".html"));
      auto outcome = writer.Write(path, "<p>hi</p>");
      ASSERT_TRUE(outcome.ok()) << outcome.status();
      EXPECT_EQ(*outcome, WriteOutcome::kWritten);
      EXPECT_EQ(Get(path), "<p>hi</p>");
      auto info = t_.fs().Stat(path);
      ASSERT_TRUE(info.ok());
      EXPECT_EQ(info->mode, mode);
      EXPECT_EQ(Temps(Dirname(path)), 0);
      EXPECT_TRUE(writer.Commit().ok());
    }
  }
}

TEST_P(AtomicWriterTest, ReplacesExistingFile) {
  AtomicWriter writer = Writer(Durability::kBatch);
  ASSERT_TRUE(writer.Write(P("a.html"), "old").ok());
  ASSERT_TRUE(writer.Write(P("a.html"), "new, longer").ok());
  EXPECT_EQ(Get(P("a.html")), "new, longer");
  ASSERT_TRUE(writer.Write(P("a.html"), "").ok());
  EXPECT_EQ(Get(P("a.html")), "");
  EXPECT_EQ(Temps(t_.root()), 0);
}

TEST_P(AtomicWriterTest, IdenticalContentIsNotRewritten) {
  AtomicWriter writer = Writer(Durability::kBatch);
  ASSERT_EQ(writer.Write(P("a.html"), "same").value(), WriteOutcome::kWritten);
  // Move the file's mtime into the past; an unchanged write keeps it.
  if (auto* mem = dynamic_cast<MemFs*>(&t_.fs())) {
    ASSERT_TRUE(mem->SetMtime(P("a.html"), absl::FromUnixSeconds(1)).ok());
  }
  auto before = t_.fs().Stat(P("a.html")).value();
  EXPECT_EQ(writer.Write(P("a.html"), "same").value(),
            WriteOutcome::kUnchanged);
  EXPECT_EQ(t_.fs().Stat(P("a.html")).value().mtime, before.mtime);
  EXPECT_EQ(writer.Write(P("a.html"), "diff").value(), WriteOutcome::kWritten);
  // Same content, different mode: rewritten to set the mode.
  AtomicWriter private_writer = Writer(Durability::kBatch, 0600);
  EXPECT_EQ(private_writer.Write(P("a.html"), "diff").value(),
            WriteOutcome::kWritten);
  EXPECT_EQ(t_.fs().Stat(P("a.html")).value().mode, 0600u);
}

TEST_P(AtomicWriterTest, StageThenInstallIsOneWrite) {
  for (Durability durability :
       {Durability::kStrict, Durability::kBatch, Durability::kNone}) {
    SCOPED_TRACE(DurabilityName(durability));
    AtomicWriter writer = Writer(durability, 0600);
    const std::string path =
        P(absl::StrCat("state/", DurabilityName(durability), "/cache.json"));
    ASSERT_TRUE(writer.Write(path, "old").ok());
    absl::StatusOr<StagedFile> staged = writer.Stage(path, "new");
    ASSERT_TRUE(staged.ok()) << staged.status();
    EXPECT_EQ(staged->outcome, WriteOutcome::kWritten);
    // Staged, not installed: the target is untouched, the temp holds it.
    EXPECT_EQ(Get(path), "old");
    EXPECT_EQ(Temps(Dirname(path)), 1);
    ASSERT_TRUE(writer.Install(*staged).ok());
    EXPECT_EQ(Get(path), "new");
    EXPECT_EQ(t_.fs().Stat(path).value().mode, 0600u);
    EXPECT_EQ(Temps(Dirname(path)), 0);
    // Unchanged contents stage no temp, and installing that is a no-op.
    absl::StatusOr<StagedFile> same = writer.Stage(path, "new");
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->outcome, WriteOutcome::kUnchanged);
    EXPECT_EQ(Temps(Dirname(path)), 0);
    EXPECT_TRUE(writer.Install(*same).ok());
    EXPECT_EQ(Get(path), "new");
  }
}

TEST_P(AtomicWriterTest, DiscardRemovesTheTempAndKeepsTheTarget) {
  AtomicWriter writer = Writer(Durability::kStrict);
  ASSERT_TRUE(writer.Write(P("s/cache.json"), "old").ok());
  absl::StatusOr<StagedFile> staged = writer.Stage(P("s/cache.json"), "new");
  ASSERT_TRUE(staged.ok());
  ASSERT_EQ(Temps(P("s")), 1);
  writer.Discard(*staged);
  EXPECT_EQ(Temps(P("s")), 0);
  EXPECT_EQ(Get(P("s/cache.json")), "old");
  writer.Discard(StagedFile{});  // kUnchanged: nothing to remove
}

TEST_P(AtomicWriterTest, InstallOfAVanishedTempFailsAndKeepsTheTarget) {
  AtomicWriter writer = Writer(Durability::kStrict);
  ASSERT_TRUE(writer.Write(P("s/cache.json"), "old").ok());
  absl::StatusOr<StagedFile> staged = writer.Stage(P("s/cache.json"), "new");
  ASSERT_TRUE(staged.ok());
  ASSERT_TRUE(t_.fs().Remove(staged->temp).ok());
  absl::Status installed = writer.Install(*staged);
  EXPECT_FALSE(installed.ok());
  EXPECT_NE(installed.message().find("cache.json"), absl::string_view::npos)
      << installed;
  EXPECT_EQ(Get(P("s/cache.json")), "old");
  EXPECT_EQ(Temps(P("s")), 0);
}

TEST_P(AtomicWriterTest, RefusesSymlinkedDirectoryInsideRoot) {
  ASSERT_TRUE(CreateDirs(t_.fs(), P("elsewhere")).ok());
  ASSERT_TRUE(CreateDirs(t_.fs(), P("public")).ok());
  ASSERT_TRUE(t_.fs().Symlink(P("elsewhere"), P("public/docs")).ok());
  AtomicWriteOptions options;
  options.root = P("public");
  AtomicWriter writer(&t_.fs(), options);
  auto outcome = writer.Write(P("public/docs/index.html"), "x");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrnoOf(outcome.status()), ELOOP);
  EXPECT_NE(outcome.status().message().find(P("public/docs")),
            std::string::npos);
  EXPECT_EQ(t_.fs().ListDir(P("elsewhere")).value().size(), 0u);
}

TEST_P(AtomicWriterTest, RefusesSymlinkTarget) {
  ASSERT_TRUE(t_.fs().Symlink(P("victim"), P("link.html")).ok());
  for (const std::string& root : {t_.root(), std::string()}) {
    AtomicWriteOptions options;
    options.root = root;
    AtomicWriter writer(&t_.fs(), options);
    auto outcome = writer.Write(P("link.html"), "x");
    EXPECT_EQ(outcome.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ErrnoOf(t_.fs().Stat(P("victim")).status()), ENOENT);
  }
}

TEST_P(AtomicWriterTest, RefusesPathOutsideRoot) {
  AtomicWriteOptions options;
  options.root = P("public");
  AtomicWriter writer(&t_.fs(), options);
  EXPECT_EQ(writer.Write(P("publicity/a"), "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Write(P("a"), "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(AtomicWriterTest, CreatesParentDirectories) {
  AtomicWriter writer = Writer(Durability::kNone);
  ASSERT_TRUE(writer.Write(P("a/b/c/index.html"), "deep").ok());
  EXPECT_EQ(Get(P("a/b/c/index.html")), "deep");
}

TEST_P(AtomicWriterTest, PermanentErrorNamesPathAndErrno) {
  // The target is a directory: rename fails with EISDIR, nothing is left.
  ASSERT_TRUE(CreateDirs(t_.fs(), P("dir.html")).ok());
  AtomicWriter writer = Writer(Durability::kStrict);
  auto outcome = writer.Write(P("dir.html"), "x");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(ErrnoOf(outcome.status()), EISDIR);
  EXPECT_NE(outcome.status().message().find(P("dir.html")), std::string::npos);
  EXPECT_NE(outcome.status().message().find("EISDIR"), std::string::npos);
  EXPECT_EQ(Temps(t_.root()), 0);
}

TEST_P(AtomicWriterTest, ConcurrentWritersOfOnePathLeaveOneWholeVersion) {
  AtomicWriter writer = Writer(Durability::kNone);
  const std::string path = P("same.html");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string payload(100 + t * 10 + i, static_cast<char>('a' + t));
        ASSERT_TRUE(writer.Write(path, payload).ok());
        std::string seen = Get(path);
        ASSERT_GE(seen.size(), 100u);
        EXPECT_EQ(seen, std::string(seen.size(), seen[0])) << "torn read";
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::string final_contents = Get(path);
  EXPECT_EQ(final_contents,
            std::string(final_contents.size(), final_contents[0]));
  EXPECT_EQ(Temps(t_.root()), 0);
}

INSTANTIATE_TEST_SUITE_P(Fs, AtomicWriterTest,
                         ::testing::Values(FsKind::kPosix, FsKind::kMem),
                         FsKindName<::testing::TestParamInfo<FsKind>>);

}  // namespace
}  // namespace serval::fs
