// payload.h — self-checking file contents for the atomic-write stress
// binaries: "<tag>|<filler>|<length>|<hash>\n" where <length> is the byte
// count of "<tag>|<filler>" and <hash> its FNV-1a 64 in hex. A torn,
// truncated or interleaved file cannot verify.
//
// Example:
//   std::string p = MakePayload("w3-17", rng);
//   assert(VerifyPayload(p));
//
// Thread-safety: pure functions.
#ifndef SERVAL_STRESS_PAYLOAD_H_
#define SERVAL_STRESS_PAYLOAD_H_

#include <random>
#include <string>

#include "absl/strings/string_view.h"

namespace serval::stress {

// A payload tagged `tag` with 0..max_filler bytes of filler.
std::string MakePayload(absl::string_view tag, std::mt19937_64& rng,
                        int max_filler = 4096);

// True if `data` is exactly one whole payload.
bool VerifyPayload(absl::string_view data);

}  // namespace serval::stress

#endif  // SERVAL_STRESS_PAYLOAD_H_
