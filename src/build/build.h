// build.h — one whole build of a site: `serval build SITE_DIR`.
//
// Phases, each timed:
//   lock        the site's build lock (.serval/lock), waiting for another
//               build of the same site if one runs
//   load        discover inputs, read and parse content (parallel), data,
//               config; assemble and freeze the site model
//   cache       the previous build's cache (read and parsed meanwhile, on
//               a pool thread), judged against this site and config
//   markdown    the Markdown to HTML of every page whose Markdown changed
//               (all of them in a full build; parallel)
//   assets      static files of the theme and the site: copies, minified
//               and fingerprinted CSS/JS, the manifest for asset_url
//   plan        decide what to re-render, from the cache and fingerprints
//   render      every page, pagination page, alias, 404 and search page
//               that needs it through its template (parallel), recording
//               what each render reads
//   postprocess sitemap, feeds, search index, robots.txt
//   publish     two-phase (fs/tree_publisher.h): every new or changed
//               output is staged as a temp (parallel) and made durable;
//               then the switch puts them all in place (renameat2
//               RENAME_EXCHANGE, old bytes kept under the temp name) and
//               sets stale outputs aside, then the commit point (one
//               filesystem sync in batch mode), then the new build cache;
//               a failure before the cache is committed undoes the switch.
//               Last, the old copies and set-aside files are deleted.
//
// Incremental builds: `.serval/cache.json` (docs/content/cache_format.md) holds the
// previous build's source hashes, page fingerprints, dependency graph and
// output manifest. A build loads and parses every page, renders the
// Markdown only of pages whose source or included files changed (the
// others' on demand, when a re-rendered template or an output shows their
// content), then re-renders only the render jobs
// (page, pagination page, alias, 404, search) whose recorded dependencies
// changed, that are new, or whose output is not as the manifest says; the
// others keep their output file untouched. Sitemap, feeds, search index and
// static files are produced every time (unchanged bytes are not
// rewritten). Outputs of the previous build that this one no longer
// produces are pruned (only files Serval wrote and nobody changed since).
// A cache that does not verify is discarded with a warning ("cache
// discarded: <reason>") and the build is a full one; so is a --clean build
// and one after a configuration change. A `.serval/building` marker left by
// a build that did not commit makes every kept output be verified against
// its recorded hash. The cache is written only after the outputs are
// committed, and not at all when the build fails. The invariant, checked by
// a property test (incremental_oracle_test.cc): the output is byte-identical
// to a clean build's.
//
// Nothing is written before every output has been produced without error:
// a build with errors reports all of them (as "path:line:col: message"),
// writes nothing and leaves the previous output as it was. A build that
// fails while publishing (an I/O error) leaves the previous output tree
// byte-identical too — with one exception: a failure of the new cache's
// directory sync, after its rename, leaves the whole new tree (never a
// mix) and the .serval/building marker. Output bytes are
// a function of the inputs and the build time only: identical for any
// --jobs and from run to run.
//
// Template lookup, first match in the site's templates/, else in the
// default theme: front matter `layout` (<section>/<layout>.html, then
// <layout>.html), then by kind — page: <section>/page.html, page.html;
// section: <section>/list.html, section.html, list.html; home: home.html,
// index.html, list.html; taxonomy: <plural>/taxonomy.html, taxonomy.html,
// list.html; term: <plural>/term.html, term.html, list.html.
//
// Example:
//   fs::PosixFs fs;
//   BuildResult result = BuildSite(fs, {.site_dir = "examples/blog"});
//   for (const std::string& e : result.errors) std::cerr << e << "\n";
//   std::cout << result.Summary() << "\n";
//   return result.ok() ? 0 : 1;
//
// Thread-safety: BuildSite may run concurrently for different sites; for
// one site, the build lock serializes builds (threads and processes).
#ifndef SERVAL_BUILD_BUILD_H_
#define SERVAL_BUILD_BUILD_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/fs.h"

namespace serval::build {

class MarkdownCache;

struct BuildOptions {
  std::string site_dir = ".";
  std::string output_dir;  // empty: <site_dir>/public
  int jobs = 0;            // 0: every core
  bool include_drafts = false;
  bool clean = false;  // ignore the build cache: a full build
  fs::Durability durability = fs::Durability::kBatch;
  // In batch mode, a publish with at most this many outputs to write fsyncs
  // them and their directories (as strict mode does) instead of one
  // syncfs, which also waits for other programs' dirty data. 0: always
  // syncfs.
  size_t per_file_sync_max_outputs = 64;
  // The time `now`, `time_ago` and feeds see; unset: the wall clock.
  std::optional<absl::Time> build_time;
  bool use_lock = true;
  absl::Duration lock_timeout = absl::Minutes(10);
  // Called when another build holds the lock, with who holds it.
  std::function<void(absl::string_view holder)> on_lock_wait;
  // Rendered Markdown kept across builds of this process (serval serve);
  // null: every page's Markdown is rendered.
  MarkdownCache* markdown_cache = nullptr;
  // The caller knows an input changed (serve's watcher saw it): skip the
  // no-op fast path's walk, which could only fail. The last build's
  // snapshot still serves to keep unchanged outputs without reading them.
  bool inputs_changed = false;
  // Identifies the binary beyond its version (the CLI: its size and
  // mtime), so a rebuilt serval never trusts the no-op fast path.
  std::string tool_identity;
  // Free the build's state (site model, caches, outputs) before BuildSite
  // returns. A caller about to exit (the CLI) sets false: the state stays
  // allocated and reachable until the process ends, as a compiler skips
  // freeing its AST at exit (clang's -disable-free); at 10,000 pages that
  // is about 150M instructions not spent. The pool's threads are stopped
  // either way.
  bool free_state = true;
  // Progress for a terminal: called at the start of each phase with
  // (phase, 0, 0) and during render with (phase, done, total) about a
  // hundred times; from any render thread, so it must be thread-safe.
  std::function<void(absl::string_view phase, size_t done, size_t total)>
      progress;
};

struct PhaseTime {
  std::string name;
  absl::Duration duration;
};

struct BuildResult {
  std::vector<std::string> errors;    // "path:line:col: message"
  std::vector<std::string> warnings;  // the same form
  size_t pages = 0;      // HTML pages (pagination pages included)
  size_t rendered = 0;   // render jobs rendered (the others were kept)
  // Pages whose Markdown this build rendered (an incremental build takes
  // the others' fingerprints from the cache and renders them only when a
  // template or an output shows their content).
  size_t markdown_rendered = 0;
  // For each render job rendered, sorted: "content/a.md: template
  // templates/base.html changed" (serval build --explain).
  std::vector<std::string> explain;
  size_t outputs = 0;    // files in the output
  size_t written = 0;    // of which written by this build
  size_t unchanged = 0;  // of which already held the same bytes
  std::vector<PhaseTime> phases;
  absl::Duration total;

  bool ok() const { return errors.empty(); }
  // "Built 20 pages (2 rendered; 58 outputs: 3 written, 55 unchanged) in
  //  0.041 s,
  //  488 pages/s [load 5 ms, markdown 9 ms, ...]"
  std::string Summary() const;
};

BuildResult BuildSite(fs::Fs& fs, const BuildOptions& options);

// The running binary's size and mtime ("exe=SIZE/MTIME_NS"), for
// BuildOptions::tool_identity; empty if /proc/self/exe cannot be read.
std::string RunningBinaryIdentity();

// The output directory for `options` (<site_dir>/public by default).
std::string OutputDirOf(const BuildOptions& options);

}  // namespace serval::build

#endif  // SERVAL_BUILD_BUILD_H_
