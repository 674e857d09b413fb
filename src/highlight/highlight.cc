#include "src/highlight/highlight.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "src/highlight/languages.h"

namespace serval::highlight {
namespace {

// Built once (thread-safe static initialization), never modified after:
// lookups need no lock.
struct Registry {
  std::vector<std::unique_ptr<Lexer>> lexers;
  absl::flat_hash_map<std::string, const Lexer*> by_name;
};

const Registry& GetRegistry() {
  static const Registry* const registry = [] {
    auto* r = new Registry();
    for (LexerDef& def : BuiltinLanguages()) {
      absl::StatusOr<std::unique_ptr<Lexer>> lexer = Lexer::Create(std::move(def));
      if (!lexer.ok()) {
        // A broken built-in table is a programming error caught by tests.
        std::fprintf(stderr, "highlight: %s\n",
                     std::string(lexer.status().message()).c_str());
        std::abort();
      }
      const Lexer* l = lexer->get();
      r->by_name[l->name()] = l;
      for (const std::string& alias : l->aliases()) r->by_name[alias] = l;
      r->lexers.push_back(*std::move(lexer));
    }
    return r;
  }();
  return *registry;
}

}  // namespace

const Lexer* FindLexer(absl::string_view name) {
  if (name.empty() || name.size() > 64) return nullptr;
  const Registry& r = GetRegistry();
  auto it = r.by_name.find(absl::AsciiStrToLower(name));
  return it == r.by_name.end() ? nullptr : it->second;
}

std::vector<std::string> LexerNames() {
  std::vector<std::string> names;
  for (const auto& l : GetRegistry().lexers) names.push_back(l->name());
  std::sort(names.begin(), names.end());
  return names;
}

void AppendEscapedHtml(absl::string_view text, std::string* out) {
  size_t begin = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char* rep = nullptr;
    switch (text[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      case '\'': rep = "&#39;"; break;
      default: continue;
    }
    out->append(text.data() + begin, i - begin);
    out->append(rep);
    begin = i + 1;
  }
  out->append(text.data() + begin, text.size() - begin);
}

bool AppendHighlightedHtml(absl::string_view language, absl::string_view code,
                           std::string* out) {
  const Lexer* lexer = FindLexer(language);
  if (lexer == nullptr) {
    AppendEscapedHtml(code, out);
    return false;
  }
  std::vector<Token> tokens;
  lexer->Tokenize(code, &tokens);
  for (const Token& t : tokens) {
    absl::string_view text = code.substr(t.begin, t.length);
    absl::string_view css = CssClass(t.type);
    if (css.empty()) {
      AppendEscapedHtml(text, out);
      continue;
    }
    out->append("<span class=\"");
    out->append(css.data(), css.size());
    out->append("\">");
    AppendEscapedHtml(text, out);
    out->append("</span>");
  }
  return true;
}

}  // namespace serval::highlight
