#include "src/highlight/lexer.h"

#include <algorithm>
#include <cstring>
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
// A failed scan of at least this many steps records where later starts
// fail too (SimpleRegex::FailsBefore).
constexpr uint64_t kMinRescan = 64;
// Rules with more capture groups take them from RE2.
constexpr int kMaxSimpleGroups = 16;
constexpr size_t kNoEnd = ~size_t{0};

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

// How far RE2 may scan from `pos` for a pattern whose matches hold at
// most `newlines` newlines (-1: any number): through the newline after
// them, or to the end of the text.
size_t Re2Scan(absl::string_view text, size_t pos, int newlines) {
  size_t at = pos;
  for (int i = 0; newlines >= 0 && i <= newlines; ++i) {
    const void* newline = std::memchr(text.data() + at, '\n', text.size() - at);
    if (newline == nullptr) break;
    at = static_cast<size_t>(static_cast<const char*>(newline) - text.data()) + 1;
    if (i == newlines) return at - pos;
  }
  return text.size() - pos;
}

// The bodies of the capture groups of a pattern that is a sequence of
// them, none nested, after an optional ^ (kept on the first body), each
// group optionally followed by a greedy `?` (set in *optional):
// "^(a)(b|c)?" -> {"^(?:a)", "(?:b|c)"}, optional {false, true}. Empty for
// any other pattern (and for patterns with POSIX classes or \Q, which
// this scan does not follow).
std::vector<std::string> TopLevelGroups(absl::string_view pattern,
                                        std::vector<bool>* optional) {
  std::vector<std::string> parts;
  optional->clear();
  if (absl::StrContains(pattern, "[:") || absl::StrContains(pattern, "\\Q")) {
    return parts;
  }
  size_t i = 0;
  const bool caret = absl::StartsWith(pattern, "^");
  if (caret) i = 1;
  while (i < pattern.size()) {
    if (pattern[i] != '(' || i + 1 >= pattern.size() || pattern[i + 1] == '?') {
      return {};
    }
    const size_t body = i + 1;
    int depth = 1;
    size_t j = body;
    for (; j < pattern.size() && depth > 0; ++j) {
      const char c = pattern[j];
      if (c == '\\') {
        ++j;
      } else if (c == '[') {
        // A class: ']' right after '[' or '[^' is a member.
        ++j;
        if (j < pattern.size() && pattern[j] == '^') ++j;
        if (j < pattern.size() && pattern[j] == ']') ++j;
        while (j < pattern.size() && pattern[j] != ']') {
          if (pattern[j] == '\\') ++j;
          ++j;
        }
      } else if (c == '(') {
        // A nested group must not capture.
        if (j + 1 >= pattern.size() || pattern[j + 1] != '?' ||
            (j + 2 < pattern.size() &&
             (pattern[j + 2] == 'P' || pattern[j + 2] == '<'))) {
          return {};
        }
        ++depth;
      } else if (c == ')') {
        --depth;
      }
    }
    if (depth != 0 || j > pattern.size()) return {};
    // j is past the group's ')': no quantifier may follow it but a greedy ?.
    const size_t group_end = j - 1;
    const bool is_optional = j < pattern.size() && pattern[j] == '?';
    if (is_optional) ++j;
    if (j < pattern.size() && pattern[j] != '(') return {};
    parts.push_back(absl::StrCat(parts.empty() && caret ? "^" : "", "(?:",
                                 pattern.substr(body, group_end - body), ")"));
    optional->push_back(is_optional);
    i = j;
  }
  return parts;
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
  const SimpleRegex::Options simple_options{def.case_insensitive, def.dot_all};
  for (const StateDef& sd : def.states) {
    std::vector<RuleDef> rules;
    absl::Status st = flatten(sd, 0, &rules);
    if (!st.ok()) return st;
    if (rules.size() > 0xffff) {
      return absl::InvalidArgumentError(absl::StrCat(def.name, ".", sd.name, ": too many rules"));
    }
    State state;
    for (size_t i = 0; i < rules.size(); ++i) {
      const RuleDef& r = rules[i];
      Rule rule;
      rule.re = std::make_unique<const RE2>(
          absl::StrCat("(?m)(?:", r.pattern, ")"), options);
      if (!rule.re->ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(def.name, ".", sd.name, " rule ", i, ": ",
                         rule.re->error(), " in ", r.pattern));
      }
      const int inner = rule.re->NumberOfCapturingGroups();
      rule.types = r.types;
      if (rule.types.empty() ||
          (inner > 0 && rule.types.size() != static_cast<size_t>(inner) &&
           rule.types.size() != 1)) {
        return absl::InvalidArgumentError(absl::StrCat(
            def.name, ".", sd.name, " rule ", i, ": ", rule.types.size(),
            " types for ", inner, " groups"));
      }
      rule.groups = rule.types.size() == 1 ? 0 : inner;
      rule.simple = SimpleRegex::Compile(r.pattern, simple_options);
      rule.starts_at_line_begin =
          rule.simple.has_value() && rule.simple->starts_at_line_begin();
      rule.max_newlines =
          rule.simple.has_value() ? rule.simple->max_newlines() : -1;
      rule.one_item = rule.simple.has_value() && rule.simple->one_item();
      if (rule.simple.has_value() && rule.simple->has_failure_prefix() &&
          lexer->failure_slots_ < kMaxFailureSlots) {
        rule.failure_slot = lexer->failure_slots_++;
      }
      if (rule.simple.has_value()) {
        lexer->max_items_ = std::max<uint64_t>(lexer->max_items_,
                                               rule.simple->item_count());
      }
      if (rule.groups > 0 && rule.groups <= kMaxSimpleGroups &&
          rule.simple.has_value() && rule.simple->group_count() == inner) {
        SimpleRegex::Options with_groups = simple_options;
        with_groups.groups = true;
        rule.simple_groups = SimpleRegex::Compile(r.pattern, with_groups);
        if (rule.simple_groups.has_value()) {
          lexer->max_items_ = std::max<uint64_t>(
              lexer->max_items_, rule.simple_groups->item_count());
        }
      }
      if (rule.groups > 0 && rule.groups <= kMaxSimpleGroups) {
        std::vector<bool> optional;
        const std::vector<std::string> parts = TopLevelGroups(r.pattern, &optional);
        // A ^ kept on an optional first part would be skipped with it.
        if (parts.size() == static_cast<size_t>(rule.groups) &&
            !(optional[0] && absl::StartsWith(r.pattern, "^"))) {
          rule.group_optional = optional;
          for (const std::string& part : parts) {
            std::optional<SimpleRegex> re =
                SimpleRegex::Compile(part, simple_options);
            if (!re.has_value() || re->group_count() != 0) {
              rule.group_parts.clear();
              break;
            }
            lexer->max_items_ =
                std::max<uint64_t>(lexer->max_items_, re->item_count());
            rule.group_parts.push_back(*std::move(re));
          }
          lexer->max_group_parts_ = std::max<uint64_t>(
              lexer->max_group_parts_, rule.group_parts.size());
        }
      }
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
      state.rules.push_back(std::move(rule));
    }
    // The dispatch tables, one for the start of a line and one for
    // elsewhere (without rules anchored at ^ or \A). A rule SimpleRegex
    // cannot compile, or one that can match empty, is a candidate at every
    // byte; second bytes are checked after an ASCII byte, for rules whose
    // matches there are two bytes or more.
    std::vector<std::optional<SimpleRegex::Pairs>> pairs(state.rules.size());
    for (size_t i = 0; i < state.rules.size(); ++i) {
      if (state.rules[i].simple.has_value()) pairs[i] = state.rules[i].simple->FirstPairs();
    }
    state.second.emplace_back();
    for (int b = 0; b < 256; ++b) {
      state.first[b] = static_cast<uint32_t>(state.candidates.size());
      for (size_t i = 0; i < state.rules.size(); ++i) {
        const std::optional<SimpleRegex>& simple = state.rules[i].simple;
        if (!simple.has_value() || simple->nullable() ||
            simple->first_bytes().Has(static_cast<unsigned char>(b))) {
          Candidate c{static_cast<uint16_t>(i), 0};
          if (b < 0x80 && pairs[i].has_value() &&
              !pairs[i]->short_match.Has(static_cast<unsigned char>(b))) {
            const ByteSet& next = pairs[i]->second[b];
            auto it = std::find(state.second.begin() + 1, state.second.end(), next);
            if (it == state.second.end() && state.second.size() < 0xffff) {
              state.second.push_back(next);
              it = state.second.end() - 1;
            }
            if (it != state.second.end()) {
              c.second = static_cast<uint16_t>(it - state.second.begin());
            }
          }
          state.candidates.push_back(c);
        }
      }
    }
    state.first[256] = static_cast<uint32_t>(state.candidates.size());
    // Mid-line: the same lists without the rules anchored at a line start.
    for (int b = 0; b < 256; ++b) {
      state.first_mid[b] = static_cast<uint32_t>(state.candidates.size());
      for (uint32_t c = state.first[b]; c < state.first[b + 1]; ++c) {
        const Candidate candidate = state.candidates[c];
        if (!state.rules[candidate.rule].starts_at_line_begin) {
          state.candidates.push_back(candidate);
        }
      }
    }
    state.first_mid[256] = static_cast<uint32_t>(state.candidates.size());
    for (int b = 0; b < 256; ++b) {
      lexer->max_candidates_ = std::max<uint64_t>(
          lexer->max_candidates_, state.first[b + 1] - state.first[b]);
    }
    lexer->states_.push_back(std::move(state));
  }
  return lexer;
}

uint64_t Lexer::MaxWork(size_t size) const {
  // One position: each candidate's SimpleRegex (simple_regex.h) then RE2,
  // and the chosen rule's groups (SimpleRegex and RE2 again); plus the
  // byte forced out where nothing matched.
  const uint64_t n = size;
  const uint64_t match = SimpleRegex::kMaxSteps + (max_items_ + 3) * (n + 65);
  const uint64_t re2 = kRe2CallWork + n + 1;
  return WorkBudget(size) +
         (max_candidates_ + 1 + max_group_parts_) * (match + re2) + 1;
}

const Lexer::Rule* Lexer::MatchAt(const State& state, absl::string_view text,
                                  size_t pos, size_t* end,
                                  Progress* progress) const {
  uint64_t* const work = &progress->work;
  const unsigned char b = static_cast<unsigned char>(text[pos]);
  const bool line_begin = pos == 0 || text[pos - 1] == '\n';
  // The byte after, or 0x100 at the end of the text (where a rule that
  // needs two bytes cannot match).
  const int next =
      pos + 1 < text.size() ? static_cast<unsigned char>(text[pos + 1]) : 0x100;
  const std::array<uint32_t, 257>& first =
      line_begin ? state.first : state.first_mid;
  for (uint32_t c = first[b]; c < first[b + 1]; ++c) {
    const Candidate candidate = state.candidates[c];
    if (candidate.second != 0) {
      if (next == 0x100) continue;
      if (next < 0x80 &&
          !state.second[candidate.second].Has(static_cast<unsigned char>(next))) {
        continue;
      }
    }
    const Rule& rule = state.rules[candidate.rule];
    if (rule.simple.has_value()) {
      if (rule.failure_slot >= 0 &&
          pos < progress->fails_before[rule.failure_slot]) {
        continue;
      }
      if (rule.one_item) {
        // Inline: most tokens are one class or one class run.
        const SimpleRegex::Result r = rule.simple->MatchOne(text, pos, end, *work);
        if (r == SimpleRegex::Result::kMatch) return &rule;
        if (r == SimpleRegex::Result::kNoMatch) continue;
      } else {
        const uint64_t work_before = *work;
        switch (rule.simple->Match(text, pos, end, nullptr, *work)) {
          case SimpleRegex::Result::kMatch: return &rule;
          case SimpleRegex::Result::kNoMatch:
            // A short failed scan is cheaper to redo than to find the end of.
            if (rule.failure_slot >= 0 && *work - work_before >= kMinRescan) {
              progress->fails_before[rule.failure_slot] =
                  rule.simple->FailsBefore(text, pos, *work);
            }
            continue;
          case SimpleRegex::Result::kUnknown: break;
        }
      }
    }
    // Anchored at `pos`, with the whole text as context so ^, $ and \b
    // see the same neighbours; the DFA alone finds the end. Its scan is
    // charged as far as it may go: no match prefix holds more than
    // max_newlines newlines, so it stops at the newline after them.
    *work += kRe2CallWork + Re2Scan(text, pos, rule.max_newlines);
    re2::StringPiece match;
    if (rule.re->Match(re2::StringPiece(text.data(), text.size()), pos,
                       text.size(), RE2::ANCHOR_START, &match, 1)) {
      *end = pos + match.size();
      return &rule;
    }
  }
  return nullptr;
}

bool Lexer::Tokenize(absl::string_view text, std::vector<Token>* tokens,
                     uint64_t* work_out) const {
  const size_t first_token = tokens->size();
  const uint64_t budget = WorkBudget(text.size());
  Progress progress;
  uint64_t& work = progress.work;
  absl::InlinedVector<int, 8> stack = {0};
  absl::InlinedVector<re2::StringPiece, 8> re2_groups;
  // Group g's span is [spans[2 * g], spans[2 * g + 1]), or kNoGroup.
  size_t spans[2 * kMaxSimpleGroups];
  absl::InlinedVector<size_t, 2 * kMaxSimpleGroups> re2_spans;
  const re2::StringPiece subject(text.data(), text.size());
  size_t pos = 0;
  int empty_matches = 0;
  while (pos < text.size()) {
    if (work > budget) {
      tokens->resize(first_token);
      Emit(tokens, TokenType::kText, 0, text.size());
      if (work_out != nullptr) *work_out = work;
      return false;
    }
    size_t end = pos;
    const Rule* rule = MatchAt(states_[stack.back()], text, pos, &end, &progress);
    const bool empty = end == pos;
    if (rule == nullptr ||
        (empty && (rule->pops == 0 && rule->pushes.empty())) ||
        (empty && ++empty_matches > kMaxEmptyMatches)) {
      empty_matches = 0;
      ++work;
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
    if (!empty) empty_matches = 0;
    if (rule->groups == 0) {
      Emit(tokens, rule->types[0], pos, end - pos);
    } else {
      // The chosen rule's groups, on the token alone. Groups in order; text
      // a group does not cover takes the type of the group before it (or
      // the first type).
      // SimpleRegex when it is sure of the same match, else RE2.
      const size_t* group_spans = spans;
      size_t simple_end = 0;
      size_t part_end = pos;
      for (size_t g = 0; g < rule->group_parts.size(); ++g) {
        size_t e = 0;
        const SimpleRegex::Result r =
            rule->group_parts[g].Match(text, part_end, &e, nullptr, work);
        if (r == SimpleRegex::Result::kNoMatch && rule->group_optional[g]) {
          // (X)? where X cannot match: the group takes no part.
          spans[2 * g] = spans[2 * g + 1] = SimpleRegex::kNoGroup;
          continue;
        }
        if (r != SimpleRegex::Result::kMatch) {
          part_end = kNoEnd;
          break;
        }
        spans[2 * g] = part_end;
        spans[2 * g + 1] = e;
        part_end = e;
      }
      if (!rule->group_parts.empty() && part_end == end) {
        // The groups, one after the other (see Rule::group_parts).
      } else if (!rule->simple_groups.has_value() ||
          rule->simple_groups->Match(text, pos, &simple_end, spans, work) !=
              SimpleRegex::Result::kMatch ||
          simple_end != end) {
        work += kRe2CallWork + (end - pos);
        re2_groups.resize(rule->groups + 1);
        rule->re->Match(subject, pos, end, RE2::ANCHOR_BOTH, re2_groups.data(),
                        rule->groups + 1);
        re2_spans.resize(2 * rule->groups);
        for (int g = 0; g < rule->groups; ++g) {
          const re2::StringPiece sub = re2_groups[1 + g];
          const size_t begin =
              sub.data() == nullptr
                  ? SimpleRegex::kNoGroup
                  : static_cast<size_t>(sub.data() - text.data());
          re2_spans[2 * g] = begin;
          re2_spans[2 * g + 1] =
              sub.data() == nullptr ? SimpleRegex::kNoGroup : begin + sub.size();
        }
        group_spans = re2_spans.data();
      }
      size_t at = pos;
      TokenType last = rule->types[0];
      for (int g = 0; g < rule->groups; ++g) {
        const size_t begin = group_spans[2 * g];
        if (begin == SimpleRegex::kNoGroup) continue;
        if (begin < at) continue;  // nested group, already covered
        const size_t group_end = group_spans[2 * g + 1];
        Emit(tokens, last, at, begin - at);
        Emit(tokens, rule->types[g], begin, group_end - begin);
        last = rule->types[g];
        at = group_end;
      }
      Emit(tokens, last, at, end - at);
    }
    pos = end;
    for (int i = 0; i < rule->pops && stack.size() > 1; ++i) stack.pop_back();
    for (int s : rule->pushes) {
      if (stack.size() < kMaxStack) stack.push_back(s);
    }
  }
  if (work_out != nullptr) *work_out = work;
  return true;
}

}  // namespace serval::highlight
