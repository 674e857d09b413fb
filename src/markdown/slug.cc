#include "src/markdown/slug.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace serval::markdown {

std::string Slugify(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::string slug;
  slug.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '_') {
      slug.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      slug.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == ' ') {
      slug.push_back('-');
    }
  }
  if (slug.empty()) slug = "section";
  return slug;
}

bool IsValidExplicitId(absl::string_view id) {
  if (id.empty() || id.size() > 256) return false;
  const char first = id.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
    return false;
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == ':' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string SlugRegistry::Unique(absl::string_view slug) {
  std::string candidate(slug);
  for (int n = 1; used_.contains(candidate); ++n) {
    candidate = absl::StrCat(slug, "-", n);
  }
  used_.insert(candidate);
  return candidate;
}

}  // namespace serval::markdown
