#include "src/highlight/simple_regex.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace serval::highlight {
namespace {

// Work bound of one Match (with SimpleRegex::kMaxSteps): past it the answer
// is kUnknown (RE2 decides).
constexpr int kMaxDepth = 600;
// RE2's own limit on {n,m}.
constexpr int kMaxRepeat = 1000;
// A deterministic alternation's table: kRunKid + k where only kid k can
// start (kids are at most kMaxRunKids).
constexpr uint8_t kRunKid = 3;
constexpr size_t kMaxRunKids = 64;
// Alternations of more literals than this, none longer than
// kMaxLiteralLength, are matched with a trie.
constexpr size_t kMinTrieLiterals = 2;
constexpr size_t kMaxLiteralLength = 64;

// The lead bytes of U+017F (C5 BF) and U+212A (E2 84 AA), the non-ASCII
// characters (?i) folds with 's' and 'k'.
bool IsFoldLead(unsigned char c) { return c == 0xc5 || c == 0xe2; }

bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c == '_';
}

void AddPerlClass(char name, ByteSet* set, bool* non_ascii) {
  ByteSet s;
  switch (name | 0x20) {
    case 'd': s.AddRange('0', '9'); break;
    case 'w':
      s.AddRange('0', '9'); s.AddRange('a', 'z'); s.AddRange('A', 'Z');
      s.Add('_');
      break;
    case 's':  // RE2's \s: [\t\n\f\r ]
      s.Add('\t'); s.Add('\n'); s.Add('\f'); s.Add('\r'); s.Add(' ');
      break;
  }
  if (name >= 'a') {
    set->AddAll(s);
    return;
  }
  for (int c = 0; c < 0x80; ++c) {
    if (!s.Has(static_cast<unsigned char>(c))) set->Add(static_cast<unsigned char>(c));
  }
  *non_ascii = true;  // \D \W \S match every non-ASCII character
}

}  // namespace

// Whether `a` holds at text[pos] (ASCII \b, as RE2's).
bool SimpleRegex::AssertHolds(Assert a, const unsigned char* text, size_t size,
                              size_t pos) {
  const auto word = [&](size_t at) { return at < size && IsWordByte(text[at]); };
  switch (a) {
    case Assert::kBeginLine: return pos == 0 || text[pos - 1] == '\n';
    case Assert::kEndLine: return pos == size || text[pos] == '\n';
    case Assert::kBeginText: return pos == 0;
    case Assert::kEndText: return pos == size;
    case Assert::kWordBoundary:
      return (pos > 0 && word(pos - 1)) != word(pos);
    case Assert::kNotWordBoundary:
      return (pos > 0 && word(pos - 1)) == word(pos);
  }
  return false;
}

struct SimpleRegex::Frame {
  // a kSeq (arg: next kid), a kRepeat (arg: iterations done) or a kCapture
  // (its group ends here)
  int node;
  int arg;
  const Frame* next;
};

struct SimpleRegex::Context {
  const unsigned char* text;
  size_t size;
  uint64_t steps = 0;  // Run calls and bytes looked at by loops
  int depth = 0;
  bool unknown = false;
  size_t end = 0;
  size_t* groups = nullptr;  // see Match; null: not asked
};

// Recursive descent over RE2 syntax; any construct it does not know makes
// the whole pattern unsupported (ok_ = false).
class SimpleRegex::Parser {
 public:
  Parser(absl::string_view p, Options o, std::vector<Node>* nodes)
      : p_(p), options_(o), nodes_(nodes) {}

  std::optional<int> ParseAll() {
    const int root = ParseAlt(options_.dot_all);
    if (!ok_ || i_ != p_.size()) return std::nullopt;
    return root;
  }
  int group_count() const { return groups_; }

 private:
  bool AtEnd() const { return i_ >= p_.size(); }
  char Peek() const { return p_[i_]; }
  int Fail() {
    ok_ = false;
    return -1;
  }

  int Add(Node n) {
    nodes_->push_back(std::move(n));
    return static_cast<int>(nodes_->size()) - 1;
  }

  // `fold_only`: its non-ASCII characters (if any) come from (?i) alone.
  int SetNode(ByteSet set, bool non_ascii, bool fold_only = false) {
    Node n;
    n.kind = Kind::kSet;
    n.set = set;
    n.non_ascii = non_ascii;
    if (non_ascii && fold_only) {
      n.unsure.Add(0xc5);  // IsFoldLead
      n.unsure.Add(0xe2);
    } else if (non_ascii) {
      n.unsure.AddRange(0x80, 0xff);
    }
    n.first = set;
    n.first.AddAll(n.unsure);
    return Add(std::move(n));
  }

  // (?i): ASCII letters match both cases; RE2 also folds 'k' with U+212A
  // and 's' with U+017F, which are not ASCII.
  void Fold(ByteSet* set, bool* non_ascii) const {
    if (!options_.case_insensitive) return;
    for (int c = 'a'; c <= 'z'; ++c) {
      const unsigned char lo = static_cast<unsigned char>(c);
      const unsigned char up = static_cast<unsigned char>(c - 32);
      if (set->Has(lo) || set->Has(up)) {
        set->Add(lo);
        set->Add(up);
        if (c == 'k' || c == 's') *non_ascii = true;
      }
    }
  }

  int ParseAlt(bool dot_all) {
    Node alt;
    alt.kind = Kind::kAlt;
    while (ok_) {
      alt.kids.push_back(ParseSeq(dot_all));
      if (AtEnd() || Peek() != '|') break;
      ++i_;
    }
    if (!ok_) return -1;
    if (alt.kids.size() == 1) return alt.kids[0];
    for (int k : alt.kids) {
      alt.first.AddAll((*nodes_)[k].first);
      alt.nullable = alt.nullable || (*nodes_)[k].nullable;
      alt.empty_at.AddAll((*nodes_)[k].empty_at);
      alt.empty_at_end = alt.empty_at_end || (*nodes_)[k].empty_at_end;
    }
    BuildTrie(&alt);
    if (alt.trie.empty() && alt.kids.size() > 4 && alt.kids.size() <= 0xffff) {
      for (int b = 0; b < 256; ++b) {
        alt.by_byte_first.push_back(static_cast<uint32_t>(alt.by_byte.size()));
        for (size_t k = 0; k < alt.kids.size(); ++k) {
          const Node& kid = (*nodes_)[alt.kids[k]];
          if (kid.nullable || kid.first.Has(static_cast<unsigned char>(b))) {
            alt.by_byte.push_back(static_cast<uint16_t>(k));
          }
        }
      }
      alt.by_byte_first.push_back(static_cast<uint32_t>(alt.by_byte.size()));
    }
    return Add(std::move(alt));
  }

  // The byte a kSet stands for as one literal character: its only byte,
  // or under (?i) the lowercase of a letter's two cases; -1 otherwise.
  int LiteralByte(const Node& n) const {
    if (n.kind != Kind::kSet) return -1;
    const int count = n.set.Count();  // kSet holds ASCII bytes only
    const int only = n.set.Lowest();
    if (count == 1 && !(options_.case_insensitive && only >= 'A' && only <= 'Z')) {
      return only;
    }
    if (count == 2 && options_.case_insensitive && only >= 'A' && only <= 'Z' &&
        n.set.Has(static_cast<unsigned char>(only + 32))) {
      return only + 32;
    }
    return -1;
  }

  // Gives `alt` a trie when every kid is a literal string (a kSet or a
  // kSeq of kSets, each one character) and there are enough of them.
  void BuildTrie(Node* alt) const {
    if (alt->kids.size() < kMinTrieLiterals) return;
    std::vector<std::vector<const Node*>> literals;
    for (int k : alt->kids) {
      const Node& kid = (*nodes_)[k];
      std::vector<const Node*> chars;
      if (kid.kind == Kind::kSet) {
        chars.push_back(&kid);
      } else if (kid.kind == Kind::kSeq) {
        for (int e : kid.kids) chars.push_back(&(*nodes_)[e]);
      } else {
        return;
      }
      if (chars.empty() || chars.size() > kMaxLiteralLength) return;
      for (const Node* ch : chars) {
        if (LiteralByte(*ch) < 0) return;
        // Tries know only (?i)'s non-ASCII characters.
        if (ch->unsure.Count() > 2) return;
      }
      literals.push_back(std::move(chars));
    }
    std::vector<Node::TrieNode> trie(1);
    std::vector<std::vector<std::pair<unsigned char, uint32_t>>> children(1);
    for (size_t k = 0; k < literals.size(); ++k) {
      uint32_t at = 0;
      for (const Node* ch : literals[k]) {
        if (ch->non_ascii) trie[at].non_ascii_next = true;
        const unsigned char b = static_cast<unsigned char>(LiteralByte(*ch));
        uint32_t child = 0;
        for (const auto& [byte, to] : children[at]) {
          if (byte == b) child = to;
        }
        if (child == 0) {
          child = static_cast<uint32_t>(trie.size());
          trie.emplace_back();
          children.emplace_back();
          children[at].emplace_back(b, child);
        }
        at = child;
      }
      if (trie[at].kid < 0) trie[at].kid = static_cast<int>(k);
    }
    for (size_t t = 0; t < trie.size(); ++t) {
      std::sort(children[t].begin(), children[t].end());
      trie[t].first_edge = static_cast<uint32_t>(alt->trie_edges.size());
      trie[t].edge_count = static_cast<uint32_t>(children[t].size());
      for (const auto& [byte, to] : children[t]) alt->trie_edges.push_back({byte, to});
    }
    alt->trie_root.assign(0x80, 0);
    for (const auto& [byte, to] : children[0]) alt->trie_root[byte] = to;
    alt->trie = std::move(trie);
    alt->trie_folds = options_.case_insensitive;
  }

  int ParseSeq(bool dot_all) {
    Node seq;
    seq.kind = Kind::kSeq;
    while (ok_ && !AtEnd() && Peek() != '|' && Peek() != ')') {
      int atom = ParseAtom(dot_all);
      if (!ok_) return -1;
      atom = ParseRepeats(atom);
      if (!ok_) return -1;
      seq.kids.push_back(atom);
    }
    if (!ok_) return -1;
    if (seq.kids.size() == 1) return seq.kids[0];
    const size_t n = seq.kids.size();
    seq.rest_first.resize(n + 1);
    seq.rest_empty_at.assign(n + 1, ByteSet::All());
    seq.rest_empty_at_end.assign(n + 1, true);
    for (size_t k = n; k-- > 0;) {
      const Node& kid = (*nodes_)[seq.kids[k]];
      // Starts non-empty in kid, or kid is empty here and the rest is not.
      ByteSet later = seq.rest_first[k + 1];
      later.IntersectWith(kid.empty_at);
      seq.rest_first[k] = kid.first;
      seq.rest_first[k].AddAll(later);
      seq.rest_empty_at[k] = kid.empty_at;
      seq.rest_empty_at[k].IntersectWith(seq.rest_empty_at[k + 1]);
      seq.rest_empty_at_end[k] = kid.empty_at_end && seq.rest_empty_at_end[k + 1];
    }
    seq.empty_at = seq.rest_empty_at[0];
    seq.empty_at_end = seq.rest_empty_at_end[0];
    seq.nullable = true;
    for (int k : seq.kids) {
      const Node& kid = (*nodes_)[k];
      if (!seq.nullable) break;
      seq.first.AddAll(kid.first);
      seq.nullable = kid.nullable;
    }
    return Add(std::move(seq));
  }

  // Parses "{n}", "{n,}" or "{n,m}" at i_; false (i_ unchanged) when the
  // brace is not a repeat, which RE2 then reads as a literal '{'.
  bool ParseBraces(int* min, int* max) {
    size_t j = i_ + 1;
    auto number = [&](int* out) {
      const size_t start = j;
      long v = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        v = v * 10 + (p_[j] - '0');
        if (v > kMaxRepeat) return false;
        ++j;
      }
      *out = static_cast<int>(v);
      return j > start;
    };
    if (!number(min)) return false;
    if (j < p_.size() && p_[j] == '}') {
      *max = *min;
    } else if (j < p_.size() && p_[j] == ',') {
      ++j;
      if (j < p_.size() && p_[j] == '}') {
        *max = -1;
      } else if (!number(max) || j >= p_.size() || p_[j] != '}' || *max < *min) {
        return false;
      }
    } else {
      return false;
    }
    i_ = j + 1;
    return true;
  }

  int ParseRepeats(int atom) {
    if (AtEnd()) return atom;
    int min = 0, max = -1;
    const char c = Peek();
    if (c == '*') {
      ++i_;
    } else if (c == '+') {
      min = 1;
      ++i_;
    } else if (c == '?') {
      max = 1;
      ++i_;
    } else if (c == '{' && ParseBraces(&min, &max)) {
    } else {
      return atom;
    }
    bool greedy = true;
    if (!AtEnd() && Peek() == '?') {
      greedy = false;
      ++i_;
    }
    // Repeating something that matches empty is where backtracking and
    // RE2 part ways; a second repeat operator is an RE2 error anyway.
    if ((*nodes_)[atom].nullable) return Fail();
    if (!AtEnd() && (Peek() == '*' || Peek() == '+' || Peek() == '?' ||
                     Peek() == '{')) {
      return Fail();
    }
    if (min == 1 && max == 1) return atom;
    Node n;
    n.kind = Kind::kRepeat;
    n.kids = {atom};
    n.min = min;
    n.max = max;
    n.greedy = greedy;
    n.first = (*nodes_)[atom].first;
    n.nullable = min == 0;
    if (n.nullable) {
      n.empty_at = ByteSet::All();
      n.empty_at_end = true;
    }
    if (max == 0) return Fail();
    const Node& kid = (*nodes_)[atom];
    if (greedy && kid.kind == Kind::kAlt) {
      ByteSet others;
      for (int k : kid.kids) {
        const Node& alt = (*nodes_)[k];
        if (alt.kind == Kind::kSet) {
          n.single_byte_iteration.AddAll(alt.set);
        } else {
          others.AddAll(alt.first);
        }
      }
      ByteSet only;
      for (int b = 0; b < 0x80; ++b) {
        const unsigned char u = static_cast<unsigned char>(b);
        if (n.single_byte_iteration.Has(u) && !others.Has(u)) only.Add(u);
      }
      n.single_byte_iteration = only;
    }
    return Add(std::move(n));
  }

  int AssertNode(Assert a) {
    Node n;
    n.kind = Kind::kAssert;
    n.assertion = a;
    n.nullable = true;
    n.empty_at_end = true;
    if (a == Assert::kEndLine) {
      n.empty_at.Add('\n');
    } else if (a != Assert::kEndText) {
      n.empty_at = ByteSet::All();  // depends on the byte before
    }
    return Add(std::move(n));
  }

  int Literal(unsigned char c) {
    if (c >= 0x80) return Fail();
    ByteSet set;
    set.Add(c);
    bool non_ascii = false;
    Fold(&set, &non_ascii);
    return SetNode(set, non_ascii, /*fold_only=*/true);
  }

  // After a backslash: an ASCII character escape; -1 if not one.
  int CharEscape(char e) {
    switch (e) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'f': return '\f';
      case 'v': return '\v';
      case 'a': return '\a';
    }
    const unsigned char u = static_cast<unsigned char>(e);
    if (u < 0x80 && !IsWordByte(u)) return u;  // escaped punctuation
    return -1;
  }

  int ParseAtom(bool dot_all) {
    const char c = p_[i_++];
    switch (c) {
      case '(': {
        bool inner_dot_all = dot_all;
        int group = -1;
        if (p_.substr(i_, 2) == "?:") {
          i_ += 2;
        } else if (p_.substr(i_, 3) == "?s:") {
          i_ += 3;
          inner_dot_all = true;
        } else if (!AtEnd() && Peek() == '?') {
          return Fail();  // other flags, named groups
        } else {
          group = groups_++;  // numbered by its '(', as RE2 does
        }
        const int inner = ParseAlt(inner_dot_all);
        if (!ok_ || AtEnd() || Peek() != ')') return Fail();
        ++i_;
        if (inner < 0) return Fail();
        if (group < 0 || !options_.groups) return inner;
        Node n;
        n.kind = Kind::kCapture;
        n.kids = {inner};
        n.group = group;
        n.first = (*nodes_)[inner].first;
        n.nullable = (*nodes_)[inner].nullable;
        n.empty_at = (*nodes_)[inner].empty_at;
        n.empty_at_end = (*nodes_)[inner].empty_at_end;
        return Add(std::move(n));
      }
      case '[':
        return ParseClass();
      case '.': {
        ByteSet set;
        set.AddRange(0, '\n' - 1);
        if (dot_all) set.Add('\n');
        set.AddRange('\n' + 1, 0x7f);
        return SetNode(set, true);
      }
      case '^': return AssertNode(Assert::kBeginLine);
      case '$': return AssertNode(Assert::kEndLine);
      case '*': case '+': case '?': case ')': return Fail();
      case '\\': {
        if (AtEnd()) return Fail();
        const char e = p_[i_++];
        switch (e) {
          case 'd': case 'D': case 'w': case 'W': case 's': case 'S': {
            ByteSet set;
            bool non_ascii = false;
            AddPerlClass(e, &set, &non_ascii);
            return SetNode(set, non_ascii);
          }
          case 'b': return AssertNode(Assert::kWordBoundary);
          case 'B': return AssertNode(Assert::kNotWordBoundary);
          case 'A': return AssertNode(Assert::kBeginText);
          case 'z': return AssertNode(Assert::kEndText);
        }
        const int ch = CharEscape(e);
        if (ch < 0) return Fail();
        return Literal(static_cast<unsigned char>(ch));
      }
      default:
        return Literal(static_cast<unsigned char>(c));
    }
  }

  // After '['.
  int ParseClass() {
    bool negated = false;
    if (!AtEnd() && Peek() == '^') {
      negated = true;
      ++i_;
    }
    ByteSet set;
    bool non_ascii = false;  // the class takes some non-ASCII character
    bool all_non_ascii = false;  // ... every one (\D, \W, \S)
    bool first = true;
    while (true) {
      if (AtEnd()) return Fail();
      char c = p_[i_];
      if (c == ']' && !first) {
        ++i_;
        break;
      }
      first = false;
      if (c == '[' && p_.substr(i_, 2) == "[:") return Fail();  // POSIX
      int lo;
      ++i_;
      if (c == '\\') {
        if (AtEnd()) return Fail();
        const char e = p_[i_++];
        if (e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 's' || e == 'S') {
          AddPerlClass(e, &set, &non_ascii);
          all_non_ascii = all_non_ascii || e < 'a';
          continue;
        }
        lo = CharEscape(e);
        if (lo < 0) return Fail();
      } else {
        lo = static_cast<unsigned char>(c);
        if (lo >= 0x80) return Fail();
      }
      int hi = lo;
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        char h = p_[i_++];
        if (h == '\\') {
          if (AtEnd()) return Fail();
          hi = CharEscape(p_[i_++]);
          if (hi < 0) return Fail();
        } else {
          hi = static_cast<unsigned char>(h);
          if (hi >= 0x80) return Fail();
        }
        if (hi < lo) return Fail();
      }
      set.AddRange(lo, hi);
    }
    Fold(&set, &non_ascii);
    if (negated) {
      ByteSet inverted;
      for (int b = 0; b < 0x80; ++b) {
        if (!set.Has(static_cast<unsigned char>(b))) {
          inverted.Add(static_cast<unsigned char>(b));
        }
      }
      return SetNode(inverted, !all_non_ascii);
    }
    return SetNode(set, non_ascii, /*fold_only=*/!all_non_ascii);
  }

  absl::string_view p_;
  Options options_;
  std::vector<Node>* nodes_;
  size_t i_ = 0;
  int groups_ = 0;
  bool ok_ = true;
};

std::optional<SimpleRegex> SimpleRegex::Compile(absl::string_view pattern,
                                                Options options) {
  SimpleRegex re;
  Parser parser(pattern, options, &re.nodes_);
  std::optional<int> root = parser.ParseAll();
  if (!root.has_value()) return std::nullopt;
  re.root_ = *root;
  re.group_count_ = parser.group_count();
  // The node every match starts with: the first kid of sequences, the
  // inside of groups.
  const Node* head = &re.nodes_[re.root_];
  while ((head->kind == Kind::kSeq || head->kind == Kind::kCapture) &&
         !head->kids.empty()) {
    head = &re.nodes_[head->kids[0]];
  }
  // The shape MatchRun handles: kSets and greedy kRepeats of a kSet (in
  // nested sequences too), where each repeat's bytes cannot start what
  // follows it (or what follows can match empty, and then the longest run
  // wins anyway): then every repeat takes its longest run, as
  // backtracking would.
  {
    std::vector<int> items;
    // (before item k, group slot): capture groups around whole items.
    std::vector<std::pair<size_t, int>> marks;
    bool ok = true;
    std::function<void(int)> flatten = [&](int index) {
      const Node& n = re.nodes_[index];
      if (n.kind == Kind::kSeq) {
        for (int k : n.kids) flatten(k);
      } else if (n.kind == Kind::kCapture) {
        marks.emplace_back(items.size(), 2 * n.group);
        flatten(n.kids[0]);
        marks.emplace_back(items.size(), 2 * n.group + 1);
      } else if (n.kind == Kind::kSet || n.kind == Kind::kAssert ||
                 (n.kind == Kind::kRepeat &&
                  re.nodes_[n.kids[0]].kind == Kind::kSet) ||
                 (n.kind == Kind::kAlt && !n.trie.empty()) ||
                 (n.kind == Kind::kRepeat && n.greedy &&
                  re.DeterministicAlt(n.kids[0]))) {
        items.push_back(index);
      } else {
        ok = false;
      }
    };
    flatten(re.root_);
    ok = ok && !items.empty();
    for (size_t i = 0; ok && i < items.size(); ++i) {
      const Node& n = re.nodes_[items[i]];
      // A lazy repeat tries every length in order (MatchRunFrom recurses).
      if (n.kind != Kind::kRepeat || !n.greedy) continue;
      // The bytes an iteration can start with (a given-back iteration
      // leaves what follows to start at one of them).
      const ByteSet& run = re.nodes_[n.kids[0]].first;
      // What follows: first bytes up to the first item that cannot be empty.
      for (size_t j = i + 1; j < items.size(); ++j) {
        const Node& after = re.nodes_[items[j]];
        if (after.kind == Kind::kAssert) {
          // A given-back byte is not the end of the text, so $ holds there
          // only before a newline, and \z never; the others could.
          if (after.assertion == Assert::kEndText) break;
          if (after.assertion != Assert::kEndLine || run.Has('\n')) ok = false;
          break;
        }
        for (int b = 0; b < 0x80; ++b) {
          const unsigned char u = static_cast<unsigned char>(b);
          if (run.Has(u) && after.first.Has(u)) ok = false;
        }
        if (!after.nullable) break;
      }
    }
    if (ok) {
      re.run_ = true;
      re.run_marks_.resize(items.size() + 1);
      for (const auto& [k, slot] : marks) re.run_marks_[k].push_back(slot);
      re.run_items_ = std::move(items);
      for (int index : re.run_items_) {
        const Node& n = re.nodes_[index];
        std::array<uint8_t, 256> table{};
        if (n.kind == Kind::kRepeat && re.nodes_[n.kids[0]].kind == Kind::kAlt) {
          // By first byte: kRunNo, kRunUnsure, or kRunKid + the one kid
          // that can start there.
          const Node& alt = re.nodes_[n.kids[0]];
          for (int b = 0; b < 256; ++b) {
            if (b >= 0x80) {
              table[b] = alt.first.Has(static_cast<unsigned char>(b)) ? kRunUnsure : kRunNo;
              continue;
            }
            table[b] = kRunNo;
            for (size_t k = 0; k < alt.kids.size(); ++k) {
              if (re.nodes_[alt.kids[k]].first.Has(static_cast<unsigned char>(b))) {
                table[b] = static_cast<uint8_t>(kRunKid + k);
              }
            }
          }
        } else if (n.kind != Kind::kAssert && n.kind != Kind::kAlt) {
          const Node& set = n.kind == Kind::kSet ? n : re.nodes_[n.kids[0]];
          for (int b = 0; b < 256; ++b) {
            table[b] = b >= 0x80 ? (set.unsure.Has(static_cast<unsigned char>(b)) ? kRunUnsure : kRunNo)
                       : set.set.Has(static_cast<unsigned char>(b)) ? kRunYes
                                                                    : kRunNo;
          }
        }
        re.run_tables_.push_back(table);
      }
    }
  }
  // Newlines per node (kids come before their node); -1: unbounded.
  {
    constexpr int kUnbounded = -1, kMaxCounted = 64;
    std::vector<int> newlines(re.nodes_.size(), 0);
    for (size_t i = 0; i < re.nodes_.size(); ++i) {
      const Node& n = re.nodes_[i];
      int& count = newlines[i];
      const auto kid = [&](size_t k) { return newlines[n.kids[k]]; };
      switch (n.kind) {
        case Kind::kSet: count = n.set.Has('\n') ? 1 : 0; break;
        case Kind::kAssert: count = 0; break;
        case Kind::kCapture: count = kid(0); break;
        case Kind::kSeq:
        case Kind::kAlt:
          for (size_t k = 0; k < n.kids.size() && count != kUnbounded; ++k) {
            if (kid(k) == kUnbounded) {
              count = kUnbounded;
            } else {
              count = n.kind == Kind::kSeq ? count + kid(k) : std::max(count, kid(k));
            }
          }
          break;
        case Kind::kRepeat:
          if (kid(0) == kUnbounded || (kid(0) > 0 && n.max < 0)) {
            count = kUnbounded;
          } else {
            count = kid(0) * std::max(n.max, 0);
          }
          break;
      }
      if (count > kMaxCounted) count = kUnbounded;
    }
    re.max_newlines_ = newlines[re.root_];
  }
  re.SetFastPath();
  re.SetRunRest();
  if (!re.run_) re.BuildGuard();
  re.BuildFailurePrefix();
  re.starts_at_line_begin_ = head->kind == Kind::kAssert &&
                             (head->assertion == Assert::kBeginLine ||
                              head->assertion == Assert::kBeginText);
  return re;
}

void SimpleRegex::SetFastPath() {
  fast_items_ = 0;
  if (!run_ || run_items_.size() > kMaxFastItems) return;
  FastItem fast[kMaxFastItems];
  for (size_t i = 0; i < run_items_.size(); ++i) {
    const Node& n = nodes_[run_items_[i]];
    if (n.kind == Kind::kSet) {
      fast[i] = {FastItem::kByte, 0, 0};
    } else if (n.kind == Kind::kRepeat && nodes_[n.kids[0]].kind == Kind::kSet &&
               n.greedy && n.min <= 0xff) {
      fast[i] = {FastItem::kRun, static_cast<uint8_t>(n.min),
                 static_cast<int32_t>(n.max)};
    } else if (n.kind == Kind::kAssert && n.assertion == Assert::kBeginLine) {
      fast[i] = {FastItem::kLineStart, 0, 0};
    } else {
      return;
    }
  }
  for (size_t i = 0; i < run_items_.size(); ++i) fast_[i] = fast[i];
  fast_items_ = static_cast<int>(run_items_.size());
}

void SimpleRegex::SetRunRest() {
  run_rest_first_.assign(run_items_.size() + 1, ByteSet());
  run_rest_nullable_.assign(run_items_.size() + 1, true);
  for (size_t k = run_items_.size(); k-- > 0;) {
    const Node& n = nodes_[run_items_[k]];
    run_rest_first_[k] = n.first;
    if (n.nullable) run_rest_first_[k].AddAll(run_rest_first_[k + 1]);
    run_rest_nullable_[k] = n.nullable && run_rest_nullable_[k + 1];
  }
}

void SimpleRegex::BuildGuard() {
  std::vector<int> items;
  int stop = -1;  // the first node the guard cannot take, if any
  std::function<bool(int)> walk = [&](int index) {
    const Node& n = nodes_[index];
    if (n.kind == Kind::kSeq) {
      for (int k : n.kids) {
        if (!walk(k)) return false;
      }
      return true;
    }
    if (n.kind == Kind::kCapture) return walk(n.kids[0]);
    if (n.kind == Kind::kAssert) return true;
    if (n.kind == Kind::kSet ||
        (n.kind == Kind::kRepeat && n.greedy &&
         nodes_[n.kids[0]].kind == Kind::kSet)) {
      items.push_back(index);
      return true;
    }
    stop = index;
    return false;
  };
  walk(root_);
  // A repeat may take its longest run only when no byte it could give back
  // can start what follows (up to the first item that cannot be empty).
  bool next_check = stop >= 0 && !nodes_[stop].nullable;
  for (size_t i = 0; i < items.size(); ++i) {
    const Node& n = nodes_[items[i]];
    if (n.kind != Kind::kRepeat) continue;
    const ByteSet& run = nodes_[n.kids[0]].first;
    bool ok = true;
    bool blocked = false;  // an item that cannot be empty follows
    for (size_t j = i + 1; j < items.size() && ok && !blocked; ++j) {
      ByteSet both = run;
      both.IntersectWith(nodes_[items[j]].first);
      ok = both.Empty();
      blocked = !nodes_[items[j]].nullable;
    }
    if (ok && !blocked && stop >= 0) {
      ByteSet both = run;
      both.IntersectWith(nodes_[stop].first);
      ok = both.Empty() && !nodes_[stop].nullable;
    }
    if (!ok) {
      items.resize(i);
      next_check = false;
      break;
    }
  }
  if (items.size() + (next_check ? 1 : 0) < 2) return;
  for (int index : items) {
    const Node& n = nodes_[index];
    const Node& set = n.kind == Kind::kSet ? n : nodes_[n.kids[0]];
    GuardItem g;
    for (int b = 0; b < 256; ++b) {
      const unsigned char u = static_cast<unsigned char>(b);
      g.table[b] = b >= 0x80 ? (set.unsure.Has(u) ? kRunUnsure : kRunNo)
                   : set.set.Has(u) ? kRunYes
                                    : kRunNo;
    }
    g.repeat = n.kind == Kind::kRepeat;
    g.min = g.repeat ? static_cast<size_t>(n.min) : 1;
    g.max = g.repeat ? n.max : 1;
    guard_.push_back(g);
  }
  guard_next_check_ = next_check;
  if (next_check) guard_next_ = nodes_[stop].first;
}

// See FailsBefore. Two run shapes qualify:
//  * one-byte opener O, then a greedy unbounded repeat R (of a class, or a
//    deterministic alternation whose kids hold O's bytes in their last
//    byte only): a later start p2 inside R's run from p1 is an O byte
//    that ends one of R's iterations, so R's run from p2 + 1 is p1's from
//    there on, ends where p1's did, and what follows fails there again;
//  * k one-byte items, then a lazy unbounded repeat of a class S: p1
//    tried what follows at every position from p1 + k to the first byte s
//    outside S, and a later p2 with p2 + k <= s tries a subset of them.
// The prefix is the run cut after the repeat (made greedy): its match
// from p1 ends at R's run's end, or at s.
void SimpleRegex::BuildFailurePrefix() {
  if (!run_ || run_items_.size() < 2) return;
  size_t repeat = 0;
  while (repeat < run_items_.size() &&
         nodes_[run_items_[repeat]].kind == Kind::kSet &&
         nodes_[run_items_[repeat]].unsure.Empty()) {
    ++repeat;
  }
  if (repeat == 0 || repeat >= run_items_.size()) return;
  const Node& r = nodes_[run_items_[repeat]];
  if (r.kind != Kind::kRepeat || r.min != 0 || r.max >= 0) return;
  const Node& body = nodes_[r.kids[0]];
  if (r.greedy) {
    if (repeat != 1) return;
    const ByteSet& opener = nodes_[run_items_[0]].set;
    if (body.kind == Kind::kAlt) {
      for (int k : body.kids) {
        const Node& kid = nodes_[k];
        if (kid.kind != Kind::kSeq) continue;  // a kSet: one byte
        for (size_t e = 0; e + 1 < kid.kids.size(); ++e) {
          ByteSet inner = nodes_[kid.kids[e]].set;
          inner.IntersectWith(opener);
          if (!inner.Empty()) return;
        }
      }
    } else if (body.kind != Kind::kSet) {
      return;
    }
    failure_kind_ = FailureKind::kSync;
  } else {
    if (body.kind != Kind::kSet) return;
    failure_kind_ = FailureKind::kLazy;
    failure_offset_ = repeat;
  }
  auto prefix = std::make_shared<SimpleRegex>(*this);
  prefix->failure_kind_ = FailureKind::kNone;
  prefix->failure_prefix_ = nullptr;
  prefix->nodes_[run_items_[repeat]].greedy = true;
  prefix->run_items_.resize(repeat + 1);
  prefix->run_tables_.resize(repeat + 1);
  prefix->run_marks_.assign(repeat + 2, {});
  prefix->SetFastPath();
  prefix->SetRunRest();
  failure_prefix_ = std::move(prefix);
}

size_t SimpleRegex::FailsBefore(absl::string_view text, size_t pos,
                                uint64_t& work) const {
  if (failure_kind_ == FailureKind::kNone) return 0;
  size_t end = 0;
  if (failure_prefix_->Match(text, pos, &end, nullptr, work) != Result::kMatch) {
    return 0;
  }
  if (failure_kind_ == FailureKind::kSync) return end;
  return end + 1 > failure_offset_ ? end + 1 - failure_offset_ : 0;
}

SimpleRegex::Pairs SimpleRegex::FirstPairs() const {
  Pairs pairs;
  bool nullable = false;
  NodePairs(root_, &pairs, &nullable);
  if (nullable) pairs.short_match.AddRange(0, 0x7f);
  return pairs;
}

// out->short_match: the ASCII b0 a one-byte match of `node` can be;
// out->second[b0]: the bytes after b0 in a longer match; *nullable: it can
// match empty.
void SimpleRegex::NodePairs(int index, Pairs* out, bool* nullable) const {
  const Node& n = nodes_[index];
  *out = Pairs();
  *nullable = n.nullable;
  switch (n.kind) {
    case Kind::kSet:
      for (int b = 0; b < 0x80; ++b) {
        if (n.set.Has(static_cast<unsigned char>(b))) {
          out->short_match.Add(static_cast<unsigned char>(b));
        }
      }
      return;
    case Kind::kAssert:
      return;
    case Kind::kCapture:
      NodePairs(n.kids[0], out, nullable);
      return;
    case Kind::kAlt: {
      Pairs kid;
      bool kid_nullable = false;
      for (int k : n.kids) {
        if (nodes_[k].kind == Kind::kSet) {  // no pairs, no recursion
          for (int b = 0; b < 0x80; ++b) {
            if (nodes_[k].set.Has(static_cast<unsigned char>(b))) {
              out->short_match.Add(static_cast<unsigned char>(b));
            }
          }
          continue;
        }
        NodePairs(k, &kid, &kid_nullable);
        out->short_match.AddAll(kid.short_match);
        for (int b = 0; b < 0x80; ++b) out->second[b].AddAll(kid.second[b]);
      }
      return;
    }
    case Kind::kRepeat: {
      const int kid = n.kids[0];
      bool kid_nullable = false;
      NodePairs(kid, out, &kid_nullable);
      if (n.max < 0 || n.max >= 2) {
        // One byte for the first iteration, the second's first byte next.
        for (int b = 0; b < 0x80; ++b) {
          if (out->short_match.Has(static_cast<unsigned char>(b))) {
            out->second[b].AddAll(nodes_[kid].first);
          }
        }
      }
      return;
    }
    case Kind::kSeq: {
      // Through the kids: none consumed yet (`empty`), or exactly the
      // byte b0 (one.Has(b0)).
      bool empty = true;
      ByteSet one;
      Pairs kid;
      bool kid_nullable = false;
      for (int k : n.kids) {
        if (!empty && one.Empty()) break;
        if (nodes_[k].kind == Kind::kSet) {  // one byte: no recursion
          for (int b = 0; b < 0x80; ++b) {
            if (one.Has(static_cast<unsigned char>(b))) out->second[b].AddAll(nodes_[k].first);
          }
          ByteSet next_one;
          if (empty) {
            for (int b = 0; b < 0x80; ++b) {
              if (nodes_[k].set.Has(static_cast<unsigned char>(b))) {
                next_one.Add(static_cast<unsigned char>(b));
              }
            }
          }
          empty = false;
          one = next_one;
          continue;
        }
        NodePairs(k, &kid, &kid_nullable);
        ByteSet next_one;
        for (int b = 0; b < 0x80; ++b) {
          const unsigned char u = static_cast<unsigned char>(b);
          if (empty) out->second[b].AddAll(kid.second[b]);
          if (one.Has(u)) out->second[b].AddAll(nodes_[k].first);
          if ((empty && kid.short_match.Has(u)) || (kid_nullable && one.Has(u))) {
            next_one.Add(u);
          }
        }
        empty = empty && kid_nullable;
        one = next_one;
      }
      out->short_match = one;
      return;
    }
  }
}

// Whether nodes_[index] is an alternation whose every kid is one byte
// class or a sequence of them, no two kids starting with the same ASCII
// byte: an iteration of a repeat of it has no choice to make.
bool SimpleRegex::DeterministicAlt(int index) const {
  const Node& alt = nodes_[index];
  if (alt.kind != Kind::kAlt || !alt.trie.empty() || alt.kids.size() > kMaxRunKids) {
    return false;
  }
  ByteSet seen;
  for (int k : alt.kids) {
    const Node& kid = nodes_[k];
    if (kid.kind == Kind::kSeq) {
      if (kid.kids.empty()) return false;
      for (int e : kid.kids) {
        if (nodes_[e].kind != Kind::kSet) return false;
      }
    } else if (kid.kind != Kind::kSet) {
      return false;
    }
    for (int b = 0; b < 0x80; ++b) {
      const unsigned char u = static_cast<unsigned char>(b);
      if (!kid.first.Has(u)) continue;
      if (seen.Has(u)) return false;
      seen.Add(u);
    }
  }
  return true;
}

// Exactly what Run gives for run_items_ (Seq's loop for a kSet,
// RepeatSet's longest run for a kRepeat, no give-back being of use;
// Literals' hits in the alternation's order for a trie; for a repeat of
// a deterministic alternation, iterations while the one kid that can
// start matches whole), without the recursion.
SimpleRegex::Result SimpleRegex::MatchRunFrom(size_t first_item,
                                              const unsigned char* t,
                                              size_t size, size_t pos,
                                              size_t* end,
                                              size_t* groups, uint64_t* work,
                                              uint64_t work_limit) const {
  size_t at = pos;
  for (size_t i = first_item; i < run_items_.size(); ++i) {
    if (groups != nullptr) {
      for (const int slot : run_marks_[i]) groups[slot] = at;
    }
    const Node& n = nodes_[run_items_[i]];
    const uint8_t* takes = run_tables_[i].data();
    if (n.kind == Kind::kAssert) {
      if (!AssertHolds(n.assertion, t, size, at)) return Result::kNoMatch;
      continue;
    }
    if (n.kind == Kind::kSet) {
      const Result r = TakeByte(takes, t, size, &at);
      if (r != Result::kMatch) return r;
      continue;
    }
    if (n.kind == Kind::kAlt) {  // a trie, as in Literals
      struct Hit {
        int kid;
        size_t length;
      };
      Hit hits[kMaxLiteralLength + 1];
      int count = 0;
      uint32_t node = 0;
      for (size_t k = 0;; ++k) {
        const Node::TrieNode& tn = n.trie[node];
        if (tn.kid >= 0) hits[count++] = {tn.kid, k};
        if (at + k >= size || tn.edge_count == 0) break;
        unsigned char b = t[at + k];
        if (b >= 0x80) {
          if (tn.non_ascii_next && IsFoldLead(b)) return Result::kUnknown;
          break;
        }
        if (n.trie_folds && b >= 'A' && b <= 'Z') b = static_cast<unsigned char>(b + 32);
        if (node == 0) {
          node = n.trie_root[b];
          if (node == 0) break;
          continue;
        }
        const Node::TrieEdge* edge = &n.trie_edges[tn.first_edge];
        const Node::TrieEdge* const last = edge + tn.edge_count;
        while (edge != last && edge->byte < b) ++edge;
        if (edge == last || edge->byte != b) break;
        node = edge->child;
      }
      for (int h = 1; h < count; ++h) {
        const Hit hit = hits[h];
        int j = h;
        for (; j > 0 && hits[j - 1].kid > hit.kid; --j) hits[j] = hits[j - 1];
        hits[j] = hit;
      }
      for (int h = 0; h < count; ++h) {
        if (*work > work_limit) return Result::kUnknown;
        const Result r = MatchRunFrom(i + 1, t, size, at + hits[h].length, end,
                                      groups, work, work_limit);
        if (r != Result::kNoMatch) return r;
      }
      return Result::kNoMatch;
    }
    const size_t limit = n.max < 0 ? size : static_cast<size_t>(n.max);
    const Node& kid = nodes_[n.kids[0]];
    if (kid.kind == Kind::kAlt) {
      size_t iterations = 0;
      const size_t from = at;
      while (iterations < limit && at < size) {
        const uint8_t v = takes[t[at]];
        if (v == kRunUnsure) return Result::kUnknown;
        if (v == kRunNo) break;
        const Node& alt = nodes_[kid.kids[v - kRunKid]];
        size_t j = at;
        bool whole = true;
        if (alt.kind == Kind::kSet) {
          ++j;  // the table said it takes this byte
        } else {
          for (int e : alt.kids) {
            const Node& set = nodes_[e];
            if (j >= size) {
              whole = false;
              break;
            }
            const unsigned char b = t[j];
            if (b >= 0x80) {
              if (set.unsure.Has(b)) return Result::kUnknown;
              whole = false;
              break;
            }
            if (!set.set.Has(b)) {
              whole = false;
              break;
            }
            ++j;
          }
        }
        if (!whole) break;
        at = j;
        ++iterations;
      }
      *work += at - from;
      if (iterations < static_cast<size_t>(n.min)) return Result::kNoMatch;
      continue;
    }
    if (!n.greedy) {  // shortest first, as RepeatSet
      size_t k = 0;
      for (; k < static_cast<size_t>(n.min); ++k) {
        if (at + k >= size) return Result::kNoMatch;
        const uint8_t v = takes[t[at + k]];
        if (v != kRunYes) return v == kRunUnsure ? Result::kUnknown : Result::kNoMatch;
      }
      const size_t lazy_limit = n.max < 0 ? size - at : static_cast<size_t>(n.max);
      // Lengths after which the rest cannot start (an ASCII byte outside
      // its first bytes, or the end when it cannot be empty) are skipped:
      // a triple-quoted string's body tries its closing quotes only
      // before a quote.
      const ByteSet& rest_first = run_rest_first_[i + 1];
      const bool rest_nullable = run_rest_nullable_[i + 1];
      while (true) {
        if (++*work > work_limit) return Result::kUnknown;
        const size_t from = at + k;
        if (rest_nullable ||
            (from < size && (t[from] >= 0x80 || rest_first.Has(t[from])))) {
          const Result r =
              MatchRunFrom(i + 1, t, size, from, end, groups, work, work_limit);
          if (r != Result::kNoMatch) return r;
        }
        if (k >= lazy_limit || at + k >= size) return Result::kNoMatch;
        const uint8_t v = takes[t[at + k]];
        if (v != kRunYes) return v == kRunUnsure ? Result::kUnknown : Result::kNoMatch;
        ++k;
      }
    }
    const size_t stop =
        n.max < 0 || size - at < static_cast<size_t>(n.max) ? size : at + n.max;
    const Result r = TakeRun(takes, t, stop, static_cast<size_t>(n.min), &at, work);
    if (r != Result::kMatch) return r;
  }
  if (groups != nullptr) {
    for (const int slot : run_marks_[run_items_.size()]) groups[slot] = at;
  }
  *end = at;
  return Result::kMatch;
}

SimpleRegex::Result SimpleRegex::MatchSlow(absl::string_view text, size_t pos,
                                           size_t* end, size_t* groups,
                                           uint64_t* work) const {
  if (groups != nullptr) {
    for (int i = 0; i < 2 * group_count_; ++i) groups[i] = kNoGroup;
  }
  if (run_) {
    return MatchRunFrom(0, reinterpret_cast<const unsigned char*>(text.data()),
                        text.size(), pos, end, groups, work, *work + kMaxSteps);
  }
  if (!guard_.empty()) {
    // The run every match starts with (see guard_): where it fails, or
    // is not followed by a byte the next item can start with, there is
    // no match. Its scan is counted when it decides; otherwise the
    // backtracking below scans the same bytes and counts them.
    const unsigned char* t = reinterpret_cast<const unsigned char*>(text.data());
    const size_t size = text.size();
    size_t at = pos;
    uint64_t scanned = 0;
    Result r = Result::kMatch;
    for (const GuardItem& g : guard_) {
      if (!g.repeat) {
        r = TakeByte(g.table.data(), t, size, &at);
      } else {
        const size_t stop =
            g.max < 0 || size - at < static_cast<size_t>(g.max) ? size : at + g.max;
        r = TakeRun(g.table.data(), t, stop, g.min, &at, &scanned);
      }
      if (r != Result::kMatch) break;
    }
    if (r == Result::kMatch && guard_next_check_ &&
        (at >= size || (t[at] < 0x80 && !guard_next_.Has(t[at])))) {
      r = Result::kNoMatch;
    }
    if (r == Result::kNoMatch) {
      *work += scanned;
      return Result::kNoMatch;
    }
  }
  Context c;
  c.text = reinterpret_cast<const unsigned char*>(text.data());
  c.size = text.size();
  c.groups = groups;
  const bool matched = Run(root_, pos, nullptr, &c);
  *work += c.steps;
  if (matched) {
    *end = c.end;
    return Result::kMatch;
  }
  return c.unknown ? Result::kUnknown : Result::kNoMatch;
}

bool SimpleRegex::Continue(const Frame* next, size_t pos, Context* c) const {
  if (next == nullptr) {
    c->end = pos;
    return true;
  }
  const Node& n = nodes_[next->node];
  if (n.kind == Kind::kRepeat) return Repeat(n, next->arg, pos, next->next, c);
  if (n.kind == Kind::kCapture) {
    // The group ends at `pos` if the rest matches; else as it was.
    size_t& slot = c->groups[2 * n.group + 1];
    const size_t old = slot;
    slot = pos;
    if (Continue(next->next, pos, c)) return true;
    slot = old;
    return false;
  }
  return Seq(next->node, static_cast<size_t>(next->arg), pos, next->next, c);
}

// A capture group starting at `pos`: recorded only when groups are asked
// for, and restored on backtracking, so that on success the groups are
// those of the successful path (the last iteration's, inside a repeat).
bool SimpleRegex::Capture(const Node& n, size_t pos, const Frame* next,
                          Context* c) const {
  if (c->groups == nullptr) return Run(n.kids[0], pos, next, c);
  size_t& slot = c->groups[2 * n.group];
  const size_t old = slot;
  slot = pos;
  const Frame f{static_cast<int>(&n - nodes_.data()), 0, next};
  if (Run(n.kids[0], pos, &f, c)) return true;
  slot = old;
  return false;
}

// Matches kids `kid`.. of the kSeq nodes_[index] at `pos`, then `next`.
// Leading single-byte kids are matched in a loop, not by recursion.
bool SimpleRegex::Seq(int index, size_t kid, size_t pos, const Frame* next,
                      Context* c) const {
  const Node& n = nodes_[index];
  for (; kid < n.kids.size(); ++kid) {
    const Node& k = nodes_[n.kids[kid]];
    if (k.kind != Kind::kSet) break;
    if (pos >= c->size) return false;
    const unsigned char b = c->text[pos];
    if (b >= 0x80) {
      if (k.unsure.Has(b)) c->unknown = true;
      return false;
    }
    if (!k.set.Has(b)) return false;
    ++pos;
  }
  if (kid == n.kids.size()) return Continue(next, pos, c);
  const Frame f{index, static_cast<int>(kid) + 1, next};
  return Run(n.kids[kid], pos, &f, c);
}

bool SimpleRegex::Run(int index, size_t pos, const Frame* next,
                      Context* c) const {
  if (++c->steps > kMaxSteps || c->depth >= kMaxDepth) {
    c->unknown = true;
    return false;
  }
  const Node& n = nodes_[index];
  struct DepthGuard {
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
    int* depth;
  } guard(&c->depth);
  switch (n.kind) {
    case Kind::kSet: {
      if (pos >= c->size) return false;
      const unsigned char b = c->text[pos];
      if (b >= 0x80) {
        if (n.unsure.Has(b)) c->unknown = true;
        return false;
      }
      return n.set.Has(b) && Continue(next, pos + 1, c);
    }
    case Kind::kSeq:
      return Seq(index, 0, pos, next, c);
    case Kind::kAlt: {
      if (!n.trie.empty()) return Literals(n, pos, next, c);
      if (!n.by_byte.empty() && pos < c->size) {
        const unsigned char b = c->text[pos];
        for (uint32_t i = n.by_byte_first[b]; i < n.by_byte_first[b + 1]; ++i) {
          if (Run(n.kids[n.by_byte[i]], pos, next, c)) return true;
          if (c->unknown) return false;
        }
        return false;
      }
      for (int k : n.kids) {
        const Node& kid = nodes_[k];
        if (!kid.nullable && (pos >= c->size || !kid.first.Has(c->text[pos]))) {
          continue;
        }
        if (Run(k, pos, next, c)) return true;
        if (c->unknown) return false;
      }
      return false;
    }
    case Kind::kRepeat:
      if (nodes_[n.kids[0]].kind == Kind::kSet) return RepeatSet(n, pos, next, c);
      return Repeat(n, 0, pos, next, c);
    case Kind::kCapture:
      return Capture(n, pos, next, c);
    case Kind::kAssert:
      return AssertHolds(n.assertion, c->text, c->size, pos) &&
             Continue(next, pos, c);
  }
  return false;
}

// An alternation of literals: the trie finds every kid that matches at
// `pos` in one walk; they are then continued in the alternation's order.
bool SimpleRegex::Literals(const Node& n, size_t pos, const Frame* next,
                           Context* c) const {
  struct Hit {
    int kid;
    size_t length;
  };
  Hit hits[kMaxLiteralLength + 1];
  int count = 0;
  uint32_t at = 0;
  for (size_t i = 0;; ++i) {
    const Node::TrieNode& t = n.trie[at];
    if (t.kid >= 0) hits[count++] = {t.kid, i};
    if (pos + i >= c->size || t.edge_count == 0) break;
    unsigned char b = c->text[pos + i];
    if (b >= 0x80) {
      if (t.non_ascii_next && IsFoldLead(b)) c->unknown = true;  // (?i) k, s
      if (c->unknown) return false;
      break;
    }
    if (n.trie_folds && b >= 'A' && b <= 'Z') b = static_cast<unsigned char>(b + 32);
    if (at == 0) {
      at = n.trie_root[b];
      if (at == 0) break;
      continue;
    }
    const Node::TrieEdge* edge = &n.trie_edges[t.first_edge];
    const Node::TrieEdge* const last = edge + t.edge_count;
    while (edge != last && edge->byte < b) ++edge;
    if (edge == last || edge->byte != b) break;
    at = edge->child;
  }
  // The alternation's order (insertion sort: a few hits at most).
  for (int i = 1; i < count; ++i) {
    const Hit h = hits[i];
    int j = i;
    for (; j > 0 && hits[j - 1].kid > h.kid; --j) hits[j] = hits[j - 1];
    hits[j] = h;
  }
  for (int i = 0; i < count; ++i) {
    if (Continue(next, pos + hits[i].length, c)) return true;
    if (c->unknown) return false;
  }
  return false;
}

// `count` iterations of n's child are done, ending at `pos`.
bool SimpleRegex::Repeat(const Node& n, int count, size_t pos,
                         const Frame* next, Context* c) const {
  const int self = static_cast<int>(&n - nodes_.data());
  const bool more = n.max < 0 || count < n.max;
  if (n.greedy) {
    // Iterations at bytes only a one-byte kid takes have no other choice:
    // taken in a loop, then given back one by one, as in RepeatSet.
    size_t run = 0;
    if (more && !n.single_byte_iteration.Empty()) {
      const size_t limit = n.max < 0 ? c->size - pos : static_cast<size_t>(n.max - count);
      while (run < limit && pos + run < c->size &&
             n.single_byte_iteration.Has(c->text[pos + run])) {
        ++run;
      }
      c->steps += run;
    }
    if (run > 0) {
      if (Repeat(n, count + static_cast<int>(run), pos + run, next, c)) return true;
      if (c->unknown) return false;
      ByteSet follow;
      bool follow_at_end = false;
      Follow(next, &follow, &follow_at_end);
      c->steps += run;  // the bytes given back
      for (size_t i = run; i-- > 0;) {  // pos + i < size: a byte was taken
        if (count + static_cast<int>(i) < n.min) return false;
        if (!follow.Has(c->text[pos + i])) continue;
        if (Continue(next, pos + i, c)) return true;
        if (c->unknown) return false;
      }
      return false;
    }
    if (more) {
      const Frame f{self, count + 1, next};
      if (Run(n.kids[0], pos, &f, c)) return true;
      if (c->unknown) return false;
    }
    return count >= n.min && MayContinue(next, pos, c) && Continue(next, pos, c);
  }
  if (count >= n.min && MayContinue(next, pos, c)) {
    if (Continue(next, pos, c)) return true;
    if (c->unknown) return false;
  }
  if (!more) return false;
  const Frame f{self, count + 1, next};
  return Run(n.kids[0], pos, &f, c);
}

// A repeat of one byte class: no recursion per iteration.
bool SimpleRegex::RepeatSet(const Node& n, size_t pos, const Frame* next,
                            Context* c) const {
  const Node& set = nodes_[n.kids[0]];
  // Can the run take the byte at `at`? Sets c->unknown on a non-ASCII byte
  // the class may take.
  const auto takes = [&](size_t at) {
    if (at >= c->size) return false;
    const unsigned char b = c->text[at];
    if (b >= 0x80) {
      if (set.unsure.Has(b)) c->unknown = true;
      return false;
    }
    return set.set.Has(b);
  };
  const size_t limit = n.max < 0 ? c->size - pos : static_cast<size_t>(n.max);
  // Where the rest may start (MayContinue, decided once for the loop).
  ByteSet follow;
  bool follow_at_end = false;
  const auto may_continue = [&](size_t at) {
    return at < c->size ? follow.Has(c->text[at]) : follow_at_end;
  };
  if (n.greedy) {
    size_t run = 0;
    while (run < limit && takes(pos + run)) ++run;
    c->steps += run;
    if (c->unknown) return false;
    if (run < static_cast<size_t>(n.min)) return false;
    // The longest run first, as is; Follow only if bytes must be given back.
    if (Continue(next, pos + run, c)) return true;
    if (c->unknown) return false;
    Follow(next, &follow, &follow_at_end);
    c->steps += run;  // the bytes given back
    for (size_t i = run; i-- > static_cast<size_t>(n.min);) {
      if (!may_continue(pos + i)) continue;
      if (Continue(next, pos + i, c)) return true;
      if (c->unknown) return false;
    }
    return false;
  }
  Follow(next, &follow, &follow_at_end);
  size_t i = 0;
  for (; i < static_cast<size_t>(n.min); ++i) {
    if (!takes(pos + i)) return false;
  }
  while (true) {
    if (++c->steps > kMaxSteps) {
      c->unknown = true;
      return false;
    }
    if (may_continue(pos + i) && Continue(next, pos + i, c)) return true;
    if (c->unknown || i >= limit || !takes(pos + i)) return false;
    ++i;
  }
}

// Where what follows `next` may match: at a position holding a byte in
// *first, or at the end of the text if *at_end. Everywhere when deciding
// would take looking through more than a few frames (so a call costs
// O(1)). First sets include the non-ASCII bytes a class may take, so a
// byte outside never hides a kUnknown answer.
void SimpleRegex::Follow(const Frame* next, ByteSet* first,
                         bool* at_end) const {
  // Where everything between here and the current frame can be empty.
  ByteSet empty = ByteSet::All();
  bool empty_at_end = true;
  for (int frames = 0;; next = next->next) {
    if (next == nullptr) {  // the match may end here
      empty.AddAll(*first);
      *first = empty;
      *at_end = empty_at_end;
      return;
    }
    if (++frames > 8) break;
    const Node& n = nodes_[next->node];
    if (n.kind == Kind::kCapture) continue;
    if (n.kind == Kind::kSeq) {
      const size_t k = static_cast<size_t>(next->arg);
      ByteSet starts = n.rest_first[k];
      starts.IntersectWith(empty);
      first->AddAll(starts);
      empty.IntersectWith(n.rest_empty_at[k]);
      empty_at_end = empty_at_end && n.rest_empty_at_end[k];
    } else if (n.kind == Kind::kRepeat) {
      if (n.max < 0 || next->arg < n.max) {
        ByteSet starts = nodes_[n.kids[0]].first;
        starts.IntersectWith(empty);
        first->AddAll(starts);
      }
      if (next->arg < n.min) {
        empty = ByteSet();
        empty_at_end = false;
      }
    } else {
      break;
    }
    if (empty.Empty() && !empty_at_end) {
      *at_end = false;
      return;
    }
  }
  *first = ByteSet::All();
  *at_end = true;
}

bool SimpleRegex::MayContinue(const Frame* next, size_t pos,
                              const Context* c) const {
  ByteSet first;
  bool at_end = false;
  Follow(next, &first, &at_end);
  return pos < c->size ? first.Has(c->text[pos]) : at_end;
}

}  // namespace serval::highlight
