// Differential test: every case in testdata/differential/ rendered by
// Serval must equal, byte for byte, what Jinja2 rendered for it
// (tools/template_oracle.py wrote the .out files; "!ERROR" means Jinja2
// raised, so Serval must fail too). See the oracle for the case format.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "src/template/environment.h"

namespace serval::tmpl {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Case {
  std::string main;
  MapLoader::Map templates;
  std::string context = "{}";
  EnvironmentOptions options;
};

Case ParseCase(const std::string& text) {
  Case c;
  std::string padded = "\n" + text;
  std::vector<std::string> chunks = absl::StrSplit(padded, "\n=== ");
  for (size_t i = 1; i < chunks.size(); ++i) {
    size_t nl = chunks[i].find('\n');
    std::string header = chunks[i].substr(0, nl);
    std::string body = nl == std::string::npos ? "" : chunks[i].substr(nl + 1);
    while (!header.empty() && header.back() == ' ') header.pop_back();
    std::string kind = header.substr(0, header.find(' '));
    std::string arg = header.find(' ') == std::string::npos
                          ? ""
                          : header.substr(header.find(' ') + 1);
    if (kind == "template") {
      if (c.main.empty()) c.main = arg;
      c.templates[arg] = body;
    } else if (kind == "context") {
      if (body.find_first_not_of(" \n\t") != std::string::npos) {
        c.context = body;
      }
    } else if (kind == "options") {
      for (absl::string_view w :
           absl::StrSplit(body, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
        if (w == "trim_blocks") c.options.lex.trim_blocks = true;
        if (w == "lstrip_blocks") c.options.lex.lstrip_blocks = true;
        if (w == "strict") c.options.strict_undefined = true;
      }
    }
  }
  return c;
}

TEST(DifferentialTest, MatchesJinja2ByteForByte) {
  const std::filesystem::path dir = "src/template/testdata/differential";
  std::vector<std::filesystem::path> cases;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".case") cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  ASSERT_GE(cases.size(), 100u) << "case files missing from runfiles";
  int matched = 0;
  for (const auto& path : cases) {
    if (getenv("DIFF_TRACE")) std::cerr << path << "\n";
    Case c = ParseCase(ReadFile(path));
    std::filesystem::path out_path = path;
    out_path.replace_extension(".out");
    std::string expected = ReadFile(out_path);
    Environment env(std::make_unique<MapLoader>(c.templates), c.options);
    absl::StatusOr<Value> context = ValueFromJson(c.context);
    ASSERT_TRUE(context.ok()) << path << ": " << context.status();
    absl::StatusOr<std::string> got = env.Render(c.main, *context);
    if (expected == "!ERROR\n") {
      EXPECT_FALSE(got.ok()) << path.filename() << ": Jinja2 fails, Serval "
                             << "rendered:\n" << *got;
      if (!got.ok()) ++matched;
      continue;
    }
    if (!got.ok()) {
      ADD_FAILURE() << path.filename() << ": Serval failed: " << got.status()
                    << "\nJinja2 rendered:\n" << expected;
      continue;
    }
    EXPECT_EQ(*got, expected) << path.filename();
    if (*got == expected) ++matched;
  }
  std::cout << "differential: " << matched << " of " << cases.size()
            << " cases match Jinja2 byte for byte\n";
}

}  // namespace
}  // namespace serval::tmpl
