// status_macros.h — early-return helpers for absl::Status / absl::StatusOr.
//
// Errors in Serval are values, never exceptions. These two macros keep the
// "check and propagate" boilerplate to one line.
//
// Example:
//   absl::StatusOr<std::string> ReadConfig(Fs& fs, absl::string_view path) {
//     SERVAL_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
//     SERVAL_RETURN_IF_ERROR(Validate(text));
//     return text;
//   }
#ifndef SERVAL_BASE_STATUS_MACROS_H_
#define SERVAL_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status); returns it from the enclosing function
// if it is not OK.
#define SERVAL_RETURN_IF_ERROR(expr)                        \
  do {                                                      \
    ::absl::Status serval_status_ = (expr);                 \
    if (ABSL_PREDICT_FALSE(!serval_status_.ok())) {         \
      return serval_status_;                                \
    }                                                       \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be
// a declaration (`std::string s`) or an existing variable.
#define SERVAL_ASSIGN_OR_RETURN(lhs, rexpr)                                  \
  SERVAL_ASSIGN_OR_RETURN_IMPL_(                                             \
      SERVAL_STATUS_MACROS_CONCAT_(serval_statusor_, __LINE__), lhs, rexpr)

#define SERVAL_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {                 \
    return std::move(statusor).status();                    \
  }                                                         \
  lhs = std::move(statusor).value()

#define SERVAL_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define SERVAL_STATUS_MACROS_CONCAT_(x, y) SERVAL_STATUS_MACROS_CONCAT_INNER_(x, y)

#endif  // SERVAL_BASE_STATUS_MACROS_H_
