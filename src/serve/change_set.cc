#include "src/serve/change_set.h"

#include "absl/strings/match.h"

namespace serval::serve {

bool ChangeSet::OnlyCss() const {
  if (full || (changed.empty() && removed.empty())) return false;
  for (const auto* list : {&changed, &removed}) {
    for (const std::string& path : *list) {
      if (!absl::EndsWithIgnoreCase(path, ".css")) return false;
    }
  }
  return true;
}

}  // namespace serval::serve
