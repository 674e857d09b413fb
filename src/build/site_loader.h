// site_loader.h — reading a site directory into the site model.
//
// LoadSite walks SITE_DIR through an fs::Fs:
//   serval.toml                 the configuration (optional: defaults)
//   content/**.md               pages (front matter + Markdown)
//   data/**.{yaml,yml,json,toml} data files: data/a/b.yaml -> data.a.b
//   templates/**, static/**     listed for later phases
// parses what it reads and assembles the Site (site_builder.h). It goes on
// after an error to report every one, each as "path:line:col: message"
// with paths relative to SITE_DIR; files with errors are left out.
// Hidden files (".name") and editor leftovers ("name~", "#name#") are
// ignored. Directory symlinks are followed, at most kMaxSymlinkDepth deep,
// so a symlink loop is an error, never a hang.
//
// Example:
//   site::Diagnostics diagnostics;
//   LoadedSite loaded = LoadSite(fs, "examples/blog", {}, &diagnostics);
//   if (!diagnostics.errors.empty()) { report and exit 1 }
//
// Thread-safety: a function of its arguments; `fs` must be thread-safe.
#ifndef SERVAL_BUILD_SITE_LOADER_H_
#define SERVAL_BUILD_SITE_LOADER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/cache/build_cache.h"
#include "src/concurrency/thread_pool.h"
#include "src/fs/fs.h"
#include "src/site/page.h"
#include "src/site/site_builder.h"

namespace serval::build {

inline constexpr int kMaxSymlinkDepth = 8;

// Every input file of a site, relative to the site directory, sorted.
struct SiteFiles {
  std::vector<std::string> content;    // "content/a/b.md"
  std::vector<std::string> resources;  // other files under content/
  std::vector<std::string> data;       // "data/team.yaml"
  std::vector<std::string> templates;  // "templates/page.html"
  std::vector<std::string> statics;    // "static/css/site.css"
  bool has_config = false;
  // The lstat of every file above and of serval.toml, taken by the walk
  // before anything is read (the no-op fast path, cache/input_snapshot.h).
  std::map<std::string, fs::FileInfo> stats;
  // False when a file is reached through a symlink to it: the link's lstat
  // does not change when its target does.
  bool stats_complete = true;
};

// Lists the inputs of `site_dir`. Missing optional directories are fine;
// a missing or unreadable site directory is an error.
SiteFiles DiscoverSiteFiles(fs::Fs& fs, absl::string_view site_dir,
                            site::Diagnostics* diagnostics);

struct LoadOptions {
  bool include_drafts = false;
  // Content files are read and parsed on this pool when set.
  concurrency::ThreadPool* pool = nullptr;
  // The inputs, when the caller has walked the site already (moved from);
  // null: LoadSite walks it.
  SiteFiles* discovered = nullptr;
};

struct LoadedSite {
  SiteFiles files;
  // The digest of every file LoadSite read (serval.toml, data, content),
  // so the build cache need not read them again.
  std::map<std::string, cache::SourceRecord> digests;
  std::unique_ptr<site::Site> site;  // never null
};

LoadedSite LoadSite(fs::Fs& fs, absl::string_view site_dir,
                    const LoadOptions& options,
                    site::Diagnostics* diagnostics);

}  // namespace serval::build

#endif  // SERVAL_BUILD_SITE_LOADER_H_
