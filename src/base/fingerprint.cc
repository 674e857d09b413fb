#include "src/base/fingerprint.h"

#define XXH_INLINE_ALL
#include "xxhash/xxhash.h"

namespace serval::base {

std::string Hex64(uint64_t value) {
  // By hand: absl::StrFormat took about 1,000 instructions, and every
  // content hash and fingerprint of a build goes through here.
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4) hex[i] = kDigits[value & 0xf];
  return hex;
}

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
