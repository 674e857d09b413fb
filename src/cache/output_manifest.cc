#include "src/cache/output_manifest.h"

#include "src/fs/retry.h"

#include "absl/status/statusor.h"

namespace serval::cache {

std::vector<std::string> StaleOutputs(const OutputManifest& previous,
                                      const OutputManifest& current) {
  std::vector<std::string> stale;
  for (const auto& [path, record] : previous) {
    if (current.count(path) == 0) stale.push_back(path);
  }
  return stale;
}

namespace {

PruneReport Prune(fs::Fs& fs, absl::string_view output_root,
                  const OutputManifest& previous,
                  const std::vector<std::string>& stale, bool remove) {
  PruneReport report;
  for (const std::string& path : stale) {
    auto listed = previous.find(path);
    if (listed == previous.end()) {
      report.kept.emplace_back(path, "not in the previous manifest");
      continue;
    }
    if (!IsValidRelativePath(path)) {
      report.kept.emplace_back(path, "not a safe relative path");
      continue;
    }
    const std::string full = fs::JoinPath(output_root, path);
    absl::StatusOr<fs::FileInfo> info = fs.Stat(full);
    if (!info.ok()) {
      if (absl::IsNotFound(info.status())) {
        report.missing.push_back(path);
      } else {
        report.failed.emplace_back(path, info.status());
      }
      continue;
    }
    if (info->type != fs::FileType::kRegular) {
      report.kept.emplace_back(path, "not a regular file");
      continue;
    }
    absl::StatusOr<std::string> contents = fs.ReadFile(full);
    if (!contents.ok()) {
      if (absl::IsNotFound(contents.status())) {  // removed meanwhile
        report.missing.push_back(path);
      } else {
        report.failed.emplace_back(path, contents.status());
      }
      continue;
    }
    if (ContentHash(*contents) != listed->second.hash) {
      report.kept.emplace_back(path,
                               "contents changed since Serval wrote it");
      continue;
    }
    if (!remove) {
      report.removed.push_back(path);
      continue;
    }
    fs::RetryPolicy policy;
    fs::Retrier retrier(policy);
    absl::Status removed;
    do {
      removed = fs.Remove(full);
    } while (retrier.ShouldRetry(removed));
    if (!removed.ok()) {
      if (absl::IsNotFound(removed)) {
        report.missing.push_back(path);
      } else {
        report.failed.emplace_back(path, removed);
      }
      continue;
    }
    report.removed.push_back(path);
  }
  return report;
}

}  // namespace

PruneReport PruneOutputs(fs::Fs& fs, absl::string_view output_root,
                         const OutputManifest& previous,
                         const std::vector<std::string>& stale) {
  return Prune(fs, output_root, previous, stale, /*remove=*/true);
}

PruneReport SelectPrunable(fs::Fs& fs, absl::string_view output_root,
                           const OutputManifest& previous,
                           const std::vector<std::string>& stale) {
  return Prune(fs, output_root, previous, stale, /*remove=*/false);
}

}  // namespace serval::cache
