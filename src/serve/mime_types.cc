#include "src/serve/mime_types.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"

namespace serval::serve {
namespace {

using MimeTable = absl::flat_hash_map<std::string, absl::string_view>;

const MimeTable& Table() {
  static const MimeTable* table = new MimeTable{
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"xml", "application/xml"},
      {"rss", "application/rss+xml"},
      {"atom", "application/atom+xml"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"bmp", "image/bmp"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"wasm", "application/wasm"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mp3", "audio/mpeg"},
      {"ogg", "audio/ogg"},
      {"wav", "audio/wav"},
      {"webmanifest", "application/manifest+json"},
  };
  return *table;
}

}  // namespace

absl::string_view MimeTypeForPath(absl::string_view path) {
  constexpr absl::string_view kDefault = "application/octet-stream";
  size_t slash = path.rfind('/');
  absl::string_view name =
      slash == absl::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos || dot + 1 == name.size()) {
    return kDefault;
  }
  auto it = Table().find(absl::AsciiStrToLower(name.substr(dot + 1)));
  return it == Table().end() ? kDefault : it->second;
}

}  // namespace serval::serve
