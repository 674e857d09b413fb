#include "src/serve/change_set.h"

#include "gtest/gtest.h"

namespace serval::serve {
namespace {

TEST(ChangeSetTest, OnlyCss) {
  EXPECT_TRUE((ChangeSet{.changed = {"static/a.css", "static/B.CSS"}}).OnlyCss());
  EXPECT_TRUE((ChangeSet{.removed = {"static/a.css"}}).OnlyCss());
  EXPECT_FALSE((ChangeSet{.changed = {"static/a.css", "content/a.md"}}).OnlyCss());
  EXPECT_FALSE((ChangeSet{.changed = {"static/a.css"}, .full = true}).OnlyCss());
  EXPECT_FALSE(ChangeSet().OnlyCss());
  EXPECT_TRUE(ChangeSet().empty());
  EXPECT_FALSE((ChangeSet{.full = true}).empty());
}

}  // namespace
}  // namespace serval::serve
