#include "src/cli/cli.h"

#include <sstream>

#include "gtest/gtest.h"
#include "src/base/version.h"

namespace serval::cli {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result RunServal(std::vector<std::string> args) {
  args.insert(args.begin(), "serval");
  std::ostringstream out, err;
  int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(CliTest, VersionCommand) {
  Result r = RunServal({"version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, std::string("serval ") + base::kVersion + "\n");
  EXPECT_EQ(r.err, "");
}

TEST(CliTest, VersionFlag) {
  Result r = RunServal({"--version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, std::string("serval ") + base::kVersion + "\n");
}

TEST(CliTest, HelpListsCommands) {
  Result r = RunServal({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("version"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
}

TEST(CliTest, NoCommandIsUsageError) {
  Result r = RunServal({});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("serval --help"), std::string::npos) << r.err;
}

TEST(CliTest, UnknownCommandIsUsageError) {
  Result r = RunServal({"frobnicate"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace serval::cli
