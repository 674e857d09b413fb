#include "src/assets/asset_pipeline.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "src/assets/minify.h"
#include "src/base/fingerprint.h"

namespace serval::assets {

void AssetManifest::Add(absl::string_view logical,
                        absl::string_view published) {
  entries_[std::string(logical)] = std::string(published);
}

std::string AssetManifest::Url(absl::string_view logical) const {
  auto it = entries_.find(std::string(logical));
  return absl::StrCat("/", it == entries_.end() ? logical
                                                : absl::string_view(it->second));
}

std::string AssetManifest::ToJson() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const auto& [logical, published] : entries_) {
    writer.String(logical.data(),
                  static_cast<rapidjson::SizeType>(logical.size()));
    writer.String(published.data(),
                  static_cast<rapidjson::SizeType>(published.size()));
  }
  writer.EndObject();
  return absl::StrCat(absl::string_view(buffer.GetString(), buffer.GetSize()),
                      "\n");
}

std::string FingerprintedPath(absl::string_view logical,
                              absl::string_view bytes) {
  const std::string hash = base::Fingerprint64Hex(bytes);
  size_t slash = logical.rfind('/');
  size_t dot = logical.rfind('.');
  if (dot == absl::string_view::npos ||
      (slash != absl::string_view::npos && dot < slash) ||
      dot == (slash == absl::string_view::npos ? 0 : slash + 1)) {
    return absl::StrCat(logical, ".", hash);  // no extension
  }
  return absl::StrCat(logical.substr(0, dot), ".", hash, logical.substr(dot));
}

std::vector<AssetOutput> ProcessStaticFile(absl::string_view logical,
                                           absl::string_view bytes,
                                           const AssetOptions& options,
                                           AssetManifest* manifest) {
  std::vector<AssetOutput> outputs;
  outputs.push_back({std::string(logical), std::string(bytes)});
  const bool css = absl::EndsWith(logical, ".css");
  const bool js = absl::EndsWith(logical, ".js");
  if (!(css || js) || !options.fingerprint) return outputs;
  std::string processed =
      !options.minify ? std::string(bytes) : css ? MinifyCss(bytes)
                                                 : MinifyJs(bytes);
  std::string published = FingerprintedPath(logical, processed);
  manifest->Add(logical, published);
  outputs.push_back({std::move(published), std::move(processed)});
  return outputs;
}

}  // namespace serval::assets
