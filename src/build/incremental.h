// incremental.h — the fingerprints an incremental build compares between
// builds: of each page (its metadata and its rendered Markdown) and of each
// site key a render recorded (template_objects.h), computed from the site
// model alone so the next build can compute them again and compare.
//
// A fingerprint covers exactly what a template can read through the key:
// PageMetaHash every attribute of a page except its rendered Markdown and
// its relations (lists and links are site keys); PageContentHash the
// rendered Markdown (so an included file's edit is a content change);
// SiteKeyFingerprint the ordered page keys of a list, the targets of a
// page's links, what a lookup finds, the data tree, an asset's URL, the
// build time. An unknown or dangling key (a removed list page) gets a
// fingerprint of its own, so it reads as changed.
//
// Example:
//   SiteKeys keys(site, manifest, build_time);
//   std::string before = previous.site_keys["list:content/blog/_index.md"];
//   if (keys.Fingerprint("list:content/blog/_index.md") != before) ...
//
// Thread-safety: pure functions; a SiteKeys is immutable and may be
// shared by threads.
#ifndef SERVAL_BUILD_INCREMENTAL_H_
#define SERVAL_BUILD_INCREMENTAL_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/assets/asset_pipeline.h"
#include "src/build/template_objects.h"
#include "src/site/page.h"

namespace serval::build {

std::string PageMetaHash(const site::Page& page);
std::string PageContentHash(const PageContent& content);

// The page get_page(ref) finds, or nullptr (site_functions.h).
const site::Page* FindPageRef(const site::Site& site, absl::string_view ref);
// The list page get_section(name) finds, or nullptr.
const site::Page* FindSectionRef(const site::Site& site,
                                 absl::string_view name);

class SiteKeys {
 public:
  // All three must outlive the SiteKeys.
  SiteKeys(const site::Site& site, const assets::AssetManifest& manifest,
           absl::Time build_time)
      : site_(site), manifest_(manifest), build_time_(build_time) {}

  // The fingerprint of site key `key` in this site (lowercase hex).
  std::string Fingerprint(absl::string_view key) const;

 private:
  const site::Site& site_;
  const assets::AssetManifest& manifest_;
  const absl::Time build_time_;
};

}  // namespace serval::build

#endif  // SERVAL_BUILD_INCREMENTAL_H_
