#include "src/build/incremental.h"

#include <cstdint>
#include <optional>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "src/base/fingerprint.h"

namespace serval::build {
namespace {

// Hashes fields so that different field sequences give different digests:
// FastFingerprint64 of "<size>:<field>" for every field, in order. Short
// fields are gathered into one buffer and hashed at once (a streamed
// update per field cost more than the two dozen short fields of a page's
// meta); a long one (a page's HTML) is streamed where it lies, not copied.
// Either way the digest is that of the concatenation.
class Fields {
 public:
  Fields() { buffer_.reserve(512); }
  Fields& Add(absl::string_view field) {
    if (ABSL_PREDICT_TRUE(field.size() <= kMaxBufferedField)) {
      // "<size>:<field>", appended piece by piece (absl::StrAppend sizes
      // and zero-fills first: half the cost of a page's meta hash).
      AppendNumber(field.size());
      buffer_.push_back(':');
      buffer_.append(field.data(), field.size());
    } else {
      AddStreamed(field);
    }
    return *this;
  }
  Fields& Add(int64_t n) {
    char digits[absl::numbers_internal::kFastToBufferSize];
    return Add(absl::string_view(
        digits, static_cast<size_t>(
                    absl::numbers_internal::FastIntToBuffer(n, digits) - digits)));
  }
  // The value as rapidjson::Writer writes it, through a buffer kept by the
  // thread (one allocation per thread, not one per page).
  Fields& AddJson(const rapidjson::Value& json) {
    thread_local rapidjson::StringBuffer buffer;
    buffer.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    json.Accept(writer);
    return Add(absl::string_view(buffer.GetString(), buffer.GetSize()));
  }
  Fields& AddPage(const site::Page* page) {
    return Add(page == nullptr ? absl::string_view("-") : PageKey(*page));
  }
  Fields& AddPages(const std::vector<const site::Page*>& pages) {
    Add(static_cast<int64_t>(pages.size()));
    for (const site::Page* p : pages) AddPage(p);
    return *this;
  }
  // Call once, last.
  std::string Hash() {
    if (!streamed_) return base::Hex64(base::FastFingerprint64(buffer_));
    streamed_->Add(buffer_);
    return base::Hex64(streamed_->Digest());
  }

 private:
  static constexpr size_t kMaxBufferedField = 1024;
  void AppendNumber(size_t n) {
    char digits[absl::numbers_internal::kFastToBufferSize];
    buffer_.append(digits, static_cast<size_t>(
        absl::numbers_internal::FastIntToBuffer(uint64_t{n}, digits) - digits));
  }
  ABSL_ATTRIBUTE_NOINLINE void AddStreamed(absl::string_view field) {
    absl::StrAppend(&buffer_, field.size(), ":");
    if (!streamed_) streamed_.emplace();
    streamed_->Add(buffer_);
    buffer_.clear();
    streamed_->Add(field);
  }
  std::string buffer_;
  std::optional<base::FastFingerprinter> streamed_;
};

// A term page's list as taxonomies show it: the term and its page count.
void AddTerms(const site::Page& taxonomy, Fields* f) {
  f->Add(static_cast<int64_t>(taxonomy.term_pages.size()));
  for (const site::Page* term : taxonomy.term_pages) {
    f->AddPage(term).Add(static_cast<int64_t>(term->pages.size()));
  }
}

}  // namespace

std::string PageMetaHash(const site::Page& page) {
  Fields f;
  f.Add(site::PageKindName(page.kind))
      .Add(page.source_path)
      .Add(page.section)
      .Add(page.title)
      .Add(page.date ? absl::ToUnixNanos(*page.date) : INT64_MIN)
      .Add(page.draft)
      .Add(page.slug)
      .Add(page.weight)
      .Add(page.layout)
      .Add(page.summary)
      .Add(page.description)
      .Add(page.url)
      .Add(page.output_path)
      .Add(page.taxonomy)
      .Add(page.term);
  f.Add(static_cast<int64_t>(page.aliases.size()));
  for (const std::string& a : page.aliases) f.Add(a);
  f.Add(static_cast<int64_t>(page.terms.size()));
  for (const auto& [plural, terms] : page.terms) {
    f.Add(plural).Add(static_cast<int64_t>(terms.size()));
    for (const site::TermRef& t : terms) f.Add(t.name).Add(t.slug).Add(t.url);
  }
  f.AddJson(page.params);
  return f.Hash();
}

std::string PageContentHash(const PageContent& content) {
  Fields f;
  f.Add(content.html)
      .Add(content.summary_html)
      .Add(content.toc_html)
      .Add(content.plain_text)
      .Add(content.word_count)
      .Add(content.reading_minutes)
      .Add(static_cast<int64_t>(content.toc.size()));
  for (const markdown::TocEntry& e : content.toc) {
    f.Add(e.level).Add(e.id).Add(e.title);
  }
  return f.Hash();
}

const site::Page* FindPageRef(const site::Site& site, absl::string_view ref) {
  const site::Page* page = site.FindByUrl(ref);
  if (page == nullptr) page = site.FindBySourcePath(ref);
  if (page == nullptr) page = site.FindBySourcePath(absl::StrCat("content/", ref));
  if (page == nullptr && !absl::EndsWith(ref, ".md")) {
    page = site.FindBySourcePath(absl::StrCat("content/", ref, ".md"));
  }
  return page;
}

const site::Page* FindSectionRef(const site::Site& site,
                                 absl::string_view name) {
  absl::string_view trimmed = absl::StripPrefix(name, "/");
  trimmed = absl::StripSuffix(trimmed, "/");
  const site::Page* page =
      site.FindBySourcePath(absl::StrCat("content/", trimmed, "/_index.md"));
  if (page == nullptr) page = site.FindByUrl(absl::StrCat("/", trimmed, "/"));
  return page == nullptr || !page->is_list() ? nullptr : page;
}

std::string SiteKeys::Fingerprint(absl::string_view key) const {
  Fields f;
  f.Add(key);
  absl::string_view arg = key;
  if (key == cache::kAllPagesKey) {
    f.Add(static_cast<int64_t>(site_.pages.size()));
    for (const auto& p : site_.pages) f.AddPage(p.get());
    f.AddPages(site_.regular_pages);
  } else if (key == kSiteSectionsKey) {
    f.AddPages(site_.sections);
  } else if (key == kSiteHomeKey) {
    f.AddPage(site_.home);
  } else if (key == kSiteTaxonomiesKey) {
    for (const site::Page* taxonomy : site_.taxonomies) {
      f.AddPage(taxonomy).Add(taxonomy->taxonomy);
      AddTerms(*taxonomy, &f);
    }
  } else if (key == kDataKey) {
    f.AddJson(site_.data);
  } else if (key == kBuildTimeKey) {
    f.Add(absl::ToUnixNanos(build_time_));
  } else if (absl::ConsumePrefix(&arg, "list:")) {
    const site::Page* page = site_.FindBySourcePath(arg);
    if (page == nullptr) page = site_.FindByUrl(arg);
    if (page == nullptr) {
      f.Add("missing");
    } else {
      f.AddPages(page->pages).AddPages(page->sections);
      AddTerms(*page, &f);
    }
  } else if (absl::ConsumePrefix(&arg, "links:")) {
    const site::Page* page = site_.FindBySourcePath(arg);
    if (page == nullptr) page = site_.FindByUrl(arg);
    if (page == nullptr) {
      f.Add("missing");
    } else {
      f.AddPage(page->parent).AddPage(page->prev).AddPage(page->next);
    }
  } else if (absl::ConsumePrefix(&arg, "lookup:")) {
    f.AddPage(FindPageRef(site_, arg));
  } else if (absl::ConsumePrefix(&arg, "section-lookup:")) {
    f.AddPage(FindSectionRef(site_, arg));
  } else if (absl::ConsumePrefix(&arg, "asset:")) {
    f.Add(manifest_.Url(arg));
  } else {
    f.Add("unknown");
  }
  return f.Hash();
}

}  // namespace serval::build
