#include "src/serve/pid_file.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/fs/mem_fs.h"

namespace serval::serve {
namespace {

using ::testing::HasSubstr;

TEST(PidFileTest, SecondServerIsToldWhoRuns) {
  fs::MemFs fs;
  auto first = PidFile::Acquire(fs, "site");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE((*first)->SetUrl("http://127.0.0.1:1313/").ok());
  EXPECT_EQ(*fs.ReadFile("site/.serval/server.pid"),
            absl::StrCat("pid=", getpid(), "\nurl=http://127.0.0.1:1313/\n"));
  auto second = PidFile::Acquire(fs, "site");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(),
              HasSubstr(absl::StrCat("pid ", getpid(), ", http://127.0.0.1:1313/")));
  first->reset();  // a clean exit empties the file and unlocks it
  EXPECT_EQ(*fs.ReadFile("site/.serval/server.pid"), "");
  EXPECT_TRUE(PidFile::Acquire(fs, "site").ok());
}

TEST(PidFileTest, StaleFileIsTakenOver) {
  fs::MemFs fs;
  ASSERT_TRUE(fs::CreateDirs(fs, "site/.serval").ok());
  auto file = fs.OpenForWrite("site/.serval/server.pid",
                              fs::OpenMode::kTruncate, 0644);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(fs::WriteAll(**file, "pid=999999\nurl=http://x/\n").ok());
  ASSERT_TRUE((*file)->Close().ok());
  auto taken = PidFile::Acquire(fs, "site");  // nobody holds the lock
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_THAT(*fs.ReadFile("site/.serval/server.pid"),
              HasSubstr(absl::StrCat("pid=", getpid())));
}

}  // namespace
}  // namespace serval::serve
