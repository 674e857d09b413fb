// errno_status.h — turning a failed system call into an absl::Status.
//
// The Status carries the canonical code Abseil maps the errno to, a message
// that names the operation, the path and the errno by name ("rename
// public/a.html: ENOSPC: No space left on device"), and the raw errno as a
// payload so callers can tell transient errors from permanent ones without
// parsing text.
//
// Example:
//   if (::rename(from, to) != 0) return ErrnoStatus(errno, "rename", to);
//   ...
//   if (IsTransientErrno(ErrnoOf(status))) retry();
//
// Thread-safe: pure functions.
#ifndef SERVAL_BASE_ERRNO_STATUS_H_
#define SERVAL_BASE_ERRNO_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace serval::base {

// Returns a non-OK Status for `error_number` raised by `operation` on `path`.
// REQUIRES: error_number != 0.
absl::Status ErrnoStatus(int error_number, absl::string_view operation,
                         absl::string_view path);

// The errno stored by ErrnoStatus, or 0 when `status` carries none.
int ErrnoOf(const absl::Status& status);

// "ENOSPC" for ENOSPC; "E<number>" for a value the C library cannot name.
std::string ErrnoName(int error_number);

// True for the errors worth retrying: EINTR, EAGAIN/EWOULDBLOCK, EBUSY.
bool IsTransientErrno(int error_number);

}  // namespace serval::base

#endif  // SERVAL_BASE_ERRNO_STATUS_H_
