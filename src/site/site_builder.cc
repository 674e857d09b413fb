#include "src/site/site_builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "src/base/slug.h"
#include "src/content/date.h"

namespace serval::site {
namespace {

using content::SourcePosition;
using rapidjson::Value;

constexpr absl::string_view kContentPrefix = "content/";

// "content/a/b.md" -> "a/b.md"
absl::string_view ContentRelative(absl::string_view path) {
  return absl::StripPrefix(path, kContentPrefix);
}

// The directory of a content-relative path: "a/b.md" -> "a", "b.md" -> "".
std::string DirOf(absl::string_view rel) {
  size_t slash = rel.rfind('/');
  return slash == absl::string_view::npos ? "" : std::string(rel.substr(0, slash));
}

std::string BaseName(absl::string_view rel) {
  size_t slash = rel.rfind('/');
  return std::string(slash == absl::string_view::npos ? rel
                                                      : rel.substr(slash + 1));
}

// "a/b" -> {"", "a", "a/b"}: every ancestor directory, outermost first.
std::vector<std::string> DirChain(absl::string_view dir) {
  std::vector<std::string> chain = {""};
  if (dir.empty()) return chain;
  std::string prefix;
  for (absl::string_view part : absl::StrSplit(dir, '/')) {
    prefix = prefix.empty() ? std::string(part) : absl::StrCat(prefix, "/", part);
    chain.push_back(prefix);
  }
  return chain;
}

// "content/a/b.md": under content/, ends in .md, no empty, "." or ".."
// segment and no backslash, so URLs built from it stay inside the site.
bool IsContentPath(absl::string_view path) {
  if (!absl::StartsWith(path, kContentPrefix) || !absl::EndsWith(path, ".md") ||
      absl::StrContains(path, "\\")) {
    return false;
  }
  for (absl::string_view part :
       absl::StrSplit(ContentRelative(path), '/')) {
    if (part.empty() || part == "." || part == ".." || part == ".md") {
      return false;
    }
  }
  return true;
}

std::string DirUrl(absl::string_view dir) {
  return dir.empty() ? "/" : absl::StrCat("/", dir, "/");
}

// "getting-started" -> "Getting started"
std::string Humanize(absl::string_view stem) {
  std::string title(stem);
  for (char& c : title) {
    if (c == '-' || c == '_') c = ' ';
  }
  if (!title.empty()) title[0] = absl::ascii_toupper(title[0]);
  return title;
}

std::string Capitalize(absl::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = absl::ascii_toupper(out[0]);
  return out;
}

class Assembler {
 public:
  Assembler(SiteConfig config, const AssembleOptions& options,
            Diagnostics* diagnostics)
      : config_(std::move(config)), options_(options),
        diagnostics_(diagnostics) {}

  void Error(absl::string_view path, SourcePosition at,
             absl::string_view message) {
    diagnostics_->errors.push_back(ErrorText(path, at, message));
  }
  static std::string ErrorText(absl::string_view path, SourcePosition at,
                               absl::string_view message) {
    return absl::StrCat(path, ":", at.line, ":", at.column, ": ", message);
  }

  static SourcePosition KeyPosition(const SourceFile& file,
                                    absl::string_view key) {
    auto it = file.parsed.key_positions.find(std::string(key));
    return it == file.parsed.key_positions.end() ? SourcePosition{1, 1}
                                                 : it->second;
  }

  // Merges the cascades of `chain` (outermost first) under the page's own
  // keys: nearer cascades win over farther ones, the page over both.
  void ApplyCascade(const std::vector<std::string>& chain,
                    rapidjson::Document* params) const {
    for (auto dir = chain.rbegin(); dir != chain.rend(); ++dir) {
      auto it = cascades_.find(*dir);
      if (it == cascades_.end()) continue;
      for (const auto& member : it->second->GetObject()) {
        if (params->HasMember(member.name)) continue;
        Value name(member.name, params->GetAllocator());
        Value value(member.value, params->GetAllocator());
        params->AddMember(name, value, params->GetAllocator());
      }
    }
  }

  // Reads the typed fields of `file` into `page`; false after an error.
  // Errors are appended to `errors_out` in the file's order (fields are
  // checked in a fixed order, not the file's).
  bool ReadFields(const SourceFile& file, Page* page,
                  std::vector<std::string>* errors_out) const {
    const Value& fm = page->params;
    std::vector<std::pair<SourcePosition, std::string>> errors;
    auto fail = [&](absl::string_view key, std::string message) {
      errors.emplace_back(KeyPosition(file, key), std::move(message));
    };
    auto string_field = [&](const char* key, std::string* out) {
      auto it = fm.FindMember(key);
      if (it == fm.MemberEnd() || it->value.IsNull()) return;
      if (!it->value.IsString()) {
        fail(key, absl::StrCat("'", key, "' must be a string"));
        return;
      }
      out->assign(it->value.GetString(), it->value.GetStringLength());
    };
    auto string_list = [&](const char* key, std::vector<std::string>* out) {
      auto it = fm.FindMember(key);
      if (it == fm.MemberEnd() || it->value.IsNull()) return;
      if (it->value.IsString()) {
        out->push_back(it->value.GetString());
        return;
      }
      if (it->value.IsArray()) {
        for (const Value& v : it->value.GetArray()) {
          if (!v.IsString()) {
            fail(key, absl::StrCat("'", key, "' must be a list of strings"));
            return;
          }
          out->push_back(v.GetString());
        }
        return;
      }
      fail(key, absl::StrCat("'", key, "' must be a list of strings"));
    };

    string_field("title", &page->title);
    string_field("slug", &page->slug);
    string_field("layout", &page->layout);
    string_field("summary", &page->summary);
    string_field("description", &page->description);
    if (auto it = fm.FindMember("draft"); it != fm.MemberEnd()) {
      if (!it->value.IsBool()) {
        fail("draft", "'draft' must be true or false");
      } else {
        page->draft = it->value.GetBool();
      }
    }
    if (auto it = fm.FindMember("weight"); it != fm.MemberEnd()) {
      if (!it->value.IsInt64()) {
        fail("weight", "'weight' must be an integer");
      } else {
        page->weight = it->value.GetInt64();
      }
    }
    if (auto it = fm.FindMember("date"); it != fm.MemberEnd()) {
      if (!it->value.IsString()) {
        fail("date", "'date' must be a date such as 2024-03-05");
      } else {
        absl::StatusOr<absl::Time> date = content::ParseDate(
            absl::string_view(it->value.GetString(),
                              it->value.GetStringLength()));
        if (!date.ok()) {
          fail("date", std::string(date.status().message()));
        } else {
          page->date = *date;
        }
      }
    }
    if (!page->slug.empty() &&
        (page->slug.find_first_of("/\\") != std::string::npos ||
         page->slug == "." || page->slug == "..")) {
      fail("slug", absl::StrCat("'slug' must be one path segment, not '",
                                page->slug, "'"));
    }

    std::vector<std::string> aliases;
    string_list("aliases", &aliases);
    for (const std::string& alias : aliases) {
      std::string url = NormalizeAlias(alias);
      if (url.empty()) {
        fail("aliases", absl::StrCat("alias '", alias, "' is not a site path"));
        continue;
      }
      page->aliases.push_back(std::move(url));
    }

    for (const Taxonomy& taxonomy : config_.taxonomies) {
      std::vector<std::string> names;
      string_list(taxonomy.plural.c_str(), &names);
      std::vector<TermRef> refs;
      absl::flat_hash_set<std::string> seen;
      for (const std::string& name : names) {
        std::string slug = base::Slugify(name);
        if (slug.empty()) {
          fail(taxonomy.plural, absl::StrCat(taxonomy.singular, " '", name,
                                             "' has no letters or digits"));
          continue;
        }
        if (!seen.insert(slug).second) continue;
        refs.push_back({name, slug,
                        absl::StrCat("/", taxonomy.plural, "/", slug, "/")});
      }
      page->terms.emplace_back(taxonomy.plural, std::move(refs));
    }
    std::stable_sort(errors.begin(), errors.end(),
                     [](const auto& a, const auto& b) {
                       return std::make_pair(a.first.line, a.first.column) <
                              std::make_pair(b.first.line, b.first.column);
                     });
    for (const auto& [at, message] : errors) {
      errors_out->push_back(ErrorText(file.path, at, message));
    }
    return errors.empty();
  }

  // "/old/path" -> "/old/path/", "old.html" -> "/old.html"; "" if it
  // escapes the site or is not a path.
  static std::string NormalizeAlias(absl::string_view alias) {
    if (alias.empty() || absl::StrContains(alias, "://") ||
        alias.find_first_of("?#\\") != absl::string_view::npos) {
      return "";
    }
    std::vector<std::string> parts;
    for (absl::string_view part : absl::StrSplit(alias, '/', absl::SkipEmpty())) {
      if (part == "." || part == "..") return "";
      parts.emplace_back(part);
    }
    if (parts.empty()) return "";
    std::string url = absl::StrCat("/", absl::StrJoin(parts, "/"));
    if (!absl::EndsWith(parts.back(), ".html")) url += "/";
    return url;
  }

  // fn(0) ... fn(n-1) through options_.for_each_index, or serially.
  void RunForEach(size_t n, const std::function<void(size_t)>& fn) const {
    if (options_.for_each_index) {
      options_.for_each_index(n, fn);
    } else {
      for (size_t i = 0; i < n; ++i) fn(i);
    }
  }

  // One content file's page, before it is linked to others: null when the
  // file is left out (an error, or a draft), with the errors it gave.
  struct PageDraft {
    std::unique_ptr<Page> page;
    std::string index_dir;  // for a section's or home's _index.md: its dir
    std::vector<std::string> errors;
  };

  // Reads only `file` (which it consumes), the config and cascades_.
  PageDraft DraftPage(SourceFile* file_ptr) const {
    SourceFile& file = *file_ptr;
    PageDraft out;
    if (!IsContentPath(file.path)) {
      out.errors.push_back(ErrorText(
          file.path, {1, 1},
          "not a content path (expected content/<dirs>/<name>.md)"));
      return out;
    }
    absl::string_view rel = ContentRelative(file.path);
    std::string dir = DirOf(rel);
    std::string base = BaseName(rel);
    const bool is_index = base == "_index.md";
    const bool is_bundle = base == "index.md";

    auto page = std::make_unique<Page>();
    page->source_path = file.path;
    page->body = std::move(file.parsed.body);
    page->body_start = file.parsed.body_start;
    if (file.parsed.front_matter.HasMember("cascade")) {
      // cascades_ points into this front matter: copied, not taken.
      page->params.CopyFrom(file.parsed.front_matter,
                            page->params.GetAllocator());
      page->params.RemoveMember("cascade");
    } else {
      // Taken with the pool its values live in (each document is then
      // destroyed before its pool, as before).
      page->params.Swap(file.parsed.front_matter);
      std::swap(page->params_pool, file.parsed.front_matter_pool);
    }
    std::vector<std::string> chain = DirChain(dir);
    if (is_index) chain.pop_back();  // its own cascade is for below
    if (!is_index || !dir.empty()) ApplyCascade(chain, &page->params);
    if (!ReadFields(file, page.get(), &out.errors)) return out;
    if (page->draft && !options_.include_drafts) return out;

    if (is_index) {
      page->kind = dir.empty() ? PageKind::kHome : PageKind::kSection;
      page->url = DirUrl(dir);
      if (page->title.empty()) {
        page->title = dir.empty() ? config_.title : Humanize(BaseName(dir));
      }
      out.index_dir = dir;
    } else {
      page->kind = PageKind::kPage;
      std::string segment_dir = is_bundle ? DirOf(dir) : dir;
      std::string last = is_bundle ? BaseName(dir)
                                   : std::string(absl::StripSuffix(base, ".md"));
      if (!page->slug.empty()) last = page->slug;
      page->url = absl::StrCat(DirUrl(segment_dir), last, "/");
      if (page->title.empty()) page->title = Humanize(last);
    }
    size_t slash = rel.find('/');
    page->section = slash == absl::string_view::npos
                        ? ""
                        : std::string(rel.substr(0, slash));
    if (page->kind == PageKind::kHome) page->section = "";
    out.page = std::move(page);
    return out;
  }

  std::unique_ptr<Site> Run(std::vector<SourceFile> files,
                            rapidjson::Document data) {
    auto site = std::make_unique<Site>();
    auto by_path = [](const SourceFile& a, const SourceFile& b) {
      return a.path < b.path;
    };
    // The loader passes them in walk order, already sorted: a check, not
    // a sort (which moves every SourceFile, 26M instructions at 10k pages).
    if (!std::is_sorted(files.begin(), files.end(), by_path)) {
      std::sort(files.begin(), files.end(), by_path);
    }

    // Cascades come from _index.md files and apply below their directory.
    for (const SourceFile& file : files) {
      absl::string_view rel = ContentRelative(file.path);
      if (BaseName(rel) != "_index.md") continue;
      auto it = file.parsed.front_matter.FindMember("cascade");
      if (it == file.parsed.front_matter.MemberEnd()) continue;
      if (!it->value.IsObject()) {
        Error(file.path, KeyPosition(file, "cascade"),
              "'cascade' must be a mapping of keys to values");
        continue;
      }
      cascades_[DirOf(rel)] = &it->value;
    }

    // Each file's page on its own (in parallel when options_ says how),
    // then linked in path order, errors included.
    std::vector<PageDraft> drafts(files.size());
    RunForEach(files.size(),
               [&](size_t i) { drafts[i] = DraftPage(&files[i]); });
    std::map<std::string, Page*> section_by_dir;  // "" is home
    std::vector<Page*> regular;
    for (PageDraft& d : drafts) {
      for (std::string& error : d.errors) {
        diagnostics_->errors.push_back(std::move(error));
      }
      if (d.page == nullptr) continue;
      if (d.page->kind == PageKind::kPage) {
        regular.push_back(d.page.get());
      } else {
        section_by_dir[d.index_dir] = d.page.get();
      }
      site->pages.push_back(std::move(d.page));
    }
    const size_t file_pages = site->pages.size();

    // Home, and top-level directories are sections even without _index.md.
    auto generated_section = [&](const std::string& dir) -> Page* {
      auto page = std::make_unique<Page>();
      page->kind = dir.empty() ? PageKind::kHome : PageKind::kSection;
      page->url = DirUrl(dir);
      page->title = dir.empty() ? config_.title : Humanize(BaseName(dir));
      page->section = dir.empty() ? "" : std::string(DirChain(dir)[1]);
      page->params.SetObject();
      Page* raw = page.get();
      site->pages.push_back(std::move(page));
      section_by_dir[dir] = raw;
      return raw;
    };
    if (section_by_dir.find("") == section_by_dir.end()) generated_section("");
    for (Page* page : regular) {
      if (!page->section.empty() &&
          section_by_dir.find(page->section) == section_by_dir.end()) {
        generated_section(page->section);
      }
    }
    site->home = section_by_dir[""];

    // Parents: the nearest enclosing section directory.
    auto parent_of_dir = [&](std::string dir) -> Page* {
      while (true) {
        auto it = section_by_dir.find(dir);
        if (it != section_by_dir.end()) return it->second;
        dir = DirOf(dir);
      }
    };
    for (Page* page : regular) {
      std::string dir = DirOf(ContentRelative(page->source_path));
      if (BaseName(ContentRelative(page->source_path)) == "index.md") {
        dir = DirOf(dir);
      }
      Page* parent = parent_of_dir(dir);
      page->parent = parent;
      parent->pages.push_back(page);
    }
    for (auto& [dir, section] : section_by_dir) {
      if (dir.empty()) continue;
      Page* parent = parent_of_dir(DirOf(dir));
      section->parent = parent;
      parent->sections.push_back(section);
    }

    BuildTaxonomies(site.get(), regular);

    // Lists in default order (each list on its own, as the drafts were),
    // prev/next among a parent's pages.
    RunForEach(site->pages.size(), [&](size_t i) {
      Page& page = *site->pages[i];
      std::stable_sort(page.pages.begin(), page.pages.end(), DefaultPageOrder);
      std::stable_sort(page.sections.begin(), page.sections.end(),
                       DefaultPageOrder);
    });
    for (auto& [dir, section] : section_by_dir) {
      const std::vector<const Page*>& list = section->pages;
      for (size_t i = 0; i < list.size(); ++i) {
        Page* page = const_cast<Page*>(list[i]);
        page->prev = i > 0 ? list[i - 1] : nullptr;
        page->next = i + 1 < list.size() ? list[i + 1] : nullptr;
      }
    }
    // Home lists its child sections and root pages, as Hugo's does.
    {
      Page* home = section_by_dir[""];
      std::vector<const Page*> listed = home->sections;
      listed.insert(listed.end(), home->pages.begin(), home->pages.end());
      std::stable_sort(listed.begin(), listed.end(), DefaultPageOrder);
      home->pages = std::move(listed);
    }

    // Deterministic page order, URL claims and lookup tables. The pages
    // of files come first, in path order, which is nearly always URL order
    // too: when they are sorted already, only the generated pages after
    // them are sorted and merged in (a sort of them all was 50M
    // instructions at 10k pages). Stable either way: pages of one URL and
    // source path (generated ones, which then clash) keep the order they
    // were made in.
    {
      auto by_url = [](const std::unique_ptr<Page>& a,
                       const std::unique_ptr<Page>& b) {
        return std::tie(a->url, a->source_path) <
               std::tie(b->url, b->source_path);
      };
      const auto generated = site->pages.begin() + file_pages;
      if (std::is_sorted(site->pages.begin(), generated, by_url)) {
        std::stable_sort(generated, site->pages.end(), by_url);
        std::inplace_merge(site->pages.begin(), generated, site->pages.end(),
                           by_url);
      } else {
        std::stable_sort(site->pages.begin(), site->pages.end(), by_url);
      }
    }
    absl::flat_hash_map<std::string, std::string> claimed;  // output -> by
    for (auto& page : site->pages) {
      page->output_path = OutputPathForUrl(page->url);
      std::string by = page->source_path.empty()
                           ? absl::StrCat("the generated ", PageKindName(page->kind),
                                          " page ", page->url)
                           : page->source_path;
      auto [it, inserted] = claimed.emplace(page->output_path, by);
      if (!inserted) {
        site->contested_outputs.insert(page->output_path);
        Error(page->source_path.empty() ? it->second : page->source_path,
              {1, 1},
              absl::StrCat("URL ", page->url, " is also claimed by ",
                           page->source_path.empty() ? by : it->second));
        continue;
      }
      site->by_url[page->url] = page.get();
      if (!page->source_path.empty()) {
        site->by_source_path[page->source_path] = page.get();
      }
      if (page->kind == PageKind::kPage) site->regular_pages.push_back(page.get());
      if (page->kind == PageKind::kSection) site->sections.push_back(page.get());
    }
    std::stable_sort(site->regular_pages.begin(), site->regular_pages.end(),
                     DefaultPageOrder);
    for (auto& page : site->pages) {
      for (const std::string& alias : page->aliases) {
        Alias a{alias, OutputPathForUrl(alias), page.get(), page->source_path};
        auto [it, inserted] = claimed.emplace(a.output_path, page->source_path);
        if (!inserted) {
          site->contested_outputs.insert(a.output_path);
          Error(page->source_path, {1, 1},
                absl::StrCat("alias ", alias, " is also claimed by ",
                             it->second));
          continue;
        }
        site->aliases.push_back(std::move(a));
      }
    }
    std::sort(site->aliases.begin(), site->aliases.end(),
              [](const Alias& a, const Alias& b) { return a.url < b.url; });

    site->config = std::move(config_);
    site->data = std::move(data);
    if (!site->data.IsObject()) site->data.SetObject();
    return site;
  }

 private:
  void BuildTaxonomies(Site* site, const std::vector<Page*>& regular) {
    for (const Taxonomy& taxonomy : config_.taxonomies) {
      // slug -> term page, created on first use; regular is in path order,
      // so the first spelling of a term is deterministic.
      std::map<std::string, Page*> terms;
      for (Page* page : regular) {
        const std::vector<TermRef>* refs = page->TermsOf(taxonomy.plural);
        if (refs == nullptr) continue;
        for (const TermRef& ref : *refs) {
          Page*& term = terms[ref.slug];
          if (term == nullptr) {
            auto owned = std::make_unique<Page>();
            owned->kind = PageKind::kTerm;
            owned->taxonomy = taxonomy.plural;
            owned->term = ref.name;
            owned->title = ref.name;
            owned->slug = ref.slug;
            owned->url = ref.url;
            owned->params.SetObject();
            term = owned.get();
            site->pages.push_back(std::move(owned));
          }
          term->pages.push_back(page);
        }
      }
      if (terms.empty()) continue;
      auto owned = std::make_unique<Page>();
      owned->kind = PageKind::kTaxonomy;
      owned->taxonomy = taxonomy.plural;
      owned->title = Capitalize(taxonomy.plural);
      owned->url = absl::StrCat("/", taxonomy.plural, "/");
      owned->params.SetObject();
      for (auto& [slug, term] : terms) {
        term->parent = owned.get();
        owned->term_pages.push_back(term);
      }
      std::stable_sort(owned->term_pages.begin(), owned->term_pages.end(),
                       [](const Page* a, const Page* b) {
                         return std::tie(a->title, a->url) <
                                std::tie(b->title, b->url);
                       });
      site->taxonomies.push_back(owned.get());
      site->pages.push_back(std::move(owned));
    }
  }

  SiteConfig config_;
  const AssembleOptions& options_;
  Diagnostics* diagnostics_;
  absl::flat_hash_map<std::string, const Value*> cascades_;
};

}  // namespace

std::unique_ptr<Site> AssembleSite(SiteConfig config,
                                   std::vector<SourceFile> files,
                                   rapidjson::Document data,
                                   const AssembleOptions& options,
                                   Diagnostics* diagnostics) {
  Assembler assembler(std::move(config), options, diagnostics);
  return assembler.Run(std::move(files), std::move(data));
}

}  // namespace serval::site
