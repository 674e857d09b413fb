// config.h — the site configuration, `serval.toml`.
//
//   title = "My Blog"
//   baseurl = "https://example.org/"   # or Hugo's spelling, baseURL
//   language = "en"
//   paginate = 10                 # list pages per page (0: no pagination)
//   summary_length = 70           # words, when a page has no <!--more-->
//   [taxonomies]                  # singular = "plural"; default tag/category
//   tag = "tags"
//   category = "categories"
//   [params]                      # free-form, exposed as site.params
//   [[menu.main]]                 # menus: name, url, weight
//   name = "Blog"
//   url = "/blog/"
//   weight = 1
//
// Unknown top-level keys are kept (templates see the whole file as
// `config`), so themes may define their own; keys of known names with the
// wrong type are errors with serval.toml:line:col.
//
// Thread-safe: immutable after parsing.
#ifndef SERVAL_SITE_CONFIG_H_
#define SERVAL_SITE_CONFIG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"

namespace serval::site {

struct MenuEntry {
  std::string name;
  std::string url;
  int64_t weight = 0;
  std::string identifier;  // defaults to name
};

struct Menu {
  std::string name;  // "main"
  std::vector<MenuEntry> entries;
};

struct Taxonomy {
  std::string singular;  // "tag"
  std::string plural;    // "tags": the front matter key and URL segment
};

struct SiteConfig {
  std::string title = "My Site";
  std::string baseurl = "/";  // always ends with '/'
  std::string language = "en";
  int64_t paginate = 10;
  int64_t summary_length = 70;
  std::vector<Taxonomy> taxonomies;  // in the order of the file
  std::vector<Menu> menus;           // sorted by name; entries by weight
  rapidjson::Document params;        // object
  rapidjson::Document raw;           // the whole file, as JSON
};

// Parses `text` (the contents of `path`, shown in errors).
absl::StatusOr<SiteConfig> ParseSiteConfig(absl::string_view path,
                                           absl::string_view text);

// The configuration used when a site has no serval.toml.
SiteConfig DefaultSiteConfig();

// The path part of a baseurl, with its trailing '/':
// "https://x.org/docs/" -> "/docs/", "https://x.org" -> "/", "/b/" -> "/b/".
std::string BaseUrlPath(absl::string_view baseurl);

}  // namespace serval::site

#endif  // SERVAL_SITE_CONFIG_H_
