#include "src/base/fingerprint.h"

#include "absl/strings/str_format.h"

#define XXH_INLINE_ALL
#include "xxhash/xxhash.h"

namespace serval::base {

std::string Hex64(uint64_t value) { return absl::StrFormat("%016x", value); }

uint64_t FastFingerprint64(absl::string_view data) {
  return XXH3_64bits(data.data(), data.size());
}

FastFingerprinter::FastFingerprinter() : state_(XXH3_createState()) {
  XXH3_64bits_reset(static_cast<XXH3_state_t*>(state_));
}

FastFingerprinter::~FastFingerprinter() {
  XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}

void FastFingerprinter::Add(absl::string_view data) {
  XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), data.data(),
                     data.size());
}

uint64_t FastFingerprinter::Digest() const {
  return XXH3_64bits_digest(static_cast<const XXH3_state_t*>(state_));
}

}  // namespace serval::base
