// change_set.h — what the dev server tells a rebuild, and what it hears back.
//
// The watcher (watcher.h) coalesces filesystem events into a ChangeSet; the
// server hands it to a RebuildFunction, which rebuilds the site and returns
// a RebuildOutcome. The server never depends on the build pipeline itself:
// `serval serve` passes a function that calls it, tests pass a fake.
//
// Example:
//   serve::RebuildFunction rebuild = [&](const serve::ChangeSet& changes) {
//     absl::Status status = MyBuild(changes);
//     return serve::RebuildOutcome{.ok = status.ok(),
//                                  .error = std::string(status.message()),
//                                  .css_only = changes.OnlyCss()};
//   };
//
// Thread-safety: plain values.
#ifndef SERVAL_SERVE_CHANGE_SET_H_
#define SERVAL_SERVE_CHANGE_SET_H_

#include <functional>
#include <string>
#include <vector>

namespace serval::serve {

struct ChangeSet {
  // Paths relative to the site directory ("content/a.md", "serval.toml"),
  // sorted and unique. A path that exists after the burst of events is in
  // `changed` (created, written, renamed onto, or deleted and re-created);
  // one that does not is in `removed`.
  std::vector<std::string> changed;
  std::vector<std::string> removed;
  // Everything may have changed: the first build, or the kernel's event
  // queue overflowed. A rebuild should not trust `changed`/`removed`.
  bool full = false;

  bool empty() const { return !full && changed.empty() && removed.empty(); }
  // True when every path is a stylesheet (".css"), so the browser can swap
  // stylesheets instead of reloading the page.
  bool OnlyCss() const;
};

struct RebuildOutcome {
  bool ok = true;
  // The build's error messages ("content/a.md:3:1: ..."), shown in the
  // terminal and in the browser overlay. Empty when ok.
  std::string error;
  // Only stylesheets changed in the output.
  bool css_only = false;
};

// Rebuilds the site for `changes`. Called on the server's rebuild thread
// only, one call at a time.
using RebuildFunction = std::function<RebuildOutcome(const ChangeSet&)>;

}  // namespace serval::serve

#endif  // SERVAL_SERVE_CHANGE_SET_H_
