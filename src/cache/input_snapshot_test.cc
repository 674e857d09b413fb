#include "src/cache/input_snapshot.h"

#include <cstdint>
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

// The numbers at the edges of the hand-read digits (up to 19, within the
// field's type) and past them (SimpleAtoi): the extremes of each field,
// and a time before 1970.
TEST(InputSnapshotTest, NumbersAtTheirExtremesRoundTrip) {
  InputSnapshot s = Sample();
  s.inputs["content/b.md"] = {0, -1, INT64_MIN, UINT64_MAX};
  s.inputs["content/c.md"] = {999999999999999999u, 999999999999999999,
                              1000000000000000000, 1000000000000000000u};
  s.inputs["content/d.md"] = {UINT64_MAX, INT64_MAX, -1700000000000000000, 0};
  s.inputs["content/e.md"] = {9999999999999999999u, 1700000000123456789,
                              INT64_MAX - 1, 10000000000000000000u};
  absl::StatusOr<std::string> text = SerializeInputSnapshot(s);
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<InputSnapshot> back = ParseInputSnapshot(*text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == s);
}

// A 19-digit time past INT64_MAX is refused, as SimpleAtoi refuses it.
TEST(InputSnapshotTest, TimePastItsTypeIsRejected) {
  InputSnapshot s = Sample();
  s.inputs["content/b.md"] = {1, 9223372036854775807, 2, 3};
  std::string text = *SerializeInputSnapshot(s);
  const size_t at = text.find("9223372036854775807");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 19, "9223372036854775808");
  const size_t end = text.rfind("end\t");
  text = absl::StrCat(text.substr(0, end), "end\t",
                      base::FastFingerprint64Hex(text.substr(0, end)), "\n");
  absl::StatusOr<InputSnapshot> back = ParseInputSnapshot(text);
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("bad stat"));
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
