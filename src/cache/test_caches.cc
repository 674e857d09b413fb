#include "src/cache/test_caches.h"

namespace serval::cache {

CacheIdentity SmallIdentity() {
  CacheIdentity id;
  id.site_id = "5e1f0c2b9a3d4e71";
  id.config_hash = "c0ffee0123456789";
  return id;
}

BuildCache SmallCache() {
  const CacheIdentity id = SmallIdentity();
  BuildCache cache;
  cache.site_id = id.site_id;
  cache.config_hash = id.config_hash;
  cache.sources = {
      {"content/_index.md", {ContentHash("home"), 4}},
      {"content/blog/a.md", {ContentHash("a body"), 6}},
      {"content/blog/café.md", {ContentHash("café"), 5}},
      {"templates/base.html", {ContentHash("<html>"), 6}},
      {"data/team.yaml", {ContentHash("- ann"), 5}},
      {"static/css/site.css", {ContentHash("body{}"), 6}},
  };
  cache.outputs = {
      {"index.html", {ContentHash("<home>"), "content/_index.md"}},
      {"blog/a/index.html", {ContentHash("<a>"), "content/blog/a.md"}},
      {"blog/café/index.html",
       {ContentHash("<café>"), "content/blog/café.md"}},
      {"tags/go/index.html", {ContentHash("<go>"), "/tags/go/"}},
      {"css/site.css", {ContentHash("body{}"), "static/css/site.css"}},
  };
  cache.pages["content/_index.md"] = PageRecord{
      ContentHash("home"), ContentHash("home meta"),
      {{DepKind::kSource, "content/_index.md"},
       {DepKind::kTemplate, "templates/base.html"},
       {DepKind::kPageMeta, "content/blog/a.md"},
       {DepKind::kPageMeta, "content/blog/café.md"},
       {DepKind::kPageContent, "content/blog/a.md"},
       {DepKind::kSiteKey, kAllPagesKey}}};
  cache.pages["content/blog/a.md"] = PageRecord{
      ContentHash("a"), ContentHash("a meta"),
      {{DepKind::kSource, "content/blog/a.md"},
       {DepKind::kTemplate, "templates/base.html"},
       {DepKind::kData, "data/team.yaml"},
       {DepKind::kPageMeta, "content/blog/café.md"},
       {DepKind::kSiteKey, SectionPagesKey("blog")}},
      std::set<std::string>{"content/blog/snippet.md"}};
  cache.pages["content/blog/café.md"] = PageRecord{
      ContentHash("café"), ContentHash("café meta"),
      {{DepKind::kSource, "content/blog/café.md"},
       {DepKind::kTemplate, "templates/base.html"},
       {DepKind::kPageMeta, "content/blog/a.md"},
       {DepKind::kSiteKey, SectionPagesKey("blog")}},
      std::set<std::string>{}};
  cache.pages["/tags/go/"] = PageRecord{
      ContentHash("go"), ContentHash("go meta"),
      {{DepKind::kPageMeta, "content/blog/a.md"},
       {DepKind::kSiteKey, TermKey("tags", "go")}}};
  cache.site_keys = {
      {kAllPagesKey, ContentHash("all")},
      {SectionPagesKey("blog"), ContentHash("a,café")},
      {TaxonomyKey("tags"), ContentHash("go")},
      {TermKey("tags", "go"), ContentHash("a")},
  };
  return cache;
}

BuildCache TinyCache() {
  const CacheIdentity id = SmallIdentity();
  BuildCache cache;
  cache.site_id = id.site_id;
  cache.config_hash = id.config_hash;
  cache.sources = {{"content/a.md", {"1f", 3}}};
  cache.outputs = {{"a.html", {"2e", "content/a.md"}}};
  cache.pages["content/a.md"] =
      PageRecord{"3d", "4c",
                 {{DepKind::kSource, "content/a.md"},
                  {DepKind::kTemplate, "t.html"},
                  {DepKind::kSiteKey, "s:x"}},
                 std::set<std::string>{"content/b.md"}};
  cache.site_keys = {{"s:x", "5b"}};
  return cache;
}

}  // namespace serval::cache
