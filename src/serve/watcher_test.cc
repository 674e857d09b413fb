#include "src/serve/watcher.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace serval::serve {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site_ = std::string(std::getenv("TEST_TMPDIR")) + "/watch_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(mkdir(site_.c_str(), 0755), 0);
    for (const char* dir : {"content", "content/posts", "templates", "public",
                            ".serval"}) {
      ASSERT_EQ(mkdir(Path(dir).c_str(), 0755), 0);
    }
    Write("content/a.md", "a");
    Write("content/posts/p.md", "p");
    Write("serval.toml", "title = 'x'");
    auto watcher = Watcher::Create({.site_dir = site_});
    ASSERT_TRUE(watcher.ok()) << watcher.status();
    watcher_ = std::move(*watcher);
  }

  std::string Path(const std::string& rel) { return site_ + "/" + rel; }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(Path(rel), std::ios::binary) << text;
  }
  ChangeSet Next() {
    std::optional<ChangeSet> changes = watcher_->Next();
    EXPECT_TRUE(changes.has_value());
    return changes.value_or(ChangeSet());
  }

  std::string site_;
  std::unique_ptr<Watcher> watcher_;
};

TEST(IsIgnoredNameTest, HiddenAndEditorFiles) {
  for (const char* name : {".a.md.swp", ".#a.md", "a.md~", "#a.md#", "a.swp",
                           ".hidden", "a.md.bak", ".a.md.1234.5.tmp"}) {
    EXPECT_TRUE(IsIgnoredName(name)) << name;
  }
  for (const char* name : {"a.md", "4913", "style.css", "#tag"}) {
    EXPECT_FALSE(IsIgnoredName(name)) << name;
  }
}

TEST_F(WatcherTest, PlainWrite) {
  Write("content/a.md", "new");
  ChangeSet c = Next();
  EXPECT_THAT(c.changed, ElementsAre("content/a.md"));
  EXPECT_THAT(c.removed, IsEmpty());
  EXPECT_FALSE(c.full);
}

TEST_F(WatcherTest, WriteTempThenRenameIsOneEdit) {
  Write("content/.a.md.tmp123", "new");
  Write("content/a.md.tmp", "new2");  // not hidden: created and gone again
  ASSERT_EQ(rename(Path("content/.a.md.tmp123").c_str(),
                   Path("content/a.md").c_str()), 0);
  ASSERT_EQ(rename(Path("content/a.md.tmp").c_str(),
                   Path("content/posts/p.md").c_str()), 0);
  ChangeSet c = Next();
  EXPECT_THAT(c.changed, ElementsAre("content/a.md", "content/posts/p.md"));
  EXPECT_THAT(c.removed, IsEmpty());
}

TEST_F(WatcherTest, VimSaveIsOneEdit) {
  // vim: probe file 4913, rename the original to a backup, write anew,
  // delete the backup.
  Write("content/4913", "");
  ASSERT_EQ(unlink(Path("content/4913").c_str()), 0);
  ASSERT_EQ(rename(Path("content/a.md").c_str(), Path("content/a.md~").c_str()),
            0);
  Write("content/a.md", "vim");
  ASSERT_EQ(unlink(Path("content/a.md~").c_str()), 0);
  ChangeSet c = Next();
  EXPECT_THAT(c.changed, ElementsAre("content/a.md"));
  EXPECT_THAT(c.removed, IsEmpty());
}

TEST_F(WatcherTest, DeleteThenCreateIsAnEditAndDeleteIsARemoval) {
  ASSERT_EQ(unlink(Path("content/a.md").c_str()), 0);
  Write("content/a.md", "again");
  EXPECT_THAT(Next().changed, ElementsAre("content/a.md"));
  ASSERT_EQ(unlink(Path("content/posts/p.md").c_str()), 0);
  ChangeSet c = Next();
  EXPECT_THAT(c.changed, IsEmpty());
  EXPECT_THAT(c.removed, ElementsAre("content/posts/p.md"));
}

TEST_F(WatcherTest, NewDirectoriesAreWatchedWithTheirFiles) {
  ASSERT_EQ(mkdir(Path("content/new").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(Path("content/new/deep").c_str(), 0755), 0);
  Write("content/new/deep/x.md", "x");
  EXPECT_THAT(Next().changed, ElementsAre("content/new/deep/x.md"));
  Write("content/new/deep/y.md", "y");
  EXPECT_THAT(Next().changed, ElementsAre("content/new/deep/y.md"));
}

TEST_F(WatcherTest, RootCreatedLaterAndConfig) {
  ASSERT_EQ(mkdir(Path("static").c_str(), 0755), 0);
  Write("static/site.css", "body{}");
  ChangeSet c = Next();
  EXPECT_THAT(c.changed, ElementsAre("static/site.css"));
  EXPECT_TRUE(c.OnlyCss());
  Write("static/site.css", "body{color:red}");
  EXPECT_THAT(Next().changed, ElementsAre("static/site.css"));
  Write("serval.toml", "title = 'y'");
  EXPECT_THAT(Next().changed, ElementsAre("serval.toml"));
}

TEST_F(WatcherTest, IgnoresOutputStateHiddenAndOtherTopLevelFiles) {
  Write("public/index.html", "out");
  Write(".serval/cache.json", "{}");
  Write("README.md", "readme");
  Write("content/.draft.md", "hidden");
  Write("content/a.md~", "backup");
  Write("templates/page.html", "t");  // the one that counts
  ChangeSet c = Next();
  EXPECT_THAT(c.changed, ElementsAre("templates/page.html"));
  EXPECT_FALSE(c.OnlyCss());
}

TEST_F(WatcherTest, BurstCoalescesIntoOneChangeSet) {
  for (int i = 0; i < 200; ++i) {
    Write("content/a.md", std::to_string(i));
    Write("content/b" + std::to_string(i % 5) + ".md", "b");
  }
  ChangeSet c = Next();
  EXPECT_EQ(c.changed.size(), 6u);
}

TEST_F(WatcherTest, RemovedDirectoryIsReported) {
  ASSERT_EQ(rename(Path("content/posts").c_str(), Path("moved").c_str()), 0);
  ChangeSet c = Next();
  EXPECT_THAT(c.removed, ElementsAre("content/posts"));
  // The moved-away directory is no longer watched.
  Write("moved/p.md", "gone");
  Write("content/a.md", "here");
  EXPECT_THAT(Next().changed, ElementsAre("content/a.md"));
}

TEST_F(WatcherTest, StopWakesNext) {
  std::thread stopper([&] {
    absl::SleepFor(absl::Milliseconds(50));
    watcher_->Stop();
  });
  EXPECT_FALSE(watcher_->Next().has_value());
  stopper.join();
  EXPECT_FALSE(watcher_->Next().has_value());
}

}  // namespace
}  // namespace serval::serve
