// The bundled example site (examples/blog) assembles without errors and has
// the shape the README promises: sections, tags, a draft left out.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "src/content/front_matter.h"
#include "src/site/config.h"
#include "src/site/site_builder.h"

namespace serval::site {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ExampleSiteTest, BlogAssemblesCleanly) {
  const std::filesystem::path root = "examples/blog";
  absl::StatusOr<SiteConfig> config =
      ParseSiteConfig("serval.toml", ReadAll(root / "serval.toml"));
  ASSERT_TRUE(config.ok()) << config.status();
  std::vector<SourceFile> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(root / "content")) {
    if (entry.path().extension() != ".md") continue;
    // Lexical: runfiles are symlinks, which relative() would resolve.
    std::string rel = entry.path().lexically_relative(root).generic_string();
    absl::StatusOr<content::ParsedContent> parsed =
        content::ParseContentFile(rel, ReadAll(entry.path()));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    files.push_back({rel, std::move(parsed).value()});
  }
  ASSERT_GE(files.size(), 20u);
  Diagnostics diagnostics;
  rapidjson::Document data;
  data.SetObject();
  std::unique_ptr<Site> site = AssembleSite(
      std::move(config).value(), std::move(files), std::move(data), {},
      &diagnostics);
  ASSERT_TRUE(diagnostics.errors.empty())
      << absl::StrJoin(diagnostics.errors, "\n");
  EXPECT_EQ(site->config.title, "Serval Field Notes");
  EXPECT_EQ(site->FindByUrl("/blog/ideas-for-next-quarter/"), nullptr);
  EXPECT_EQ(site->FindBySourcePath("content/blog/draft-ideas.md"), nullptr);
  const Page* docs = site->FindByUrl("/docs/");
  ASSERT_NE(docs, nullptr);
  EXPECT_EQ(docs->pages.size(), 6u);
  EXPECT_EQ(docs->pages.front()->title, "Installation");  // weight 1
  EXPECT_EQ(docs->pages.front()->layout, "doc");          // cascade
  const Page* reliability = site->FindByUrl("/tags/reliability/");
  ASSERT_NE(reliability, nullptr);
  EXPECT_GE(reliability->pages.size(), 4u);
  ASSERT_EQ(site->aliases.size(), 1u);
  EXPECT_EQ(site->aliases[0].url, "/docs/guarantees/");
  // Blog posts inherit the "engineering" category from the section cascade.
  EXPECT_NE(site->FindByUrl("/categories/engineering/"), nullptr);
}

}  // namespace
}  // namespace serval::site
