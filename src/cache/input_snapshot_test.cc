#include "src/cache/input_snapshot.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/base/fingerprint.h"

namespace serval::cache {
namespace {

using ::testing::HasSubstr;

InputSnapshot Sample() {
  InputSnapshot s;
  s.identity = "serval 0.1.0 exe=123/456 out=public drafts=0";
  s.pages = 3;
  s.cache = {100, 1700000000000000001, 1700000000000000002, 42};
  s.inputs["content/a.md"] = {12, 1, 2, 3};
  s.inputs["templates/page.html"] = {7, 4, 5, 6};
  s.outputs["a/index.html"] = {900, 7, 8, 9};
  s.warnings = {"content/a.md:3: unknown directive {x}", "tab\there\nnl \\ end"};
  return s;
}

TEST(InputSnapshotTest, RoundTripsExactly) {
  absl::StatusOr<std::string> text = SerializeInputSnapshot(Sample());
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<InputSnapshot> back = ParseInputSnapshot(*text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == Sample());
  EXPECT_EQ(*SerializeInputSnapshot(*back), *text);
}

TEST(InputSnapshotTest, EveryTruncationAndByteFlipIsRejected) {
  const std::string text = *SerializeInputSnapshot(Sample());
  for (size_t n = 0; n < text.size(); ++n) {
    EXPECT_FALSE(ParseInputSnapshot(text.substr(0, n)).ok()) << n;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = text;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(ParseInputSnapshot(bad).ok()) << i << "/" << bit;
    }
  }
}

TEST(InputSnapshotTest, UnstorableNamesAreRefused) {
  InputSnapshot s = Sample();
  s.inputs["../escape.md"] = {};
  EXPECT_FALSE(SerializeInputSnapshot(s).ok());
  s = Sample();
  s.identity = "a\tb";
  EXPECT_FALSE(SerializeInputSnapshot(s).ok());
}

TEST(InputSnapshotTest, ChecksummedButMalformedIsRejectedWithTheLine) {
  std::string body = "serval-input-snapshot 1\nidentity\tx\npages\t1\nbogus\n";
  std::string text = absl::StrCat(body, "end\t",
                                  base::FastFingerprint64Hex(body), "\n");
  absl::StatusOr<InputSnapshot> parsed = ParseInputSnapshot(text);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("line 4"));
}

TEST(InputSnapshotTest, RecentChangesAreRacy) {
  const absl::Time written = absl::FromUnixSeconds(1000);
  StatRecord old{1, absl::ToUnixNanos(written - absl::Seconds(10)),
                 absl::ToUnixNanos(written - absl::Seconds(10)), 1};
  EXPECT_FALSE(IsRacy(old, written));
  StatRecord fresh_mtime = old;
  fresh_mtime.mtime_ns = absl::ToUnixNanos(written - absl::Seconds(1));
  EXPECT_TRUE(IsRacy(fresh_mtime, written));
  StatRecord fresh_ctime = old;
  fresh_ctime.ctime_ns = absl::ToUnixNanos(written);
  EXPECT_TRUE(IsRacy(fresh_ctime, written));
}

}  // namespace
}  // namespace serval::cache
