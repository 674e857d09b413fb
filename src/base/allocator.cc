#include "src/base/allocator.h"

#include "absl/strings/str_cat.h"

// mimalloc's version query, weak so that a binary without mimalloc links
// and sees a null address.
extern "C" int mi_version(void) __attribute__((weak));

namespace serval::base {

std::string AllocatorName() {
  if (&mi_version == nullptr) return "glibc malloc";
  const int v = mi_version();  // 209 for 2.0.9
  return absl::StrCat("mimalloc ", v / 100, ".", v / 10 % 10, ".", v % 10);
}

}  // namespace serval::base
