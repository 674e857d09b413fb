#include "src/fs/temp_name.h"

#include <unistd.h>

#include "gtest/gtest.h"

namespace serval::fs {
namespace {

TEST(TempNameTest, MadeNamesParseBack) {
  std::string name = MakeTempName("index.html");
  auto parsed = ParseTempName(name);
  ASSERT_TRUE(parsed.has_value()) << name;
  EXPECT_EQ(parsed->target, "index.html");
  EXPECT_EQ(parsed->pid, ::getpid());
  EXPECT_EQ(parsed->tid, ::gettid());
  EXPECT_EQ(parsed->random.size(), 16u);
  EXPECT_EQ(FormatTempName(*parsed), name);
}

TEST(TempNameTest, NamesAreUnique) {
  EXPECT_NE(MakeTempName("a"), MakeTempName("a"));
}

TEST(TempNameTest, TargetsWithDotsAndHiddenTargets) {
  auto parsed = ParseTempName("..hidden.v1.2.3.00112233445566ff.tmp");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->target, ".hidden.v1");
  EXPECT_EQ(parsed->pid, 2);
  EXPECT_EQ(parsed->tid, 3);
}

TEST(TempNameTest, RejectsAnythingElse) {
  for (const char* name : {
           "index.html", ".index.html.tmp", "index.html.1.2.0011223344556677.tmp",
           ".index.html.1.2.0011223344556677.tmp~",
           ".index.html.1.2.00112233445566.tmp",      // 14 digits
           ".index.html.1.2.0011223344556677a.tmp",   // 17 digits
           ".index.html.1.2.00112233445566FF.tmp",    // upper case
           ".index.html.x.2.0011223344556677.tmp",    // pid not a number
           ".index.html.0.2.0011223344556677.tmp",    // pid 0
           "..1.2.0011223344556677.tmp",              // empty target
           ".1.2.0011223344556677.tmp",
       }) {
    EXPECT_FALSE(ParseTempName(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace serval::fs
