#include "src/fs/temp_name.h"

#include <sys/types.h>
#include <unistd.h>

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace serval::fs {
namespace {

constexpr absl::string_view kSuffix = ".tmp";
constexpr size_t kRandomDigits = 16;

// Splits "<rest>.<last>" at the last dot; false if there is none.
bool SplitLast(absl::string_view* rest, absl::string_view* last) {
  size_t dot = rest->rfind('.');
  if (dot == absl::string_view::npos) return false;
  *last = rest->substr(dot + 1);
  *rest = rest->substr(0, dot);
  return true;
}

bool AllDigits(absl::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool LowerHex(absl::string_view s) {
  if (s.size() != kRandomDigits) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        !(c >= 'a' && c <= 'f')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string FormatTempName(const TempName& name) {
  return absl::StrCat(".", name.target, ".", name.pid, ".", name.tid, ".",
                      name.random, kSuffix);
}

std::string MakeTempName(absl::string_view target) {
  thread_local absl::BitGen bitgen;
  TempName name;
  name.target = std::string(target);
  name.pid = ::getpid();
  name.tid = ::gettid();
  name.random = absl::StrFormat("%016x", absl::Uniform<uint64_t>(bitgen));
  return FormatTempName(name);
}

std::optional<TempName> ParseTempName(absl::string_view file_name) {
  if (!absl::ConsumePrefix(&file_name, ".") ||
      !absl::ConsumeSuffix(&file_name, kSuffix)) {
    return std::nullopt;
  }
  absl::string_view random, tid, pid;
  if (!SplitLast(&file_name, &random) || !SplitLast(&file_name, &tid) ||
      !SplitLast(&file_name, &pid)) {
    return std::nullopt;
  }
  if (file_name.empty() || !LowerHex(random) || !AllDigits(tid, 10) ||
      !AllDigits(pid, 10)) {
    return std::nullopt;
  }
  TempName name;
  name.target = std::string(file_name);
  name.random = std::string(random);
  if (!absl::SimpleAtoi(pid, &name.pid) || !absl::SimpleAtoi(tid, &name.tid) ||
      name.pid <= 0) {
    return std::nullopt;
  }
  return name;
}

}  // namespace serval::fs
