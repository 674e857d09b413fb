// temp_name.h — the one place the atomic writer's temp file names are made
// and recognised.
//
// Format: ".<name>.<pid>.<tid>.<random>.tmp" in the target's directory,
// where <random> is 16 lowercase hex digits. The sweeper removes only names
// that parse exactly, so no user file is ever mistaken for a temp.
//
// Example:
//   MakeTempName("index.html")  // ".index.html.4242.4250.9f1c0d2e3a4b5c6d.tmp"
//   ParseTempName(".index.html.4242.4250.9f1c0d2e3a4b5c6d.tmp")->pid == 4242
//
// Thread-safety: thread-safe (the random source is per thread).
#ifndef SERVAL_FS_TEMP_NAME_H_
#define SERVAL_FS_TEMP_NAME_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace serval::fs {

struct TempName {
  std::string target;  // base name of the file being replaced
  int64_t pid = 0;
  int64_t tid = 0;
  std::string random;  // 16 lowercase hex digits
};

std::string FormatTempName(const TempName& name);

// A fresh temp name for `target` (a base name) from this process and
// thread, with 64 random bits.
std::string MakeTempName(absl::string_view target);

// The parts of `file_name` if it is exactly a temp name, else nullopt.
std::optional<TempName> ParseTempName(absl::string_view file_name);

}  // namespace serval::fs

#endif  // SERVAL_FS_TEMP_NAME_H_
