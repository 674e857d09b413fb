// fingerprint.h — a stable, non-cryptographic 64-bit content hash.
//
// FNV-1a 64: the same bytes give the same value on every machine, build
// and run (unlike absl::Hash, which is seeded per process). Used for
// fingerprinted asset names and for change detection; never for security.
//
// Example:
//   Fingerprint64Hex("body{}") == "a1b2c3d4e5f60718"  (16 lowercase hex)
//
// Thread-safety: pure functions.
#ifndef SERVAL_BASE_FINGERPRINT_H_
#define SERVAL_BASE_FINGERPRINT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace serval::base {

inline constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnvPrime = 0x100000001b3ull;

// Continues an FNV-1a 64 hash from `state` (start at kFnvOffsetBasis).
inline uint64_t Fingerprint64(absl::string_view data,
                              uint64_t state = kFnvOffsetBasis) {
  for (unsigned char c : data) {
    state ^= c;
    state *= kFnvPrime;
  }
  return state;
}

// 16 lowercase hex digits.
std::string Hex64(uint64_t value);

// XXH3-64 (xxHash 0.8, seed 0): the same value on every machine and run,
// at memory speed. For content digests of large inputs (the build cache),
// where FNV-1a's byte-at-a-time loop shows up in profiles. Not
// cryptographic.
uint64_t FastFingerprint64(absl::string_view data);
inline std::string FastFingerprint64Hex(absl::string_view data) {
  return Hex64(FastFingerprint64(data));
}

// FastFingerprint64 of the concatenation of every Add, without building it.
class FastFingerprinter {
 public:
  FastFingerprinter();
  ~FastFingerprinter();
  FastFingerprinter(const FastFingerprinter&) = delete;
  FastFingerprinter& operator=(const FastFingerprinter&) = delete;
  void Add(absl::string_view data);
  uint64_t Digest() const;

 private:
  void* state_;  // XXH3_state_t
};

inline std::string Fingerprint64Hex(absl::string_view data) {
  return Hex64(Fingerprint64(data));
}

}  // namespace serval::base

#endif  // SERVAL_BASE_FINGERPRINT_H_
