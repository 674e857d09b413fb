#include "src/base/slug.h"

#include "absl/strings/ascii.h"
#include "src/base/utf8.h"

namespace serval::base {

std::string Slugify(absl::string_view text) {
  std::string valid;
  AppendValidUtf8(text, &valid);
  std::string slug;
  slug.reserve(valid.size());
  bool pending_dash = false;
  for (char c : valid) {
    unsigned char u = static_cast<unsigned char>(c);
    bool keep = absl::ascii_isalnum(u) || c == '_' || u >= 0x80;
    if (!keep) {
      pending_dash = true;
      continue;
    }
    if (pending_dash && !slug.empty()) slug.push_back('-');
    pending_dash = false;
    slug.push_back(absl::ascii_tolower(u));
  }
  return slug;
}

}  // namespace serval::base
