#include "src/assets/asset_pipeline.h"

#include "gtest/gtest.h"
#include "src/assets/minify.h"
#include "src/base/fingerprint.h"

namespace serval::assets {
namespace {

TEST(FingerprintedPathTest, HashBeforeExtension) {
  std::string h = base::Fingerprint64Hex("x");
  EXPECT_EQ(FingerprintedPath("css/site.css", "x"), "css/site." + h + ".css");
  EXPECT_EQ(FingerprintedPath("a.b/LICENSE", "x"), "a.b/LICENSE." + h);
  EXPECT_EQ(FingerprintedPath(".htaccess", "x"), ".htaccess." + h);
}

TEST(ProcessStaticFileTest, CssCopiedAndFingerprintedMinified) {
  AssetManifest manifest;
  std::vector<AssetOutput> out =
      ProcessStaticFile("css/site.css", "a { b : c ; }", {}, &manifest);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].path, "css/site.css");
  EXPECT_EQ(out[0].bytes, "a { b : c ; }");
  EXPECT_EQ(out[1].bytes, "a{b:c}");
  EXPECT_EQ(out[1].path, FingerprintedPath("css/site.css", "a{b:c}"));
  EXPECT_EQ(manifest.Url("css/site.css"), "/" + out[1].path);
  EXPECT_EQ(manifest.Url("img/logo.png"), "/img/logo.png");
}

TEST(ProcessStaticFileTest, OtherFilesOnlyCopied) {
  AssetManifest manifest;
  std::vector<AssetOutput> out =
      ProcessStaticFile("img/a.png", std::string("\x89PNG\0", 5), {}, &manifest);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes.size(), 5u);
  EXPECT_TRUE(manifest.entries().empty());
}

TEST(ProcessStaticFileTest, ChangedContentChangesName) {
  AssetManifest a, b;
  auto one = ProcessStaticFile("js/x.js", "f(1)\n", {}, &a);
  auto two = ProcessStaticFile("js/x.js", "f(2)\n", {}, &b);
  EXPECT_NE(one[1].path, two[1].path);
}

TEST(AssetManifestTest, JsonSortedAndEscaped) {
  AssetManifest manifest;
  manifest.Add("z.css", "z.1.css");
  manifest.Add("a\"q.js", "a.2.js");
  EXPECT_EQ(manifest.ToJson(), "{\"a\\\"q.js\":\"a.2.js\",\"z.css\":\"z.1.css\"}\n");
}

}  // namespace
}  // namespace serval::assets
