#include "src/base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace serval::base {
namespace {

const absl::Time kTime = absl::FromUnixMillis(1795000000123);

TEST(FormatLogLineTest, TextCarriesBuildPidTid) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, LogLevel::kWarning, "abc123", 42,
                          43, kTime, "content/a.md:3:1: bad date"),
            "[build=abc123 pid=42 tid=43] warning: content/a.md:3:1: bad date\n");
}

TEST(FormatLogLineTest, TextEscapesNewlinesSoOneCallIsOneLine) {
  std::string line = FormatLogLine(LogFormat::kText, LogLevel::kError, "b", 1,
                                   2, kTime, "one\ntwo\rthree\x01");
  EXPECT_EQ(line, "[build=b pid=1 tid=2] error: one\\ntwo\\rthree\\x01\n");
}

TEST(FormatLogLineTest, JsonIsParseableAndRoundTripsMessage) {
  const std::string message = "quote \" backslash \\ nl \n caf\xC3\xA9 \x02";
  std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kInfo, "id9",
                                   7, 8, kTime, message);
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1);
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size() - 1);
  ASSERT_FALSE(doc.HasParseError()) << line;
  EXPECT_STREQ(doc["level"].GetString(), "info");
  EXPECT_STREQ(doc["build"].GetString(), "id9");
  EXPECT_EQ(doc["pid"].GetInt(), 7);
  EXPECT_EQ(doc["tid"].GetInt(), 8);
  EXPECT_EQ(std::string(doc["msg"].GetString(), doc["msg"].GetStringLength()),
            message);
  EXPECT_STREQ(doc["ts"].GetString(), "2026-11-18T11:06:40.123Z");
}

TEST(FormatLogLineTest, JsonReplacesInvalidUtf8) {
  std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kInfo, "b", 1,
                                   1, kTime, "bad \xFF byte");
  EXPECT_NE(line.find("bad \xEF\xBF\xBD byte"), std::string::npos);
}

TEST(NewBuildIdTest, TwelveHexDigitsAndDistinct) {
  std::string a = NewBuildId(), b = NewBuildId();
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(LogTest, WritesWholeLinesAtOrAboveMinLevel) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  InitLogging({.min_level = LogLevel::kInfo,
                .format = LogFormat::kText,
                .build_id = "testbuild",
                .fd = fds[1]});
  EXPECT_EQ(BuildId(), "testbuild");
  SERVAL_LOG(kDebug) << "hidden";
  SERVAL_LOG(kInfo) << "shown " << 1;
  SERVAL_LOG(kError) << "shown " << 2;
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, n);
  ::close(fds[0]);
  InitLogging({});  // back to stderr

  std::vector<std::string> lines =
      absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << out;
  const std::string prefix =
      "[build=testbuild pid=" + std::to_string(::getpid()) + " tid=";
  EXPECT_EQ(lines[0].rfind(prefix, 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("] info: shown 1"), std::string::npos);
  EXPECT_NE(lines[1].find("] error: shown 2"), std::string::npos);
}

TEST(LogTest, DisabledLevelDoesNotEvaluateArguments) {
  InitLogging({.min_level = LogLevel::kError});
  int evaluated = 0;
  auto side_effect = [&] { return ++evaluated; };
  SERVAL_LOG(kInfo) << side_effect();
  EXPECT_EQ(evaluated, 0);
  InitLogging({});
}

}  // namespace
}  // namespace serval::base
