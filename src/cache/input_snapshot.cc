#include "src/cache/input_snapshot.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/base/fingerprint.h"
#include "src/cache/build_cache.h"

namespace serval::cache {
namespace {

constexpr char kHeader[] = "serval-input-snapshot 1";

void AppendStat(const StatRecord& r, std::string* out) {
  absl::StrAppend(out, "\t", r.size, "\t", r.mtime_ns, "\t", r.ctime_ns, "\t",
                  r.inode);
}

std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

bool Unescape(absl::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      *out += text[i];
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\': *out += '\\'; break;
      case 't': *out += '\t'; break;
      case 'n': *out += '\n'; break;
      default: return false;
    }
  }
  return true;
}

// absl::SimpleAtoi, with what SerializeInputSnapshot writes (1 to 19
// digits, no sign, within T) read by hand: four numbers a line, tens of
// thousands of lines, and SimpleAtoi's general path was a third of the
// parse. Anything else (a sign, spaces, 20 digits, a value past T's
// maximum) goes to SimpleAtoi, so the result is SimpleAtoi's for every
// text.
template <typename T>
bool ParseNumber(absl::string_view text, T* out) {
  if (text.empty() || text.size() > 19) return absl::SimpleAtoi(text, out);
  uint64_t value = 0;  // below 10^19: no overflow
  for (const char c : text) {
    const unsigned digit = static_cast<unsigned char>(c) - unsigned{'0'};
    if (digit > 9) return absl::SimpleAtoi(text, out);
    value = value * 10 + digit;
  }
  if (value > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
    return absl::SimpleAtoi(text, out);
  }
  *out = static_cast<T>(value);
  return true;
}

bool ParseStat(const std::vector<absl::string_view>& f, size_t first,
               StatRecord* r) {
  return f.size() == first + 4 && ParseNumber(f[first], &r->size) &&
         ParseNumber(f[first + 1], &r->mtime_ns) &&
         ParseNumber(f[first + 2], &r->ctime_ns) &&
         ParseNumber(f[first + 3], &r->inode);
}

}  // namespace

StatRecord StatRecordOf(const fs::FileInfo& info) {
  return {info.size, absl::ToUnixNanos(info.mtime),
          absl::ToUnixNanos(info.ctime), info.inode};
}

bool IsRacy(const StatRecord& record, absl::Time written) {
  const int64_t limit = absl::ToUnixNanos(written - kRacyMargin);
  return record.mtime_ns >= limit || record.ctime_ns >= limit;
}

absl::StatusOr<std::string> SerializeInputSnapshot(const InputSnapshot& snap) {
  if (snap.identity.find_first_of("\t\n") != std::string::npos) {
    return absl::InvalidArgumentError("snapshot identity holds a tab or newline");
  }
  std::string out = absl::StrCat(kHeader, "\nidentity\t", snap.identity,
                                 "\npages\t", snap.pages, "\ncache");
  AppendStat(snap.cache, &out);
  out += '\n';
  // Each record is its path and about 60 bytes of numbers: reserved once,
  // not grown through a dozen copies of megabytes.
  size_t expected = out.size() + 64;
  for (const auto* list : {&snap.inputs, &snap.outputs}) {
    for (const auto& [path, record] : *list) expected += path.size() + 72;
  }
  out.reserve(expected);
  for (const auto* list : {&snap.inputs, &snap.outputs}) {
    const char* tag = list == &snap.inputs ? "in\t" : "out\t";
    for (const auto& [path, record] : *list) {
      if (!IsValidRelativePath(path)) {
        return absl::InvalidArgumentError(
            absl::StrCat("snapshot path not storable: ", path));
      }
      absl::StrAppend(&out, tag, path);
      AppendStat(record, &out);
      out += '\n';
    }
  }
  for (const std::string& w : snap.warnings) {
    absl::StrAppend(&out, "warning\t", Escape(w), "\n");
  }
  absl::StrAppend(&out, "end\t", base::FastFingerprint64Hex(out), "\n");
  return out;
}

absl::StatusOr<InputSnapshot> ParseInputSnapshot(absl::string_view text) {
  auto bad = [](size_t line, absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("input snapshot line ", line, ": ", why));
  };
  // The checksum line first: nothing is trusted before it verifies.
  if (text.empty() || text.back() != '\n') return bad(0, "truncated");
  const size_t end_line = text.rfind('\n', text.size() - 2);
  const size_t body_size = end_line == absl::string_view::npos ? 0 : end_line + 1;
  absl::string_view end = text.substr(body_size);
  if (end != absl::StrCat("end\t", base::FastFingerprint64Hex(text.substr(0, body_size)),
                          "\n")) {
    return bad(0, "checksum mismatch");
  }
  InputSnapshot snap;
  // Line by line, one field vector reused: tens of thousands of lines.
  absl::string_view body = text.substr(0, body_size);
  std::vector<absl::string_view> f;
  auto next_line = [&body]() {
    const size_t nl = body.find('\n');  // every line ends in one
    absl::string_view line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    return line;
  };
  if (body.empty() || next_line() != kHeader) return bad(1, "not a snapshot");
  bool have_identity = false, have_pages = false, have_cache = false;
  size_t n = 1;
  while (!body.empty()) {
    absl::string_view line = next_line();
    ++n;
    f.clear();
    for (size_t tab; (tab = line.find('\t')) != absl::string_view::npos;) {
      f.push_back(line.substr(0, tab));
      line.remove_prefix(tab + 1);
    }
    f.push_back(line);
    if (f[0] == "identity" && f.size() == 2 && !have_identity) {
      snap.identity = std::string(f[1]);
      have_identity = true;
    } else if (f[0] == "pages" && f.size() == 2 && !have_pages) {
      if (!absl::SimpleAtoi(f[1], &snap.pages)) return bad(n, "bad count");
      have_pages = true;
    } else if (f[0] == "cache" && !have_cache) {
      if (!ParseStat(f, 1, &snap.cache)) return bad(n, "bad stat");
      have_cache = true;
    } else if ((f[0] == "in" || f[0] == "out") && f.size() >= 2) {
      StatRecord r;
      if (!ParseStat(f, 2, &r)) return bad(n, "bad stat");
      if (!IsValidRelativePath(f[1])) return bad(n, "bad path");
      auto& list = f[0] == "in" ? snap.inputs : snap.outputs;
      // Written in order: the hint makes each insertion constant time.
      const size_t before = list.size();
      list.emplace_hint(list.end(), std::string(f[1]), r);
      if (list.size() == before) return bad(n, "duplicate path");
    } else if (f[0] == "warning" && f.size() == 2) {
      std::string w;
      if (!Unescape(f[1], &w)) return bad(n, "bad escape");
      snap.warnings.push_back(std::move(w));
    } else {
      return bad(n, "unexpected record");
    }
  }
  if (!have_identity || !have_pages || !have_cache) {
    return bad(n, "incomplete");
  }
  return snap;
}

}  // namespace serval::cache
