#include "stress/payload.h"

#include <cstdint>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace serval::stress {
namespace {

uint64_t Fnv1a(absl::string_view data) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

std::string MakePayload(absl::string_view tag, std::mt19937_64& rng,
                        int max_filler) {
  const size_t filler = rng() % (static_cast<uint64_t>(max_filler) + 1);
  std::string body = absl::StrCat(tag, "|");
  body.reserve(body.size() + filler + 40);
  const char fill = static_cast<char>('a' + rng() % 26);
  body.append(filler, fill);
  return absl::StrCat(body, "|", body.size(), "|", absl::Hex(Fnv1a(body)),
                      "\n");
}

bool VerifyPayload(absl::string_view data) {
  if (data.empty() || data.back() != '\n') return false;
  data.remove_suffix(1);
  size_t hash_bar = data.rfind('|');
  if (hash_bar == absl::string_view::npos) return false;
  size_t length_bar = data.substr(0, hash_bar).rfind('|');
  if (length_bar == absl::string_view::npos) return false;
  absl::string_view body = data.substr(0, length_bar);
  uint64_t length = 0;
  uint64_t hash = 0;
  if (!absl::SimpleAtoi(data.substr(length_bar + 1, hash_bar - length_bar - 1),
                        &length) ||
      !absl::SimpleHexAtoi(data.substr(hash_bar + 1), &hash)) {
    return false;
  }
  return length == body.size() && hash == Fnv1a(body);
}

}  // namespace serval::stress
