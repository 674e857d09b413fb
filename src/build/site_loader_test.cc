#include "src/build/site_loader.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/fs/test_fs.h"

namespace serval::build {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SiteLoaderTest : public ::testing::TestWithParam<fs::FsKind> {
 protected:
  void Write(const std::string& rel, absl::string_view text) {
    std::string path = t_.Path(rel);
    ASSERT_TRUE(fs::CreateDirs(t_.fs(), fs::Dirname(path)).ok());
    auto file = t_.fs().OpenForWrite(path, fs::OpenMode::kTruncate, 0644);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE(fs::WriteAll(**file, text).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  LoadedSite Load(LoadOptions options = {}) {
    return LoadSite(t_.fs(), t_.root(), options, &diagnostics_);
  }
  std::string Errors() const {
    return absl::StrJoin(diagnostics_.errors, "\n");
  }

  fs::TestFs t_{GetParam()};
  site::Diagnostics diagnostics_;
};

TEST_P(SiteLoaderTest, LoadsConfigContentAndNestedData) {
  Write("serval.toml", "title = \"Inline\"\n");
  Write("content/_index.md", "---\ntitle: Home\n---\nhi\n");
  Write("content/blog/a.md", "---\ntitle: A\ntags: [x]\n---\nBody\n");
  Write("content/blog/img.png", "PNG");
  Write("content/.hidden.md", "---\ntitle: no\n---\n");
  Write("content/blog/b.md~", "editor backup");
  Write("data/team.yaml", "- name: Ann\n");
  Write("data/nested/conf.json", "{\"k\": 1}");
  Write("templates/page.html", "{{ page.title }}");
  Write("static/css/a.css", "a{}");
  LoadedSite loaded = Load();
  ASSERT_TRUE(diagnostics_.errors.empty()) << Errors();
  EXPECT_THAT(loaded.files.content,
              ElementsAre("content/_index.md", "content/blog/a.md"));
  EXPECT_THAT(loaded.files.resources, ElementsAre("content/blog/img.png"));
  EXPECT_THAT(loaded.files.templates, ElementsAre("templates/page.html"));
  EXPECT_THAT(loaded.files.statics, ElementsAre("static/css/a.css"));
  const site::Site& site = *loaded.site;
  EXPECT_EQ(site.config.title, "Inline");
  EXPECT_NE(site.FindByUrl("/blog/a/"), nullptr);
  EXPECT_NE(site.FindByUrl("/tags/x/"), nullptr);
  EXPECT_STREQ(site.data["team"][0]["name"].GetString(), "Ann");
  EXPECT_EQ(site.data["nested"]["conf"]["k"].GetInt(), 1);
}

TEST_P(SiteLoaderTest, ReportsEveryBadInputAndKeepsTheGoodPages) {
  Write("serval.toml", "title = \"ok\"\n");
  Write("content/good.md", "---\ntitle: Good\n---\n");
  Write("content/bad-yaml.md", "---\ntitle: [unclosed\n---\n");
  Write("content/bad-utf8.md", "---\ntitle: x\n---\nbad \xFF\n");
  Write("content/bad-date.md", "---\ndate: soon\n---\n");
  Write("data/broken.json", "{\"a\": }");
  LoadedSite loaded = Load();
  ASSERT_EQ(diagnostics_.errors.size(), 4u) << Errors();
  EXPECT_THAT(Errors(), HasSubstr("content/bad-yaml.md:3:1: YAML: did not find expected"));
  EXPECT_THAT(Errors(), HasSubstr("content/bad-utf8.md:4:5: invalid UTF-8"));
  EXPECT_THAT(Errors(), HasSubstr("content/bad-date.md:2:1: cannot parse date"));
  EXPECT_THAT(Errors(), HasSubstr("data/broken.json:1:7: JSON: Invalid value."));
  EXPECT_NE(loaded.site->FindByUrl("/good/"), nullptr);
}

TEST_P(SiteLoaderTest, DataKeyClashIsAnError) {
  Write("data/a.yaml", "x: 1\n");
  Write("data/a.json", "{}");
  Load();
  ASSERT_EQ(diagnostics_.errors.size(), 1u) << Errors();
  EXPECT_THAT(diagnostics_.errors[0],
              HasSubstr("data key 'a' is defined by another data file too"));
}

TEST_P(SiteLoaderTest, SymlinkLoopIsAnErrorNotAHang) {
  Write("content/a.md", "---\ntitle: A\n---\n");
  ASSERT_TRUE(t_.fs().Symlink(".", t_.Path("content/loop")).ok());
  Load();
  ASSERT_EQ(diagnostics_.errors.size(), 1u) << Errors();
  EXPECT_THAT(diagnostics_.errors[0], HasSubstr("symlink loop"));
}

TEST_P(SiteLoaderTest, SymlinkToFileIsRead) {
  Write("shared/post.md", "---\ntitle: Shared\n---\n");
  Write("content/real.md", "---\ntitle: Real\n---\n");
  ASSERT_TRUE(
      t_.fs().Symlink(t_.Path("shared/post.md"), t_.Path("content/post.md")).ok());
  LoadedSite loaded = Load();
  EXPECT_TRUE(diagnostics_.errors.empty()) << Errors();
  ASSERT_NE(loaded.site->FindByUrl("/post/"), nullptr);
  EXPECT_EQ(loaded.site->FindByUrl("/post/")->title, "Shared");
}

TEST_P(SiteLoaderTest, MissingSiteDirectory) {
  LoadedSite loaded =
      LoadSite(t_.fs(), t_.Path("nope"), {}, &diagnostics_);
  ASSERT_EQ(diagnostics_.errors.size(), 1u);
  EXPECT_THAT(diagnostics_.errors[0], HasSubstr("not a site directory"));
  ASSERT_NE(loaded.site, nullptr);
}

TEST_P(SiteLoaderTest, NoConfigUsesDefaults) {
  Write("content/a.md", "# A\n");
  LoadedSite loaded = Load();
  EXPECT_TRUE(diagnostics_.errors.empty()) << Errors();
  EXPECT_EQ(loaded.site->config.title, "My Site");
}

INSTANTIATE_TEST_SUITE_P(Fs, SiteLoaderTest,
                         ::testing::Values(fs::FsKind::kPosix,
                                           fs::FsKind::kMem),
                         [](const auto& info) {
                           return info.param == fs::FsKind::kPosix
                                      ? std::string("Posix")
                                      : std::string("Mem");
                         });

}  // namespace
}  // namespace serval::build
