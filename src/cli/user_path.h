// user_path.h — resolving paths typed by the user.
//
// `bazel run //:serval -- build examples/blog` starts serval inside its
// runfiles tree, not where the user typed the command; Bazel passes that
// directory as BUILD_WORKING_DIRECTORY. Relative paths the user gives are
// resolved against it when it is set, and left alone otherwise.
//
// Example:
//   std::string site = ResolveUserPath(arg, std::getenv("BUILD_WORKING_DIRECTORY"));
//
// Thread-safety: a pure function.
#ifndef SERVAL_CLI_USER_PATH_H_
#define SERVAL_CLI_USER_PATH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace serval::cli {

// `path` if absolute or if `working_directory` is null or empty; otherwise
// working_directory/path.
std::string ResolveUserPath(absl::string_view path,
                            const char* working_directory);

}  // namespace serval::cli

#endif  // SERVAL_CLI_USER_PATH_H_
