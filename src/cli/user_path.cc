#include "src/cli/user_path.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace serval::cli {

std::string ResolveUserPath(absl::string_view path,
                            const char* working_directory) {
  if (absl::StartsWith(path, "/") || working_directory == nullptr ||
      working_directory[0] == '\0') {
    return std::string(path);
  }
  absl::string_view base(working_directory);
  if (path.empty() || path == ".") return std::string(base);
  return absl::StrCat(base, absl::EndsWith(base, "/") ? "" : "/", path);
}

}  // namespace serval::cli
