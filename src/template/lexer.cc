#include "src/template/lexer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "src/template/utf8_util.h"

namespace serval::tmpl {
namespace {

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python "unicode-escape" of a string literal body, as Jinja2 applies it.
std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case '\\': out.push_back('\\'); break;
      case '\'': out.push_back('\''); break;
      case '"': out.push_back('"'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'v': out.push_back('\v'); break;
      case '\n': break;
      case 'x': case 'u': case 'U': {
        size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        bool ok = i + n < s.size() + 0 || i + n <= s.size() - 1;
        ok = i + n < s.size();
        for (size_t k = 1; ok && k <= n; ++k) {
          int h = HexValue(s[i + k]);
          if (h < 0) ok = false; else cp = cp * 16 + h;
        }
        if (!ok) {
          out.push_back('\\');
          out.push_back(c);
          break;
        }
        AppendCodepoint(cp, &out);
        i += n;
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          uint32_t cp = 0;
          size_t k = 0;
          while (k < 3 && i + k < s.size() && s[i + k] >= '0' &&
                 s[i + k] <= '7') {
            cp = cp * 8 + (s[i + k] - '0');
            ++k;
          }
          AppendCodepoint(cp, &out);
          i += k - 1;
        } else {
          out.push_back('\\');
          out.push_back(c);
        }
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(absl::string_view src, const LexOptions& options,
        absl::string_view file)
      : src_(src), options_(options), file_(file) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  absl::StatusOr<std::vector<Token>> Run() {
    size_t pos = 0;
    bool strip_next = false;  // a `-%}` asked to strip leading whitespace
    bool trim_next = false;   // trim_blocks: drop one newline
    while (pos < src_.size()) {
      size_t tag = FindTagStart(pos);
      std::string data(src_.substr(pos, tag - pos));
      size_t data_pos = pos;
      if (strip_next) {
        size_t k = 0;
        while (k < data.size() && absl::ascii_isspace(data[k])) ++k;
        data.erase(0, k);
        data_pos += k;
      } else if (trim_next && !data.empty() && data[0] == '\n') {
        data.erase(0, 1);
        data_pos += 1;
      }
      strip_next = trim_next = false;
      if (tag == src_.size()) {
        Emit(TokenType::kData, std::move(data), data_pos);
        break;
      }
      char kind = src_[tag + 1];
      size_t inner = tag + 2;
      bool minus = inner < src_.size() && src_[inner] == '-';
      bool plus = inner < src_.size() && src_[inner] == '+';
      if (minus) {
        while (!data.empty() && absl::ascii_isspace(data.back())) {
          data.pop_back();
        }
      } else if (options_.lstrip_blocks && !plus && kind != '{') {
        size_t k = data.size();
        while (k > 0 && (data[k - 1] == ' ' || data[k - 1] == '\t')) --k;
        if (k == 0 ? (data_pos == 0 || src_[data_pos - 1] == '\n')
                   : data[k - 1] == '\n') {
          data.resize(k);
        }
      }
      Emit(TokenType::kData, std::move(data), data_pos);
      if (minus || plus) ++inner;
      if (kind == '#') {
        size_t end = src_.find("#}", inner);
        if (end == absl::string_view::npos) {
          return Error(tag, "unexpected end of template, missing '#}' "
                            "to close the comment");
        }
        bool end_minus = end > inner && src_[end - 1] == '-';
        bool end_plus = end > inner && src_[end - 1] == '+';
        strip_next = end_minus;
        trim_next = options_.trim_blocks && !end_plus;
        pos = end + 2;
        continue;
      }
      // Raw block: `{% raw %}` ... `{% endraw %}` copied verbatim.
      if (kind == '%') {
        size_t p = SkipSpace(inner);
        if (src_.substr(p, 3) == "raw") {
          size_t q = SkipSpace(p + 3);
          bool raw_minus = src_.substr(q, 3) == "-%}";
          if (src_.substr(q, 2) == "%}" || raw_minus ||
              src_.substr(q, 3) == "+%}") {
            size_t body = q + (src_[q] == '%' ? 2 : 3);
            if (raw_minus) {
              while (body < src_.size() && absl::ascii_isspace(src_[body])) {
                ++body;
              }
            }
            absl::StatusOr<size_t> after = LexRawBody(tag, body);
            if (!after.ok()) return after.status();
            pos = *after;
            strip_next = raw_strip_next_;
            trim_next = raw_trim_next_;
            continue;
          }
        }
      }
      absl::StatusOr<size_t> end = LexTag(tag, inner, kind,
                                          &strip_next, &trim_next);
      if (!end.ok()) return end.status();
      pos = *end;
    }
    Emit(TokenType::kEof, "", src_.size());
    return std::move(tokens_);
  }

 private:
  size_t FindTagStart(size_t pos) const {
    while (true) {
      size_t p = src_.find('{', pos);
      if (p == absl::string_view::npos || p + 1 >= src_.size()) {
        return src_.size();
      }
      char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') return p;
      pos = p + 1;
    }
  }

  size_t SkipSpace(size_t p) const {
    while (p < src_.size() && absl::ascii_isspace(src_[p])) ++p;
    return p;
  }

  // Finds `{% endraw %}` from `body`; emits the raw text as data.
  absl::StatusOr<size_t> LexRawBody(size_t tag, size_t body) {
    size_t search = body;
    while (true) {
      size_t p = src_.find("{%", search);
      if (p == absl::string_view::npos) {
        return Error(tag, "unexpected end of template, missing "
                          "'endraw' for the raw block");
      }
      size_t q = p + 2;
      bool minus = q < src_.size() && (src_[q] == '-' || src_[q] == '+');
      bool strip = q < src_.size() && src_[q] == '-';
      if (minus) ++q;
      q = SkipSpace(q);
      if (src_.substr(q, 6) != "endraw") {
        search = p + 2;
        continue;
      }
      q = SkipSpace(q + 6);
      bool end_minus = src_.substr(q, 3) == "-%}";
      bool end_plus = src_.substr(q, 3) == "+%}";
      if (!end_minus && !end_plus && src_.substr(q, 2) != "%}") {
        search = p + 2;
        continue;
      }
      std::string data(src_.substr(body, p - body));
      if (strip) {
        while (!data.empty() && absl::ascii_isspace(data.back())) {
          data.pop_back();
        }
      }
      Emit(TokenType::kData, std::move(data), body);
      raw_strip_next_ = end_minus;
      raw_trim_next_ = options_.trim_blocks && !end_plus;
      return q + (end_minus || end_plus ? 3 : 2);
    }
  }

  // Tokens inside `{{ }}` or `{% %}`; returns the position after the end.
  absl::StatusOr<size_t> LexTag(size_t tag, size_t pos, char kind,
                                bool* strip_next, bool* trim_next) {
    Emit(kind == '{' ? TokenType::kVariableBegin : TokenType::kBlockBegin,
         "", tag);
    const char close = kind == '{' ? '}' : '%';
    std::vector<char> balance;
    while (true) {
      while (pos < src_.size() && absl::ascii_isspace(src_[pos])) ++pos;
      if (pos >= src_.size()) {
        return Error(tag, kind == '{'
                              ? "unexpected end of template, expected '}}'"
                              : "unexpected end of template, expected '%}'");
      }
      char c = src_[pos];
      if (balance.empty()) {
        bool minus = c == '-' && src_.substr(pos + 1, 2) ==
                                     std::string{close, '}'};
        bool plus = c == '+' && kind == '%' &&
                    src_.substr(pos + 1, 2) == "%}";
        if (minus || plus || (c == close && pos + 1 < src_.size() &&
                              src_[pos + 1] == '}')) {
          Emit(kind == '{' ? TokenType::kVariableEnd : TokenType::kBlockEnd,
               "", pos);
          *strip_next = minus;
          *trim_next = kind == '%' && options_.trim_blocks && !plus;
          return pos + (minus || plus ? 3 : 2);
        }
      }
      if (IsNameStart(c)) {
        size_t end = pos;
        while (end < src_.size() && IsNameChar(src_[end])) ++end;
        Emit(TokenType::kName, std::string(src_.substr(pos, end - pos)), pos);
        pos = end;
        continue;
      }
      if (absl::ascii_isdigit(c)) {
        pos = LexNumber(pos);
        continue;
      }
      if (c == '\'' || c == '"') {
        size_t end = pos + 1;
        while (end < src_.size() && src_[end] != c) {
          if (src_[end] == '\\') ++end;
          ++end;
        }
        if (end >= src_.size()) return Error(pos, "unterminated string");
        Emit(TokenType::kString,
             Unescape(src_.substr(pos + 1, end - pos - 1)), pos);
        pos = end + 1;
        continue;
      }
      static constexpr absl::string_view kTwo[] = {"//", "**", "==", "!=",
                                                   ">=", "<="};
      bool two = false;
      for (absl::string_view op : kTwo) {
        if (src_.substr(pos, 2) == op) {
          Emit(TokenType::kOperator, std::string(op), pos);
          pos += 2;
          two = true;
          break;
        }
      }
      if (two) continue;
      if (absl::string_view("+-/*%~[](){}><=.:|,;").find(c) ==
          absl::string_view::npos) {
        return Error(pos, absl::StrCat("unexpected char '",
                                       std::string(1, c), "'"));
      }
      if (c == '(' || c == '[' || c == '{') {
        balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (c == ')' || c == ']' || c == '}') {
        if (balance.empty()) {
          return Error(pos, absl::StrCat("unexpected '", std::string(1, c),
                                         "'"));
        }
        if (balance.back() != c) {
          return Error(pos, absl::StrCat("unexpected '", std::string(1, c),
                                         "', expected '",
                                         std::string(1, balance.back()),
                                         "'"));
        }
        balance.pop_back();
      }
      Emit(TokenType::kOperator, std::string(1, c), pos);
      ++pos;
    }
  }

  size_t LexNumber(size_t pos) {
    size_t end = pos;
    auto digits = [&] {
      while (end < src_.size() &&
             (absl::ascii_isdigit(src_[end]) ||
              (src_[end] == '_' && end + 1 < src_.size() &&
               absl::ascii_isdigit(src_[end + 1])))) {
        ++end;
      }
    };
    digits();
    bool is_float = false;
    if (end + 1 < src_.size() && src_[end] == '.' &&
        absl::ascii_isdigit(src_[end + 1])) {
      is_float = true;
      ++end;
      digits();
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t e = end + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && absl::ascii_isdigit(src_[e])) {
        is_float = true;
        end = e;
        digits();
      }
    }
    std::string text;
    for (size_t i = pos; i < end; ++i) {
      if (src_[i] != '_') text.push_back(src_[i]);
    }
    Emit(is_float ? TokenType::kFloat : TokenType::kInt, std::move(text), pos);
    return end;
  }

  void Position(size_t offset, int* line, int* col) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(),
                               offset);
    *line = static_cast<int>(it - line_starts_.begin());
    *col = static_cast<int>(offset - *(it - 1)) + 1;
  }

  void Emit(TokenType type, std::string text, size_t offset) {
    if (type == TokenType::kData && text.empty()) return;
    Token t{type, std::move(text)};
    Position(offset, &t.line, &t.col);
    tokens_.push_back(std::move(t));
  }

  absl::Status Error(size_t offset, absl::string_view message) const {
    int line, col;
    Position(offset, &line, &col);
    return SourceError(src_, file_, line, col, message);
  }

  absl::string_view src_;
  const LexOptions& options_;
  absl::string_view file_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
  bool raw_strip_next_ = false;
  bool raw_trim_next_ = false;
};

}  // namespace

absl::Status SourceError(absl::string_view source, absl::string_view file,
                         int line, int col, absl::string_view message) {
  size_t start = 0;
  for (int l = 1; l < line; ++l) {
    size_t nl = source.find('\n', start);
    if (nl == absl::string_view::npos) break;
    start = nl + 1;
  }
  size_t end = source.find('\n', start);
  if (end == absl::string_view::npos) end = source.size();
  absl::string_view text = source.substr(start, end - start);
  if (text.size() > 200) text = text.substr(0, 200);
  int caret = std::max(0, std::min<int>(col - 1, text.size()));
  return absl::InvalidArgumentError(
      absl::StrCat(file, ":", line, ":", col, ": ", message, "\n  ", text,
                   "\n  ", std::string(caret, ' '), "^"));
}

absl::StatusOr<std::vector<Token>> Lex(absl::string_view source,
                                       const LexOptions& options,
                                       absl::string_view file) {
  std::string normalized;
  if (source.find('\r') != absl::string_view::npos) {
    normalized.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        normalized.push_back('\n');
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        normalized.push_back(source[i]);
      }
    }
    source = normalized;
  }
  if (!options.keep_trailing_newline && !source.empty() &&
      source.back() == '\n') {
    source.remove_suffix(1);
  }
  return Lexer(source, options, file).Run();
}

}  // namespace serval::tmpl
