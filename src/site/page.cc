#include "src/site/page.h"

#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"

namespace serval::site {

const char* PageKindName(PageKind kind) {
  switch (kind) {
    case PageKind::kHome: return "home";
    case PageKind::kSection: return "section";
    case PageKind::kPage: return "page";
    case PageKind::kTaxonomy: return "taxonomy";
    case PageKind::kTerm: return "term";
  }
  return "page";
}

const std::vector<TermRef>* Page::TermsOf(absl::string_view plural) const {
  for (const auto& [name, refs] : terms) {
    if (name == plural) return &refs;
  }
  return nullptr;
}

const Page* Site::FindByUrl(absl::string_view url) const {
  auto it = by_url.find(url);
  return it == by_url.end() ? nullptr : it->second;
}

const Page* Site::FindBySourcePath(absl::string_view path) const {
  auto it = by_source_path.find(path);
  return it == by_source_path.end() ? nullptr : it->second;
}

std::string OutputPathForUrl(absl::string_view url) {
  std::string path(absl::StripPrefix(url, "/"));
  if (path.empty() || absl::EndsWith(path, "/")) path += "index.html";
  return path;
}

std::string PagerUrl(absl::string_view list_url, int n) {
  if (n <= 1) return std::string(list_url);
  return absl::StrCat(list_url, "page/", n, "/");
}

bool DefaultPageOrder(const Page* a, const Page* b) {
  // Weighted pages first, by weight; 0 means unweighted.
  const bool a_weighted = a->weight != 0, b_weighted = b->weight != 0;
  if (a_weighted != b_weighted) return a_weighted;
  if (a->weight != b->weight) return a->weight < b->weight;
  // Newest first; undated last.
  if (a->date.has_value() != b->date.has_value()) return a->date.has_value();
  if (a->date.has_value() && *a->date != *b->date) return *a->date > *b->date;
  return std::tie(a->title, a->source_path, a->url) <
         std::tie(b->title, b->source_path, b->url);
}

}  // namespace serval::site
