// asset_pipeline.h — what happens to static files on the way to the output.
//
// Every static file (the theme's, then the site's static/, which wins) is
// published at its own path, byte for byte. CSS and JS files are also
// minified and published under a fingerprinted name (content hash in the
// name: css/site.3fa2c1d09b7e4a11.css), so they can be cached forever; the
// manifest maps the logical path to that name and is what the templates'
// `asset_url('css/site.css')` returns.
//
// Example:
//   AssetManifest manifest;
//   for (auto& out : ProcessStaticFile("css/site.css", bytes, {}, &manifest))
//     publish(out.path, out.bytes);
//   manifest.Url("css/site.css");  // "/css/site.3fa2c1d09b7e4a11.css"
//
// Thread-safety: ProcessStaticFile is pure apart from `manifest`; fill the
// manifest on one thread, then share it read-only.
#ifndef SERVAL_ASSETS_ASSET_PIPELINE_H_
#define SERVAL_ASSETS_ASSET_PIPELINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace serval::assets {

struct AssetOptions {
  bool minify = true;
  bool fingerprint = true;
};

struct AssetOutput {
  std::string path;   // relative to the output directory
  std::string bytes;
};

class AssetManifest {
 public:
  void Add(absl::string_view logical, absl::string_view published);
  // "/<published path>" for a known asset, else "/<logical>".
  std::string Url(absl::string_view logical) const;
  // The manifest as JSON, sorted: {"css/site.css": "css/site.<h>.css"}.
  std::string ToJson() const;
  const std::map<std::string, std::string>& entries() const {
    return entries_;
  }

 private:
  std::map<std::string, std::string> entries_;  // sorted: deterministic
};

// "css/site.css" + bytes -> "css/site.<16 hex>.css"
std::string FingerprintedPath(absl::string_view logical,
                              absl::string_view bytes);

// The outputs for one static file at `logical` (relative to static/).
std::vector<AssetOutput> ProcessStaticFile(absl::string_view logical,
                                           absl::string_view bytes,
                                           const AssetOptions& options,
                                           AssetManifest* manifest);

}  // namespace serval::assets

#endif  // SERVAL_ASSETS_ASSET_PIPELINE_H_
