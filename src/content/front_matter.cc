#include "src/content/front_matter.h"

#include <yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rapidjson/error/en.h"
#include "rapidjson/reader.h"
#include "src/base/utf8.h"
#include "toml++/toml.h"

namespace serval::content {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

// --- splitting --------------------------------------------------------------

// The line starting at `offset`, without its terminator; `next` is set to
// the offset of the following line.
absl::string_view LineAt(absl::string_view text, size_t offset, size_t* next) {
  size_t end = text.find('\n', offset);
  if (end == absl::string_view::npos) {
    *next = text.size();
    end = text.size();
  } else {
    *next = end + 1;
  }
  absl::string_view line = text.substr(offset, end - offset);
  return absl::StripTrailingAsciiWhitespace(line);
}

// RapidJSON SAX handler that accepts everything: used to find where a JSON
// front matter object ends.
struct NullHandler
    : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, NullHandler> {
  bool Default() { return true; }
};

absl::Status JsonError(absl::string_view path, absl::string_view text,
                       size_t offset, rapidjson::ParseErrorCode code) {
  return PositionedError(absl::StatusCode::kInvalidArgument, path,
                         PositionOfOffset(text, offset),
                         absl::StrCat("JSON: ",
                                      rapidjson::GetParseError_En(code)));
}

// --- YAML -------------------------------------------------------------------

bool IsDecimalInteger(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool IsFloat(absl::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t digits = 0;
  while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// YAML 1.2 core schema for plain scalars; quoted scalars are strings.
void ScalarValue(absl::string_view text, bool plain, Allocator* allocator,
                 Value* out) {
  if (plain) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" ||
        text == "NULL") {
      out->SetNull();
      return;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
      out->SetBool(true);
      return;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
      out->SetBool(false);
      return;
    }
    int64_t integer;
    if (IsDecimalInteger(text) && absl::SimpleAtoi(text, &integer)) {
      out->SetInt64(integer);
      return;
    }
    if (text.size() > 2 && text[0] == '0' &&
        (text[1] == 'x' || text[1] == 'o')) {
      int64_t based = 0;
      const char* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data() + 2, end, based,
                                       text[1] == 'x' ? 16 : 8);
      if (ec == std::errc() && ptr == end) {
        out->SetInt64(based);
        return;
      }
    }
    double real;
    if (IsFloat(text) && absl::SimpleAtod(text, &real)) {
      out->SetDouble(real);
      return;
    }
  }
  out->SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()),
                 *allocator);
}

class YamlConverter {
 public:
  YamlConverter(absl::string_view path, SourcePosition origin,
                yaml_document_t* document, Allocator* allocator)
      : path_(path), origin_(origin), document_(document),
        allocator_(allocator) {}

  absl::Status Convert(yaml_node_t* node, int depth, Value* out) {
    if (++nodes_ > kMaxFrontMatterNodes) {
      return Error(node, "YAML expands to too many values "
                         "(aliases?)");
    }
    if (depth > kMaxFrontMatterDepth) {
      return Error(node, "YAML is nested too deeply");
    }
    switch (node->type) {
      case YAML_SCALAR_NODE:
        ConvertScalar(node, out);
        return absl::OkStatus();
      case YAML_SEQUENCE_NODE: {
        out->SetArray();
        for (yaml_node_item_t* item = node->data.sequence.items.start;
             item < node->data.sequence.items.top; ++item) {
          Value element;
          absl::Status s = Convert(yaml_document_get_node(document_, *item),
                                   depth + 1, &element);
          if (!s.ok()) return s;
          out->PushBack(element, *allocator_);
        }
        return absl::OkStatus();
      }
      case YAML_MAPPING_NODE: {
        out->SetObject();
        for (yaml_node_pair_t* pair = node->data.mapping.pairs.start;
             pair < node->data.mapping.pairs.top; ++pair) {
          yaml_node_t* key = yaml_document_get_node(document_, pair->key);
          if (key->type != YAML_SCALAR_NODE) {
            return Error(key, "YAML keys must be scalars");
          }
          absl::string_view name(
              reinterpret_cast<const char*>(key->data.scalar.value),
              key->data.scalar.length);
          if (out->FindMember(Value(rapidjson::StringRef(
                  name.data(), static_cast<rapidjson::SizeType>(
                                   name.size())))) != out->MemberEnd()) {
            return Error(key, absl::StrCat("duplicate key '", name, "'"));
          }
          if (depth == 0) key_positions_[std::string(name)] = Position(key);
          Value element;
          absl::Status s = Convert(
              yaml_document_get_node(document_, pair->value), depth + 1,
              &element);
          if (!s.ok()) return s;
          out->AddMember(Value(name.data(),
                               static_cast<rapidjson::SizeType>(name.size()),
                               *allocator_),
                         element, *allocator_);
        }
        return absl::OkStatus();
      }
      case YAML_NO_NODE:
        out->SetNull();
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  absl::flat_hash_map<std::string, SourcePosition> TakeKeyPositions() {
    return std::move(key_positions_);
  }

  SourcePosition Position(const yaml_node_t* node) const {
    return Relocate({static_cast<int>(node->start_mark.line) + 1,
                     static_cast<int>(node->start_mark.column) + 1},
                    origin_);
  }

 private:
  absl::Status Error(const yaml_node_t* node, absl::string_view message) {
    return PositionedError(absl::StatusCode::kInvalidArgument, path_,
                           Position(node), message);
  }

  void ConvertScalar(const yaml_node_t* node, Value* out) {
    ScalarValue(absl::string_view(
                    reinterpret_cast<const char*>(node->data.scalar.value),
                    node->data.scalar.length),
                node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, allocator_,
                out);
  }

  absl::string_view path_;
  SourcePosition origin_;
  yaml_document_t* document_;
  Allocator* allocator_;
  int nodes_ = 0;
  absl::flat_hash_map<std::string, SourcePosition> key_positions_;
};

// --- YAML, the fast path ----------------------------------------------------
//
// Most front matter is a flat mapping: `key: scalar`, `key: [a, b]`, or a
// key followed by `- item` lines. libyaml takes some 50,000 instructions
// for such a page (its parser allocates and fills buffers per document);
// this reads that subset directly, into the same values as the libyaml
// path gives (front_matter_test and the fuzzer compare the two), and
// leaves anything else to libyaml: comments, tabs, CR, multi-line or
// escaped scalars, anchors, tags, block scalars, nested mappings, flow
// mappings, duplicate keys (whose error libyaml's path reports), and
// characters YAML treats specially.

// A character the fast path leaves to libyaml wherever it appears: control
// characters but '\n' (tab, CR included), DEL, C1 controls (NEL is a YAML
// 1.1 line break), LS and PS, a byte order mark, U+FFFE and U+FFFF.
bool HasYamlSpecialCharacter(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
      continue;
    }
    const absl::string_view rest = text.substr(i);
    if (c == 0xC2 && rest.size() > 1 &&
        static_cast<unsigned char>(rest[1]) < 0xA0) {
      return true;
    }
    if (absl::StartsWith(rest, "\xE2\x80\xA8") ||
        absl::StartsWith(rest, "\xE2\x80\xA9") ||
        absl::StartsWith(rest, "\xEF\xBB\xBF") ||
        absl::StartsWith(rest, "\xEF\xBF\xBE") ||
        absl::StartsWith(rest, "\xEF\xBF\xBF")) {
      return true;
    }
  }
  return false;
}

// A scalar of the subset: "double" or 'single' quoted without escapes or
// inner quotes, or plain, starting with no indicator and holding no '#',
// no ": " and no final ':' (in a flow sequence, no flow indicator and no
// ':' at all). False if `text` (trimmed) is none of these.
bool FlatScalar(absl::string_view text, bool in_flow, absl::string_view* value,
                bool* plain) {
  if (text.empty()) return false;
  const char first = text[0];
  if (first == '"' || first == '\'') {
    if (text.size() < 2 || text.back() != first) return false;
    const absl::string_view inner = text.substr(1, text.size() - 2);
    if (inner.find(first) != absl::string_view::npos ||
        (first == '"' && inner.find('\\') != absl::string_view::npos)) {
      return false;
    }
    *value = inner;
    *plain = false;
    return true;
  }
  static constexpr absl::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(first) != absl::string_view::npos &&
      !(first == '-' && text.size() > 1 &&
        (absl::ascii_isdigit(text[1]) || text[1] == '.'))) {
    return false;
  }
  if (text.find('#') != absl::string_view::npos || text.back() == ':' ||
      text.find(": ") != absl::string_view::npos) {
    return false;
  }
  if (in_flow && text.find_first_of(",[]{}:\"'") != absl::string_view::npos) {
    return false;
  }
  *value = text;
  *plain = true;
  return true;
}

// The fast path: true if `split.front_matter` is in the subset, with
// out->value and out->key_positions set as ParseYaml's libyaml path would
// set them; false if libyaml must parse it (out->value and key_positions
// untouched; values already made stay unused in its pool). Tabs, CR and
// other control characters are refused first, so the ASCII whitespace
// the Strip functions remove around lines and scalars is only spaces.
bool ParseFlatYaml(const SplitContent& split, ParsedData* out) {
  const absl::string_view text = split.front_matter;
  if (HasYamlSpecialCharacter(text)) return false;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  Value root(rapidjson::kObjectType);
  Allocator& allocator = out->value.GetAllocator();
  absl::flat_hash_map<std::string, SourcePosition> positions;
  int values = 0;
  auto add_scalar = [&](absl::string_view scalar, bool in_flow,
                        Value* into) {
    absl::string_view value;
    bool plain = false;
    if (!FlatScalar(absl::StripAsciiWhitespace(scalar), in_flow, &value,
                    &plain)) {
      return false;
    }
    ScalarValue(value, plain, &allocator, into);
    return ++values <= kMaxFrontMatterNodes;
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty()) continue;
    // key ':' (' ' value)?
    size_t k = 0;
    while (k < line.size() &&
           (absl::ascii_isalnum(line[k]) || line[k] == '_' ||
            (k > 0 && line[k] == '-'))) {
      ++k;
    }
    if (k == 0 || k == line.size() || line[k] != ':' ||
        (k + 1 < line.size() && line[k + 1] != ' ')) {
      return false;
    }
    const absl::string_view key = line.substr(0, k);
    if (positions.contains(key)) return false;  // libyaml's path reports it
    positions[key] =
        Relocate({static_cast<int>(i) + 1, 1}, split.front_matter_start);
    const absl::string_view rest =
        absl::StripAsciiWhitespace(line.substr(k + 1));
    Value element;
    if (rest.empty()) {
      // Null, or a block sequence: the `- item` lines that follow, all
      // indented alike.
      size_t indent = absl::string_view::npos;
      while (i + 1 < lines.size()) {
        absl::string_view item = lines[i + 1];
        item = absl::StripTrailingAsciiWhitespace(item);
        if (item.empty()) {
          ++i;
          continue;
        }
        size_t spaces = 0;
        while (spaces < item.size() && item[spaces] == ' ') ++spaces;
        if (spaces + 1 >= item.size() || item[spaces] != '-' ||
            item[spaces + 1] != ' ') {
          if (spaces > 0 || item[0] == '-') return false;
          break;  // the next key
        }
        if (indent == absl::string_view::npos) indent = spaces;
        if (spaces != indent) return false;
        if (!element.IsArray()) element.SetArray();
        Value member;
        if (!add_scalar(item.substr(spaces + 2), false, &member)) return false;
        element.PushBack(member, allocator);
        ++i;
      }
    } else if (rest.front() == '[') {
      if (rest.back() != ']') return false;
      element.SetArray();
      const absl::string_view inner = rest.substr(1, rest.size() - 2);
      if (!absl::StripAsciiWhitespace(inner).empty()) {
        for (absl::string_view item : absl::StrSplit(inner, ',')) {
          Value member;
          if (!add_scalar(item, true, &member)) return false;
          element.PushBack(member, allocator);
        }
      }
    } else if (!add_scalar(rest, false, &element)) {
      return false;
    }
    if (++values > kMaxFrontMatterNodes) return false;
    root.AddMember(
        Value(key.data(), static_cast<rapidjson::SizeType>(key.size()),
              allocator),
        element, allocator);
  }
  if (positions.empty()) return false;  // empty or all blank: libyaml's
  static_cast<Value&>(out->value).Swap(root);
  out->key_positions = std::move(positions);
  return true;
}

// Parses split.front_matter as YAML into out->value. With `require_mapping`
// (front matter, config) the root must be a mapping; data files may hold
// any value.
absl::Status ParseYamlWithLibyaml(absl::string_view path,
                                  const SplitContent& split,
                                  bool require_mapping, ParsedData* out) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    return absl::ResourceExhaustedError("cannot initialise the YAML parser");
  }
  yaml_parser_set_input_string(
      &parser, reinterpret_cast<const unsigned char*>(split.front_matter.data()),
      split.front_matter.size());
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
  yaml_document_t document;
  absl::Status status;
  if (!yaml_parser_load(&parser, &document)) {
    SourcePosition at =
        Relocate({static_cast<int>(parser.problem_mark.line) + 1,
                  static_cast<int>(parser.problem_mark.column) + 1},
                 split.front_matter_start);
    std::string message = absl::StrCat(
        "YAML: ", parser.problem ? parser.problem : "syntax error");
    if (parser.context != nullptr) {
      // libyaml notices some errors far from their cause (an unclosed '['
      // at the end of the front matter): name where the construct began.
      const SourcePosition began =
          Relocate({static_cast<int>(parser.context_mark.line) + 1,
                    static_cast<int>(parser.context_mark.column) + 1},
                   split.front_matter_start);
      absl::StrAppend(&message, " ", parser.context);
      if (began.line != at.line || began.column != at.column) {
        absl::StrAppend(&message, " that began at line ", began.line,
                        ", column ", began.column);
      }
    }
    yaml_parser_delete(&parser);
    return PositionedError(absl::StatusCode::kInvalidArgument, path, at,
                           message);
  }
  yaml_node_t* root = yaml_document_get_root_node(&document);
  out->value.SetObject();
  if (root != nullptr) {
    YamlConverter converter(path, split.front_matter_start, &document,
                            &out->value.GetAllocator());
    bool empty = root->type == YAML_SCALAR_NODE &&
                 root->data.scalar.length == 0 &&
                 root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (require_mapping && root->type != YAML_MAPPING_NODE && !empty) {
      status = PositionedError(absl::StatusCode::kInvalidArgument, path,
                               converter.Position(root),
                               "expected a mapping of keys to values");
    } else if (!empty) {
      status = converter.Convert(root, 0, &out->value);
      out->key_positions = converter.TakeKeyPositions();
    }
  }
  yaml_document_delete(&document);
  yaml_parser_delete(&parser);
  return status;
}

// --- TOML -------------------------------------------------------------------

template <typename T>
std::string Streamed(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

absl::Status ConvertToml(const toml::node& node, int depth,
                         Allocator* allocator, Value* out) {
  if (depth > kMaxFrontMatterDepth) {
    return absl::InvalidArgumentError("TOML is nested too deeply");
  }
  switch (node.type()) {
    case toml::node_type::table: {
      out->SetObject();
      for (auto&& [key, child] : *node.as_table()) {
        Value element;
        absl::Status s = ConvertToml(child, depth + 1, allocator, &element);
        if (!s.ok()) return s;
        std::string_view name = key.str();
        out->AddMember(Value(name.data(),
                             static_cast<rapidjson::SizeType>(name.size()),
                             *allocator),
                       element, *allocator);
      }
      return absl::OkStatus();
    }
    case toml::node_type::array: {
      out->SetArray();
      for (const toml::node& child : *node.as_array()) {
        Value element;
        absl::Status s = ConvertToml(child, depth + 1, allocator, &element);
        if (!s.ok()) return s;
        out->PushBack(element, *allocator);
      }
      return absl::OkStatus();
    }
    case toml::node_type::string: {
      const std::string& s = node.as_string()->get();
      out->SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()),
                     *allocator);
      return absl::OkStatus();
    }
    case toml::node_type::integer:
      out->SetInt64(node.as_integer()->get());
      return absl::OkStatus();
    case toml::node_type::floating_point:
      out->SetDouble(node.as_floating_point()->get());
      return absl::OkStatus();
    case toml::node_type::boolean:
      out->SetBool(node.as_boolean()->get());
      return absl::OkStatus();
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: {
      std::string s = node.type() == toml::node_type::date
                          ? Streamed(node.as_date()->get())
                      : node.type() == toml::node_type::time
                          ? Streamed(node.as_time()->get())
                          : Streamed(node.as_date_time()->get());
      out->SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()),
                     *allocator);
      return absl::OkStatus();
    }
    case toml::node_type::none:
      out->SetNull();
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status ParseToml(absl::string_view path, const SplitContent& split,
                       ParsedData* out) {
  toml::parse_result result = toml::parse(
      std::string_view(split.front_matter.data(), split.front_matter.size()),
      std::string_view(path.data(), path.size()));
  if (!result) {
    const toml::parse_error& error = result.error();
    SourcePosition at = Relocate(
        {static_cast<int>(error.source().begin.line),
         static_cast<int>(error.source().begin.column)},
        split.front_matter_start);
    return PositionedError(absl::StatusCode::kInvalidArgument, path, at,
                           absl::StrCat("TOML: ",
                                        std::string(error.description())));
  }
  const toml::table& table = result.table();
  for (auto&& [key, child] : table) {
    const toml::source_region& region = child.source();
    out->key_positions[std::string(key.str())] =
        Relocate({static_cast<int>(region.begin.line),
                  static_cast<int>(region.begin.column)},
                 split.front_matter_start);
  }
  out->value.SetObject();
  absl::Status s =
      ConvertToml(table, 0, &out->value.GetAllocator(), &out->value);
  if (!s.ok()) {
    return PositionedError(absl::StatusCode::kInvalidArgument, path,
                           split.front_matter_start, s.message());
  }
  return absl::OkStatus();
}

// --- JSON -------------------------------------------------------------------

// True if `value` nests deeper than `limit`; recursion stops at the limit,
// so a hostile document cannot overflow the stack here either.
bool TooDeep(const Value& value, int limit) {
  if (!value.IsObject() && !value.IsArray()) return false;
  if (limit == 0) return true;
  if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      if (TooDeep(member.value, limit - 1)) return true;
    }
  } else {
    for (const auto& element : value.GetArray()) {
      if (TooDeep(element, limit - 1)) return true;
    }
  }
  return false;
}

absl::Status ParseJson(absl::string_view path, absl::string_view text,
                       const SplitContent& split, ParsedData* out) {
  size_t base = static_cast<size_t>(split.front_matter.data() - text.data());
  // Iterative parsing: deep nesting cannot overflow the stack.
  out->value.Parse<rapidjson::kParseIterativeFlag>(split.front_matter.data(),
                                                   split.front_matter.size());
  if (out->value.HasParseError()) {
    return JsonError(path, text, base + out->value.GetErrorOffset(),
                     out->value.GetParseError());
  }
  if (TooDeep(out->value, kMaxFrontMatterDepth)) {
    return PositionedError(absl::StatusCode::kInvalidArgument, path,
                           split.front_matter_start,
                           "JSON is nested too deeply");
  }
  if (!out->value.IsObject()) return absl::OkStatus();
  for (auto it = out->value.MemberBegin(); it != out->value.MemberEnd();
       ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    for (auto later = it + 1; later != out->value.MemberEnd(); ++later) {
      if (key == absl::string_view(later->name.GetString(),
                                   later->name.GetStringLength())) {
        return PositionedError(absl::StatusCode::kInvalidArgument, path,
                               split.front_matter_start,
                               absl::StrCat("duplicate key '", key, "'"));
      }
    }
    // Position of the key's first quoted occurrence, for diagnostics.
    size_t at = split.front_matter.find(absl::StrCat("\"", key, "\""));
    out->key_positions[key] =
        PositionOfOffset(text, base + (at == absl::string_view::npos ? 0 : at));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SplitContent> SplitFrontMatter(absl::string_view path,
                                              absl::string_view text) {
  SplitContent split;
  size_t start = 0;
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) start = 3;  // UTF-8 BOM
  size_t next = 0;
  absl::string_view first = LineAt(text, start, &next);
  const SourcePosition opening = PositionOfOffset(text, start);

  if (first == "---" || first == "+++") {
    split.format =
        first == "---" ? FrontMatterFormat::kYaml : FrontMatterFormat::kToml;
    size_t fm_begin = next;
    size_t offset = next;
    while (offset < text.size()) {
      size_t line_start = offset;
      absl::string_view line = LineAt(text, offset, &next);
      if (line == first) {
        split.front_matter = text.substr(fm_begin, line_start - fm_begin);
        split.front_matter_start = PositionOfOffset(text, fm_begin);
        split.body = text.substr(next);
        split.body_start = PositionOfOffset(text, next);
        return split;
      }
      offset = next;
    }
    return PositionedError(
        absl::StatusCode::kInvalidArgument, path, opening,
        absl::StrCat("front matter opened with '", first,
                     "' is never closed (expected a line '", first, "')"));
  }

  if (start < text.size() && text[start] == '{') {
    split.format = FrontMatterFormat::kJson;
    rapidjson::Reader reader;
    NullHandler handler;
    // Find the end of the object (iterative: no recursion on deep input).
    // RapidJSON's StringStream reads up to a NUL, hence the copy.
    std::string copy(text.substr(start));
    rapidjson::StringStream in(copy.c_str());
    rapidjson::ParseResult ok = reader.Parse<rapidjson::kParseStopWhenDoneFlag |
                                             rapidjson::kParseIterativeFlag>(
        in, handler);
    if (!ok) return JsonError(path, text, start + ok.Offset(), ok.Code());
    size_t end = start + in.Tell();
    split.front_matter = text.substr(start, end - start);
    split.front_matter_start = opening;
    // The body starts on the line after the closing brace.
    size_t body = text.find('\n', end);
    body = body == absl::string_view::npos ? text.size() : body + 1;
    split.body = text.substr(body);
    split.body_start = PositionOfOffset(text, body);
    return split;
  }

  split.body = text.substr(start);
  split.body_start = opening;
  return split;
}

namespace {

absl::Status ParseFrontMatterText(absl::string_view path,
                                  absl::string_view text,
                                  const SplitContent& split,
                                  bool require_mapping, ParsedData* out) {
  switch (split.format) {
    case FrontMatterFormat::kNone:
      out->value.SetObject();
      return absl::OkStatus();
    case FrontMatterFormat::kYaml:
      if (ParseFlatYaml(split, out)) return absl::OkStatus();
      return ParseYamlWithLibyaml(path, split, require_mapping, out);
    case FrontMatterFormat::kToml:
      return ParseToml(path, split, out);
    case FrontMatterFormat::kJson: {
      absl::Status status = ParseJson(path, text, split, out);
      if (status.ok() && require_mapping && !out->value.IsObject()) {
        status = PositionedError(absl::StatusCode::kInvalidArgument, path,
                                 split.front_matter_start,
                                 "expected a JSON object");
      }
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUtf8(absl::string_view path, absl::string_view text) {
  size_t invalid = base::FindInvalidUtf8(text);
  if (invalid == text.size()) return absl::OkStatus();
  return PositionedError(absl::StatusCode::kInvalidArgument, path,
                         PositionOfOffset(text, invalid),
                         "invalid UTF-8 (text files must be UTF-8)");
}

}  // namespace

absl::StatusOr<ParsedContent> ParseContentFile(absl::string_view path,
                                               absl::string_view text) {
  absl::Status utf8 = CheckUtf8(path, text);
  if (!utf8.ok()) return utf8;
  absl::StatusOr<SplitContent> split = SplitFrontMatter(path, text);
  if (!split.ok()) return split.status();
  ParsedData data;
  data.pool = std::make_unique<rapidjson::MemoryPoolAllocator<>>(
      ParsedContent::kFrontMatterChunkBytes);
  data.value = Document(data.pool.get());
  absl::Status status = ParseFrontMatterText(path, text, *split,
                                             /*require_mapping=*/true, &data);
  if (!status.ok()) return status;
  ParsedContent parsed;
  parsed.format = split->format;
  parsed.front_matter_pool = std::move(data.pool);
  parsed.front_matter = std::move(data.value);
  parsed.key_positions = std::move(data.key_positions);
  parsed.body = std::string(split->body);
  parsed.body_start = split->body_start;
  return parsed;
}

absl::StatusOr<ParsedData> ParseDataFile(absl::string_view path,
                                         absl::string_view text,
                                         FrontMatterFormat format,
                                         bool require_mapping) {
  absl::Status utf8 = CheckUtf8(path, text);
  if (!utf8.ok()) return utf8;
  SplitContent split;
  split.format = format;
  split.front_matter = text;
  split.front_matter_start = {1, 1};
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) {
    split.front_matter.remove_prefix(3);
    split.front_matter_start = {1, 4};
  }
  ParsedData data;
  absl::Status status =
      ParseFrontMatterText(path, text, split, require_mapping, &data);
  if (!status.ok()) return status;
  return data;
}

namespace internal {

bool ParseFlatYamlForTest(const SplitContent& split, ParsedData* out) {
  return ParseFlatYaml(split, out);
}

absl::Status ParseYamlWithLibyamlForTest(absl::string_view path,
                                         const SplitContent& split,
                                         ParsedData* out) {
  return ParseYamlWithLibyaml(path, split, /*require_mapping=*/true, out);
}

}  // namespace internal

}  // namespace serval::content
