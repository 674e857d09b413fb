#include "src/markdown/slug.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace serval::markdown {

namespace {

// What each byte becomes in a slug; 0 drops it.
struct SlugBytes {
  char map[256] = {};
  constexpr SlugBytes() {
    for (int c = 0x80; c < 256; ++c) map[c] = static_cast<char>(c);
    for (int c = 'a'; c <= 'z'; ++c) map[c] = static_cast<char>(c);
    for (int c = 'A'; c <= 'Z'; ++c) map[c] = static_cast<char>(c - 'A' + 'a');
    for (int c = '0'; c <= '9'; ++c) map[c] = static_cast<char>(c);
    map[static_cast<unsigned char>('-')] = '-';
    map[static_cast<unsigned char>('_')] = '_';
    map[static_cast<unsigned char>(' ')] = '-';
  }
};
constexpr SlugBytes kSlugBytes;

}  // namespace

void SlugifyTo(absl::string_view text, std::string* slug) {
  text = absl::StripAsciiWhitespace(text);
  slug->resize(text.size());
  char* const begin = &(*slug)[0];
  char* p = begin;
  for (char c : text) {
    const char m = kSlugBytes.map[static_cast<unsigned char>(c)];
    *p = m;
    p += m != 0;
  }
  slug->resize(p - begin);
  if (slug->empty()) slug->assign("section");
}

std::string Slugify(absl::string_view text) {
  std::string slug;
  SlugifyTo(text, &slug);
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

absl::string_view SlugRegistry::TryInsert(absl::string_view slug) {
  if (used_.contains(slug)) return "";
  slugs_.emplace_back(slug);
  const absl::string_view stored = slugs_.back();
  used_.insert(stored);
  return stored;
}

absl::string_view SlugRegistry::Unique(absl::string_view slug) {
  absl::string_view stored = TryInsert(slug);
  for (int n = 1; stored.empty(); ++n) {
    stored = TryInsert(absl::StrCat(slug, "-", n));
  }
  return stored;
}

}  // namespace serval::markdown
