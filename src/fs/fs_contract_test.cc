// The behaviour every Fs must share, run on PosixFs (a TEST_TMPDIR
// directory) and MemFs alike.
#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/base/errno_status.h"
#include "src/fs/fs.h"
#include "src/fs/posix_fs.h"
#include "src/fs/test_fs.h"

namespace serval::fs {
namespace {

using base::ErrnoOf;

class FsContractTest : public ::testing::TestWithParam<FsKind> {
 protected:
  void Put(const std::string& path, absl::string_view data,
           uint32_t mode = 0644) {
    auto file = fs().OpenForWrite(path, OpenMode::kTruncate, mode);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE(WriteAll(**file, data).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  std::string Get(const std::string& path) {
    auto data = fs().ReadFile(path);
    EXPECT_TRUE(data.ok()) << data.status();
    return data.ok() ? *data : "<error>";
  }
  Fs& fs() { return t_.fs(); }
  std::string P(const std::string& relative) { return t_.Path(relative); }

  TestFs t_{GetParam()};
};

TEST_P(FsContractTest, ReadMissingNamesOperationPathAndErrno) {
  auto data = fs().ReadFile(P("missing"));
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrnoOf(data.status()), ENOENT);
  EXPECT_NE(data.status().message().find(P("missing")), std::string::npos);
  EXPECT_NE(data.status().message().find("ENOENT"), std::string::npos);
}

TEST_P(FsContractTest, WriteThenRead) {
  Put(P("a.txt"), "hello");
  EXPECT_EQ(Get(P("a.txt")), "hello");
  Put(P("a.txt"), "bye");  // truncates
  EXPECT_EQ(Get(P("a.txt")), "bye");
  auto info = fs().Stat(P("a.txt"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, FileType::kRegular);
  EXPECT_EQ(info->size, 3u);
}

TEST_P(FsContractTest, ReadsEveryByteWhateverTheSize) {
  // Around the sizes a reader might go by: empty, one byte, and either
  // side of 64 KiB and 1 MiB, bytes that differ by position (a lost or
  // repeated piece shows).
  for (size_t size : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536},
                      size_t{65537}, size_t{1} << 20, (size_t{1} << 20) + 3}) {
    std::string data(size, '\0');
    for (size_t i = 0; i < size; ++i) {
      data[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
    }
    const std::string path = P(absl::StrCat("sized-", size));
    Put(path, data);
    const std::string read = Get(path);
    EXPECT_EQ(read.size(), size);
    EXPECT_TRUE(read == data) << "size " << size;
  }
}

TEST_P(FsContractTest, WriteReturnsAtMostTheBytesGiven) {
  auto file = fs().OpenForWrite(P("w"), OpenMode::kCreateExclusive, 0600);
  ASSERT_TRUE(file.ok());
  auto n = (*file)->Write("abcdef");
  ASSERT_TRUE(n.ok());
  EXPECT_GT(*n, 0u);
  EXPECT_LE(*n, 6u);
  EXPECT_TRUE((*file)->Sync().ok());
  EXPECT_TRUE((*file)->Close().ok());
  EXPECT_EQ(ErrnoOf((*file)->Close()), EBADF);
}

TEST_P(FsContractTest, ExclusiveOpenRefusesExistingNameAndSymlink) {
  Put(P("x"), "1");
  auto again = fs().OpenForWrite(P("x"), OpenMode::kCreateExclusive, 0600);
  EXPECT_EQ(ErrnoOf(again.status()), EEXIST);
  ASSERT_TRUE(fs().Symlink(P("nowhere"), P("link")).ok());
  auto via_link =
      fs().OpenForWrite(P("link"), OpenMode::kCreateExclusive, 0600);
  EXPECT_EQ(ErrnoOf(via_link.status()), EEXIST);
  EXPECT_FALSE(fs().Stat(P("nowhere")).ok());
}

TEST_P(FsContractTest, SetModeIsExact) {
  auto file = fs().OpenForWrite(P("m"), OpenMode::kCreateExclusive, 0600);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->SetMode(0640).ok());
  ASSERT_TRUE((*file)->Close().ok());
  auto info = fs().Stat(P("m"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->mode, 0640u);
}

TEST_P(FsContractTest, RenameReplacesAtomically) {
  Put(P("old"), "old");
  Put(P("new"), "new");
  ASSERT_TRUE(fs().Rename(P("new"), P("old")).ok());
  EXPECT_EQ(Get(P("old")), "new");
  EXPECT_EQ(ErrnoOf(fs().Stat(P("new")).status()), ENOENT);
  EXPECT_EQ(ErrnoOf(fs().Rename(P("gone"), P("old"))), ENOENT);
}

TEST_P(FsContractTest, ExchangeSwapsTwoFilesAtomically) {
  Put(P("a"), "aaa", 0600);
  Put(P("b"), "bb", 0644);
  ASSERT_TRUE(fs().Exchange(P("a"), P("b")).ok());
  EXPECT_EQ(Get(P("a")), "bb");
  EXPECT_EQ(Get(P("b")), "aaa");
  EXPECT_EQ(fs().Stat(P("b")).value().mode, 0600u);
  EXPECT_EQ(ErrnoOf(fs().Exchange(P("a"), P("gone"))), ENOENT);
  EXPECT_EQ(ErrnoOf(fs().Exchange(P("gone"), P("a"))), ENOENT);
  EXPECT_EQ(Get(P("a")), "bb");
}

TEST_P(FsContractTest, OpenFileFollowsRename) {
  auto file = fs().OpenForWrite(P("t"), OpenMode::kCreateExclusive, 0644);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(WriteAll(**file, "ab").ok());
  ASSERT_TRUE(fs().Rename(P("t"), P("u")).ok());
  ASSERT_TRUE(WriteAll(**file, "cd").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Get(P("u")), "abcd");
}

TEST_P(FsContractTest, DirectoriesListSorted) {
  ASSERT_TRUE(CreateDirs(fs(), P("d/e/f")).ok());
  ASSERT_TRUE(CreateDirs(fs(), P("d/e/f")).ok());  // idempotent
  Put(P("d/b"), "");
  Put(P("d/a"), "");
  auto names = fs().ListDir(P("d"));
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b", "e"}));
  EXPECT_EQ(ErrnoOf(fs().CreateDir(P("d"), 0755)), EEXIST);
  EXPECT_EQ(ErrnoOf(fs().ListDir(P("d/a")).status()), ENOTDIR);
  EXPECT_EQ(ErrnoOf(fs().ListDir(P("nope")).status()), ENOENT);
  EXPECT_EQ(ErrnoOf(CreateDirs(fs(), P("d/a/x"))), ENOTDIR);
  auto info = fs().Stat(P("d/e"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, FileType::kDirectory);
}

TEST_P(FsContractTest, ListDirWithInfoIsListDirAndAStatOfEachEntry) {
  ASSERT_TRUE(CreateDirs(fs(), P("w/sub")).ok());
  Put(P("w/b.md"), "bee", 0600);
  Put(P("w/a.md"), "a");
  ASSERT_TRUE(fs().Symlink(P("w/a.md"), P("w/link")).ok());
  ASSERT_TRUE(fs().Symlink(P("w/gone"), P("w/dangling")).ok());
  auto entries = fs().ListDirWithInfo(P("w"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  auto names = fs().ListDir(P("w"));
  ASSERT_TRUE(names.ok());
  ASSERT_EQ(entries->size(), names->size());
  for (size_t i = 0; i < names->size(); ++i) {
    const DirEntryInfo& entry = (*entries)[i];
    EXPECT_EQ(entry.name, (*names)[i]);
    auto info = fs().Stat(P("w/" + entry.name));
    ASSERT_TRUE(info.ok() && entry.info.ok()) << entry.name;
    EXPECT_EQ(entry.info->type, info->type) << entry.name;
    EXPECT_EQ(entry.info->size, info->size) << entry.name;
    EXPECT_EQ(entry.info->mode, info->mode) << entry.name;
    EXPECT_EQ(entry.info->mtime, info->mtime) << entry.name;
    EXPECT_EQ(entry.info->ctime, info->ctime) << entry.name;
    EXPECT_EQ(entry.info->inode, info->inode) << entry.name;
  }
  EXPECT_EQ((*entries)[0].name, "a.md");
  EXPECT_EQ((*entries)[1].info->size, 3u);  // b.md
  EXPECT_EQ((*entries)[1].info->mode, 0600u);
  EXPECT_EQ((*entries)[2].info->type, FileType::kSymlink);  // dangling
  EXPECT_EQ((*entries)[3].info->type, FileType::kSymlink);  // link, not followed
  EXPECT_EQ((*entries)[4].info->type, FileType::kDirectory);
  EXPECT_EQ(ErrnoOf(fs().ListDirWithInfo(P("w/a.md")).status()), ENOTDIR);
  EXPECT_EQ(ErrnoOf(fs().ListDirWithInfo(P("nope")).status()), ENOENT);
}

TEST_P(FsContractTest, RemoveAndRemoveDir) {
  ASSERT_TRUE(CreateDirs(fs(), P("d")).ok());
  Put(P("d/f"), "x");
  EXPECT_EQ(ErrnoOf(fs().RemoveDir(P("d"))), ENOTEMPTY);
  EXPECT_EQ(ErrnoOf(fs().RemoveDir(P("d/f"))), ENOTDIR);
  EXPECT_TRUE(fs().Remove(P("d/f")).ok());
  EXPECT_EQ(ErrnoOf(fs().Remove(P("d/f"))), ENOENT);
  EXPECT_TRUE(fs().RemoveDir(P("d")).ok());
  EXPECT_EQ(ErrnoOf(fs().Stat(P("d")).status()), ENOENT);
}

TEST_P(FsContractTest, SymlinksAreSeenByStatAndFollowedByRead) {
  Put(P("target"), "content");
  ASSERT_TRUE(fs().Symlink(P("target"), P("link")).ok());
  auto info = fs().Stat(P("link"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, FileType::kSymlink);
  EXPECT_EQ(Get(P("link")), "content");
  ASSERT_TRUE(CreateDirs(fs(), P("realdir")).ok());
  ASSERT_TRUE(fs().Symlink(P("realdir"), P("dirlink")).ok());
  Put(P("dirlink/f"), "through");
  EXPECT_EQ(Get(P("realdir/f")), "through");
  ASSERT_TRUE(fs().Remove(P("link")).ok());  // removes the link only
  EXPECT_EQ(Get(P("target")), "content");
}

TEST_P(FsContractTest, SyncsSucceedOnExistingAndFailOnMissing) {
  Put(P("f"), "x");
  EXPECT_TRUE(fs().SyncDir(t_.root()).ok());
  EXPECT_TRUE(fs().SyncAll(t_.root()).ok());
  EXPECT_EQ(ErrnoOf(fs().SyncDir(P("missing"))), ENOENT);
  EXPECT_EQ(ErrnoOf(fs().SyncAll(P("missing"))), ENOENT);
}

TEST_P(FsContractTest, LockIsExclusiveAndReleasedOnDestruction) {
  auto first = fs().TryLock(P("lock"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = fs().TryLock(P("lock"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(ErrnoOf(second.status()), EWOULDBLOCK);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE((*first)->SetContents("pid=1\n").ok());
  ASSERT_TRUE((*first)->SetContents("pid=2\n").ok());
  EXPECT_EQ(Get(P("lock")), "pid=2\n");
  first->reset();
  auto third = fs().TryLock(P("lock"));
  EXPECT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(Get(P("lock")), "pid=2\n");  // the lock file is never cleared
}

// Waiters read the lock file while its holder rewrites it: once it held
// bytes, no read finds it empty (they would report "an unknown holder").
TEST_P(FsContractTest, LockContentsNeverReadEmptyWhileRewritten) {
  auto lock = fs().TryLock(P("lock"));
  ASSERT_TRUE(lock.ok()) << lock.status();
  const std::string shorter = "pid=7\n";
  const std::string longer = "pid=123456\nhost=" + std::string(200, 'h') + "\n";
  ASSERT_TRUE((*lock)->SetContents(longer).ok());
  std::atomic<bool> done{false};
  std::atomic<int> empty_reads{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load(std::memory_order_acquire)) {
      absl::StatusOr<std::string> contents = fs().ReadFile(P("lock"));
      if (!contents.ok() || contents->rfind("pid=", 0) != 0) ++empty_reads;
      ++reads;
    }
  });
  // Rewrites until the reader has read many times, whatever the scheduling.
  for (int i = 0; i < 20000 || reads.load() < 2000; ++i) {
    ASSERT_TRUE((*lock)->SetContents(i % 2 == 0 ? shorter : longer).ok());
  }
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_EQ(empty_reads.load(), 0) << "of " << reads.load() << " reads";
  ASSERT_TRUE((*lock)->SetContents(shorter).ok());
  EXPECT_EQ(Get(P("lock")), shorter);  // the longer one's tail is cut off
}

TEST_P(FsContractTest, ConcurrentWritersOfDistinctFiles) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        std::string path = P(absl::StrCat("f", t, "_", i));
        auto file = fs().OpenForWrite(path, OpenMode::kCreateExclusive, 0644);
        ASSERT_TRUE(file.ok());
        ASSERT_TRUE(WriteAll(**file, path).ok());
        ASSERT_TRUE((*file)->Close().ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto names = fs().ListDir(t_.root());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 400u);
  for (const std::string& name : *names) {
    EXPECT_EQ(Get(P(name)), P(name));
  }
}

// /proc's files say they are empty and come in pieces: every piece is read.
TEST(PosixFsTest, ReadsAProcFileThatStatsAsEmpty) {
  PosixFs fs;
  auto info = fs.Stat("/proc/self/status");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->size, 0u);
  auto status = fs.ReadFile("/proc/self/status");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->rfind("Name:", 0), 0u);
  // Its last line, well past the first read's byte.
  EXPECT_NE(status->find("nonvoluntary_ctxt_switches:"), std::string::npos);
  EXPECT_EQ(status->back(), '\n');
}

INSTANTIATE_TEST_SUITE_P(Fs, FsContractTest,
                         ::testing::Values(FsKind::kPosix, FsKind::kMem),
                         FsKindName<::testing::TestParamInfo<FsKind>>);

}  // namespace
}  // namespace serval::fs
