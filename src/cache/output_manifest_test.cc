// Output pruning on PosixFs and MemFs: only files Serval wrote, unchanged.
#include "src/cache/output_manifest.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/cache/build_cache.h"
#include "src/fs/fs.h"
#include "src/fs/test_fs.h"

namespace serval::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(StaleOutputsTest, PreviousMinusCurrent) {
  OutputManifest previous = {{"a/index.html", {"01", "content/a.md"}},
                             {"b/index.html", {"02", "content/b.md"}},
                             {"c.css", {"03", "static/c.css"}}};
  OutputManifest current = {{"b/index.html", {"09", "content/b.md"}},
                            {"d/index.html", {"04", "content/d.md"}}};
  EXPECT_THAT(StaleOutputs(previous, current),
              ElementsAre("a/index.html", "c.css"));
  EXPECT_TRUE(StaleOutputs({}, current).empty());
}

class PruneTest : public ::testing::TestWithParam<fs::FsKind> {
 protected:
  void Put(const std::string& relative, const std::string& contents) {
    const std::string path = t_.Path(relative);
    ASSERT_TRUE(fs::CreateDirs(t_.fs(), fs::Dirname(path)).ok());
    auto file = t_.fs().OpenForWrite(path, fs::OpenMode::kTruncate, 0644);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(fs::WriteAll(**file, contents).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  bool Exists(const std::string& relative) {
    return t_.fs().Stat(t_.Path(relative)).ok();
  }
  fs::TestFs t_{GetParam()};
};

TEST_P(PruneTest, RemovesOnlyUnchangedFilesItWrote) {
  Put("old/index.html", "old page");
  Put("edited/index.html", "the user's own text");
  Put("mine.txt", "not Serval's");
  ASSERT_TRUE(t_.fs().CreateDir(t_.Path("dir"), 0755).ok());
  const OutputManifest previous = {
      {"old/index.html", {ContentHash("old page"), "content/old.md"}},
      {"edited/index.html", {ContentHash("what Serval wrote"), "content/e.md"}},
      {"gone/index.html", {ContentHash("x"), "content/g.md"}},
      {"dir", {ContentHash("x"), "content/d.md"}},
      {"../outside.html", {ContentHash("x"), "content/o.md"}},
  };
  const std::vector<std::string> stale = {
      "../outside.html", "dir",      "edited/index.html",
      "gone/index.html", "mine.txt", "old/index.html"};
  PruneReport report = PruneOutputs(t_.fs(), t_.root(), previous, stale);
  EXPECT_THAT(report.removed, ElementsAre("old/index.html"));
  EXPECT_THAT(report.missing, ElementsAre("gone/index.html"));
  EXPECT_THAT(
      report.kept,
      ElementsAre(Pair("../outside.html", "not a safe relative path"),
                  Pair("dir", "not a regular file"),
                  Pair("edited/index.html",
                       "contents changed since Serval wrote it"),
                  Pair("mine.txt", "not in the previous manifest")));
  EXPECT_FALSE(Exists("old/index.html"));
  EXPECT_TRUE(Exists("edited/index.html"));
  EXPECT_TRUE(Exists("mine.txt"));
  EXPECT_TRUE(Exists("dir"));
}

TEST_P(PruneTest, SelectPrunableChoosesTheSameFilesAndDeletesNone) {
  Put("old/index.html", "old page");
  Put("edited/index.html", "the user's own text");
  const OutputManifest previous = {
      {"old/index.html", {ContentHash("old page"), "content/old.md"}},
      {"edited/index.html", {ContentHash("what Serval wrote"), "content/e.md"}},
      {"gone/index.html", {ContentHash("x"), "content/g.md"}},
  };
  PruneReport report = SelectPrunable(
      t_.fs(), t_.root(), previous,
      {"edited/index.html", "gone/index.html", "old/index.html"});
  EXPECT_THAT(report.removed, ElementsAre("old/index.html"));
  EXPECT_THAT(report.missing, ElementsAre("gone/index.html"));
  EXPECT_THAT(report.kept,
              ElementsAre(Pair("edited/index.html",
                               "contents changed since Serval wrote it")));
  EXPECT_TRUE(Exists("old/index.html"));
  EXPECT_TRUE(Exists("edited/index.html"));
}

TEST_P(PruneTest, NeverFollowsASymlink) {
  Put("target.html", "page");
  ASSERT_TRUE(
      t_.fs().Symlink(t_.Path("target.html"), t_.Path("link.html")).ok());
  const OutputManifest previous = {
      {"link.html", {ContentHash("page"), "content/l.md"}}};
  PruneReport report =
      PruneOutputs(t_.fs(), t_.root(), previous, {"link.html"});
  EXPECT_TRUE(report.removed.empty());
  EXPECT_THAT(report.kept,
              ElementsAre(Pair("link.html", "not a regular file")));
  EXPECT_TRUE(Exists("target.html"));
  EXPECT_TRUE(Exists("link.html"));
}

INSTANTIATE_TEST_SUITE_P(Fs, PruneTest,
                         ::testing::Values(fs::FsKind::kPosix,
                                           fs::FsKind::kMem),
                         fs::FsKindName<::testing::TestParamInfo<fs::FsKind>>);

}  // namespace
}  // namespace serval::cache
