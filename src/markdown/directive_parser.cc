#include "src/markdown/directive_parser.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace serval::markdown {
namespace {

enum class FenceKind { kColon, kBacktick };

struct Fence {
  FenceKind kind;
  size_t length;
  std::string name;
};

// Strips a trailing "\r" and up to 3 leading spaces; nullopt if the line is
// indented by 4 or more (an indented code line cannot open a block).
std::optional<absl::string_view> BlockContent(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t indent = 0;
  while (indent < line.size() && line[indent] == ' ') ++indent;
  if (indent > 3) return std::nullopt;
  return line.substr(indent);
}

size_t CountRun(absl::string_view s, char c) {
  size_t n = 0;
  while (n < s.size() && s[n] == c) ++n;
  return n;
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_' || c == '.';
}

// Parses "{name}" at the start of `s`; returns the name and advances `s`.
std::optional<std::string> ParseBracedName(absl::string_view* s,
                                           bool* closer) {
  absl::string_view t = *s;
  if (t.empty() || t[0] != '{') return std::nullopt;
  t.remove_prefix(1);
  *closer = !t.empty() && t[0] == '/';
  if (*closer) t.remove_prefix(1);
  size_t n = 0;
  while (n < t.size() && IsNameChar(t[n])) ++n;
  if (n == 0 || n >= t.size() || t[n] != '}') return std::nullopt;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(t[0]))) {
    return std::nullopt;
  }
  std::string name(t.substr(0, n));
  *s = t.substr(n + 1);
  return name;
}

struct LineInfo {
  enum Type {
    kOther,
    kOpen,         // directive opener
    kColonClose,   // ":::" alone
    kNamedClose,   // ":::{/name}"
    kBacktickRun,  // "```" alone
    kCodeFence,    // ``` or ~~~ opening an ordinary code block
  } type = kOther;
  FenceKind kind = FenceKind::kColon;
  size_t length = 0;
  char fence_char = 0;
  std::string name;
  std::string title;
};

LineInfo Classify(absl::string_view raw) {
  LineInfo info;
  std::optional<absl::string_view> content = BlockContent(raw);
  if (!content) return info;
  absl::string_view s = *content;
  if (s.empty()) return info;
  const char c = s[0];
  if (c != ':' && c != '`' && c != '~') return info;
  const size_t run = CountRun(s, c);
  if (run < 3) return info;
  absl::string_view rest = s.substr(run);
  info.length = run;
  info.fence_char = c;
  if (c == '~') {
    info.type = LineInfo::kCodeFence;
    return info;
  }
  info.kind = c == ':' ? FenceKind::kColon : FenceKind::kBacktick;
  bool closer = false;
  if (std::optional<std::string> name = ParseBracedName(&rest, &closer)) {
    if (closer) {
      if (c != ':' || !absl::StripAsciiWhitespace(rest).empty()) return info;
      info.type = LineInfo::kNamedClose;
    } else {
      if (c == '`' && absl::StrContains(rest, '`')) return info;
      info.type = LineInfo::kOpen;
      info.title = std::string(absl::StripAsciiWhitespace(rest));
    }
    info.name = *std::move(name);
    return info;
  }
  const bool bare = absl::StripAsciiWhitespace(rest).empty();
  if (c == ':') {
    if (bare) info.type = LineInfo::kColonClose;
    return info;
  }
  if (bare) {
    info.type = LineInfo::kBacktickRun;
  } else if (!absl::StrContains(rest, '`')) {
    info.type = LineInfo::kCodeFence;
  }
  return info;
}

// ":key: value" right after an opening line.
bool ParseOption(absl::string_view raw, std::string* key, std::string* value) {
  absl::string_view s = absl::StripAsciiWhitespace(raw);
  if (s.size() < 3 || s[0] != ':') return false;
  s.remove_prefix(1);
  size_t n = 0;
  while (n < s.size() && (IsNameChar(s[n]))) ++n;
  if (n == 0 || n >= s.size() || s[n] != ':') return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(s[0]))) return false;
  absl::string_view v = s.substr(n + 1);
  if (!v.empty() && v[0] != ' ' && v[0] != '\t') return false;
  *key = std::string(s.substr(0, n));
  *value = std::string(absl::StripAsciiWhitespace(v));
  return true;
}

std::string ChoosePrefix(absl::string_view text) {
  std::string prefix = "serval-directive-";
  while (absl::StrContains(text, prefix)) prefix.insert(prefix.size() - 1, "x");
  return prefix;
}

}  // namespace

absl::string_view Directive::Option(absl::string_view key,
                                    absl::string_view fallback) const {
  for (const auto& [k, v] : options) {
    if (k == key) return v;
  }
  return fallback;
}

bool Directive::HasOption(absl::string_view key) const {
  for (const auto& kv : options) {
    if (kv.first == key) return true;
  }
  return false;
}

SplitResult SplitDirectives(absl::string_view text) {
  SplitResult result;
  // Fast path: no line can open a directive without ":{" or "`{". One
  // search for the rarer '{' rather than one per pair.
  bool maybe = false;
  for (size_t at = text.find('{', 1); at != absl::string_view::npos;
       at = text.find('{', at + 1)) {
    if (text[at - 1] == ':' || text[at - 1] == '`') {
      maybe = true;
      break;
    }
  }
  if (!maybe) return result;
  std::vector<Fence> stack;
  Directive current;
  bool in_options = false;
  // An ordinary code fence being skipped: its char and length (0: none).
  char code_char = 0;
  size_t code_length = 0;

  auto finish = [&](bool closed) {
    current.closed = closed;
    absl::StrAppend(&result.markdown, "<!--", result.placeholder_prefix,
                    result.directives.size(), "-->\n");
    result.directives.push_back(std::move(current));
    current = Directive();
    stack.clear();
    in_options = false;
  };

  result.placeholder_prefix = ChoosePrefix(text);
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == absl::string_view::npos ? text.size() : eol + 1;
    absl::string_view line = text.substr(pos, next - pos);
    absl::string_view bare_line = line;
    if (!bare_line.empty() && bare_line.back() == '\n') bare_line.remove_suffix(1);
    pos = next;
    ++line_no;

    auto append_content = [&]() {
      if (stack.empty()) {
        result.markdown.append(line.data(), line.size());
      } else {
        current.body.append(line.data(), line.size());
      }
    };

    if (code_char != 0) {  // inside an ordinary code block: find its end
      LineInfo info = Classify(bare_line);
      if ((info.type == LineInfo::kBacktickRun ||
           info.type == LineInfo::kCodeFence || info.type == LineInfo::kOpen) &&
          info.fence_char == code_char && info.length >= code_length) {
        absl::string_view after =
            absl::StripLeadingAsciiWhitespace(bare_line).substr(info.length);
        if (absl::StripAsciiWhitespace(after).empty()) code_char = 0;
      }
      append_content();
      continue;
    }

    if (in_options) {
      std::string key, value;
      if (ParseOption(bare_line, &key, &value)) {
        current.options.emplace_back(std::move(key), std::move(value));
        current.body_line = line_no + 1;
        continue;
      }
      in_options = false;
    }

    LineInfo info = Classify(bare_line);
    switch (info.type) {
      case LineInfo::kOpen:
        if (stack.size() >= static_cast<size_t>(kMaxDirectiveNesting)) break;
        if (stack.empty()) {
          current.name = info.name;
          current.title = info.title;
          current.line = line_no;
          current.column = static_cast<int>(
              bare_line.size() -
              absl::StripLeadingAsciiWhitespace(bare_line).size()) + 1;
          current.body_line = line_no + 1;
          in_options = true;
          result.has_directives = true;
          stack.push_back({info.kind, info.length, std::move(info.name)});
          continue;
        }
        stack.push_back({info.kind, info.length, std::move(info.name)});
        append_content();
        continue;
      case LineInfo::kColonClose:
      case LineInfo::kNamedClose: {
        int match = -1;
        for (int i = static_cast<int>(stack.size()) - 1; i >= 0; --i) {
          const Fence& f = stack[i];
          const bool hit = info.type == LineInfo::kNamedClose
                               ? f.name == info.name
                               : f.kind == FenceKind::kColon &&
                                     f.length == info.length;
          if (hit) {
            match = i;
            break;
          }
        }
        if (match < 0) break;
        if (match == 0) {
          finish(true);
          continue;
        }
        stack.resize(match);
        append_content();
        continue;
      }
      case LineInfo::kBacktickRun:
        if (!stack.empty() && stack.back().kind == FenceKind::kBacktick &&
            info.length >= stack.back().length) {
          if (stack.size() == 1) {
            finish(true);
            continue;
          }
          stack.pop_back();
          append_content();
          continue;
        }
        code_char = '`';
        code_length = info.length;
        break;
      case LineInfo::kCodeFence:
        code_char = info.fence_char;
        code_length = info.length;
        break;
      case LineInfo::kOther:
        break;
    }
    append_content();
  }
  if (!stack.empty()) finish(false);
  return result;
}

int PlaceholderIndex(absl::string_view html, absl::string_view prefix) {
  html = absl::StripTrailingAsciiWhitespace(html);
  if (!absl::ConsumePrefix(&html, "<!--") ||
      !absl::ConsumePrefix(&html, prefix) ||
      !absl::ConsumeSuffix(&html, "-->")) {
    return -1;
  }
  int index = 0;
  if (html.empty() || html.size() > 9 || !absl::SimpleAtoi(html, &index)) {
    return -1;
  }
  for (char c : html) {
    if (c < '0' || c > '9') return -1;
  }
  return index;
}

}  // namespace serval::markdown
