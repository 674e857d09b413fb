// output_manifest.h — pruning the outputs of removed or renamed pages.
//
// The output manifest (BuildCache::outputs) lists every file a build
// wrote. After a build commits, the files the previous manifest lists and
// the new one does not are stale: PruneOutputs deletes them. It deletes
// nothing else — Serval never deletes a file it did not write — and not
// even a listed file whose contents someone has since replaced (its hash
// no longer matches), nor a path that is now a symlink or a directory.
//
// Example:
//   std::vector<std::string> stale = StaleOutputs(previous.outputs,
//                                                 next.outputs);
//   PruneReport report = PruneOutputs(fs, "site/public", previous.outputs,
//                                     stale);
//   for (const auto& [path, why] : report.kept) log.Warn(...);
//
// Thread-safety: pure functions; PruneOutputs is as thread-safe as `fs`.
#ifndef SERVAL_CACHE_OUTPUT_MANIFEST_H_
#define SERVAL_CACHE_OUTPUT_MANIFEST_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "src/cache/build_cache.h"
#include "src/fs/fs.h"

namespace serval::cache {

// Paths in `previous` that are not in `current`, sorted.
std::vector<std::string> StaleOutputs(const OutputManifest& previous,
                                      const OutputManifest& current);

struct PruneReport {
  std::vector<std::string> removed;  // deleted
  std::vector<std::string> missing;  // already gone
  // Left in place on purpose, with the reason ("not in the previous
  // manifest", "contents changed since Serval wrote it", "not a regular
  // file").
  std::vector<std::pair<std::string, std::string>> kept;
  // Left in place because of an I/O error (transient ones are retried):
  // the caller must not commit a manifest that forgets them.
  std::vector<std::pair<std::string, absl::Status>> failed;
};

// Deletes each of `stale` (paths relative to `output_root`) that
// `previous` lists, that is a regular file, and whose contents still hash
// to the recorded hash. Invalid paths are kept, never joined. Empty
// directories left behind are not removed.
PruneReport PruneOutputs(fs::Fs& fs, absl::string_view output_root,
                         const OutputManifest& previous,
                         const std::vector<std::string>& stale);

// What PruneOutputs would do, deleting nothing: `removed` lists the files
// it would delete (for a TreePublisher to remove with the rest of the
// publish, so that a failed build deletes nothing).
PruneReport SelectPrunable(fs::Fs& fs, absl::string_view output_root,
                           const OutputManifest& previous,
                           const std::vector<std::string>& stale);

}  // namespace serval::cache

#endif  // SERVAL_CACHE_OUTPUT_MANIFEST_H_
