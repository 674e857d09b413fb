#include "src/highlight/lexer.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace serval::highlight {
namespace {

constexpr size_t kMaxStack = 64;
// Consecutive empty matches allowed before a character is forced out.
constexpr int kMaxEmptyMatches = 16;

void Emit(std::vector<Token>* tokens, TokenType type, size_t begin,
          size_t length) {
  if (length == 0) return;
  if (!tokens->empty()) {
    Token& last = tokens->back();
    if (last.type == type && last.begin + last.length == begin) {
      last.length += static_cast<uint32_t>(length);
      return;
    }
  }
  tokens->push_back(Token{type, static_cast<uint32_t>(begin),
                          static_cast<uint32_t>(length)});
}

// Length of the UTF-8 sequence at text[pos], 1 for an invalid byte.
size_t CharLength(absl::string_view text, size_t pos) {
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                                              : (c >> 3) == 30 ? 4 : 1;
  if (pos + n > text.size()) return 1;
  for (size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(text[pos + i]) & 0xc0) != 0x80) return 1;
  }
  return n;
}

}  // namespace

std::string Words(std::initializer_list<absl::string_view> words,
                  absl::string_view prefix, absl::string_view suffix) {
  return absl::StrCat(prefix, "(?:", absl::StrJoin(words, "|"), ")", suffix);
}

absl::StatusOr<std::unique_ptr<Lexer>> Lexer::Create(LexerDef def) {
  std::unique_ptr<Lexer> lexer(new Lexer());
  lexer->name_ = def.name;
  lexer->aliases_ = def.aliases;
  absl::flat_hash_map<std::string, int> index;
  for (size_t i = 0; i < def.states.size(); ++i) {
    index[def.states[i].name] = static_cast<int>(i);
  }
  if (def.states.empty() || def.states[0].name != "root") {
    return absl::InvalidArgumentError(
        absl::StrCat(def.name, ": the first state must be \"root\""));
  }
  // Expands includes (bounded: an include cycle is an error).
  std::function<absl::Status(const StateDef&, int, std::vector<RuleDef>*)>
      flatten = [&](const StateDef& s, int depth,
                    std::vector<RuleDef>* out) -> absl::Status {
    if (depth > 8) {
      return absl::InvalidArgumentError(
          absl::StrCat(def.name, ": include cycle at ", s.name));
    }
    for (const RuleDef& r : s.rules) {
      if (r.pattern.empty() && absl::StartsWith(r.next, "include:")) {
        auto it = index.find(r.next.substr(8));
        if (it == index.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat(def.name, ": unknown state in ", r.next));
        }
        absl::Status st = flatten(def.states[it->second], depth + 1, out);
        if (!st.ok()) return st;
      } else {
        out->push_back(r);
      }
    }
    return absl::OkStatus();
  };

  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(32 << 20);
  options.set_case_sensitive(!def.case_insensitive);
  options.set_dot_nl(def.dot_all);
  for (const StateDef& sd : def.states) {
    std::vector<RuleDef> rules;
    absl::Status st = flatten(sd, 0, &rules);
    if (!st.ok()) return st;
    State state;
    std::string pattern = "(?m)(?:";
    int group = 1;
    for (size_t i = 0; i < rules.size(); ++i) {
      const RuleDef& r = rules[i];
      Rule rule;
      rule.re = std::make_shared<const RE2>(
          absl::StrCat("(?m)(?:", r.pattern, ")"), options);
      if (!rule.re->ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(def.name, ".", sd.name, " rule ", i, ": ",
                         rule.re->error(), " in ", r.pattern));
      }
      rule.group = group;
      rule.inner = rule.re->NumberOfCapturingGroups();
      rule.types = r.types;
      if (rule.types.empty() ||
          (rule.inner > 0 && rule.types.size() != static_cast<size_t>(rule.inner) &&
           rule.types.size() != 1)) {
        return absl::InvalidArgumentError(absl::StrCat(
            def.name, ".", sd.name, " rule ", i, ": ", rule.types.size(),
            " types for ", rule.inner, " groups"));
      }
      if (rule.types.size() == 1) rule.inner = -rule.inner;  // whole match
      for (absl::string_view action :
           absl::StrSplit(r.next, ',', absl::SkipEmpty())) {
        if (absl::StartsWith(action, "#pop")) {
          int n = 1;
          if (absl::ConsumePrefix(&action, "#pop:") &&
              !absl::SimpleAtoi(action, &n)) {
            return absl::InvalidArgumentError(
                absl::StrCat(def.name, ": bad action ", r.next));
          }
          rule.pops += n;
        } else if (action == "#push") {
          rule.pushes.push_back(static_cast<int>(&sd - def.states.data()));
        } else {
          auto it = index.find(std::string(action));
          if (it == index.end()) {
            return absl::InvalidArgumentError(
                absl::StrCat(def.name, ": unknown state ", action));
          }
          rule.pushes.push_back(it->second);
        }
      }
      absl::StrAppend(&pattern, i == 0 ? "" : "|", "(", r.pattern, ")");
      group += 1 + rule.re->NumberOfCapturingGroups();
      state.rules.push_back(std::move(rule));
    }
    absl::StrAppend(&pattern, ")");
    state.groups = group - 1;
    state.re = std::make_unique<RE2>(pattern, options);
    if (!state.re->ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          def.name, ".", sd.name, ": ", state.re->error()));
    }
    lexer->states_.push_back(std::move(state));
  }
  return lexer;
}

void Lexer::Tokenize(absl::string_view text, std::vector<Token>* tokens) const {
  absl::InlinedVector<int, 8> stack = {0};
  absl::InlinedVector<re2::StringPiece, 32> groups;
  const re2::StringPiece subject(text.data(), text.size());
  size_t pos = 0;
  int empty_matches = 0;
  while (pos < text.size()) {
    const State& state = states_[stack.back()];
    // Only groups[0] and the chosen rule's groups are read, and both are
    // written below: no need to clear the rest for every token.
    if (groups.size() < static_cast<size_t>(state.groups) + 1) {
      groups.resize(state.groups + 1);
    }
    // Anchored at `pos`, the alternation's DFA finds where the token ends
    // (no submatches: fast on any text length). Leftmost-first picks the
    // first rule that matches at `pos` at all, which is the first rule
    // that matches exactly [pos, end) — found with each rule's own DFA;
    // only that rule's groups are then extracted, on the token alone.
    // The whole text stays the context, so ^, $ and \b see the same
    // neighbours.
    const Rule* chosen = nullptr;
    if (!state.rules.empty() &&
        state.re->Match(subject, pos, text.size(), RE2::ANCHOR_START,
                        groups.data(), 1)) {
      const size_t end = pos + groups[0].size();
      for (const Rule& r : state.rules) {
        if (r.re->Match(subject, pos, end, RE2::ANCHOR_BOTH, nullptr, 0)) {
          chosen = &r;
          break;
        }
      }
      if (chosen != nullptr) {
        groups[chosen->group] = groups[0];
        const int inner = chosen->inner;  // <= 0: typed as a whole
        if (inner > 0) {
          absl::InlinedVector<re2::StringPiece, 8> sub(inner + 1);
          chosen->re->Match(subject, pos, end, RE2::ANCHOR_BOTH, sub.data(),
                            inner + 1);
          for (int g = 1; g <= inner; ++g) {
            groups[chosen->group + g] = sub[g];
          }
        }
      }
    }
    const Rule* rule = chosen;
    if (rule == nullptr ||
        (groups[0].empty() && (rule->pops == 0 && rule->pushes.empty())) ||
        (groups[0].empty() && ++empty_matches > kMaxEmptyMatches)) {
      empty_matches = 0;
      if (text[pos] == '\n') {
        stack.resize(1);
        Emit(tokens, TokenType::kText, pos, 1);
        ++pos;
      } else {
        const size_t n = CharLength(text, pos);
        Emit(tokens, TokenType::kError, pos, n);
        pos += n;
      }
      continue;
    }
    const re2::StringPiece match = groups[0];
    if (!match.empty()) empty_matches = 0;
    if (rule->inner <= 0) {
      Emit(tokens, rule->types[0], pos, match.size());
    } else {
      // Groups in order; text a group does not cover takes the type of
      // the group before it (or the first type).
      size_t at = pos;
      TokenType last = rule->types[0];
      for (int g = 0; g < rule->inner; ++g) {
        const re2::StringPiece sub = groups[rule->group + 1 + g];
        if (sub.data() == nullptr) continue;
        const size_t begin = static_cast<size_t>(sub.data() - text.data());
        if (begin < at) continue;  // nested group, already covered
        Emit(tokens, last, at, begin - at);
        Emit(tokens, rule->types[g], begin, sub.size());
        last = rule->types[g];
        at = begin + sub.size();
      }
      Emit(tokens, last, at, pos + match.size() - at);
    }
    pos += match.size();
    for (int i = 0; i < rule->pops && stack.size() > 1; ++i) stack.pop_back();
    for (int s : rule->pushes) {
      if (stack.size() < kMaxStack) stack.push_back(s);
    }
  }
}

}  // namespace serval::highlight
