#include "src/assets/minify.h"

#include <cctype>

#include "absl/strings/ascii.h"

namespace serval::assets {
namespace {

void Append(std::string* out, absl::string_view s) {
  out->append(s.data(), s.size());
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Copies a quoted string starting at css[i] (the quote) to out; returns the
// index after it, or css.size() if unterminated (copied verbatim).
size_t CopyString(absl::string_view s, size_t i, std::string* out) {
  const char quote = s[i];
  size_t j = i + 1;
  while (j < s.size()) {
    if (s[j] == '\\') {
      j += 2;
      continue;
    }
    if (s[j] == quote) {
      ++j;
      break;
    }
    if (quote != '`' && s[j] == '\n') break;  // unterminated on this line
    ++j;
  }
  if (j > s.size()) j = s.size();
  Append(out, s.substr(i, j - i));
  return j;
}

}  // namespace

std::string MinifyCss(absl::string_view css) {
  std::string out;
  out.reserve(css.size());
  int depth = 0;            // brace depth: > 0 inside declaration blocks
  bool pending_space = false;
  auto drop_space_before = [&](char c) {
    return c == '{' || c == '}' || c == ';' || c == ',' || c == '>' ||
           c == ')' || (c == ':' && depth > 0);
  };
  auto drops_space_after = [&](char c) {
    return c == '{' || c == '}' || c == ';' || c == ',' || c == '>' ||
           c == '(' || (c == ':' && depth > 0);
  };
  size_t i = 0;
  while (i < css.size()) {
    char c = css[i];
    if (c == '/' && i + 1 < css.size() && css[i + 1] == '*') {
      size_t end = css.find("*/", i + 2);
      if (end == absl::string_view::npos) {  // unterminated: keep the rest
        Append(&out, css.substr(i));
        break;
      }
      if (i + 2 < css.size() && css[i + 2] == '!') {
        Append(&out, css.substr(i, end + 2 - i));
      } else {
        pending_space = true;  // a comment separates like whitespace
      }
      i = end + 2;
      continue;
    }
    if (IsSpace(c)) {
      pending_space = true;
      ++i;
      continue;
    }
    if (pending_space) {
      pending_space = false;
      if (!out.empty() && !drops_space_after(out.back()) &&
          !drop_space_before(c)) {
        out.push_back(' ');
      }
    }
    if (c == '"' || c == '\'') {
      i = CopyString(css, i, &out);
      continue;
    }
    if (c == '}' && !out.empty() && out.back() == ';') out.pop_back();
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    out.push_back(c);
    ++i;
  }
  return out;
}

std::string MinifyJs(absl::string_view js) {
  std::string out;
  out.reserve(js.size());
  // Whether a '/' here would start a regular expression: after an operator,
  // an opening bracket, a comma, a keyword-ish boundary or at the start.
  auto regex_allowed = [&]() {
    for (size_t k = out.size(); k > 0; --k) {
      char p = out[k - 1];
      if (IsSpace(p)) continue;
      if (absl::ascii_isalnum(static_cast<unsigned char>(p)) || p == '_' ||
          p == '$' || p == ')' || p == ']' || p == '}' || p == '"' ||
          p == '\'' || p == '`') {
        // After an identifier: a regex only follows keywords like return.
        size_t end = k;
        size_t start = end;
        while (start > 0 &&
               (absl::ascii_isalnum(static_cast<unsigned char>(out[start - 1])) ||
                out[start - 1] == '_' || out[start - 1] == '$')) {
          --start;
        }
        absl::string_view word(out.data() + start, end - start);
        return word == "return" || word == "typeof" || word == "case" ||
               word == "do" || word == "else" || word == "in" ||
               word == "of" || word == "new" || word == "delete" ||
               word == "void" || word == "throw" || word == "instanceof" ||
               word == "yield" || word == "await";
      }
      return true;  // an operator or punctuation
    }
    return true;  // start of input
  };
  bool at_line_start = true;
  size_t i = 0;
  auto trim_trailing = [&]() {
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
      out.pop_back();
    }
  };
  while (i < js.size()) {
    char c = js[i];
    if (c == '\n' || c == '\r') {
      trim_trailing();
      if (!out.empty() && out.back() != '\n') out.push_back('\n');
      at_line_start = true;
      ++i;
      continue;
    }
    if (at_line_start && (c == ' ' || c == '\t')) {
      ++i;
      continue;
    }
    at_line_start = false;
    if (c == '/' && i + 1 < js.size() && js[i + 1] == '/') {
      size_t end = js.find('\n', i);
      i = end == absl::string_view::npos ? js.size() : end;
      continue;
    }
    if (c == '/' && i + 1 < js.size() && js[i + 1] == '*') {
      size_t end = js.find("*/", i + 2);
      if (end == absl::string_view::npos) {
        Append(&out, js.substr(i));
        break;
      }
      if (i + 2 < js.size() && js[i + 2] == '!') {
        Append(&out, js.substr(i, end + 2 - i));
      } else if (js.substr(i, end - i).find('\n') != absl::string_view::npos) {
        // A multi-line comment acts as a line break for ASI: keep one.
        trim_trailing();
        if (!out.empty() && out.back() != '\n') out.push_back('\n');
        at_line_start = true;
      } else if (!out.empty() && out.back() != ' ' && out.back() != '\n') {
        out.push_back(' ');
      }
      i = end + 2;
      // The comment became at most one space: skip the blanks after it.
      if (!out.empty() && out.back() == ' ') {
        while (i < js.size() && (js[i] == ' ' || js[i] == '\t')) ++i;
      }
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      i = CopyString(js, i, &out);
      continue;
    }
    if (c == '/' && regex_allowed()) {
      // Copy a regex literal: up to the closing '/', honouring escapes and
      // character classes, then its flags.
      size_t j = i + 1;
      bool in_class = false;
      while (j < js.size() && js[j] != '\n') {
        if (js[j] == '\\') {
          j += 2;
          continue;
        }
        if (js[j] == '[') in_class = true;
        if (js[j] == ']') in_class = false;
        if (js[j] == '/' && !in_class) break;
        ++j;
      }
      if (j >= js.size() || js[j] != '/') {  // not a regex after all
        out.push_back(c);
        ++i;
        continue;
      }
      ++j;
      while (j < js.size() &&
             absl::ascii_isalpha(static_cast<unsigned char>(js[j]))) {
        ++j;
      }
      Append(&out, js.substr(i, j - i));
      i = j;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  trim_trailing();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (!out.empty()) out.push_back('\n');
  return out;
}

}  // namespace serval::assets
