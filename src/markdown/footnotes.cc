#include "src/markdown/footnotes.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace serval::markdown {
namespace {

size_t Indent(absl::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

bool IsBlank(absl::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// If `line` opens or closes a code fence, its fence char and length.
bool FenceOf(absl::string_view line, char* c, size_t* len) {
  const size_t indent = Indent(line);
  if (indent > 3 || indent >= line.size()) return false;
  const char f = line[indent];
  if (f != '`' && f != '~') return false;
  size_t n = 0;
  while (indent + n < line.size() && line[indent + n] == f) ++n;
  if (n < 3) return false;
  *c = f;
  *len = n;
  return true;
}

}  // namespace

bool IsFootnoteLabel(absl::string_view label) {
  if (label.empty() || label.size() > 64) return false;
  for (char c : label) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '[' ||
        c == ']' || c == '&' || c == '<' || c == '>' || c == '"') {
      return false;
    }
  }
  return true;
}

FootnoteSplit ExtractFootnotes(absl::string_view text) {
  FootnoteSplit result;
  // Fast path: no "[^", found by the rarer '^'.
  bool maybe = false;
  for (size_t at = text.find('^', 1); at != absl::string_view::npos;
       at = text.find('^', at + 1)) {
    if (text[at - 1] == '[') {
      maybe = true;
      break;
    }
  }
  if (!maybe) return result;
  std::vector<absl::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == absl::string_view::npos ? text.size() : eol + 1;
    lines.push_back(text.substr(pos, next - pos));
    pos = next;
  }
  char fence_char = 0;
  size_t fence_len = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    char c;
    size_t len;
    if (fence_char != 0) {
      if (FenceOf(line, &c, &len) && c == fence_char && len >= fence_len) {
        fence_char = 0;
      }
      result.text.append(line.data(), line.size());
      continue;
    }
    if (FenceOf(line, &c, &len)) {
      fence_char = c;
      fence_len = len;
      result.text.append(line.data(), line.size());
      continue;
    }
    const size_t indent = Indent(line);
    absl::string_view rest = line.substr(indent);
    const size_t close = rest.find("]:");
    if (indent > 3 || !absl::StartsWith(rest, "[^") ||
        close == absl::string_view::npos ||
        !IsFootnoteLabel(rest.substr(2, close - 2))) {
      result.text.append(line.data(), line.size());
      continue;
    }
    FootnoteDefinition def;
    def.label = std::string(rest.substr(2, close - 2));
    def.line = static_cast<int>(i) + 1;
    absl::string_view first = rest.substr(close + 2);
    while (!first.empty() && (first[0] == ' ' || first[0] == '\t')) {
      first.remove_prefix(1);
    }
    def.body.append(first.data(), first.size());
    if (def.body.empty() || def.body.back() != '\n') def.body.push_back('\n');
    result.text.push_back('\n');
    // Continuation: lines indented by 4+, and blank lines followed by one.
    size_t j = i + 1;
    for (; j < lines.size(); ++j) {
      if (IsBlank(lines[j])) {
        size_t k = j;
        while (k < lines.size() && IsBlank(lines[k])) ++k;
        if (k == lines.size() || Indent(lines[k]) < 4) break;
        def.body.append("\n");
        result.text.push_back('\n');
        continue;
      }
      if (Indent(lines[j]) < 4) break;
      absl::string_view l = lines[j].substr(4);
      def.body.append(l.data(), l.size());
      if (def.body.back() != '\n') def.body.push_back('\n');
      result.text.push_back('\n');
    }
    i = j - 1;
    result.has_footnotes = true;
    result.definitions.push_back(std::move(def));
  }
  if (!result.has_footnotes) result.text.clear();
  return result;
}

}  // namespace serval::markdown
