#include "src/scaffold/scaffold.h"

#include <string>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "src/build/site_loader.h"
#include "src/fs/mem_fs.h"

namespace serval::scaffold {
namespace {

TEST(NewSiteTest, WritesASiteThatLoadsCleanly) {
  fs::MemFs fs;
  ASSERT_TRUE(NewSite(fs, "/blog", "Quote \"me\"").ok());
  site::Diagnostics diagnostics;
  build::LoadedSite loaded = build::LoadSite(fs, "/blog", {}, &diagnostics);
  EXPECT_TRUE(diagnostics.errors.empty())
      << absl::StrJoin(diagnostics.errors, "\n");
  EXPECT_EQ(loaded.site->config.title, "Quote \"me\"");
  EXPECT_NE(loaded.site->FindByUrl("/posts/hello-world/"), nullptr);
  EXPECT_EQ(loaded.site->config.menus.size(), 1u);
}

TEST(NewSiteTest, RefusesNonEmptyDirectory) {
  fs::MemFs fs;
  ASSERT_TRUE(fs::CreateDirs(fs, "/blog/content").ok());
  absl::Status s = NewSite(fs, "/blog", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs.Stat("/blog/serval.toml").ok());
}

TEST(NewPageTest, WritesDraftWithTitleAndDateAndNeverOverwrites) {
  fs::MemFs fs;
  ASSERT_TRUE(NewSite(fs, "/s", "S").ok());
  absl::Time now = absl::FromUnixSeconds(1795000000);
  absl::StatusOr<std::string> path = NewPage(fs, "/s", "posts/second-post", now);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, "/s/content/posts/second-post.md");
  absl::StatusOr<std::string> text = fs.ReadFile(*path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "---\ntitle: \"Second post\"\ndate: 2026-11-18T11:06:40Z\n"
            "draft: true\ntags: []\n---\n\nWrite here.\n");
  absl::StatusOr<std::string> again = NewPage(fs, "/s", "posts/second-post.md", now);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  // A draft: not built unless --drafts.
  site::Diagnostics diagnostics;
  auto loaded = build::LoadSite(fs, "/s", {}, &diagnostics);
  EXPECT_TRUE(diagnostics.errors.empty());
  EXPECT_EQ(loaded.site->FindByUrl("/posts/second-post/"), nullptr);
}

TEST(NewPageTest, RejectsPathsLeavingContent) {
  fs::MemFs fs;
  for (const char* bad : {"../x.md", "a/../../x", "/abs.md", ""}) {
    EXPECT_EQ(NewPage(fs, "/s", bad, absl::UnixEpoch()).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace serval::scaffold
