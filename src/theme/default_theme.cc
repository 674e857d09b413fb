#include "src/theme/default_theme.h"

#include <algorithm>
#include <cstring>

namespace serval::theme {
namespace internal {
extern const base::EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;
}  // namespace internal

absl::Span<const base::EmbeddedFile> DefaultThemeFiles() {
  return absl::MakeConstSpan(internal::kEmbeddedFiles,
                             internal::kEmbeddedFileCount);
}

const base::EmbeddedFile* FindDefaultThemeFile(absl::string_view path) {
  absl::Span<const base::EmbeddedFile> files = DefaultThemeFiles();
  auto it = std::lower_bound(
      files.begin(), files.end(), path,
      [](const base::EmbeddedFile& file, absl::string_view key) {
        return absl::string_view(file.path) < key;
      });
  if (it == files.end() || absl::string_view(it->path) != path) return nullptr;
  return &*it;
}

}  // namespace serval::theme
