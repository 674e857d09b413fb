#include "src/build/template_objects.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/content/date.h"
#include "src/postprocess/outputs.h"

namespace serval::build {
namespace {

using tmpl::Value;

// The recorder of the render running on this thread (RecordingScope).
thread_local cache::RenderRecorder* t_recorder = nullptr;

// What reading attribute `name` of `page` depends on.
void RecordPageRead(cache::RenderRecorder& r, const site::Page& page,
                    absl::string_view name) {
  if (name == "content" || name == "toc" || name == "toc_items" ||
      name == "plain" || name == "word_count" || name == "reading_time" ||
      (name == "summary" && page.summary.empty())) {
    r.AddPageContent(PageKey(page));
  } else if (name == "pages" || name == "regular_pages" ||
             name == "sections" || name == "terms") {
    r.AddSiteKey(ListKey(page));
  } else if (name == "parent" || name == "prev" || name == "next") {
    r.AddSiteKey(LinksKey(page));
  } else {
    r.AddPageMeta(PageKey(page));
  }
}

// What reading attribute `name` of `site` depends on (nothing recorded:
// the configuration, which every page depends on).
void RecordSiteRead(cache::RenderRecorder& r, const SiteView& view,
                    absl::string_view name) {
  if (name == "pages" || name == "regular_pages" || name == "all_pages") {
    r.AddSiteKey(cache::kAllPagesKey);
  } else if (name == "sections") {
    r.AddSiteKey(kSiteSectionsKey);
  } else if (name == "home") {
    r.AddSiteKey(kSiteHomeKey);
  } else if (name == "taxonomies") {
    r.AddSiteKey(kSiteTaxonomiesKey);
  } else if (name == "data") {
    r.AddSiteKey(kDataKey);
    for (const std::string& file : view.data_files()) r.AddData(file);
  } else if (name == "build_time") {
    r.AddSiteKey(kBuildTimeKey);
  }
}

Value OptionalPage(const SiteView& view, const site::Page* page) {
  return page == nullptr ? Value::None() : view.PageValue(page);
}

Value StringList(const std::vector<std::string>& items) {
  std::vector<Value> values;
  values.reserve(items.size());
  for (const std::string& s : items) values.emplace_back(s);
  return Value::List(std::move(values));
}

class DateObject : public tmpl::Object {
 public:
  explicit DateObject(absl::Time time) : time_(time) {}
  std::string TypeName() const override { return "date"; }
  std::optional<Value> GetAttr(absl::string_view name) const override {
    const absl::CivilSecond c =
        absl::ToCivilSecond(time_, absl::UTCTimeZone());
    if (name == "year") return Value(static_cast<int64_t>(c.year()));
    if (name == "month") return Value(static_cast<int64_t>(c.month()));
    if (name == "day") return Value(static_cast<int64_t>(c.day()));
    if (name == "hour") return Value(static_cast<int64_t>(c.hour()));
    if (name == "minute") return Value(static_cast<int64_t>(c.minute()));
    if (name == "second") return Value(static_cast<int64_t>(c.second()));
    if (name == "unix") return Value(absl::ToUnixSeconds(time_));
    if (name == "iso") return Value(content::FormatDateRfc3339(time_));
    return std::nullopt;
  }
  // absl::FormatTime("%Y-%m-%d", time_, UTC), without its format parser:
  // lists print many dates.
  std::string Str() const override {
    const absl::CivilDay d = absl::ToCivilDay(time_, absl::UTCTimeZone());
    const int month = d.month(), day = d.day();
    const char md[] = {'-', static_cast<char>('0' + month / 10),
                       static_cast<char>('0' + month % 10), '-',
                       static_cast<char>('0' + day / 10),
                       static_cast<char>('0' + day % 10)};
    return absl::StrCat(d.year(), absl::string_view(md, sizeof md));
  }
  absl::Time time() const { return time_; }

 private:
  const absl::Time time_;
};

// A page as templates see it. Holds only pointers: the page and the view
// outlive every render.
class PageObject : public tmpl::Object {
 public:
  PageObject(const site::Page* page, const SiteView* view)
      : page_(page), view_(view) {}
  std::string TypeName() const override { return "page object"; }
  std::string Str() const override {
    if (t_recorder != nullptr) t_recorder->AddPageMeta(PageKey(*page_));
    return page_->title;
  }

  std::optional<Value> GetAttr(absl::string_view name) const override {
    const site::Page& p = *page_;
    if (t_recorder != nullptr) RecordPageRead(*t_recorder, p, name);
    const SiteView& v = *view_;
    if (name == "title") return Value(p.title);
    if (name == "url" || name == "relpermalink") return Value(p.url);
    if (name == "permalink") return Value(postprocess::Permalink(v.site().config, p.url));
    if (name == "kind") return Value(v.KindName(page_));
    if (name == "section") return Value(p.section);
    if (name == "date" || name == "lastmod") {
      if (name == "lastmod") {
        auto it = p.params.IsObject() ? p.params.FindMember("lastmod")
                                      : p.params.MemberEnd();
        if (p.params.IsObject() && it != p.params.MemberEnd() &&
            it->value.IsString()) {
          absl::StatusOr<absl::Time> t =
              content::ParseDate(it->value.GetString());
          if (t.ok()) return DateValue(*t);
        }
      }
      return p.date ? DateValue(*p.date) : Value::None();
    }
    if (name == "draft") return Value(p.draft);
    if (name == "slug") return Value(p.slug);
    if (name == "weight") return Value(p.weight);
    if (name == "layout") return Value(p.layout);
    if (name == "description") return Value(p.description);
    if (name == "summary") {
      if (!p.summary.empty()) return Value(p.summary);
      return Value::Safe(v.ContentOf(page_).summary_html);
    }
    if (name == "content") return Value::Safe(v.ContentOf(page_).html);
    if (name == "toc") return Value::Safe(v.ContentOf(page_).toc_html);
    if (name == "toc_items") {
      std::vector<Value> items;
      for (const markdown::TocEntry& e : v.ContentOf(page_).toc) {
        items.push_back(Value::Dict({{"level", Value(e.level)},
                                     {"id", Value(e.id)},
                                     {"title", Value(e.title)}}));
      }
      return Value::List(std::move(items));
    }
    if (name == "plain") return Value(v.ContentOf(page_).plain_text);
    if (name == "word_count") return Value(v.ContentOf(page_).word_count);
    if (name == "reading_time") {
      return Value(v.ContentOf(page_).reading_minutes);
    }
    if (name == "params") return JsonToValue(p.params);
    if (name == "pages") return Value::List(v.PageValues(p.pages));
    if (name == "regular_pages") {
      std::vector<const site::Page*> regular;
      for (const site::Page* child : p.pages) {
        if (!child->is_list()) regular.push_back(child);
      }
      return Value::List(v.PageValues(regular));
    }
    if (name == "sections") return Value::List(v.PageValues(p.sections));
    if (name == "parent") return OptionalPage(v, p.parent);
    if (name == "prev") return OptionalPage(v, p.prev);
    if (name == "next") return OptionalPage(v, p.next);
    if (name == "taxonomy") return Value(p.taxonomy);
    if (name == "term") return Value(p.term);
    if (name == "terms" && p.kind == site::PageKind::kTaxonomy) {
      return v.TermsOfTaxonomy(p);
    }
    if (name == "source_path" || name == "file") return Value(p.source_path);
    if (name == "aliases") return StringList(p.aliases);
    if (name == "is_list") return Value(p.is_list());
    if (name == "is_home") return Value(p.kind == site::PageKind::kHome);
    if (name == "is_section") {
      return Value(p.kind == site::PageKind::kSection);
    }
    if (name == "is_page") return Value(p.kind == site::PageKind::kPage);
    if (const std::vector<site::TermRef>* terms = p.TermsOf(name)) {
      std::vector<Value> names;
      names.reserve(terms->size());
      for (const site::TermRef& t : *terms) names.emplace_back(t.name);
      return Value::List(std::move(names));
    }
    // Any other front matter key, as Bengal's page.metadata.
    if (p.params.IsObject()) {
      auto it = p.params.FindMember(
          rapidjson::StringRef(name.data(), name.size()));
      if (it != p.params.MemberEnd()) return JsonToValue(it->value);
    }
    // Taxonomies the page has no terms for read as empty lists.
    for (const site::Taxonomy& t : v.site().config.taxonomies) {
      if (t.plural == name) return Value::List();
    }
    return std::nullopt;
  }

 private:
  const site::Page* const page_;
  const SiteView* const view_;
};

class SiteObject : public tmpl::Object {
 public:
  explicit SiteObject(const SiteView* view) : view_(view) {}
  std::string TypeName() const override { return "site object"; }
  std::string Str() const override { return view_->site().config.title; }

  std::optional<Value> GetAttr(absl::string_view name) const override {
    const site::Site& s = view_->site();
    if (t_recorder != nullptr) RecordSiteRead(*t_recorder, *view_, name);
    if (name == "title") return Value(s.config.title);
    if (name == "baseurl" || name == "baseURL") return Value(s.config.baseurl);
    if (name == "language") return Value(s.config.language);
    // A fresh list per read (a template may change its copy), copied from
    // values made once.
    if (name == "pages" || name == "regular_pages") {
      return Value::List(view_->regular_page_values());
    }
    if (name == "all_pages") return Value::List(view_->all_page_values());
    if (name == "sections") return Value::List(view_->section_values());
    if (name == "home") return OptionalPage(*view_, s.home);
    if (name == "taxonomies") {
      std::vector<std::pair<std::string, Value>> items;
      for (const site::Page* taxonomy : s.taxonomies) {
        items.emplace_back(taxonomy->taxonomy,
                           view_->TermsOfTaxonomy(*taxonomy));
      }
      return Value::Dict(std::move(items));
    }
    if (name == "data") return JsonToValue(s.data);
    if (name == "params") return JsonToValue(s.config.params);
    if (name == "menus") {
      std::vector<std::pair<std::string, Value>> menus;
      for (const site::Menu& menu : s.config.menus) {
        std::vector<Value> entries;
        for (const site::MenuEntry& e : menu.entries) {
          entries.push_back(Value::Dict({{"name", Value(e.name)},
                                         {"url", Value(e.url)},
                                         {"weight", Value(e.weight)},
                                         {"identifier", Value(e.identifier)}}));
        }
        menus.emplace_back(menu.name, Value::List(std::move(entries)));
      }
      return Value::Dict(std::move(menus));
    }
    if (name == "build_time") return DateValue(view_->build_time());
    return std::nullopt;
  }

 private:
  const SiteView* const view_;
};

}  // namespace

const std::string& PageKey(const site::Page& page) {
  return page.source_path.empty() ? page.url : page.source_path;
}

std::string ListKey(const site::Page& page) {
  return absl::StrCat("list:", PageKey(page));
}
std::string LinksKey(const site::Page& page) {
  return absl::StrCat("links:", PageKey(page));
}
std::string LookupKey(absl::string_view ref) {
  return absl::StrCat("lookup:", ref);
}
std::string SectionLookupKey(absl::string_view name) {
  return absl::StrCat("section-lookup:", name);
}
std::string AssetKey(absl::string_view logical) {
  return absl::StrCat("asset:", logical);
}

RecordingScope::RecordingScope(cache::RenderRecorder* recorder)
    : previous_(t_recorder) {
  t_recorder = recorder;
}
RecordingScope::~RecordingScope() { t_recorder = previous_; }
cache::RenderRecorder* RecordingScope::Current() { return t_recorder; }

Value JsonToValue(const rapidjson::Value& json) {
  switch (json.GetType()) {
    case rapidjson::kNullType:
      return Value::None();
    case rapidjson::kFalseType:
      return Value(false);
    case rapidjson::kTrueType:
      return Value(true);
    case rapidjson::kStringType:
      return Value(std::string(json.GetString(), json.GetStringLength()));
    case rapidjson::kNumberType:
      if (json.IsInt64()) return Value(static_cast<int64_t>(json.GetInt64()));
      return Value(json.GetDouble());
    case rapidjson::kArrayType: {
      std::vector<Value> items;
      items.reserve(json.Size());
      for (const rapidjson::Value& item : json.GetArray()) {
        items.push_back(JsonToValue(item));
      }
      return Value::List(std::move(items));
    }
    case rapidjson::kObjectType: {
      std::vector<std::pair<std::string, Value>> items;
      items.reserve(json.MemberCount());
      for (const auto& member : json.GetObject()) {
        items.emplace_back(std::string(member.name.GetString(),
                                       member.name.GetStringLength()),
                           JsonToValue(member.value));
      }
      return Value::Dict(std::move(items));
    }
  }
  return Value::None();
}

Value DateValue(absl::Time time) {
  return Value::FromObject(std::make_shared<DateObject>(time));
}

std::optional<absl::Time> TimeOf(const Value& value) {
  if (!value.is_object()) return std::nullopt;
  const auto* date = dynamic_cast<const DateObject*>(&value.object());
  if (date == nullptr) return std::nullopt;
  return date->time();
}

Pager::Pager(int number, int total, std::vector<Value> pages,
             std::string list_url)
    : number_(number),
      total_(total),
      pages_(std::move(pages)),
      list_url_(std::move(list_url)) {}

std::optional<Value> Pager::GetAttr(absl::string_view name) const {
  used_.store(true, std::memory_order_relaxed);
  if (name == "number") return Value(number_);
  if (name == "total" || name == "total_pages") return Value(total_);
  if (name == "pages") return Value::List(pages_);
  if (name == "prev_url") {
    return number_ > 1 ? Value(site::PagerUrl(list_url_, number_ - 1))
                       : Value::None();
  }
  if (name == "next_url") {
    return number_ < total_ ? Value(site::PagerUrl(list_url_, number_ + 1))
                            : Value::None();
  }
  if (name == "first_url") return Value(list_url_);
  if (name == "last_url") return Value(site::PagerUrl(list_url_, total_));
  if (name == "has_prev") return Value(number_ > 1);
  if (name == "has_next") return Value(number_ < total_);
  return std::nullopt;
}

SiteView::SiteView(const site::Site& site, PageContentFn contents,
                   const assets::AssetManifest& manifest,
                   absl::Time build_time)
    : site_(site),
      contents_(std::move(contents)),
      manifest_(manifest),
      build_time_(build_time) {
  page_values_.reserve(site.pages.size());
  for (size_t i = 0; i < site.pages.size(); ++i) {
    index_[site.pages[i].get()] = i;
    page_values_.push_back(Value::FromObject(
        std::make_shared<PageObject>(site.pages[i].get(), this)));
  }
  regular_page_values_ = PageValues(site.regular_pages);
  section_values_ = PageValues(site.sections);
  site_value_ = Value::FromObject(std::make_shared<SiteObject>(this));
  config_value_ = JsonToValue(site.config.raw);
}

void SiteView::AddExtraPage(const site::Page* page, std::string kind_name) {
  extra_values_[page] =
      Value::FromObject(std::make_shared<PageObject>(page, this));
  extra_kinds_[page] = std::move(kind_name);
}

Value SiteView::PageValue(const site::Page* page) const {
  auto it = index_.find(page);
  if (it != index_.end()) return page_values_[it->second];
  auto extra = extra_values_.find(page);
  if (extra != extra_values_.end()) return extra->second;
  return Value::None();
}

const PageContent& SiteView::ContentOf(const site::Page* page) const {
  auto it = index_.find(page);
  if (it == index_.end()) return empty_content_;
  return contents_(it->second);
}

const std::string& SiteView::KindName(const site::Page* page) const {
  auto it = extra_kinds_.find(page);
  if (it != extra_kinds_.end()) return it->second;
  static const auto* const kNames = new std::vector<std::string>{
      site::PageKindName(site::PageKind::kHome),
      site::PageKindName(site::PageKind::kSection),
      site::PageKindName(site::PageKind::kPage),
      site::PageKindName(site::PageKind::kTaxonomy),
      site::PageKindName(site::PageKind::kTerm)};
  return (*kNames)[static_cast<size_t>(page->kind)];
}

std::vector<const site::Page*> SiteView::ListedPages(
    const site::Page& list) const {
  if (list.kind != site::PageKind::kHome) return list.pages;
  // The home page's list is the site's latest: newest first, undated pages
  // last, the default order among equals (weights order docs, not news).
  std::vector<const site::Page*> latest = site_.regular_pages;
  std::stable_sort(latest.begin(), latest.end(),
                   [](const site::Page* a, const site::Page* b) {
                     if (!a->date || !b->date) return a->date && !b->date;
                     return *a->date > *b->date;
                   });
  return latest;
}

std::vector<Value> SiteView::PageValues(
    const std::vector<const site::Page*>& pages) const {
  std::vector<Value> values;
  values.reserve(pages.size());
  for (const site::Page* page : pages) values.push_back(PageValue(page));
  return values;
}

Value SiteView::TermsOfTaxonomy(const site::Page& taxonomy) const {
  if (t_recorder != nullptr) {
    t_recorder->AddSiteKey(ListKey(taxonomy));
    for (const site::Page* term : taxonomy.term_pages) {
      t_recorder->AddPageMeta(PageKey(*term));
    }
  }
  std::vector<Value> terms;
  terms.reserve(taxonomy.term_pages.size());
  for (const site::Page* term : taxonomy.term_pages) {
    terms.push_back(Value::Dict(
        {{"name", Value(term->term)},
         {"slug", Value(term->slug)},
         {"url", Value(term->url)},
         {"count", Value(static_cast<int64_t>(term->pages.size()))},
         {"page", PageValue(term)}}));
  }
  return Value::List(std::move(terms));
}

Value SiteView::PageContext(const site::Page* page,
                            const Value* pager) const {
  std::vector<std::pair<std::string, Value>> items = {
      {"page", PageValue(page)},
      {"site", site_value_},
      {"config", config_value_}};
  if (pager != nullptr) items.emplace_back("pager", *pager);
  return Value::Dict(std::move(items));
}

}  // namespace serval::build
