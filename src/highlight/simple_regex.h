// simple_regex.h — a small backtracking matcher for a subset of RE2 syntax:
// the lexer's fast path. Most tokens (names, keywords, whitespace,
// punctuation, short strings) are matched here without an RE2 call, whose
// fixed cost is larger than matching the token itself.
//
// SimpleRegex::Compile accepts a pattern only when it can match it exactly
// as RE2 does with the lexer's options ((?m), leftmost-first, ASCII \b \w
// \d \s, (?i) folding): literals, classes, `.`, `^ $ \A \z \b \B`,
// groups `( (?: (?s:`, alternation and greedy or lazy repeats of something
// that cannot match empty. Anything else yields nullopt, and the caller
// uses RE2 for that pattern. Capture groups are numbered as RE2 numbers
// them; a pattern compiled with Options::groups reports them (as RE2's
// submatches would be). Without it groups only group, which is faster.
//
// Match says kMatch (with the end of the leftmost-first match anchored at
// `pos`, and each group's span when asked), kNoMatch, or kUnknown — the
// match would have to look at a byte >= 0x80 that the pattern might take
// as part of a UTF-8 character, or it ran out of its work bound — and
// then the caller asks RE2. So an answer other than kUnknown is always
// RE2's answer.
//
// Work: Match adds to a counter the steps it took — one per byte a loop
// looked at, per lazy-repeat iteration and per backtracking step (the
// constant cost of trying each item once is left out) — a deterministic
// measure of its cost, for the lexer's per-block budget. Past kMaxSteps
// in one call it stops with kUnknown; with n the text's length and I the
// pattern's nodes, one call counts at most kMaxSteps + (I + 3) * (n + 65).
//
// How: a pattern is a tree of nodes matched by recursive backtracking in
// continuation-passing style (Frame: what is left to match). Shortcuts,
// each giving exactly what the backtracking would: sequences of classes
// and greedy class repeats that cannot give bytes back are a loop over
// byte tables (MatchRun); alternations of many literals are a trie
// (Literals); repeats skip positions where what follows cannot start
// (Follow: first bytes, and where the rest can be empty); a pattern
// outside MatchRun's shape first runs the class run it must start with
// (guard_) and fails there without backtracking when that run does.
//
// Example:
//   std::optional<SimpleRegex> re = SimpleRegex::Compile("[a-z_]\\w*", {});
//   size_t end;
//   re->Match("foo bar", 0, &end);  // kMatch, end == 3
//
// Thread-safety: immutable after Compile; Match is const and reentrant.
#ifndef SERVAL_HIGHLIGHT_SIMPLE_REGEX_H_
#define SERVAL_HIGHLIGHT_SIMPLE_REGEX_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace serval::highlight {

// A set of byte values.
class ByteSet {
 public:
  bool Has(unsigned char c) const { return (bits_[c >> 6] >> (c & 63)) & 1; }
  void Add(unsigned char c) { bits_[c >> 6] |= uint64_t{1} << (c & 63); }
  void AddRange(int lo, int hi) {
    for (int c = lo; c <= hi; ++c) Add(static_cast<unsigned char>(c));
  }
  void AddAll(const ByteSet& other) {
    for (int i = 0; i < 4; ++i) bits_[i] |= other.bits_[i];
  }
  bool Empty() const { return (bits_[0] | bits_[1] | bits_[2] | bits_[3]) == 0; }
  int Count() const {
    return __builtin_popcountll(bits_[0]) + __builtin_popcountll(bits_[1]) +
           __builtin_popcountll(bits_[2]) + __builtin_popcountll(bits_[3]);
  }
  // The smallest byte in the set; -1 when empty.
  int Lowest() const {
    for (int i = 0; i < 4; ++i) {
      if (bits_[i] != 0) return i * 64 + __builtin_ctzll(bits_[i]);
    }
    return -1;
  }
  void IntersectWith(const ByteSet& other) {
    for (int i = 0; i < 4; ++i) bits_[i] &= other.bits_[i];
  }
  static ByteSet All() {
    ByteSet s;
    for (int i = 0; i < 4; ++i) s.bits_[i] = ~uint64_t{0};
    return s;
  }
  bool operator==(const ByteSet& o) const {
    return bits_[0] == o.bits_[0] && bits_[1] == o.bits_[1] &&
           bits_[2] == o.bits_[2] && bits_[3] == o.bits_[3];
  }

 private:
  uint64_t bits_[4] = {0, 0, 0, 0};
};

class SimpleRegex {
 public:
  struct Options {
    bool case_insensitive = false;
    bool dot_all = false;
    bool groups = false;  // Match can report capture groups
  };
  enum class Result { kNoMatch, kMatch, kUnknown };

  static std::optional<SimpleRegex> Compile(absl::string_view pattern,
                                            Options options);

  // Matches anchored at text[pos]; the whole `text` is the context of
  // ^, $ and \b. On kMatch, *end is where the match ends and, when
  // `groups` is not null (compiled with Options::groups only),
  // groups[2 * g] and groups[2 * g + 1] are where
  // capture group g + 1 begins and ends (kNoGroup for both when the group
  // took no part in the match); `groups` holds 2 * group_count() entries.
  // When `work` is not null, the steps taken are added to *work.
  static constexpr size_t kNoGroup = ~size_t{0};
  Result Match(absl::string_view text, size_t pos, size_t* end,
               size_t* groups = nullptr, uint64_t* work = nullptr) const {
    uint64_t unused = 0;
    uint64_t& counter = work == nullptr ? unused : *work;
    return Match(text, pos, end, groups, counter);
  }
  // The same with a counter (the lexer's hot path: a loop, for most
  // patterns, inlined up to it).
  Result Match(absl::string_view text, size_t pos, size_t* end,
               size_t* groups, uint64_t& work) const {
    const unsigned char* const t =
        reinterpret_cast<const unsigned char*>(text.data());
    if (fast_items_ > 0 && groups == nullptr) {
      size_t at = pos;
      for (int i = 0; i < fast_items_; ++i) {
        const uint8_t* takes = run_tables_[i].data();
        const FastItem f = fast_[i];
        if (f.kind == FastItem::kByte) {
          const Result r = TakeByte(takes, t, text.size(), &at);
          if (r != Result::kMatch) return r;
          continue;
        }
        if (f.kind == FastItem::kLineStart) {
          if (at != 0 && t[at - 1] != '\n') return Result::kNoMatch;
          continue;
        }
        const size_t size = text.size();
        const size_t stop =
            f.max < 0 || size - at < static_cast<size_t>(f.max) ? size : at + f.max;
        const Result r = TakeRun(takes, t, stop, f.min, &at, &work);
        if (r != Result::kMatch) return r;
      }
      *end = at;
      return Result::kMatch;
    }
    if (run_ && groups == nullptr) {
      return MatchRunFrom(0, t, text.size(), pos, end, nullptr, &work,
                          work + kMaxSteps);
    }
    return MatchSlow(text, pos, end, groups, &work);
  }

  // True when the pattern is one class or one greedy repeat of a class
  // (whitespace, newlines, punctuation: most tokens): then MatchOne is
  // Match without groups, small enough for the lexer to inline.
  bool one_item() const {
    return fast_items_ == 1 && fast_[0].kind != FastItem::kLineStart;
  }
  __attribute__((always_inline)) Result MatchOne(absl::string_view text,
                                                 size_t pos, size_t* end,
                                                 uint64_t& work) const {
    const unsigned char* const t =
        reinterpret_cast<const unsigned char*>(text.data());
    const uint8_t* takes = run_tables_[0].data();
    const FastItem f = fast_[0];
    size_t at = pos;
    Result r;
    if (f.kind == FastItem::kByte) {
      r = TakeByte(takes, t, text.size(), &at);
    } else {
      const size_t size = text.size();
      const size_t stop =
          f.max < 0 || size - at < static_cast<size_t>(f.max) ? size : at + f.max;
      r = TakeRun(takes, t, stop, f.min, &at, &work);
    }
    *end = at;
    return r;
  }

  // The step limit of one Match (see Work above).
  static constexpr uint64_t kMaxSteps = 1 << 16;

  // The number of items in the pattern's tree (its nodes): the I of the
  // bound on one Match's work.
  int item_count() const { return static_cast<int>(nodes_.size()); }
  // For patterns whose failure to match at one position implies failures
  // at later ones (a string opener and an unclosed body that a later
  // opener inside it resynchronizes with, or an opener and a lazy body):
  // after Match said kNoMatch at `pos`, a position before which every
  // start after `pos` fails too (0 when none is known). Its scan adds to
  // `work`. So a lexer need not rescan an unclosed string from every
  // quote in it.
  size_t FailsBefore(absl::string_view text, size_t pos, uint64_t& work) const;
  bool has_failure_prefix() const { return failure_kind_ != FailureKind::kNone; }

  // The most newlines a match can contain, or -1 when unbounded: RE2,
  // asked instead, scans no further than the newline after that many.
  int max_newlines() const { return max_newlines_; }

  // The number of capturing groups, as RE2's NumberOfCapturingGroups.
  int group_count() const { return group_count_; }

  // Bytes a non-empty match can start with; every byte when it can match
  // empty (`nullable`).
  const ByteSet& first_bytes() const { return nodes_[root_].first; }
  bool nullable() const { return nodes_[root_].nullable; }
  // True when every match starts with ^ (or \A): none can start in the
  // middle of a line.
  bool starts_at_line_begin() const { return starts_at_line_begin_; }

  // What the first two bytes of a match can be, for dispatch: for each
  // ASCII byte b0, `short_match.Has(b0)` when a match of at most one byte
  // can start with b0 (always, when nullable), and second[b0] holds the
  // bytes that can follow b0 in a longer match. A superset: a pair outside
  // it cannot start a match (assertions are not looked at).
  struct Pairs {
    ByteSet short_match;
    ByteSet second[128];
  };
  Pairs FirstPairs() const;

 private:
  enum class Kind : uint8_t { kSet, kSeq, kAlt, kRepeat, kAssert, kCapture };
  enum class Assert : uint8_t {
    kBeginLine, kEndLine, kBeginText, kEndText, kWordBoundary, kNotWordBoundary
  };
  struct Node {
    Kind kind = Kind::kSeq;
    ByteSet set;             // kSet: the ASCII bytes it matches
    bool non_ascii = false;  // kSet: also matches some non-ASCII character
    // kSet: the bytes >= 0x80 where it may take a character (there RE2
    // decides): every one, or for a class whose only non-ASCII characters
    // are (?i)'s U+017F and U+212A, their lead bytes.
    ByteSet unsure;
    Assert assertion = Assert::kBeginLine;
    std::vector<int> kids;   // kSeq, kAlt: in order; kRepeat, kCapture: one
    int group = 0;           // kCapture: 0-based group index
    int min = 0, max = -1;   // kRepeat; max -1: unbounded
    bool greedy = true;
    ByteSet first;           // bytes a non-empty match can start with
    bool nullable = false;
    // kAlt with many kids: the kids worth trying at byte b are
    // by_byte[by_byte_first[b] .. by_byte_first[b + 1]).
    std::vector<uint16_t> by_byte;
    std::vector<uint32_t> by_byte_first;
    // kAlt of many literal strings (keyword lists): their trie, walked
    // once along the text instead of trying each kid; trie[0] is the root.
    struct TrieNode {
      uint32_t first_edge = 0;
      uint32_t edge_count = 0;
      int kid = -1;  // the first kid whose literal ends here
      bool non_ascii_next = false;  // a next byte may be a non-ASCII char
    };
    struct TrieEdge {
      unsigned char byte;  // lowercase when trie_folds
      uint32_t child;
    };
    std::vector<TrieNode> trie;
    std::vector<TrieEdge> trie_edges;
    // The root's children by (lowercased) ASCII byte, 0 for none: the
    // root has many.
    std::vector<uint32_t> trie_root;
    bool trie_folds = false;  // (?i): text bytes are lowercased first
    // Where an empty match can be: at a position holding a byte in
    // empty_at, or at the end of the text if empty_at_end (`$`: before a
    // newline or at the end; `x*`: anywhere; a non-nullable node: nowhere).
    ByteSet empty_at;
    bool empty_at_end = false;
    // kSeq, for k up to kids.size(): the bytes a non-empty match of
    // kids[k..] can start with, and where kids[k..] can match empty.
    std::vector<ByteSet> rest_first;
    std::vector<ByteSet> rest_empty_at;
    std::vector<bool> rest_empty_at_end;
    // Greedy kRepeat of a kAlt: ASCII bytes that only a one-byte kid (a
    // kSet) of the kAlt can take, so an iteration there takes one byte
    // and has no other choice.
    ByteSet single_byte_iteration;
  };
  struct Frame;
  struct Context;
  class Parser;

  bool Run(int node, size_t pos, const Frame* next, Context* c) const;
  bool Continue(const Frame* next, size_t pos, Context* c) const;
  bool MayContinue(const Frame* next, size_t pos, const Context* c) const;
  void Follow(const Frame* next, ByteSet* first, bool* at_end) const;
  bool Capture(const Node& n, size_t pos, const Frame* next, Context* c) const;
  bool Seq(int index, size_t kid, size_t pos, const Frame* next,
           Context* c) const;
  bool Repeat(const Node& n, int count, size_t pos, const Frame* next,
              Context* c) const;
  bool Literals(const Node& n, size_t pos, const Frame* next,
                Context* c) const;
  bool RepeatSet(const Node& n, size_t pos, const Frame* next,
                 Context* c) const;
  void NodePairs(int node, Pairs* out, bool* nullable) const;

  Result MatchSlow(absl::string_view text, size_t pos, size_t* end,
                   size_t* groups, uint64_t* work) const;
  // MatchRun's byte tables, by byte: kRunNo, kRunYes, or kRunUnsure (a
  // non-ASCII byte the class may take as part of a character).
  static constexpr uint8_t kRunNo = 0, kRunYes = 1, kRunUnsure = 2;
  // MatchRun's steps for a class (one byte) and for a greedy repeat of one
  // up to `stop`: advance *at (kMatch), or say why not.
  static Result TakeByte(const uint8_t* takes, const unsigned char* t,
                         size_t size, size_t* at) {
    if (*at >= size) return Result::kNoMatch;
    const uint8_t v = takes[t[*at]];
    if (v != kRunYes) return v == kRunUnsure ? Result::kUnknown : Result::kNoMatch;
    ++*at;
    return Result::kMatch;
  }
  static Result TakeRun(const uint8_t* takes, const unsigned char* t,
                        size_t stop, size_t min, size_t* at, uint64_t* work) {
    size_t j = *at;
    while (j < stop && takes[t[j]] == kRunYes) ++j;
    *work += j - *at;
    if (j < stop && takes[t[j]] == kRunUnsure) return Result::kUnknown;
    if (j - *at < min) return Result::kNoMatch;
    *at = j;
    return Result::kMatch;
  }
  void SetFastPath();
  void BuildGuard();
  void SetRunRest();
  Result MatchRunFrom(size_t first_item, const unsigned char* text,
                      size_t size, size_t pos, size_t* end, size_t* groups,
                      uint64_t* work, uint64_t work_limit) const;
  bool DeterministicAlt(int index) const;
  void BuildFailurePrefix();
  static bool AssertHolds(Assert a, const unsigned char* text, size_t size,
                          size_t pos);

  std::vector<Node> nodes_;
  int root_ = 0;
  // Most token patterns are a sequence of byte classes and greedy repeats
  // of one where no repeat could give a byte back to what follows it
  // (names, whitespace, string bodies, punctuation, `name\s*:`): they are
  // matched by MatchRun, a loop, when `run_` is set. run_items_: the kSet
  // and kRepeat nodes in order.
  bool run_ = false;
  std::vector<int> run_items_;
  // For each item's byte class, by byte: kRunNo, kRunYes, or kRunUnsure
  // (a non-ASCII byte the class may take as part of a character).
  std::vector<std::array<uint8_t, 256>> run_tables_;
  // run_marks_[k]: the group slots (2 * g begins, 2 * g + 1 ends group g)
  // that are at the position where item k starts (k == size: the end).
  std::vector<std::vector<int>> run_marks_;
  // For k <= run_items_.size(): the bytes a non-empty match of items k..
  // can start with, and whether they can all match empty (SetRunRest).
  std::vector<ByteSet> run_rest_first_;
  std::vector<bool> run_rest_nullable_;
  int group_count_ = 0;
  bool starts_at_line_begin_ = false;
  int max_newlines_ = 0;
  // Runs of up to kMaxFastItems items, each a class, a greedy repeat of
  // one or ^ (names, whitespace, punctuation, `name\s*:`, `^([ \t]*)(#)`):
  // matched inline in Match, as MatchRunFrom would (same steps).
  static constexpr int kMaxFastItems = 8;
  struct FastItem {
    enum Kind : uint8_t { kByte, kRun, kLineStart } kind;
    uint8_t min;
    int32_t max;  // -1: unbounded
  };
  int fast_items_ = 0;
  FastItem fast_[kMaxFastItems] = {};
  // For a pattern outside MatchRun's shape: the classes and greedy class
  // repeats it starts with (through groups; assertions, being zero-width,
  // skipped), cut before the first repeat that could give a byte back to
  // what follows, and when not cut, the bytes the next item must start
  // with (guard_next_, when that item cannot be empty). A match must take
  // exactly that run, so where the run fails (C's `^([ \t]*)(#...` on an
  // indented line, a string rule's optional prefix followed by the wrong
  // byte) MatchSlow says kNoMatch without backtracking.
  struct GuardItem {
    std::array<uint8_t, 256> table;  // kRunNo, kRunYes, kRunUnsure
    bool repeat;
    size_t min;
    int max;  // -1: unbounded
  };
  std::vector<GuardItem> guard_;
  bool guard_next_check_ = false;
  ByteSet guard_next_;
  // FailsBefore: the shape, the run cut after its repeat, and for kLazy
  // the number of one-byte items before the repeat.
  enum class FailureKind : uint8_t { kNone, kSync, kLazy };
  FailureKind failure_kind_ = FailureKind::kNone;
  std::shared_ptr<const SimpleRegex> failure_prefix_;
  size_t failure_offset_ = 0;
};

}  // namespace serval::highlight

#endif  // SERVAL_HIGHLIGHT_SIMPLE_REGEX_H_
