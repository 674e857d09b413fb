#include "src/cli/user_path.h"

#include "gtest/gtest.h"

namespace serval::cli {
namespace {

TEST(ResolveUserPathTest, RelativeJoinsWorkingDirectory) {
  EXPECT_EQ(ResolveUserPath("examples/blog", "/home/u/serval"),
            "/home/u/serval/examples/blog");
  EXPECT_EQ(ResolveUserPath("site", "/"), "/site");
  EXPECT_EQ(ResolveUserPath(".", "/w"), "/w");
  EXPECT_EQ(ResolveUserPath("", "/w"), "/w");
}

TEST(ResolveUserPathTest, AbsoluteOrNoWorkingDirectoryUnchanged) {
  EXPECT_EQ(ResolveUserPath("/abs/site", "/w"), "/abs/site");
  EXPECT_EQ(ResolveUserPath("rel", nullptr), "rel");
  EXPECT_EQ(ResolveUserPath("rel", ""), "rel");
}

}  // namespace
}  // namespace serval::cli
