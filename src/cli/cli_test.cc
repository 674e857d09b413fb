#include "src/cli/cli.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

TEST(CliTest, SubcommandHelpIsThatCommandsHelp) {
  Result r = RunServal({"new", "page", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("PATH"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--site"), std::string::npos) << r.out;
}

TEST(CliTest, NewSiteThenNewPageOnDisk) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/cli-site";
  Result site = RunServal({"new", "site", dir, "--title", "T"});
  ASSERT_EQ(site.code, kExitOk) << site.err;
  Result page = RunServal({"new", "page", "posts/x.md", "--site", dir});
  ASSERT_EQ(page.code, kExitOk) << page.err;
  EXPECT_NE(page.out.find("content/posts/x.md"), std::string::npos);
  Result again = RunServal({"new", "page", "posts/x.md", "--site", dir});
  EXPECT_EQ(again.code, kExitFailure);
  EXPECT_NE(again.err.find("EEXIST"), std::string::npos) << again.err;
  Result twice = RunServal({"new", "site", dir});
  EXPECT_EQ(twice.code, kExitFailure);
  EXPECT_NE(twice.err.find("not empty"), std::string::npos) << twice.err;
}

TEST(CliTest, IncrementalBuildExplainsAndSurvivesADamagedCache) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/cli-inc";
  ASSERT_EQ(RunServal({"new", "site", dir}).code, kExitOk);
  ASSERT_EQ(RunServal({"build", dir, "-q"}).code, kExitOk);
  {
    std::ofstream page(dir + "/content/z.md");
    page << "---\ntitle: Z\n---\nZ.\n";
  }
  Result explained = RunServal({"build", dir, "--explain"});
  ASSERT_EQ(explained.code, kExitOk) << explained.err;
  EXPECT_NE(explained.out.find("content/z.md: new\n"),
            std::string::npos)
      << explained.out;
  {
    std::ofstream cache(dir + "/.serval/cache.json", std::ios::trunc);
    cache << "{\"format\": \"serval-build-cache\", \"form";
  }
  // (The warning goes to the log.)
  Result damaged = RunServal({"build", dir, "--explain"});
  EXPECT_EQ(damaged.code, kExitOk) << damaged.err;
  EXPECT_NE(damaged.out.find("content/z.md: full build (cache discarded)\n"),
            std::string::npos)
      << damaged.out;
}

TEST(CliTest, NewWithoutWhatIsUsageError) {
  EXPECT_EQ(RunServal({"new"}).code, kExitUsage);
  EXPECT_EQ(RunServal({"new", "site"}).code, kExitUsage);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(CliTest, RenderTemplateFromDirectoryWithData) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/render";
  WriteFile(dir + "/t/base.html", "<h1>{% block t %}{% endblock %}</h1>");
  WriteFile(dir + "/t/page.html",
            "{% extends 'base.html' %}{% block t %}{{ title }} "
            "{{ tags|join(',') }}{% endblock %}");
  WriteFile(dir + "/ctx.json", R"({"title": "A & B", "tags": ["x", "y"]})");
  Result r = RunServal({"render", "page.html", "--templates", dir + "/t",
                        "--data", dir + "/ctx.json"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "<h1>A &amp; B x,y</h1>");
}

TEST(CliTest, RenderTemplateFileFindsItsPartials) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/render-file";
  WriteFile(dir + "/p.html", "[{{ n|default(2) }}]");
  WriteFile(dir + "/main.html", "{% include 'p.html' %}{{ missing }}");
  Result r = RunServal({"render", dir + "/main.html"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "[2]");
  Result strict = RunServal({"render", dir + "/main.html", "--strict"});
  EXPECT_EQ(strict.code, kExitFailure);
  EXPECT_NE(strict.err.find("main.html:1:"), std::string::npos) << strict.err;
}

TEST(CliTest, RenderErrorsNameTheProblem) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/render-err";
  WriteFile(dir + "/bad.html", "line\n{% if %}");
  Result syntax = RunServal({"render", dir + "/bad.html"});
  EXPECT_EQ(syntax.code, kExitFailure);
  EXPECT_NE(syntax.err.find("bad.html:2:"), std::string::npos) << syntax.err;
  Result missing = RunServal({"render", "nope.html", "--templates", dir});
  EXPECT_EQ(missing.code, kExitFailure);
  EXPECT_NE(missing.err.find("nope.html"), std::string::npos) << missing.err;
  WriteFile(dir + "/bad.json", "{not json");
  Result data = RunServal(
      {"render", dir + "/bad.html", "--data", dir + "/bad.json"});
  EXPECT_EQ(data.code, kExitFailure);
  EXPECT_EQ(RunServal({"render"}).code, kExitUsage);
}

}  // namespace
}  // namespace serval::cli
