#include "src/markdown/slug.h"

#include <string>

#include "gtest/gtest.h"

namespace serval::markdown {
namespace {

TEST(SlugTest, GitHubStyle) {
  EXPECT_EQ(Slugify("Hello, World!"), "hello-world");
  EXPECT_EQ(Slugify("  Getting Started  "), "getting-started");
  EXPECT_EQ(Slugify("C++ & Rust_2"), "c--rust_2");
  EXPECT_EQ(Slugify("Über Straße"), "Über-straße");
  EXPECT_EQ(Slugify("!!!"), "section");
}

TEST(SlugTest, RegistryMakesSlugsUnique) {
  SlugRegistry slugs;
  EXPECT_EQ(slugs.Unique("intro"), "intro");
  EXPECT_EQ(slugs.Unique("intro"), "intro-1");
  EXPECT_EQ(slugs.Unique("intro"), "intro-2");
  EXPECT_EQ(slugs.Unique("intro-1"), "intro-1-1");
}

TEST(SlugTest, RegistryPastLinearSearch) {
  // The first slugs are searched linearly, later ones in a hash set.
  SlugRegistry slugs;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(slugs.Unique("s"), i == 0 ? "s" : "s-" + std::to_string(i));
    EXPECT_EQ(slugs.Unique("s-" + std::to_string(i + 100)),
              "s-" + std::to_string(i + 100));
  }
  EXPECT_EQ(slugs.Unique("s-150"), "s-150-1");
  EXPECT_EQ(slugs.Unique("s-1"), "s-1-1");
}

// The remembered next suffix skips one taken meanwhile by another slug,
// in the small linear store and past it alike.
TEST(SlugTest, RegistrySkipsSuffixesTakenMeanwhile) {
  for (int before : {0, 40}) {
    SlugRegistry slugs;
    for (int i = 0; i < before; ++i) slugs.Unique("pad" + std::to_string(i));
    EXPECT_EQ(slugs.Unique("a"), "a");
    EXPECT_EQ(slugs.Unique("a-2"), "a-2");
    EXPECT_EQ(slugs.Unique("a"), "a-1");
    EXPECT_EQ(slugs.Unique("a"), "a-3");
    EXPECT_EQ(slugs.Unique("a-4"), "a-4");
    EXPECT_EQ(slugs.Unique("a-5"), "a-5");
    EXPECT_EQ(slugs.Unique("a"), "a-6");
    EXPECT_EQ(slugs.Unique("a-1"), "a-1-1");
  }
}

TEST(SlugTest, ExplicitIds) {
  EXPECT_TRUE(IsValidExplicitId("my-id"));
  EXPECT_TRUE(IsValidExplicitId("a.b:c_d"));
  EXPECT_FALSE(IsValidExplicitId("1abc"));
  EXPECT_FALSE(IsValidExplicitId("a\"b"));
  EXPECT_FALSE(IsValidExplicitId(""));
}

}  // namespace
}  // namespace serval::markdown
