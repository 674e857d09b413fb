// lexer.h — a table-driven regex lexer on RE2, after Pygments' RegexLexer.
//
// A LexerDef is a list of states; each state is an ordered list of rules.
// At each position the first rule whose pattern matches there wins, as in
// one leftmost-first alternation of the state's rules. A rule emits one
// token type for its whole match, or, when it has capture groups, one type per group (like
// Pygments' `bygroups`); then it may change the state stack:
//   ""           stay
//   "name"       push a state ("a,b" pushes a then b)
//   "#pop"       pop one state ("#pop:2" pops two)
// A rule whose pattern is empty and whose `next` starts with "include:"
// splices in another state's rules. Where no rule matches, a newline
// resets the stack to "root" and is plain Text, anything else is one
// character of Error — as Pygments does.
//
// Patterns are RE2 syntax, compiled with (?m) (multi-line, as Pygments'
// default); RE2 has no look-around or back-references, so lexers are
// written without them.
//
// Speed: Create computes, for each state and each byte value, the rules
// that can match at a position holding that byte (a first-byte dispatch
// table), so a position tries only those, and for each of them the bytes
// that can come next, so a rule that must match two bytes or more is not
// tried where the second byte rules it out. Patterns in the subset that
// SimpleRegex handles (simple_regex.h) are matched without RE2, capture
// groups included; RE2 is asked only for the rest and whenever
// SimpleRegex cannot be sure (non-ASCII input). Results equal RE2's.
//
// Work budget: Tokenize counts its work — SimpleRegex's steps (simple_regex.h),
// and for each RE2 call kRe2CallWork plus the bytes RE2 may scan (to the
// newline after the most newlines a match can hold, or to the end) —
// and gives up on a text whose count passes WorkBudget(text.size()), linear
// in its length: that text is then one plain kText token, as an unknown
// language's code is. Normal code counts a few steps per byte; only
// hostile blocks (a quote opened at every byte, thousands of unclosed
// comment openers) come near the budget.
//
// Example:
//   static const Lexer* lexer = new Lexer(MyLanguageDef());  // once
//   std::vector<Token> tokens;
//   lexer->Tokenize("x = 1\n", &tokens);
//
// Thread-safety: a Lexer is immutable after construction; Tokenize may be
// called from any number of threads at once.
#ifndef SERVAL_HIGHLIGHT_LEXER_H_
#define SERVAL_HIGHLIGHT_LEXER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"
#include "src/highlight/simple_regex.h"
#include "src/highlight/token.h"

namespace serval::highlight {

struct RuleDef {
  std::string pattern;
  std::vector<TokenType> types;  // one, or one per capture group
  std::string next;              // see above
};

struct StateDef {
  std::string name;
  std::vector<RuleDef> rules;
};

struct LexerDef {
  std::string name;                  // canonical, e.g. "python"
  std::vector<std::string> aliases;  // e.g. "py", "python3"
  bool case_insensitive = false;
  bool dot_all = false;
  std::vector<StateDef> states;      // states[0] is "root"
};

// Helper for keyword lists: "(?:a|b|c)\b".
std::string Words(std::initializer_list<absl::string_view> words,
                  absl::string_view prefix = "",
                  absl::string_view suffix = "\\b");

class Lexer {
 public:
  // Compiles every state. A pattern RE2 rejects, an unknown state name or
  // a rule whose group count differs from its types is an error.
  static absl::StatusOr<std::unique_ptr<Lexer>> Create(LexerDef def);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& aliases() const { return aliases_; }

  // Appends the tokens of `text` to `tokens`; adjacent tokens of one type
  // are merged. Tokens cover `text` exactly, in order. Returns false when
  // the work counted passed WorkBudget(text.size()): then what it appended
  // is one kText token covering `text`. When `work` is not null, *work is
  // the work counted (at most MaxWork(text.size())).
  bool Tokenize(absl::string_view text, std::vector<Token>* tokens,
                uint64_t* work = nullptr) const;

  // The work budget of a text of `size` bytes: Tokenize gives up before a
  // position where its count is past kWorkPerByte * size + kWorkBase.
  static constexpr uint64_t kWorkPerByte = 256;
  static constexpr uint64_t kWorkBase = 1 << 20;
  // What one RE2 call costs besides the bytes it scans.
  static constexpr uint64_t kRe2CallWork = 64;
  static uint64_t WorkBudget(size_t size) {
    return kWorkPerByte * size + kWorkBase;
  }
  // The most work Tokenize counts on `size` bytes: the budget, plus what
  // the last position may add (every candidate rule matched at once, see
  // SimpleRegex's bound, and RE2 after it, then the chosen rule's groups
  // one by one), all linear in `size`.
  uint64_t MaxWork(size_t size) const;

 private:
  struct Rule {
    int groups = 0;  // capture groups typed one by one (0: the whole match)
    std::vector<TokenType> types;
    int pops = 0;
    std::vector<int> pushes;
    // "(?m)(?:pattern)": the match when `simple` is absent or unsure, and
    // the capture groups.
    std::unique_ptr<const RE2> re;
    std::optional<SimpleRegex> simple;
    // For a rule with groups: `simple` compiled to report them (slower,
    // so asked only once the rule has matched).
    std::optional<SimpleRegex> simple_groups;
    // For a pattern that is only a sequence of capture groups, none nested
    // (after an optional ^; each may be followed by `?`): each group alone. When each matches where the
    // one before ended, that is the first path a backtracking matcher
    // takes, so those are the groups, found without backtracking.
    // A group followed by `?` may be skipped: its first choice is X's
    // first match, its second none, so where X does not match the group
    // takes no part and the next part starts where X would have.
    std::vector<SimpleRegex> group_parts;
    std::vector<bool> group_optional;  // per part
    bool starts_at_line_begin = false;  // every match starts with ^ or \A
    bool one_item = false;  // simple->one_item(): MatchAt inlines it
    // The most newlines a match holds (-1: unbounded): RE2 scans at most
    // to the newline after that many.
    int max_newlines = -1;
    // >= 0: the rule's slot in Progress::fails_before (SimpleRegex::
    // FailsBefore knows where later starts fail too).
    int failure_slot = -1;
  };
  struct Candidate {
    uint16_t rule;
    // 0, or the index in State::second of the bytes that can follow this
    // byte in a match of the rule, which then cannot be one byte or empty.
    uint16_t second;
  };
  struct State {
    std::vector<Rule> rules;
    // The rules that can match at a byte b, in order:
    // candidates[first[b] .. first[b + 1]) at the start of a line,
    // candidates[first_mid[b] .. first_mid[b + 1]) elsewhere (without the
    // rules whose matches start with ^ or \A).
    std::vector<Candidate> candidates;
    std::array<uint32_t, 257> first{};
    std::array<uint32_t, 257> first_mid{};
    std::vector<ByteSet> second;  // [0] is unused
  };

  // One Tokenize call's counters: the work so far, and for each rule with
  // a failure slot the position before which it is known to fail.
  static constexpr int kMaxFailureSlots = 16;
  struct Progress {
    uint64_t work = 0;
    size_t fails_before[kMaxFailureSlots] = {};
  };
  // The first rule of `state` that matches at `pos`, or nullptr; *end is
  // where its match ends. Adds its work to progress->work. Inline in
  // Tokenize, its one caller (the call per position, with its register
  // saves and restores, cost about 15 instructions).
  __attribute__((always_inline)) const Rule* MatchAt(
      const State& state, absl::string_view text, size_t pos, size_t* end,
      Progress* progress) const;

  Lexer() = default;

  std::string name_;
  std::vector<std::string> aliases_;
  std::vector<State> states_;
  // For MaxWork: the most candidate rules at one position, the most group
  // parts of a rule (each one more match at a position), and the most
  // items in one rule's SimpleRegex.
  uint64_t max_candidates_ = 0;
  uint64_t max_items_ = 0;
  uint64_t max_group_parts_ = 0;
  int failure_slots_ = 0;
};

}  // namespace serval::highlight

#endif  // SERVAL_HIGHLIGHT_LEXER_H_
