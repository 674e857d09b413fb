#include "src/base/errno_status.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace serval::base {
namespace {
constexpr absl::string_view kErrnoPayloadUrl = "serval.dev/errno";
}  // namespace

std::string ErrnoName(int error_number) {
  // strerrorname_np is glibc >= 2.32 (Debian 12 has 2.36).
  const char* name = ::strerrorname_np(error_number);
  if (name != nullptr) return name;
  return absl::StrCat("E", error_number);
}

absl::Status ErrnoStatus(int error_number, absl::string_view operation,
                         absl::string_view path) {
  std::string message = absl::StrCat(operation, " ", path, ": ",
                                     ErrnoName(error_number), ": ",
                                     std::strerror(error_number));
  absl::Status status = absl::ErrnoToStatus(error_number, "");
  status = absl::Status(status.code(), message);
  status.SetPayload(kErrnoPayloadUrl, absl::Cord(absl::StrCat(error_number)));
  return status;
}

int ErrnoOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kErrnoPayloadUrl);
  if (!payload.has_value()) return 0;
  int value = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &value)) return 0;
  return value;
}

bool IsTransientErrno(int error_number) {
  return error_number == EINTR || error_number == EAGAIN ||
         error_number == EWOULDBLOCK || error_number == EBUSY;
}

}  // namespace serval::base
