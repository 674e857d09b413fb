// site_functions.h — the SSG filters and globals of Serval's templates
// (Bengal's names), on top of Jinja2's built-ins.
//
// Filters:  absolute_url url_for dateformat date_iso time_ago markdownify
//           slugify excerpt truncatewords reading_time word_count where
//           where_not sort_by group_by limit first_sentence strip_html
//           jsonify pluralize meta_keywords has_tag asset_url tag_url
// Globals:  url_for absolute_url asset_url get_page get_section tag_url
//           icon now
//
// `time_ago` is relative to the view's build time, never the wall clock,
// so a render is a pure function of the site. Dates are DateValues
// (template_objects.h) or date strings ParseDate accepts.
//
// Example:
//   tmpl::Environment env(loader);
//   RegisterSiteFunctions(view, &env);   // before the first render
//   env.Render("page.html", view.PageContext(page, nullptr));
//
// Thread-safety: the registered functions only read `view` (which must
// outlive `env`); they are safe from any number of render threads.
#ifndef SERVAL_BUILD_SITE_FUNCTIONS_H_
#define SERVAL_BUILD_SITE_FUNCTIONS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "src/build/template_objects.h"
#include "src/template/environment.h"

namespace serval::build {

void RegisterSiteFunctions(const SiteView& view, tmpl::Environment* env);

// The text of an HTML fragment: tags removed, entities decoded, whitespace
// collapsed (for search entries, excerpts and word counts).
std::string HtmlToText(absl::string_view html);

// `value` as JSON (for `jsonify`); objects are written by their str().
std::string ValueToJson(const tmpl::Value& value);

}  // namespace serval::build

#endif  // SERVAL_BUILD_SITE_FUNCTIONS_H_
