#include "src/base/fingerprint.h"

#include "absl/strings/str_format.h"

namespace serval::base {

std::string Hex64(uint64_t value) { return absl::StrFormat("%016x", value); }

}  // namespace serval::base
