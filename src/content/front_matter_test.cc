#include "src/content/front_matter.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace serval::content {
namespace {

ParsedContent MustParse(absl::string_view text) {
  absl::StatusOr<ParsedContent> parsed = ParseContentFile("c/a.md", text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return ParsedContent();
  return std::move(parsed).value();
}

std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<ParsedContent> parsed = ParseContentFile("c/a.md", text);
  EXPECT_FALSE(parsed.ok()) << "parsed: " << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(FrontMatterTest, NoFrontMatter) {
  ParsedContent p = MustParse("# Title\n\nbody\n");
  EXPECT_EQ(p.format, FrontMatterFormat::kNone);
  EXPECT_TRUE(p.front_matter.IsObject());
  EXPECT_EQ(p.front_matter.MemberCount(), 0u);
  EXPECT_EQ(p.body, "# Title\n\nbody\n");
  EXPECT_EQ(p.body_start, (SourcePosition{1, 1}));
}

TEST(FrontMatterTest, EveryFormatAllocatesFromTheSmallPageSizedPool) {
  // A build holds every page's ParsedContent at once: each must take about
  // a KiB, not RapidJSON's default 64 KiB chunk. The pool survives moves.
  for (absl::string_view text :
       {"---\ntitle: Hello\ntags: [a, b]\n---\nBody\n",
        "+++\ntitle = \"Hello\"\ntags = [\"a\", \"b\"]\n+++\nBody\n",
        "{\"title\": \"Hello\", \"tags\": [\"a\", \"b\"]}\nBody\n",
        "Body only\n"}) {
    ParsedContent moved = MustParse(text);
    ParsedContent p = std::move(moved);
    ASSERT_NE(p.front_matter_pool, nullptr) << text;
    EXPECT_EQ(&p.front_matter.GetAllocator(), p.front_matter_pool.get());
    EXPECT_LE(p.front_matter_pool->Capacity(),
              ParsedContent::kFrontMatterChunkBytes)
        << text;
    if (p.format != FrontMatterFormat::kNone) {
      EXPECT_STREQ(p.front_matter["title"].GetString(), "Hello") << text;
      EXPECT_STREQ(p.front_matter["tags"][1].GetString(), "b") << text;
    }
  }
}

TEST(FrontMatterTest, YamlTypes) {
  ParsedContent p = MustParse(
      "---\n"
      "title: Hello, world?\n"
      "quoted: \"42\"\n"
      "count: 42\n"
      "hex: 0x1F\n"
      "ratio: 2.5\n"
      "draft: true\n"
      "nothing: ~\n"
      "tags: [a, b]\n"
      "nested:\n"
      "  key: value\n"
      "date: 2024-03-05\n"
      "---\n"
      "Body text\n");
  EXPECT_EQ(p.format, FrontMatterFormat::kYaml);
  const auto& fm = p.front_matter;
  EXPECT_STREQ(fm["title"].GetString(), "Hello, world?");
  EXPECT_STREQ(fm["quoted"].GetString(), "42");
  EXPECT_EQ(fm["count"].GetInt64(), 42);
  EXPECT_EQ(fm["hex"].GetInt64(), 31);
  EXPECT_DOUBLE_EQ(fm["ratio"].GetDouble(), 2.5);
  EXPECT_TRUE(fm["draft"].GetBool());
  EXPECT_TRUE(fm["nothing"].IsNull());
  ASSERT_TRUE(fm["tags"].IsArray());
  EXPECT_STREQ(fm["tags"][1].GetString(), "b");
  EXPECT_STREQ(fm["nested"]["key"].GetString(), "value");
  EXPECT_STREQ(fm["date"].GetString(), "2024-03-05");
  EXPECT_EQ(p.body, "Body text\n");
  EXPECT_EQ(p.body_start, (SourcePosition{14, 1}));
  EXPECT_EQ(p.key_positions.at("count"), (SourcePosition{4, 1}));
}

// The exact JSON of a value: member order and number types included.
std::string JsonOf(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Whether the fast path took `yaml` (front matter between the delimiters);
// when it did, its values and key positions must be libyaml's.
bool FastPathAgrees(const std::string& yaml) {
  const std::string file = absl::StrCat("---\n", yaml, "---\nbody\n");
  absl::StatusOr<SplitContent> split = SplitFrontMatter("c/a.md", file);
  EXPECT_TRUE(split.ok()) << split.status();
  if (!split.ok()) return false;
  ParsedData fast;
  if (!internal::ParseFlatYamlForTest(*split, &fast)) return false;
  ParsedData slow;
  absl::Status status =
      internal::ParseYamlWithLibyamlForTest("c/a.md", *split, &slow);
  EXPECT_TRUE(status.ok()) << status << "\n" << yaml;
  EXPECT_EQ(JsonOf(fast.value), JsonOf(slow.value)) << yaml;
  EXPECT_EQ(fast.key_positions, slow.key_positions) << yaml;
  return true;
}

TEST(FrontMatterTest, FlatYamlFastPathGivesLibyamlsValues) {
  for (const std::string& yaml : std::vector<std::string>{
           // gen_site.py's front matter
           "title: \"Reprehenderit elit quis dolore\"\n"
           "date: 2018-10-06T09:00:00Z\ntags: [tag20, tag36]\n"
           "categories: [news]\nslug: \"page-000033\"\n",
           "title: Hello, world?\ncount: 42\nhex: 0x1F\noct: 0o17\n"
           "ratio: 2.5\ndraft: true\nnothing: ~\ntags: [a, b]\n"
           "date: 2024-03-05\n",
           "tags:\n  - a\n  - \"b c\"\n  - 3\nnext: x\n",
           "tags:\n- a\n- b\n",
           "tags:\n  - a\n\n  - b\nafter:\n",
           "empty:\nnext: 1\n",
           "title: it's fine\nurl: https://example.org/a?b=c\nneg: -5\n"
           "f: -.5\nexp: 1e3\nbig: 99999999999999999999\nnul: null\n"
           "T: True\nq: 'single \"x\" \\ back'\nd: \"it's # not a comment\"\n",
           "list: []\nlist2: [ ]\nlist3: [1, 2.5, true, ~, \"x\", 'y', a b]\n",
           "title: caf\xC3\xA9 \xE2\x98\x95 \xF0\x9F\x98\x80 \xC2\xA0nbsp\n",
           "weight: 10\naliases: [/old/, /older/]\n",
           "title:    spaced   value   \n",
           "title: a - b\nx: a, b\ny: a]b\nz: a [b] {c}\n",
           "k:\n\nj: 1\n",
           "snake_case: 1\nkebab-case: 2\n2020: year\n",
           "e: \"\"\nf: ''\n",
       }) {
    EXPECT_TRUE(FastPathAgrees(yaml)) << "not taken:\n" << yaml;
  }
  // Left to libyaml (some are errors, some need what the subset lacks).
  for (const std::string& yaml : std::vector<std::string>{
           "title: x # comment\n", "# c\ntitle: x\n", "title: \"a\\\"b\"\n",
           "title: |\n  block\n", "title: >\n  folded\n",
           "nested:\n  key: value\n", "title: &a x\nother: *a\n",
           "title: !!str 1\n", "a: 1\na: 2\n", "title: x\r\n", "title:\tx\n",
           "title: [a, [b]]\n", "title: {a: 1}\n", "title: a: b\n",
           "title: \"unclosed\n  more\"\n", "title: plain\n  continued\n",
           "tags:\n  - a\n   - b\n", "tags:\n  - a\n  -\n",
           "tags:\n  - a: 1\n", "title: \xC2\x85x\n", "title: a\xE2\x80\xA8" "b\n",
           "title: [a,]\n", "title: -\n", "  title: x\n", "key:value\n",
           "title: x:\n", "\"quoted key\": 1\n", "title: x\n...\n",
           "title: @x\n", "title: `x`\n", "title: %x\n", "? complex\n: key\n",
           "- a\n- b\n", "", "\n\n", "title: 'it''s'\n", "title: [\"a,b\"]\n",
           "title: x\n  - y\n", "title: a#b\n", "k: \xEF\xBB\xBFx\n",
       }) {
    EXPECT_FALSE(FastPathAgrees(yaml)) << "taken:\n" << yaml;
  }
}

TEST(FrontMatterTest, YamlCrLfAndBom) {
  ParsedContent p = MustParse("\xEF\xBB\xBF---\r\ntitle: x\r\n---\r\nbody");
  EXPECT_STREQ(p.front_matter["title"].GetString(), "x");
  EXPECT_EQ(p.body, "body");
}

TEST(FrontMatterTest, EmptyYaml) {
  ParsedContent p = MustParse("---\n---\nbody\n");
  EXPECT_EQ(p.front_matter.MemberCount(), 0u);
  EXPECT_EQ(p.body, "body\n");
}

TEST(FrontMatterTest, YamlSyntaxErrorHasFilePosition) {
  // Line 3 of the file holds the bad indentation.
  std::string e = ErrorOf("---\ntitle: a\n  - bad: [\n---\n");
  EXPECT_EQ(e.rfind("c/a.md:", 0), 0u) << e;
  EXPECT_NE(e.find(": YAML: "), std::string::npos) << e;
  EXPECT_TRUE(e.find("c/a.md:3:") == 0 || e.find("c/a.md:4:") == 0) << e;
}

TEST(FrontMatterTest, YamlErrorNamesWhereTheUnclosedConstructBegan) {
  // libyaml notices the missing ']' at the closing fence (line 3); the
  // message also points at the '[' on line 2.
  EXPECT_EQ(ErrorOf("---\ntitle: [unclosed\n---\nBody.\n"),
            "c/a.md:3:1: YAML: did not find expected ',' or ']' while parsing "
            "a flow sequence that began at line 2, column 8");
}

TEST(FrontMatterTest, YamlDuplicateKeyIsError) {
  EXPECT_EQ(ErrorOf("---\ntitle: a\ntitle: b\n---\n"),
            "c/a.md:3:1: duplicate key 'title'");
}

TEST(FrontMatterTest, YamlNonMappingIsError) {
  EXPECT_EQ(ErrorOf("---\n- a\n- b\n---\n"),
            "c/a.md:2:1: expected a mapping of keys to values");
}

TEST(FrontMatterTest, YamlAliasBombIsBounded) {
  std::string bomb = "---\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    absl::StrAppend(&bomb, std::string(1, c), ": &", std::string(1, c), " [");
    for (int i = 0; i < 10; ++i) {
      absl::StrAppend(&bomb, i ? ", " : "", "*", std::string(1, prev));
    }
    absl::StrAppend(&bomb, "]\n");
    prev = c;
  }
  bomb += "---\n";
  EXPECT_NE(ErrorOf(bomb).find("too many values"), std::string::npos);
}

TEST(FrontMatterTest, YamlDeepNestingIsBounded) {
  std::string deep = "---\na: " + std::string(200, '[') +
                     std::string(200, ']') + "\n---\n";
  EXPECT_NE(ErrorOf(deep).find("nested too deeply"), std::string::npos);
}

TEST(FrontMatterTest, Toml) {
  ParsedContent p = MustParse(
      "+++\n"
      "title = \"T\"\n"
      "weight = 3\n"
      "tags = [\"x\", \"y\"]\n"
      "date = 2024-03-05T14:30:00Z\n"
      "[params]\n"
      "color = \"red\"\n"
      "+++\n"
      "body\n");
  EXPECT_EQ(p.format, FrontMatterFormat::kToml);
  EXPECT_STREQ(p.front_matter["title"].GetString(), "T");
  EXPECT_EQ(p.front_matter["weight"].GetInt64(), 3);
  EXPECT_STREQ(p.front_matter["tags"][0].GetString(), "x");
  EXPECT_STREQ(p.front_matter["params"]["color"].GetString(), "red");
  std::string date = p.front_matter["date"].GetString();
  EXPECT_EQ(date.rfind("2024-03-05T14:30", 0), 0u) << date;
  EXPECT_EQ(p.key_positions.at("weight").line, 3);
  EXPECT_EQ(p.body, "body\n");
}

TEST(FrontMatterTest, TomlErrorHasFilePosition) {
  std::string e = ErrorOf("+++\ntitle = \"ok\"\nweight = = 3\n+++\n");
  EXPECT_EQ(e.rfind("c/a.md:3:", 0), 0u) << e;
  EXPECT_NE(e.find(": TOML: "), std::string::npos) << e;
}

// Found by front_matter_fuzzer: toml++ 3.3.0 reached __builtin_unreachable
// on U+FEDF where it expected whitespace (fixed by tools/patches/).
TEST(FrontMatterTest, TomlNonAsciiWhereWhitespaceExpectedIsAnError) {
  std::string e = ErrorOf("+++\n\xEF\xBB\x9Ft+di=el t \"0\n+++\nbody\n");
  EXPECT_EQ(e.rfind("c/a.md:2:", 0), 0u) << e;
}

TEST(FrontMatterTest, Json) {
  ParsedContent p = MustParse(
      "{\n  \"title\": \"J\",\n  \"tags\": [\"a\"],\n  \"n\": {\"x\": 1}\n}\n"
      "Body {not json}\n");
  EXPECT_EQ(p.format, FrontMatterFormat::kJson);
  EXPECT_STREQ(p.front_matter["title"].GetString(), "J");
  EXPECT_EQ(p.front_matter["n"]["x"].GetInt(), 1);
  EXPECT_EQ(p.body, "Body {not json}\n");
  EXPECT_EQ(p.body_start, (SourcePosition{6, 1}));
  EXPECT_EQ(p.key_positions.at("tags"), (SourcePosition{3, 3}));
}

TEST(FrontMatterTest, JsonErrorHasFilePosition) {
  std::string e = ErrorOf("{\n  \"title\": \"J\",\n  \"x\": tru\n}\n");
  EXPECT_EQ(e.rfind("c/a.md:3:", 0), 0u) << e;
  EXPECT_NE(e.find(": JSON: "), std::string::npos) << e;
}

TEST(FrontMatterTest, JsonDeepNestingDoesNotOverflow) {
  std::string deep = "{\"a\": " + std::string(100000, '[') +
                     std::string(100000, ']') + "}\nbody";
  EXPECT_NE(ErrorOf(deep).find("nested too deeply"), std::string::npos);
}

TEST(FrontMatterTest, UnclosedFrontMatter) {
  EXPECT_EQ(ErrorOf("---\ntitle: a\nbody\n"),
            "c/a.md:1:1: front matter opened with '---' is never closed "
            "(expected a line '---')");
}

TEST(FrontMatterTest, InvalidUtf8Position) {
  EXPECT_EQ(ErrorOf("---\ntitle: ok\n---\nline\nbad \xFF here\n"),
            "c/a.md:5:5: invalid UTF-8 (text files must be UTF-8)");
}

TEST(FrontMatterTest, ThematicBreakInBodyIsNotFrontMatter) {
  ParsedContent p = MustParse("Intro\n\n---\n\nMore\n");
  EXPECT_EQ(p.format, FrontMatterFormat::kNone);
  EXPECT_EQ(p.body, "Intro\n\n---\n\nMore\n");
}

}  // namespace
}  // namespace serval::content

namespace serval::content {
namespace {

TEST(ParseDataFileTest, YamlListAllowedForDataFiles) {
  absl::StatusOr<ParsedData> d = ParseDataFile(
      "data/authors.yaml", "- name: Ann\n- name: Bo\n",
      FrontMatterFormat::kYaml, /*require_mapping=*/false);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(d->value.IsArray());
  EXPECT_STREQ(d->value[1]["name"].GetString(), "Bo");
}

TEST(ParseDataFileTest, ConfigMustBeMapping) {
  absl::StatusOr<ParsedData> d =
      ParseDataFile("serval.yaml", "- a\n", FrontMatterFormat::kYaml, true);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "serval.yaml:1:1: expected a mapping of keys to values");
}

TEST(ParseDataFileTest, TomlAndJsonPositionsAreFilePositions) {
  absl::StatusOr<ParsedData> t = ParseDataFile(
      "serval.toml", "title = \"x\"\n\nbad = \n", FrontMatterFormat::kToml,
      true);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().substr(0, 14), "serval.toml:3:");
  absl::StatusOr<ParsedData> j = ParseDataFile(
      "data/x.json", "[1,\n 2,\n ]", FrontMatterFormat::kJson, false);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().message().substr(0, 14), "data/x.json:3:");
}

}  // namespace
}  // namespace serval::content
