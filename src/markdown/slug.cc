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
  if (hashed_.empty()) {
    uint32_t begin = 0;
    for (const uint32_t end : ends_) {
      if (absl::string_view(linear_).substr(begin, end - begin) == slug) {
        return "";
      }
      begin = end;
    }
    if (ends_.size() < kLinearSlugs) {
      if (ends_.empty()) {
        // Room for a page's usual headings at once, not a few doublings.
        linear_.reserve(128);
        ends_.reserve(8);
      }
      linear_.append(slug.data(), slug.size());
      ends_.push_back(static_cast<uint32_t>(linear_.size()));
      return absl::string_view(linear_).substr(begin);
    }
    // Too many for linear search: move them into the hash set.
    begin = 0;
    for (const uint32_t end : ends_) {
      hashed_.emplace(absl::string_view(linear_).substr(begin, end - begin));
      begin = end;
    }
    linear_.clear();
    ends_.clear();
  }
  const auto [it, inserted] = hashed_.emplace(slug);
  return inserted ? absl::string_view(*it) : absl::string_view();
}

absl::string_view SlugRegistry::Unique(absl::string_view slug) {
  absl::string_view stored = TryInsert(slug);
  if (!stored.empty()) return stored;
  int& next = next_suffix_.try_emplace(slug, 1).first->second;
  for (; stored.empty(); ++next) {
    stored = TryInsert(absl::StrCat(slug, "-", next));
  }
  return stored;
}

}  // namespace serval::markdown
