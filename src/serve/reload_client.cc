#include "src/serve/reload_client.h"

#include <cstddef>

#include "src/base/embedded_file.h"

namespace serval::serve {
namespace internal {
extern const base::EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;
}  // namespace internal

absl::string_view ReloadClientScript() {
  return internal::kEmbeddedFiles[0].contents;
}

}  // namespace serval::serve
