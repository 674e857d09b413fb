// watcher.h — watching a site's sources with inotify and turning bursts of
// events into ChangeSets (change_set.h) for the rebuild loop.
//
// Watched: the directories `roots` (content/, templates/, static/, data/ by
// default) recursively — directories created later are added as they
// appear, with the files already inside them — and the site-level `files`
// (serval.toml). A root that does not exist yet is picked up when created.
// Ignored: the `ignore` subtrees (the output directory, .serval/), and
// hidden or editor files (IsIgnoredName).
//
// Debounce and coalescing: after an event, Next() keeps reading until the
// tree has been quiet for `debounce` (but at most `max_delay` after the
// first event), then reports each touched path once, by its state at that
// moment: existing -> `changed`, gone -> `removed`, and a path that was
// created and gone again within the burst (an editor's temp file, vim's
// "4913" probe) not at all. So an editor's "write temp then rename over"
// and "delete then create" both arrive as one edit of the final path. A
// kernel queue overflow gives `full = true`.
//
// Example (the rebuild loop, on one thread):
//   SERVAL_ASSIGN_OR_RETURN(std::unique_ptr<Watcher> watcher,
//                           Watcher::Create({.site_dir = site}));
//   while (std::optional<ChangeSet> changes = watcher->Next()) {
//     Rebuild(*changes);
//   }
//   // elsewhere, on shutdown: watcher->Stop();
//
// Thread-safety: Next() is called by one thread; Stop() by any thread.
#ifndef SERVAL_SERVE_WATCHER_H_
#define SERVAL_SERVE_WATCHER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/serve/change_set.h"

namespace serval::serve {

struct WatcherOptions {
  std::string site_dir;
  std::vector<std::string> roots = {"content", "templates", "static", "data"};
  std::vector<std::string> files = {"serval.toml"};
  // Site-relative subtrees never reported ("public", ".serval").
  std::vector<std::string> ignore = {"public", ".serval"};
  absl::Duration debounce = absl::Milliseconds(30);
  absl::Duration max_delay = absl::Milliseconds(300);
};

// Hidden (".name"), backup ("name~", "name.bak") and editor lock/swap
// files ("#name#", "name.swp", ".swx", ".swo").
bool IsIgnoredName(absl::string_view name);

class Watcher {
 public:
  static absl::StatusOr<std::unique_ptr<Watcher>> Create(
      WatcherOptions options);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Blocks until a non-empty ChangeSet is ready; nullopt after Stop().
  std::optional<ChangeSet> Next();

  // Makes the current and every later Next() return nullopt.
  void Stop();

 private:
  struct Touched {
    bool created_in_burst = false;  // its first event created it
  };

  Watcher(WatcherOptions options, int inotify_fd, int stop_fd);
  bool IsIgnoredPath(const std::string& path) const;
  // Watches `dir` (site-relative) and every directory below it; with
  // `report_files`, records the files found as touched (they were created
  // before the watch could see them).
  void AddTree(const std::string& dir, bool report_files, int depth);
  void RemoveTree(const std::string& dir);
  // Reads what the inotify descriptor has; false if nothing was there.
  bool ReadEvents();
  void Touch(const std::string& path, bool created);
  ChangeSet TakeChanges();

  const WatcherOptions options_;
  const int inotify_fd_;
  const int stop_fd_;  // eventfd: Stop() writes, Next() polls
  std::unordered_map<int, std::string> dir_of_watch_;  // wd -> "content/a"
  std::map<std::string, int> watch_of_dir_;
  std::map<std::string, Touched> touched_;
  bool overflowed_ = false;
};

}  // namespace serval::serve

#endif  // SERVAL_SERVE_WATCHER_H_
