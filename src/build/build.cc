#include "src/build/build.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/base/call_once.h"
#include "absl/synchronization/notification.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "src/assets/asset_pipeline.h"
#include "src/base/fingerprint.h"
#include "src/base/log.h"
#include "src/base/utf8.h"
#include "src/base/version.h"
#include "src/build/incremental.h"
#include "src/build/markdown_cache.h"
#include "src/build/site_functions.h"
#include "src/build/site_loader.h"
#include "src/build/template_objects.h"
#include "src/cache/build_cache.h"
#include "src/cache/dependency_tracker.h"
#include "src/cache/input_snapshot.h"
#include "src/cache/output_manifest.h"
#include "src/concurrency/mutex.h"
#include "src/concurrency/thread_pool.h"
#include "src/fs/build_lock.h"
#include "src/fs/retry.h"
#include "src/fs/temp_sweeper.h"
#include "src/fs/tree_publisher.h"
#include "src/highlight/theme.h"
#include "src/markdown/markdown.h"
#include "src/postprocess/outputs.h"
#include "src/template/environment.h"
#include "src/theme/default_theme.h"

namespace serval::build {
namespace {

constexpr absl::string_view kTemplatesPrefix = "templates/";
constexpr absl::string_view kStaticPrefix = "static/";

// Site templates under <site>/templates, read through the Fs.
class FsTemplateLoader : public tmpl::Loader {
 public:
  FsTemplateLoader(fs::Fs& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  absl::StatusOr<std::string> Load(absl::string_view name) const override {
    if (markdown::NormalizeContentPath(name) != name) {
      return absl::NotFoundError(absl::StrCat("template '", name, "' not found"));
    }
    absl::StatusOr<std::string> text = fs_.ReadFile(fs::JoinPath(dir_, name));
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(absl::StrCat("template '", name, "' not found"));
    }
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          absl::StrCat("templates/", name, ": ",
                                       text.status().message()));
    }
    if (size_t bad = base::FindInvalidUtf8(*text); bad != text->size()) {
      content::SourcePosition at = content::PositionOfOffset(*text, bad);
      return absl::InvalidArgumentError(
          absl::StrCat("templates/", name, ":", at.line, ":", at.column,
                       ": invalid UTF-8 (templates must be UTF-8)"));
    }
    return text;
  }

 private:
  fs::Fs& fs_;
  const std::string dir_;
};

// The embedded default theme's templates.
std::unique_ptr<tmpl::Loader> DefaultThemeLoader() {
  tmpl::MapLoader::Map map;
  for (const base::EmbeddedFile& file : theme::DefaultThemeFiles()) {
    absl::string_view path = file.path;
    if (absl::ConsumePrefix(&path, kTemplatesPrefix)) {
      map.emplace(std::string(path), std::string(file.contents));
    }
  }
  return std::make_unique<tmpl::MapLoader>(std::move(map));
}

// Which template names exist where.
struct TemplateSets {
  absl::flat_hash_set<std::string> site;
  absl::flat_hash_set<std::string> theme;

  // The first candidate the site has, else the first the theme has, else
  // "" (tried lists every candidate).
  std::string Resolve(const std::vector<std::string>& candidates,
                      bool* from_theme) const {
    for (const std::string& c : candidates) {
      if (site.contains(c)) {
        *from_theme = false;
        return c;
      }
    }
    for (const std::string& c : candidates) {
      if (theme.contains(c)) {
        *from_theme = true;
        return c;
      }
    }
    return "";
  }
};

std::string WithHtml(absl::string_view layout) {
  return absl::EndsWith(layout, ".html") ? std::string(layout)
                                         : absl::StrCat(layout, ".html");
}

std::vector<std::string> TemplateCandidates(const site::Page& page) {
  std::vector<std::string> c;
  const std::string& section = page.section;
  if (!page.layout.empty()) {
    if (!section.empty()) c.push_back(absl::StrCat(section, "/", WithHtml(page.layout)));
    c.push_back(WithHtml(page.layout));
  }
  switch (page.kind) {
    case site::PageKind::kPage:
      if (!section.empty()) c.push_back(absl::StrCat(section, "/page.html"));
      c.push_back("page.html");
      break;
    case site::PageKind::kSection:
      if (!section.empty()) c.push_back(absl::StrCat(section, "/list.html"));
      c.push_back("section.html");
      c.push_back("list.html");
      break;
    case site::PageKind::kHome:
      c.push_back("home.html");
      c.push_back("index.html");
      c.push_back("list.html");
      break;
    case site::PageKind::kTaxonomy:
      c.push_back(absl::StrCat(page.taxonomy, "/taxonomy.html"));
      c.push_back("taxonomy.html");
      c.push_back("list.html");
      break;
    case site::PageKind::kTerm:
      c.push_back(absl::StrCat(page.taxonomy, "/term.html"));
      c.push_back("term.html");
      c.push_back("list.html");
      break;
  }
  return c;
}

// Where a page's messages point: its source file, else its URL.
std::string Origin(const site::Page& page) {
  return page.source_path.empty() ? page.url : page.source_path;
}

// One HTML file to render (or to keep from the previous build).
struct RenderJob {
  const site::Page* page = nullptr;
  // Its node in the dependency graph: the page key, or the URL of a
  // pagination page or alias.
  std::string key;
  std::string template_name;
  // The templates whose existence decided template_name (the candidates
  // up to the one chosen), as site paths: adding one changes the choice.
  std::vector<std::string> template_deps;
  std::string output_path;
  int pager_number = 0;  // 0: not paginated
  int pager_total = 0;
  const site::Alias* alias = nullptr;  // alias pages
  bool render = true;  // false: the previous output is kept
  // Kept, and its output file has the stat the committed build's snapshot
  // recorded (Decide saw it): the next snapshot records it unstat'ed.
  bool stat_is_committed = false;
  std::string cause;   // why it renders (serval build --explain)
  // Results.
  std::string html;
  std::string error;
  std::shared_ptr<Pager> pager;
};

struct Output {
  std::string path;   // relative to the output directory
  std::string bytes;
  std::string origin;  // for conflict messages
  std::string producer;  // page key or source path (output manifest)
  bool kept = false;     // the previous build's file stays; bytes unused
  // Kept, and this build saw its file with the stat the committed build's
  // snapshot recorded: WriteSnapshot records that stat without a new one
  // (if the file changed since, the next build's check sees it anyway).
  bool stat_is_committed = false;
  std::string hash;      // ContentHash of bytes, once computed
};

// The candidates of `candidates` that decided the choice of `chosen`:
// every one when it came from the theme (the site has none of them), else
// those up to and including it.
std::vector<std::string> TemplateDeps(const std::vector<std::string>& candidates,
                                      const std::string& chosen,
                                      bool from_theme) {
  std::vector<std::string> deps;
  for (const std::string& c : candidates) {
    std::string path = absl::StrCat(kTemplatesPrefix, c);
    if (cache::IsValidRelativePath(path)) deps.push_back(std::move(path));
    if (!from_theme && c == chosen) break;
  }
  return deps;
}

// Work a build starts early and needs later: run on a pool worker while
// the build goes on, or, with no pool (--jobs 1), by the first Finish().
// What the work writes is written before Finish() returns and read after.
class PoolTask {
 public:
  void Start(concurrency::ThreadPool* pool, std::function<void()> work) {
    work_ = std::move(work);
    if (pool == nullptr) return;
    started_ = true;
    pool->Schedule([this] {
      work_();
      done_.Notify();
    });
  }
  // Returns once the work has run, running it here if no worker took it.
  void Finish() {
    if (started_) {
      done_.WaitForNotification();
    } else if (work_) {
      std::function<void()> work = std::move(work_);
      work_ = nullptr;
      work();
    }
  }
  // Waits for work a worker took (what must end before the members it
  // writes go); never runs any.
  void WaitIfStarted() {
    if (started_) done_.WaitForNotification();
  }

 private:
  std::function<void()> work_;
  bool started_ = false;
  absl::Notification done_;
};

class Builder {
 public:
  Builder(fs::Fs& fs, const BuildOptions& options)
      : fs_(fs),
        options_(options),
        output_dir_(OutputDirOf(options)),
        build_time_(options.build_time.value_or(absl::Now())) {}
  ~Builder() {
    // The pool tasks write members: they must be done before they go.
    WaitForPoolTasks();
  }

  // Waits for the pool tasks and stops the pool's threads: all a builder
  // whose state is kept (BuildOptions::free_state) must do before its
  // caller goes on.
  void StopThreads() {
    WaitForPoolTasks();
    pool_.reset();
  }

  BuildResult Run() {
    const absl::Time start = absl::Now();
    std::unique_ptr<fs::BuildLock> lock;
    if (!CheckSiteDir()) {
      result_.total = absl::Now() - start;
      return std::move(result_);
    }
    Phase("lock", [&] {
      lock = AcquireLock();
      // Taking the lock wrote its file: its mtime is when this build
      // started, on the filesystem's clock, before the walk and any read.
      if (lock != nullptr) {
        absl::StatusOr<fs::FileInfo> info = fs_.Stat(LockPath());
        if (info.ok()) started_ = info->mtime;
      }
    });
    if (result_.ok()) SweepStaleTemps();
    const int jobs = options_.jobs > 0
                         ? options_.jobs
                         : static_cast<int>(std::max(
                               1u, std::thread::hardware_concurrency()));
    if (jobs > 1) pool_ = std::make_unique<concurrency::ThreadPool>(jobs - 1);
    bool unchanged = false;
    if (result_.ok() && !options_.clean) {
      Phase("check", [&] { unchanged = NothingChanged(); });
    }
    if (result_.ok() && !unchanged) Build();
    result_.total = absl::Now() - start;
    return std::move(result_);
  }

 private:
  void Build() {

    site::Diagnostics diagnostics;
    // The no-op check's walk, when it ran and found no error, is this
    // build's: its warnings come first, as the loader's own walk's would.
    diagnostics.warnings = std::move(walk_warnings_);
    StartReadingCache();
    Phase("load", [&] {
      loaded_ = LoadSite(fs_, options_.site_dir,
                         {.include_drafts = options_.include_drafts,
                          .pool = pool_.get(),
                          .discovered = walked_ ? &*walked_ : nullptr},
                         &diagnostics);
    });
    Append(diagnostics);
    // Pages with errors are left out of the model; the others go on
    // through every phase so that one run reports every error. Nothing is
    // published unless there are none.
    const site::Site& site = *loaded_.site;
    // The previous build's cache (read meanwhile): its fingerprints spare
    // the Markdown phase the pages whose Markdown is unchanged.
    Phase("cache", [&] { LoadPreviousCache(site); });

    Phase("markdown", [&] { RenderAllMarkdown(site); });
    ResolveTemplates(site);
    Phase("assets", [&] { ProcessAssets(); });
    const size_t plan_warnings_begin = result_.warnings.size();
    Phase("plan", [&] { Plan(site); });
    plan_warnings_ = {plan_warnings_begin, result_.warnings.size()};
    Phase("render", [&] { RenderAll(site); });
    Phase("postprocess", [&] { Postprocess(site); });
    FinishMarkdown();
    // Rendered Markdown and the template view are not needed past here;
    // the publish phase (every output, the cache) is the build's peak.
    env_.reset();  // its site functions hold the view
    view_.reset();
    std::vector<PageContent>().swap(contents_);
    CheckOutputConflicts();
    if (!result_.ok()) return;

    // Warnings about the inputs, which a fast-path build repeats: not the
    // plan's (about the cache) nor the publish's (about the output).
    for (size_t i = 0; i < result_.warnings.size(); ++i) {
      if (i < plan_warnings_.first || i >= plan_warnings_.second) {
        input_warnings_.push_back(result_.warnings[i]);
      }
    }
    Phase("publish", [&] {
      KeepOutputsKnownUnchanged();
      if (!RemoveSnapshot()) return;
      Publish();
      if (result_.ok()) WriteSnapshot();
    });
  }

  // --- the no-op fast path (cache/input_snapshot.h) ---------------------

  std::string SnapshotPath() const {
    return fs::JoinPath(options_.site_dir, cache::kInputSnapshotRelativePath);
  }

  // What, besides the inputs, shapes the output.
  std::string Identity() const {
    return absl::StrCat("serval ", base::kVersion, " ", options_.tool_identity,
                        " out=", options_.output_dir,
                        " drafts=", options_.include_drafts ? 1 : 0);
  }

  // True if the last committed build's snapshot matches every input and
  // output as they are now: then this build would render and write
  // nothing, and it stops here with the last build's counts and warnings.
  bool NothingChanged() {
    if (fs_.Stat(MarkerPath()).ok()) return false;
    // Its mtime is when it was written, on the filesystem's clock.
    absl::StatusOr<fs::FileInfo> written = fs_.Stat(SnapshotPath());
    if (!written.ok()) return false;
    absl::StatusOr<std::string> text = fs_.ReadFile(SnapshotPath());
    if (!text.ok()) return false;
    absl::StatusOr<cache::InputSnapshot> snap =
        cache::ParseInputSnapshot(*text);
    if (!snap.ok() || snap->identity != Identity()) return false;
    absl::StatusOr<fs::FileInfo> cache_info = fs_.Stat(CachePath());
    if (!cache_info.ok() || cache::StatRecordOf(*cache_info) != snap->cache) {
      return false;
    }
    // From here on the snapshot describes the committed build's outputs:
    // the incremental plan uses it to notice outputs changed behind its
    // back (Decide).
    committed_outputs_ = std::move(snap->outputs);
    if (options_.inputs_changed) return false;
    // Task 0 walks the inputs; the others stat a slice of the outputs each.
    // The output stats go on when an input changed: an output found as
    // the snapshot says is one Decide need not stat again.
    std::vector<const std::pair<const std::string, cache::StatRecord>*> outs;
    outs.reserve(committed_outputs_.size());
    for (const auto& entry : committed_outputs_) outs.push_back(&entry);
    std::vector<char> output_as_committed(outs.size(), 0);
    constexpr size_t kSlices = 16;
    std::atomic<bool> inputs_same{true};
    std::atomic<bool> outputs_same{true};
    concurrency::ForEachIndex(pool_.get(), kSlices + 1, [&](size_t task) {
      if (task == 0) {
        site::Diagnostics walk;
        SiteFiles files = DiscoverSiteFiles(fs_, options_.site_dir, &walk);
        bool ok = walk.errors.empty() && files.stats_complete &&
                  files.stats.size() == snap->inputs.size();
        for (auto it = files.stats.begin(); ok && it != files.stats.end();
             ++it) {
          auto recorded = snap->inputs.find(it->first);
          // A racy input could have changed again unseen, in the same
          // timestamp tick as the stat the snapshot recorded.
          ok = recorded != snap->inputs.end() &&
               recorded->second == cache::StatRecordOf(it->second) &&
               !cache::IsRacy(recorded->second, written->mtime);
        }
        if (!ok) inputs_same = false;
        // A build that goes on loads what this walk found (stats taken
        // before anything is read, as the snapshot needs).
        if (walk.errors.empty()) {
          walked_ = std::move(files);
          walk_warnings_ = std::move(walk.warnings);
        }
        return;
      }
      for (size_t i = task - 1; i < outs.size() && outputs_same;
           i += kSlices) {
        absl::StatusOr<fs::FileInfo> info =
            fs_.Stat(fs::JoinPath(output_dir_, outs[i]->first));
        if (!info.ok() || info->type != fs::FileType::kRegular ||
            cache::StatRecordOf(*info) != outs[i]->second) {
          outputs_same = false;
        } else {
          output_as_committed[i] = 1;
        }
      }
    });
    for (size_t i = 0; i < outs.size(); ++i) {
      if (output_as_committed[i]) outputs_as_committed_.insert(&outs[i]->second);
    }
    const bool same = inputs_same && outputs_same;
    if (!same) return false;
    result_.pages = snap->pages;
    result_.outputs = result_.unchanged = committed_outputs_.size();
    result_.warnings = std::move(snap->warnings);
    return true;
  }

  // An output whose new bytes hash to what the last build wrote, and whose
  // file still has the stat the last build's snapshot recorded, is kept
  // without reading it back (the writer would read it to compare).
  void KeepOutputsKnownUnchanged() {
    concurrency::ForEachIndex(pool_.get(), outputs_.size(), [&](size_t i) {
      Output& out = outputs_[i];
      if (out.kept) return;
      out.hash = cache::ContentHash(out.bytes);
      auto previous = previous_.outputs.find(out.path);
      auto committed = committed_outputs_.find(out.path);
      if (previous == previous_.outputs.end() ||
          committed == committed_outputs_.end() ||
          previous->second.hash != out.hash ||
          previous->second.producer != out.producer) {
        return;
      }
      absl::StatusOr<fs::FileInfo> info =
          fs_.Stat(fs::JoinPath(output_dir_, out.path));
      if (info.ok() && info->type == fs::FileType::kRegular &&
          cache::StatRecordOf(*info) == committed->second) {
        out.kept = true;
        out.stat_is_committed = true;
      }
    });
  }

  // Before anything is written: a build that fails or dies must not leave
  // the previous snapshot describing a state that no longer holds.
  bool RemoveSnapshot() {
    const absl::Status s = Retrying([&] { return fs_.Remove(SnapshotPath()); });
    if (s.ok() || absl::IsNotFound(s)) return true;
    result_.errors.push_back(absl::StrCat(SnapshotPath(), ": ", s.message()));
    return false;
  }

  // After the commit: records the stats the next build compares, when they
  // can be trusted (see the header's contract; racy inputs are judged by
  // the next build, against the snapshot's own mtime). Best effort: without
  // a snapshot the next build is a normal incremental one.
  void WriteSnapshot() {
    const SiteFiles& files = loaded_.files;
    if (!files.stats_complete ||
        fingerprints_.count(kBuildTimeKey) != 0 ||  // pages show the time
        !started_.has_value()) {  // no lock: no start time to judge by
      return;
    }
    cache::InputSnapshot snap;
    snap.identity = Identity();
    snap.pages = result_.pages;
    snap.warnings = input_warnings_;
    // Each input with the stat the walk took before the build read it (see
    // the header's contract: an input changed since then, while this build
    // read it or later, has another stat now, or is racy). An input racy
    // at the build's start means no snapshot: it could have changed again,
    // after it was read, in the tick of its mtime, however long this build
    // took (judged at the next build against the snapshot's own, later,
    // mtime, it would pass). The next build is a normal one, and writes a
    // snapshot if by then nothing is racy.
    for (const auto& [path, info] : files.stats) {
      const cache::StatRecord record = cache::StatRecordOf(info);
      if (cache::IsRacy(record, *started_)) return;
      snap.inputs.emplace_hint(snap.inputs.end(), path, record);
    }
    // The outputs' stats on the pool, into slots.
    std::vector<std::optional<cache::StatRecord>> records(outputs_.size());
    concurrency::ForEachIndex(pool_.get(), outputs_.size(), [&](size_t i) {
      const Output& out = outputs_[i];
      if (out.stat_is_committed) {
        records[i] = committed_outputs_.at(out.path);
        return;
      }
      absl::StatusOr<fs::FileInfo> info =
          fs_.Stat(fs::JoinPath(output_dir_, out.path));
      if (info.ok() && info->type == fs::FileType::kRegular) {
        records[i] = cache::StatRecordOf(*info);
      }
    });
    for (size_t i = 0; i < outputs_.size(); ++i) {
      if (!records[i].has_value()) return;
      snap.outputs[outputs_[i].path] = *records[i];
    }
    absl::StatusOr<fs::FileInfo> cache_info = fs_.Stat(CachePath());
    if (!cache_info.ok()) return;
    snap.cache = cache::StatRecordOf(*cache_info);
    absl::StatusOr<std::string> text = cache::SerializeInputSnapshot(snap);
    if (!text.ok()) return;
    fs::AtomicWriter writer(&fs_, {.durability = options_.durability,
                                   .root = StateDir()});
    (void)writer.Write(SnapshotPath(), *text);
  }

  template <typename Fn>
  void Phase(absl::string_view name, Fn fn) {
    const absl::Time start = absl::Now();
    if (options_.progress) options_.progress(name, 0, 0);
    fn();
    result_.phases.push_back({std::string(name), absl::Now() - start});
  }

  void Append(const site::Diagnostics& d) {
    result_.errors.insert(result_.errors.end(), d.errors.begin(),
                          d.errors.end());
    result_.warnings.insert(result_.warnings.end(), d.warnings.begin(),
                            d.warnings.end());
  }

  // fn() again while it fails with a transient error (EINTR), like the
  // writer; returns its last status.
  template <typename Fn>
  static absl::Status Retrying(Fn fn) {
    fs::RetryPolicy policy;
    fs::Retrier retrier(policy);
    absl::Status s;
    do {
      s = fn();
    } while (retrier.ShouldRetry(s));
    return s;
  }

  absl::Status CreateDirsRetrying(const std::string& dir) {
    return Retrying([&] { return fs::CreateDirs(fs_, dir); });
  }

  // Removes the temp files of builds that died (kill -9, power loss) in
  // .serval/ and, when the last build did not commit (its marker is
  // there), in the output directory: a temp is only ever left behind by a
  // build that never removed its marker. Holding the build lock, a temp
  // with our own pid is a dead build's too (every build of this site in
  // this process takes the lock); without the lock, only other pids' dead
  // temps are removed. Best effort: a failure is a warning.
  void SweepStaleTemps() {
    const int64_t self = static_cast<int64_t>(::getpid());
    const bool locked = options_.use_lock;
    fs::SweepOptions sweep;
    sweep.is_alive = [self, locked](int64_t pid) {
      return pid == self ? !locked : fs::ProcessIsAlive(pid);
    };
    std::vector<std::string> dirs = {StateDir()};
    if (fs_.Stat(MarkerPath()).ok()) dirs.push_back(output_dir_);
    for (const std::string& dir : dirs) {
      absl::StatusOr<fs::SweepResult> swept =
          fs::SweepTempFiles(fs_, dir, sweep);
      if (!swept.ok() && !absl::IsNotFound(swept.status())) {
        result_.warnings.push_back(absl::StrCat(
            dir, ": stale temp files not removed: ", swept.status().message()));
      }
    }
  }

  // A build never creates its site: the directory must exist and hold a
  // serval.toml or a content/ directory (a typo'd path, or the home
  // directory, must not get a public/ and a .serval/).
  bool CheckSiteDir() {
    absl::StatusOr<fs::FileInfo> info = fs_.Stat(options_.site_dir);
    if (!info.ok() || (info->type != fs::FileType::kDirectory &&
                       info->type != fs::FileType::kSymlink)) {
      result_.errors.push_back(absl::StrCat(
          options_.site_dir, ": not a site directory (",
          info.ok() ? "not a directory" : info.status().message(), ")"));
      return false;
    }
    absl::StatusOr<fs::FileInfo> config =
        fs_.Stat(fs::JoinPath(options_.site_dir, "serval.toml"));
    absl::StatusOr<fs::FileInfo> content =
        fs_.Stat(fs::JoinPath(options_.site_dir, "content"));
    if (!config.ok() && !content.ok()) {
      result_.errors.push_back(absl::StrCat(
          options_.site_dir,
          ": not a Serval site (no serval.toml and no content/; "
          "`serval new site DIR` creates one)"));
      return false;
    }
    return true;
  }

  std::unique_ptr<fs::BuildLock> AcquireLock() {
    const std::string state_dir = fs::JoinPath(options_.site_dir, ".serval");
    if (absl::Status s = CreateDirsRetrying(state_dir); !s.ok()) {
      result_.errors.push_back(absl::StrCat(state_dir, ": ", s.message()));
      return nullptr;
    }
    if (!options_.use_lock) return nullptr;
    absl::StatusOr<std::unique_ptr<fs::BuildLock>> lock = fs::BuildLock::Acquire(
        fs_, LockPath(),
        {.build_id = base::BuildId(),
         .timeout = options_.lock_timeout,
         .on_wait = options_.on_lock_wait});
    if (!lock.ok()) {
      result_.errors.push_back(std::string(lock.status().message()));
      return nullptr;
    }
    return std::move(lock).value();
  }

  // --- markdown -------------------------------------------------------

  // Renders the Markdown of every page the build cannot do without: all
  // of them, except (incremental builds) pages whose rendered Markdown the
  // last build fingerprinted and whose source and included files are the
  // same bytes (ReusableMarkdown). Those are rendered only if a template
  // or an output asks for their content (Content), at most once.
  void RenderAllMarkdown(const site::Site& site) {
    const size_t n = site.pages.size();
    contents_.resize(n);
    markdown_.clear();
    markdown_.resize(n);
    markdown_once_ = std::make_unique<absl::once_flag[]>(n);
    for (size_t i = 0; i < n; ++i) {
      markdown_[i].deferred = ReusableMarkdown(*site.pages[i]);
    }
    concurrency::ForEachIndex(pool_.get(), n, [&](size_t i) {
      if (!markdown_[i].deferred) Content(i);
    });
    if (options_.markdown_cache != nullptr) options_.markdown_cache->EndBuild();
    for (size_t i = 0; i < n; ++i) {
      if (!markdown_[i].deferred) AppendMarkdownDiagnostics(i);
    }
  }

  // True if page's Markdown need not be rendered for its fingerprint: the
  // last build's cache is trusted, recorded that fingerprint with the
  // files the Markdown read and no diagnostic, and the page's source and
  // those files hash as they did. (Markdown is a function of the page's
  // body and the files its includes read; the configuration and Serval's
  // version are the cache's identity.)
  bool ReusableMarkdown(const site::Page& page) const {
    if (!previous_trusted_ || page.source_path.empty() || !result_.ok()) {
      return false;
    }
    auto record = previous_.pages.find(PageKey(page));
    if (record == previous_.pages.end() ||
        !record->second.markdown_reads.has_value()) {
      return false;
    }
    auto same = [&](const std::string& path) {
      auto now = sources_.find(path);
      auto then = previous_.sources.find(path);
      return now != sources_.end() && then != previous_.sources.end() &&
             now->second == then->second;
    };
    if (!same(page.source_path)) return false;
    for (const std::string& path : *record->second.markdown_reads) {
      if (!same(path)) return false;
    }
    return true;
  }

  // The rendered Markdown of site.pages[i], rendered on first use
  // (thread-safe; every caller gets the same content).
  const PageContent& Content(size_t i) {
    absl::call_once(markdown_once_[i], [this, i] { RenderPageMarkdown(i); });
    return contents_[i];
  }

  void AppendMarkdownDiagnostics(size_t i) {
    MarkdownState& state = markdown_[i];
    result_.errors.insert(result_.errors.end(), state.errors.begin(),
                          state.errors.end());
    result_.warnings.insert(result_.warnings.end(), state.warnings.begin(),
                            state.warnings.end());
  }

  // After the last use of content: the diagnostics of deferred pages that
  // were rendered after all (none, unless an input changed during the
  // build), in page order.
  // Also records, for the next build, what each rendered page's Markdown
  // read (Plan copied it for the others).
  void FinishMarkdown() {
    const site::Site& site = *loaded_.site;
    for (size_t i = 0; i < markdown_.size(); ++i) {
      if (!markdown_[i].rendered) continue;
      if (markdown_[i].deferred) AppendMarkdownDiagnostics(i);
      auto record = current_pages_.find(PageKey(*site.pages[i]));
      if (record != current_pages_.end()) {
        record->second.markdown_reads = markdown_[i].reads;
      }
    }
    result_.markdown_rendered = rendered_markdown_.load();
  }

  void RenderPageMarkdown(size_t i) {
    const site::Page& page = *loaded_.site->pages[i];
    if (page.source_path.empty()) return;
    MarkdownState& state = markdown_[i];
    state.rendered = true;
    rendered_markdown_.fetch_add(1, std::memory_order_relaxed);
    const std::string content_root = fs::JoinPath(options_.site_dir, "content");
    markdown::MarkdownOptions md;
    md.source_path = std::string(absl::StripPrefix(page.source_path, "content/"));
    auto read = [&](absl::string_view path) {
      return fs_.ReadFile(fs::JoinPath(content_root, path));
    };
    // serve's in-memory cache: same path and body, and every included
    // file still the same bytes.
    std::shared_ptr<const CachedMarkdown> rendered;
    MarkdownCache::Key key;
    if (options_.markdown_cache != nullptr) {
      key = MarkdownCache::KeyOf(page.source_path, page.body);
      rendered = options_.markdown_cache->Find(
          key, [&](const CachedMarkdown& cached) {
            for (const auto& [path, fingerprint] : cached.includes) {
              absl::StatusOr<std::string> text = read(path);
              if (!text.ok() || base::Fingerprint64(*text) != fingerprint) {
                return false;
              }
            }
            return true;
          });
    }
    std::shared_ptr<CachedMarkdown> fresh;
    if (rendered == nullptr) {
      fresh = std::make_shared<CachedMarkdown>();
      md.read_file = [&](absl::string_view path) {
        absl::StatusOr<std::string> text = read(path);
        if (text.ok()) {
          fresh->includes.emplace_back(std::string(path),
                                       base::Fingerprint64(*text));
        }
        return text;
      };
      absl::StatusOr<markdown::RenderedMarkdown> out =
          markdown::RenderMarkdown(page.body, md);
      if (!out.ok()) {
        state.errors.push_back(
            absl::StrCat(page.source_path, ": ", out.status().message()));
        return;
      }
      PageContent& c = fresh->content;
      c.plain_text = HtmlToText(out->html);
      c.html = std::move(out->html);
      c.summary_html = std::move(out->summary_html);
      c.toc_html = std::move(out->toc_html);
      c.toc = std::move(out->toc);
      c.word_count = out->word_count;
      c.reading_minutes = out->reading_minutes;
      fresh->diagnostics = std::move(out->diagnostics);
      if (options_.markdown_cache != nullptr) {
        options_.markdown_cache->Put(key, fresh);
      }
      rendered = fresh;
    }
    for (const markdown::Diagnostic& d : rendered->diagnostics) {
      // Lines count from the body; make them file lines.
      std::string file = d.file == md.source_path
                             ? page.source_path
                             : absl::StrCat("content/", d.file);
      const int line = d.file == md.source_path
                           ? d.line + page.body_start.line - 1
                           : d.line;
      std::string text =
          absl::StrCat(file, ":", line, ":", d.column, ": ", d.message);
      (d.severity == markdown::Diagnostic::Severity::kError ? state.errors
                                                             : state.warnings)
          .push_back(std::move(text));
    }
    if (rendered->diagnostics.empty()) {
      state.reads.emplace();
      for (const auto& include : rendered->includes) {
        state.reads->insert(absl::StrCat("content/", include.first));
      }
    }
    // A fresh render nobody else holds is moved, not copied.
    if (fresh != nullptr && options_.markdown_cache == nullptr) {
      contents_[i] = std::move(fresh->content);
    } else {
      contents_[i] = rendered->content;
    }
  }

  // --- templates ------------------------------------------------------

  void ResolveTemplates(const site::Site& site) {
    for (const std::string& path : loaded_.files.templates) {
      absl::string_view name = path;
      if (absl::ConsumePrefix(&name, kTemplatesPrefix)) {
        templates_.site.insert(std::string(name));
      }
    }
    for (const base::EmbeddedFile& file : theme::DefaultThemeFiles()) {
      absl::string_view name = file.path;
      if (absl::ConsumePrefix(&name, kTemplatesPrefix)) {
        templates_.theme.insert(std::string(name));
      }
    }
    for (const auto& owned : site.pages) {
      const site::Page& page = *owned;
      const std::vector<std::string> candidates = TemplateCandidates(page);
      bool from_theme = false;
      std::string name = templates_.Resolve(candidates, &from_theme);
      if (name.empty()) {
        result_.errors.push_back(
            absl::StrCat(Origin(page), ": no template for this ",
                         site::PageKindName(page.kind), " (tried ",
                         absl::StrJoin(candidates, ", "), ")"));
        continue;
      }
      theme_used_ |= from_theme;
      RenderJob job;
      job.page = &page;
      job.key = PageKey(page);
      job.template_deps = TemplateDeps(candidates, name, from_theme);
      job.template_name = std::move(name);
      job.output_path = page.output_path;
      if (page.is_list() && site.config.paginate > 0) {
        const size_t listed = ListedCount(site, page);
        job.pager_number = 1;
        job.pager_total = static_cast<int>(std::max<size_t>(
            1, (listed + site.config.paginate - 1) / site.config.paginate));
      }
      jobs_.push_back(std::move(job));
    }
    for (const site::Alias& alias : site.aliases) {
      bool from_theme = false;
      std::string name = templates_.Resolve({"alias.html"}, &from_theme);
      if (name.empty()) continue;
      RenderJob job;
      job.alias = &alias;
      job.page = alias.target;
      job.key = alias.url;
      job.template_deps = TemplateDeps({"alias.html"}, name, from_theme);
      job.template_name = std::move(name);
      job.output_path = alias.output_path;
      jobs_.push_back(std::move(job));
    }
    // 404 and search pages: the site's own, else the theme's when the site
    // uses the theme (a site with its own templates gets no theme pages
    // mixed in).
    const bool offer_theme_pages = templates_.site.empty() || theme_used_;
    AddSpecialPage(site, "404.html", "/404.html", "Page not found", "404",
                   offer_theme_pages);
    AddSpecialPage(site, "search.html", "/search/", "Search", "search",
                   offer_theme_pages);
  }

  size_t ListedCount(const site::Site& site, const site::Page& page) const {
    return page.kind == site::PageKind::kHome ? site.regular_pages.size()
                                              : page.pages.size();
  }

  void AddSpecialPage(const site::Site& site, const std::string& template_name,
                      const std::string& url, const std::string& title,
                      const std::string& kind, bool allow_theme) {
    if (site.FindByUrl(url) != nullptr) return;
    const bool in_site = templates_.site.contains(template_name);
    if (!in_site && !(allow_theme && templates_.theme.contains(template_name))) {
      return;
    }
    auto page = std::make_unique<site::Page>();
    page->kind = site::PageKind::kPage;
    page->title = title;
    page->url = url;
    page->output_path = site::OutputPathForUrl(url);
    special_kinds_.emplace_back(page.get(), kind);
    RenderJob job;
    job.page = page.get();
    job.key = url;
    job.template_deps =
        TemplateDeps({template_name}, template_name, !in_site);
    job.template_name = template_name;
    job.output_path = page->output_path;
    jobs_.push_back(std::move(job));
    special_pages_.push_back(std::move(page));
  }

  // --- assets ---------------------------------------------------------

  void ProcessAssets() {
    // Logical path -> bytes; the site's static/ wins over the theme's.
    std::map<std::string, std::string> statics;
    if (theme_used_ || templates_.site.empty()) {
      for (const base::EmbeddedFile& file : theme::DefaultThemeFiles()) {
        absl::string_view path = file.path;
        if (absl::ConsumePrefix(&path, kStaticPrefix)) {
          statics[std::string(path)] = std::string(file.contents);
        }
      }
      statics["css/highlight.css"] = absl::StrCat(
          highlight::ThemeStylesheet(highlight::Theme::kLight),
          "@media (prefers-color-scheme: dark) {\n",
          highlight::ThemeStylesheet(highlight::Theme::kDark,
                                     ":root:not([data-theme=light]) .highlight"),
          "}\n",
          highlight::ThemeStylesheet(highlight::Theme::kDark,
                                     "[data-theme=dark] .highlight"));
    }
    const std::vector<std::string>& files = loaded_.files.statics;
    std::vector<absl::StatusOr<std::string>> bytes(
        files.size(), absl::UnknownError("not read"));
    concurrency::ForEachIndex(pool_.get(), files.size(), [&](size_t i) {
      bytes[i] = fs_.ReadFile(fs::JoinPath(options_.site_dir, files[i]));
    });
    for (size_t i = 0; i < files.size(); ++i) {
      if (!bytes[i].ok()) {
        result_.errors.push_back(
            absl::StrCat(files[i], ": ", bytes[i].status().message()));
        continue;
      }
      absl::string_view logical = files[i];
      absl::ConsumePrefix(&logical, kStaticPrefix);
      statics[std::string(logical)] = std::move(bytes[i]).value();
    }
    for (const auto& [logical, data] : statics) {
      for (assets::AssetOutput& out :
           assets::ProcessStaticFile(logical, data, {}, &manifest_)) {
        outputs_.push_back({std::move(out.path), std::move(out.bytes),
                            absl::StrCat("static/", logical),
                            absl::StrCat("static/", logical)});
      }
    }
  }

  // --- plan -----------------------------------------------------------

  std::string StateDir() const {
    return fs::JoinPath(options_.site_dir, ".serval");
  }
  std::string CachePath() const {
    return fs::JoinPath(options_.site_dir, cache::kCacheRelativePath);
  }
  std::string LockPath() const { return fs::JoinPath(StateDir(), "lock"); }
  std::string MarkerPath() const {
    return fs::JoinPath(StateDir(), "building");
  }

  // Hashes every input file (sources_) and the configuration.
  void HashSources() {
    std::vector<std::string> paths;
    const SiteFiles& f = loaded_.files;
    for (const auto* list :
         {&f.content, &f.resources, &f.data, &f.templates, &f.statics}) {
      paths.insert(paths.end(), list->begin(), list->end());
    }
    if (f.has_config) paths.push_back("serval.toml");
    std::vector<std::optional<cache::SourceRecord>> records(paths.size());
    concurrency::ForEachIndex(pool_.get(), paths.size(), [&](size_t i) {
      // Read once: what the loader read, it digested.
      if (auto d = loaded_.digests.find(paths[i]); d != loaded_.digests.end()) {
        records[i] = d->second;
        return;
      }
      absl::StatusOr<std::string> bytes =
          fs_.ReadFile(fs::JoinPath(options_.site_dir, paths[i]));
      if (bytes.ok()) {
        records[i] = cache::SourceRecord{cache::ContentHash(*bytes),
                                         bytes->size()};
      }
    });
    for (size_t i = 0; i < paths.size(); ++i) {
      // An unreadable file has no record: it reads as changed next time.
      if (records[i] && cache::IsValidRelativePath(paths[i])) {
        // Mostly in path order: the hint makes that constant time.
        sources_.insert_or_assign(sources_.end(), paths[i], *records[i]);
      }
    }
    // The configuration and where the outputs go: another of either voids
    // the dependency graph (every page depends on the configuration).
    auto config = sources_.find("serval.toml");
    identity_.config_hash = cache::ContentHash(absl::StrCat(
        config == sources_.end() ? "-" : config->second.hash, "\n",
        options_.output_dir.empty() ? "public" : options_.output_dir));
  }

  // The previous build's cache is read, parsed and checksummed on a pool
  // worker while the site loads; Plan judges its identity (site, config)
  // once the config is known. With --jobs 1 it is read in Plan.
  void StartReadingCache() {
    cache_read_task_.Start(pool_.get(), [this] {
      cache_read_ = cache::ReadCacheUnverified(fs_, CachePath(),
                                               identity_tool_version_);
    });
  }
  void WaitForPoolTasks() {
    cache_read_task_.WaitIfStarted();
    cache_text_task_.WaitIfStarted();
  }
  cache::UnverifiedCache TakeCacheRead() {
    cache_read_task_.Finish();
    return std::move(cache_read_);
  }

  // Loads the previous build's cache and decides, for each render job,
  // whether it renders (and why) or keeps its previous output.
  // Hashes the inputs and takes the previous build's cache, verified
  // against this site and configuration (Plan judges it).
  void LoadPreviousCache(const site::Site& site) {
    marker_found_ = fs_.Stat(MarkerPath()).ok();
    HashSources();
    // Not an absolute path: a .serval/ restored into another checkout (CI)
    // still matches.
    identity_.site_id = cache::ContentHash(
        absl::StrCat("serval-site\n", site.config.baseurl));
    cache::UnverifiedCache read = TakeCacheRead();
    std::string text = std::move(read.text);
    cache::LoadedCache loaded =
        cache::VerifyCacheIdentity(std::move(read), identity_);
    cache_reason_ = loaded.reason;
    cache_message_ = loaded.Message();
    if (loaded.ok() || cache_reason_ == cache::RejectReason::kConfigChanged) {
      previous_ = std::move(loaded.cache);
      previous_text_ = std::move(text);
      have_manifest_ = true;
    }
    // Fingerprints of the previous build apply to this one.
    previous_trusted_ = loaded.ok() && !options_.clean;
  }

  void Plan(const site::Site& site) {
    site_keys_ = std::make_unique<SiteKeys>(site, manifest_, build_time_);
    std::vector<cache::PageRecord*> records(site.pages.size());
    for (size_t i = 0; i < site.pages.size(); ++i) {
      const site::Page& page = *site.pages[i];
      records[i] = &current_pages_[PageKey(page)];
    }
    concurrency::ForEachIndex(pool_.get(), site.pages.size(), [&](size_t i) {
      const site::Page& page = *site.pages[i];
      cache::PageRecord& record = *records[i];
      record.meta_hash = PageMetaHash(page);
      if (markdown_[i].deferred) {  // the same Markdown as last time
        const cache::PageRecord& then = previous_.pages.at(PageKey(page));
        record.content_hash = then.content_hash;
        record.markdown_reads = then.markdown_reads;
      } else {
        record.content_hash = PageContentHash(contents_[i]);
      }
    });
    for (const auto& special : special_pages_) {  // 404, search
      cache::PageRecord& record = current_pages_[PageKey(*special)];
      record.meta_hash = PageMetaHash(*special);
      record.content_hash = PageContentHash(PageContent());
    }

    const bool config_changed =
        cache_reason_ == cache::RejectReason::kConfigChanged;
    if (cache_reason_ != cache::RejectReason::kNone && !config_changed &&
        cache_reason_ != cache::RejectReason::kMissing) {
      result_.warnings.push_back(cache_message_);
    }
    std::string full;
    if (!result_.ok()) {
      full = "full build (errors)";
    } else if (options_.clean) {
      full = "full build (--clean)";
    } else if (config_changed) {
      full = "config changed";
    } else if (cache_reason_ == cache::RejectReason::kMissing) {
      full = "full build (no cache)";
    } else if (cache_reason_ != cache::RejectReason::kNone) {
      full = "full build (cache discarded)";
    }
    if (!full.empty()) {
      for (RenderJob& job : jobs_) job.cause = absl::StrCat(job.key, ": ", full);
      return;
    }

    std::vector<cache::Dependency> changes;
    cache::DiffSources(previous_.sources, sources_, &changes);
    cache::DiffPages(previous_.pages, current_pages_, &changes);
    std::map<std::string, std::string> keys_now;
    for (const auto& [key, fingerprint] : previous_.site_keys) {
      keys_now[key] = SiteKeyFingerprint(key);
    }
    cache::DiffSiteKeys(previous_.site_keys, keys_now, &changes);
    for (cache::Rerender& r :
         cache::PagesToRerender(previous_.pages, changes)) {
      rerender_[r.page_key] = r.Explain();
    }
    concurrency::ForEachIndex(pool_.get(), jobs_.size(), [&](size_t i) { Decide(&jobs_[i]); });
  }

  // Incremental only: sets job->render and job->cause.
  void Decide(RenderJob* job) const {
    auto why = [job](absl::string_view reason) {
      job->render = true;
      job->cause = absl::StrCat(job->key, ": ", reason);
    };
    if (!previous_.pages.count(job->key)) return why("new");
    if (auto it = rerender_.find(job->key); it != rerender_.end()) {
      job->render = true;
      job->cause = it->second;
      return;
    }
    auto out = previous_.outputs.find(job->output_path);
    if (out == previous_.outputs.end() || out->second.producer != job->key) {
      return why("output not in the previous build");
    }
    const std::string path = fs::JoinPath(output_dir_, job->output_path);
    if (marker_found_) {
      // The last build did not commit: trust no kept output unverified.
      absl::StatusOr<std::string> bytes = fs_.ReadFile(path);
      if (!bytes.ok() || cache::ContentHash(*bytes) != out->second.hash) {
        return why("output not as the last committed build wrote it");
      }
    } else {
      // Seen by the no-op check as the last build left it: not stat'ed
      // again.
      auto committed = committed_outputs_.find(job->output_path);
      if (committed != committed_outputs_.end() &&
          outputs_as_committed_.contains(&committed->second)) {
        job->stat_is_committed = true;
        job->render = false;
        return;
      }
      absl::StatusOr<fs::FileInfo> info = fs_.Stat(path);
      if (!info.ok() || info->type != fs::FileType::kRegular) {
        return why("output missing");
      }
      // Rewritten by someone else since the last build wrote it.
      if (committed != committed_outputs_.end()) {
        if (committed->second != cache::StatRecordOf(*info)) {
          return why("output changed since the last build wrote it");
        }
        job->stat_is_committed = true;
      }
    }
    job->render = false;
  }

  // The fingerprint of site key `key` now (memoized; not thread-safe).
  const std::string& SiteKeyFingerprint(const std::string& key) {
    auto [it, inserted] = fingerprints_.try_emplace(key);
    if (inserted) it->second = site_keys_->Fingerprint(key);
    return it->second;
  }

  // The cache describing this build's outputs.
  cache::BuildCache NextCache() {
    cache::BuildCache next;
    next.site_id = identity_.site_id;
    next.config_hash = identity_.config_hash;
    next.sources = std::move(sources_);
    // The kept jobs' dependencies move over (not copied: tens of thousands
    // of sets); previous_.pages is not read past here (a restore of the
    // previous cache writes previous_text_).
    for (const RenderJob& job : jobs_) {
      if (!job.render) {
        tracker_.CarryOver(job.key, std::move(previous_.pages.at(job.key).deps));
      }
    }
    for (auto& [key, deps] : tracker_.Take()) {
      cache::PageRecord record;
      auto current = current_pages_.find(key);
      if (current != current_pages_.end()) {
        record.content_hash = current->second.content_hash;
        record.meta_hash = current->second.meta_hash;
        record.markdown_reads = current->second.markdown_reads;
      } else {  // a pagination page, alias, 404 or search page
        record.content_hash = record.meta_hash = "0";
      }
      for (const cache::Dependency& d : deps) {
        if (d.kind == cache::DepKind::kSiteKey) {
          next.site_keys[d.key] = SiteKeyFingerprint(d.key);
        }
      }
      record.deps = std::move(deps);
      next.pages.emplace(key, std::move(record));
    }
    for (const Output& out : outputs_) {
      if (out.kept) {
        next.outputs[out.path] = previous_.outputs.at(out.path);
      } else {
        next.outputs[out.path] = {
            out.hash.empty() ? cache::ContentHash(out.bytes) : out.hash,
            out.producer};
      }
    }
    return next;
  }

  // --- render ---------------------------------------------------------

  void RenderAll(const site::Site& site) {
    view_ = std::make_unique<SiteView>(
        site, [this](size_t i) -> const PageContent& { return Content(i); },
        manifest_, build_time_);
    for (const auto& [page, kind] : special_kinds_) {
      view_->AddExtraPage(page, kind);
    }
    view_->SetDataFiles(loaded_.files.data);
    std::vector<std::unique_ptr<tmpl::Loader>> loaders;
    loaders.push_back(std::make_unique<FsTemplateLoader>(
        fs_, fs::JoinPath(options_.site_dir, "templates")));
    loaders.push_back(DefaultThemeLoader());
    tmpl::EnvironmentOptions env_options;
    // Every template a render looks up (extends, include, import, found or
    // not) is a dependency of that render: its edit, or its creation in
    // the site's templates/, changes the output.
    env_options.on_template_lookup = [](absl::string_view name) {
      cache::RenderRecorder* recorder = RecordingScope::Current();
      if (recorder == nullptr) return;
      std::string path = absl::StrCat(kTemplatesPrefix, name);
      if (cache::IsValidRelativePath(path)) recorder->AddTemplate(path);
    };
    env_ = std::make_unique<tmpl::Environment>(
        std::make_unique<tmpl::ChainLoader>(std::move(loaders)),
        std::move(env_options));
    RegisterSiteFunctions(*view_, env_.get());

    RenderJobs(0, jobs_.size());
    // Pagination pages of lists whose template used the pager. A list kept
    // from the previous build keeps the pagination pages it had then (its
    // pager use and page count are unchanged, or it would re-render); each
    // of them is then decided on its own dependencies.
    const size_t first_pass = jobs_.size();
    std::vector<RenderJob> pagination;  // (appending to jobs_ would move job)
    for (size_t i = 0; i < first_pass; ++i) {
      const RenderJob& job = jobs_[i];
      if (job.pager_total < 2) continue;
      if (job.render &&
          (job.pager == nullptr || !job.pager->used() || !job.error.empty())) {
        continue;
      }
      for (int n = 2; n <= job.pager_total; ++n) {
        RenderJob more;
        more.page = job.page;
        more.key = site::PagerUrl(job.page->url, n);
        more.template_name = job.template_name;
        more.template_deps = job.template_deps;
        more.output_path = site::OutputPathForUrl(more.key);
        more.pager_number = n;
        more.pager_total = job.pager_total;
        if (job.render) {
          more.cause = absl::StrCat(more.key, ": its list ", job.key,
                                    " was re-rendered");
        } else if (!previous_.pages.count(more.key)) {
          continue;  // the kept list had no such page
        } else {
          Decide(&more);
        }
        pagination.push_back(std::move(more));
      }
    }
    for (RenderJob& job : pagination) jobs_.push_back(std::move(job));
    RenderJobs(first_pass, jobs_.size());
    for (RenderJob& job : jobs_) {
      if (!job.error.empty()) {
        result_.errors.push_back(std::move(job.error));
        continue;
      }
      if (job.alias == nullptr) ++result_.pages;
      Output out;
      out.path = job.output_path;
      out.origin =
          job.alias != nullptr ? job.alias->declared_in : Origin(*job.page);
      out.producer = job.key;
      if (job.render) {
        ++result_.rendered;
        result_.explain.push_back(job.cause);
        out.bytes = std::move(job.html);
      } else {
        out.kept = true;
        out.stat_is_committed = job.stat_is_committed;
      }
      outputs_.push_back(std::move(out));
    }
    std::sort(result_.explain.begin(), result_.explain.end());
  }

  void RenderJobs(size_t begin, size_t end) {
    const site::SiteConfig& config = loaded_.site->config;
    const size_t total = end - begin;
    const size_t step = std::max<size_t>(1, total / 100);
    std::atomic<size_t> done{0};
    concurrency::ForEachIndex(pool_.get(), total, [&](size_t k) {
      if (options_.progress) {
        const size_t n = done.fetch_add(1, std::memory_order_relaxed) + 1;
        if (n % step == 0 || n == total) options_.progress("render", n, total);
      }
      RenderJob& job = jobs_[begin + k];
      if (!job.render) return;
      // What this render reads, recorded on this thread only.
      cache::RenderRecorder recorder = tracker_.StartRender(job.key);
      RecordingScope recording(&recorder);
      if (!job.page->source_path.empty()) {
        recorder.AddSource(job.page->source_path);
      }
      if (job.alias != nullptr) recorder.AddSource(job.alias->declared_in);
      for (const std::string& t : job.template_deps) recorder.AddTemplate(t);
      if (job.pager_number > 0) {
        // The pager's page count and slice come from the list.
        recorder.AddSiteKey(job.page->kind == site::PageKind::kHome
                                ? std::string(cache::kAllPagesKey)
                                : ListKey(*job.page));
      }
      tmpl::Value context;
      if (job.alias != nullptr) {
        tmpl::Value target = view_->PageValue(job.alias->target);
        context = tmpl::Value::Dict({{"page", target},
                                     {"target", target},
                                     {"site", view_->site_value()},
                                     {"config", view_->config_value()}});
      } else if (job.pager_number > 0) {
        const std::vector<const site::Page*> listed =
            view_->ListedPages(*job.page);
        const size_t per = static_cast<size_t>(config.paginate);
        const size_t from = std::min(listed.size(), (job.pager_number - 1) * per);
        const size_t to = std::min(listed.size(), from + per);
        job.pager = std::make_shared<Pager>(
            job.pager_number, job.pager_total,
            view_->PageValues(std::vector<const site::Page*>(
                listed.begin() + from, listed.begin() + to)),
            job.page->url);
        tmpl::Value pager = tmpl::Value::FromObject(job.pager);
        context = view_->PageContext(job.page, &pager);
      } else {
        context = view_->PageContext(job.page, nullptr);
      }
      absl::StatusOr<std::string> html = env_->Render(job.template_name, context);
      if (!html.ok()) {
        const std::string origin = job.alias != nullptr
                                       ? job.alias->declared_in
                                       : Origin(*job.page);
        job.error = absl::StrCat(origin, ": rendering ", job.output_path,
                                 " with ", job.template_name, ": ",
                                 html.status().message());
        return;
      }
      job.html = std::move(html).value();
      tracker_.Finish(std::move(recorder));
    });
  }

  // --- postprocess ----------------------------------------------------

  void Postprocess(const site::Site& site) {
    absl::flat_hash_map<const site::Page*, size_t> index;
    index.reserve(site.pages.size());
    for (size_t i = 0; i < site.pages.size(); ++i) index[site.pages[i].get()] = i;
    postprocess::PageContents rendered(
        [this, &index](const site::Page* page) -> postprocess::RenderedContentView {
          auto it = index.find(page);
          if (it == index.end()) return {};
          const PageContent& c = Content(it->second);
          return {c.html, c.summary_html, c.plain_text};
        });
    postprocess::OutputOptions options;
    // Pages whose meta and content fingerprints are the last build's, found
    // once (feeds and the search index ask about a page many times).
    absl::flat_hash_set<const site::Page*> unchanged;
    if (previous_trusted_ && !marker_found_) {
      options.previous_output = [this](absl::string_view path) {
        return PreviousOutput(path);
      };
      for (const auto& page : site.pages) {
        const std::string& key = PageKey(*page);
        auto then = previous_.pages.find(key);
        auto now = current_pages_.find(key);
        if (then != previous_.pages.end() && now != current_pages_.end() &&
            then->second.meta_hash == now->second.meta_hash &&
            then->second.content_hash == now->second.content_hash) {
          unchanged.insert(page.get());
        }
      }
      options.unchanged = [&unchanged](const site::Page* page) {
        return unchanged.contains(page);
      };
    }
    for (postprocess::Output& out :
         postprocess::PostprocessOutputs(site, rendered, options, pool_.get())) {
      std::string producer = absl::StrCat("/", out.path);
      outputs_.push_back({std::move(out.path), std::move(out.bytes),
                          "postprocess", std::move(producer)});
    }
  }

  // The bytes of postprocess output `path` as the last committed build
  // wrote them, if the file still holds exactly those: its stat is the one
  // that build's snapshot recorded (before and after the read), or its
  // bytes hash as the cache says. Thread-safe (reads only).
  std::optional<std::string> PreviousOutput(absl::string_view path_in_output) const {
    const std::string key(path_in_output);
    auto recorded = previous_.outputs.find(key);
    if (recorded == previous_.outputs.end() ||
        recorded->second.producer != absl::StrCat("/", key)) {
      return std::nullopt;
    }
    const std::string path = fs::JoinPath(output_dir_, key);
    auto committed = committed_outputs_.find(key);
    auto stat_is_committed = [&] {
      if (committed == committed_outputs_.end()) return false;
      absl::StatusOr<fs::FileInfo> info = fs_.Stat(path);
      return info.ok() && info->type == fs::FileType::kRegular &&
             cache::StatRecordOf(*info) == committed->second;
    };
    const bool before = stat_is_committed();
    absl::StatusOr<std::string> bytes = fs_.ReadFile(path);
    if (!bytes.ok()) return std::nullopt;
    if (!(before && stat_is_committed()) &&
        cache::ContentHash(*bytes) != recorded->second.hash) {
      return std::nullopt;
    }
    return std::move(bytes).value();
  }

  void CheckOutputConflicts() {
    // By path, outputs of one path in the order they were made. The
    // indices are sorted, then each Output moved once: an Output is five
    // strings, and sorting them in place moved each about log n times
    // (39M of 49M instructions at 10k pages).
    std::vector<size_t> order(outputs_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [this](size_t a, size_t b) {
      return outputs_[a].path < outputs_[b].path;
    });
    {
      std::vector<Output> sorted;
      sorted.reserve(outputs_.size());
      for (size_t i : order) sorted.push_back(std::move(outputs_[i]));
      outputs_ = std::move(sorted);
    }
    const site::Site& site = *loaded_.site;
    for (size_t i = 1; i < outputs_.size(); ++i) {
      if (outputs_[i].path == outputs_[i - 1].path &&
          !site.contested_outputs.contains(outputs_[i].path)) {
        result_.errors.push_back(absl::StrCat(
            outputs_[i].origin, ": output ", outputs_[i].path,
            " is also written by ", outputs_[i - 1].origin));
      }
    }
  }

  // --- publish --------------------------------------------------------

  // Batch mode's syncfs makes every dirty file on the filesystem durable,
  // other programs' too (a compiler's, an editor's): it can take tens of
  // milliseconds when they write. A build that may write only a few files
  // (an incremental one: `serval serve` after an edit) fsyncs those files
  // and their directories instead (strict), the same guarantee for its
  // own files at a cost that does not depend on anyone else.
  fs::Durability PublishDurability() const {
    if (options_.durability != fs::Durability::kBatch) return options_.durability;
    size_t may_write = 0;
    for (const Output& output : outputs_) may_write += output.kept ? 0 : 1;
    return may_write <= options_.per_file_sync_max_outputs
               ? fs::Durability::kStrict
               : fs::Durability::kBatch;
  }

  // Counts the staged outcomes, and reports the outputs that could not be
  // staged: each distinct error (by status code) up to kShownPerCode times
  // in output order, then one line for the rest (those that failed the
  // same way, and those `skipped` after the first failure), so a full disk
  // is a few lines, not one per page.
  void ReportStagingErrors(
      const std::vector<absl::StatusOr<fs::WriteOutcome>>& outcomes,
      const std::vector<char>& skipped) {
    constexpr int kShownPerCode = 3;
    std::map<absl::StatusCode, int> failed_by_code;
    size_t not_staged = 0;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const absl::StatusOr<fs::WriteOutcome>& outcome = outcomes[i];
      if (skipped[i]) {
        ++not_staged;
        continue;
      }
      if (outcome.ok()) {
        ++(*outcome == fs::WriteOutcome::kWritten ? result_.written
                                                  : result_.unchanged);
        continue;
      }
      if (++failed_by_code[outcome.status().code()] <= kShownPerCode) {
        result_.errors.push_back(std::string(outcome.status().message()));
      }
    }
    size_t more = not_staged;
    for (const auto& [code, count] : failed_by_code) {
      more += count > kShownPerCode ? count - kShownPerCode : 0;
    }
    if (more > 0) {
      result_.errors.push_back(absl::StrCat(
          output_dir_, ": ", more, " more output", more == 1 ? "" : "s",
          " not written after the errors above"));
    }
  }

  // Two-phase (fs/tree_publisher.h): every new or changed output is
  // staged as a temp (and made durable); only when all are does the switch
  // put them in place, with the stale outputs set aside, then the build
  // cache is committed. A failure before the cache is committed undoes the
  // switch: the previous output tree is left exactly as it was.
  void Publish() {
    const std::string marker = MarkerPath();
    fs::AtomicWriter state_writer(
        &fs_, {.durability = fs::Durability::kStrict, .root = StateDir()});
    if (absl::StatusOr<fs::WriteOutcome> m = state_writer.Write(
            marker, absl::StrCat("build=", base::BuildId(), "\n"));
        !m.ok()) {
      result_.errors.push_back(std::string(m.status().message()));
      return;
    }
    if (absl::Status s = CreateDirsRetrying(output_dir_); !s.ok()) {
      result_.errors.push_back(absl::StrCat(output_dir_, ": ", s.message()));
      return;
    }
    // Not finished (any return below before Finish()): the destructor
    // removes the staged temps and undoes a switch.
    fs::TreePublisher publisher(
        &fs_, {.durability = PublishDurability(), .root = output_dir_},
        outputs_.size(),
        [this](size_t n, const std::function<void(size_t)>& fn) {
          concurrency::ForEachIndex(pool_.get(), n, fn);
        });
    std::vector<absl::StatusOr<fs::WriteOutcome>> outcomes(
        outputs_.size(), absl::UnknownError("not written"));
    // Once one output cannot be staged (retries are the writer's: this is
    // a permanent error such as ENOSPC), the build has failed; staging the
    // rest would only churn a full disk and repeat the same error.
    std::atomic<bool> staging_failed{false};
    std::vector<char> skipped(outputs_.size(), 0);
    // The next cache, to be put in place after the switch; it is
    // validated, serialized and staged (a synced temp beside cache.json,
    // AtomicWriter::Stage) on a pool worker while the outputs are staged
    // and switched (durably: mostly waiting for the disk), so the commit
    // point is only its rename (CommitCache). A member, so that a builder
    // whose state is kept does not free it.
    next_ = NextCache();
    cache_text_task_.Start(pool_.get(), [this, &state_writer] {
      cache_text_valid_ = cache::ValidateCache(next_);
      if (!cache_text_valid_.ok()) return;
      cache_text_ = cache::SerializeCache(
          next_, previous_text_.size() + previous_text_.size() / 64 + 4096);
      // A text other than the file this build read and verified is not
      // compared with the file again (7 MB read at 10,000 pages): it is
      // written. Same durability and root as state_writer, whose Install
      // and Discard then apply to it alike.
      const fs::AtomicWriter changed_writer(
          &fs_, {.durability = fs::Durability::kStrict,
                 .root = StateDir(),
                 .always_write = true});
      cache_staged_ =
          (cache_text_ == previous_text_ ? state_writer : changed_writer)
              .Stage(CachePath(), cache_text_);
    });
    // Whatever way Publish returns, the task (which uses state_writer) has
    // ended, and a staged cache that was not installed is removed.
    absl::Cleanup end_cache_task = [this, &state_writer] {
      cache_text_task_.WaitIfStarted();
      if (cache_staged_.ok() && !cache_installed_) {
        state_writer.Discard(*cache_staged_);
      }
    };
    concurrency::ForEachIndex(pool_.get(), outputs_.size(), [&](size_t i) {
      if (outputs_[i].kept) {
        outcomes[i] = fs::WriteOutcome::kUnchanged;
        return;
      }
      if (staging_failed.load(std::memory_order_relaxed)) {
        skipped[i] = 1;
        return;
      }
      outcomes[i] = publisher.Stage(
          i, fs::JoinPath(output_dir_, outputs_[i].path), outputs_[i].bytes);
      if (!outcomes[i].ok()) {
        staging_failed.store(true, std::memory_order_relaxed);
      }
    });
    ReportStagingErrors(outcomes, skipped);
    result_.outputs = outputs_.size();
    if (!result_.ok()) return;  // the marker stays: the build did not commit
    // Stale outputs (what the previous build wrote and this one does not)
    // are removed by the switch, with the rest.
    const cache::BuildCache& next = next_;
    if (have_manifest_) {
      cache::PruneReport pruned = cache::SelectPrunable(
          fs_, output_dir_, previous_.outputs,
          cache::StaleOutputs(previous_.outputs, next.outputs));
      for (const auto& [path, why] : pruned.kept) {
        result_.warnings.push_back(absl::StrCat(
            fs::JoinPath(output_dir_, path), ": stale output kept: ", why));
      }
      // A stale output that cannot be checked fails the build: the cache
      // is not committed, so the next build still knows to prune it.
      for (const auto& [path, status] : pruned.failed) {
        result_.errors.push_back(absl::StrCat(
            fs::JoinPath(output_dir_, path), ": stale output not removed: ",
            status.message()));
      }
      if (!result_.ok()) return;
      for (const std::string& path : pruned.removed) {
        publisher.StageRemoval(fs::JoinPath(output_dir_, path));
      }
    }
    // The commit point of the outputs: switched and durable, or (on error)
    // all as before.
    if (absl::Status s = publisher.Switch(); !s.ok()) {
      result_.errors.push_back(std::string(s.message()));
      return;
    }
    if (!CommitCache(state_writer, publisher)) return;
    // Past the commit point: the outputs and the cache are durable. What
    // is left to delete (old copies, stale outputs set aside) has temp
    // names; if it cannot be deleted, the marker stays so that the next
    // build sweeps it. Likewise a marker that cannot be removed only makes
    // the next build verify the outputs it keeps: warnings, not failures.
    std::vector<std::string> leftovers = publisher.Finish();
    for (const std::string& message : leftovers) {
      result_.warnings.push_back(
          absl::StrCat(message, " (the next build removes it)"));
    }
    if (!leftovers.empty()) return;
    const absl::Status removed =
        Retrying([&] { return fs_.Remove(marker); });
    if (!removed.ok() && !absl::IsNotFound(removed)) {
      result_.warnings.push_back(
          absl::StrCat(marker, ": ", removed.message(),
                       " (the next build verifies the outputs it keeps)"));
    }
  }

  // Writes the build cache that describes the switched outputs; true when
  // it is committed. If it is not, the switch is undone and the previous
  // cache is what .serval/cache.json holds (put back if the new one was
  // renamed in and only its directory sync failed). Only if that restore
  // fails too do the new outputs stay with the new cache; the build fails
  // and the marker stays either way.
  bool CommitCache(const fs::AtomicWriter& state_writer,
                   fs::TreePublisher& publisher) {
    absl::Status status;
    cache_text_task_.Finish();
    const std::string& bytes = cache_text_;
    if (const absl::Status& valid = cache_text_valid_; !valid.ok()) {
      // Some name cannot be stored: no cache, the next build is a full one.
      result_.warnings.push_back(
          absl::StrCat("build cache not written: ", valid.message()));
      status = fs_.Remove(CachePath());
      if (absl::IsNotFound(status)) status = absl::OkStatus();
    } else if (!cache_staged_.ok()) {
      status = cache_staged_.status();  // no temp left: nothing to discard
    } else {
      status = state_writer.Install(*cache_staged_);
      // Installed or (a failed rename) removed: not to be discarded.
      cache_installed_ = true;
    }
    if (status.ok()) return true;
    result_.errors.push_back(absl::StrCat(CachePath(), ": ", status.message()));
    absl::StatusOr<std::string> now = fs_.ReadFile(CachePath());
    if (!bytes.empty() && now.ok() && *now == bytes) {
      // The new cache was renamed in and only its directory sync failed:
      // put the previous cache back (the bytes this build read and
      // verified), so that the previous outputs go with it.
      const std::string& previous_bytes = previous_text_;
      absl::Status restored =
          have_manifest_
              ? state_writer.Write(CachePath(), previous_bytes).status()
              : fs_.Remove(CachePath());
      if (absl::IsNotFound(restored)) restored = absl::OkStatus();
      absl::StatusOr<std::string> after = fs_.ReadFile(CachePath());
      const bool previous_back = have_manifest_
                                     ? after.ok() && *after == previous_bytes
                                     : absl::IsNotFound(after.status());
      if (!previous_back) {
        // The new cache stays: keep the new outputs with it; the marker
        // makes the next build verify every output it keeps.
        result_.errors.push_back(absl::StrCat(
            "previous build cache not restored: ", restored.message()));
        for (const std::string& message : publisher.Finish()) {
          result_.warnings.push_back(message);
        }
        return false;
      }
      if (!restored.ok()) {
        result_.errors.push_back(absl::StrCat(
            "previous build cache restored, not durably: ",
            restored.message()));
      }
    }
    if (absl::Status undone = publisher.Rollback(); !undone.ok()) {
      result_.errors.push_back(absl::StrCat(
          "previous output not fully restored: ", undone.message()));
    }
    return false;
  }

  fs::Fs& fs_;
  const BuildOptions& options_;
  const std::string output_dir_;
  const absl::Time build_time_;
  BuildResult result_;
  std::unique_ptr<concurrency::ThreadPool> pool_;
  LoadedSite loaded_;
  // Rendered Markdown, indexed like site.pages; entry i is written once,
  // under markdown_once_[i] (Content).
  std::vector<PageContent> contents_;
  struct MarkdownState {
    bool deferred = false;  // not rendered up front (ReusableMarkdown)
    bool rendered = false;
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
    // Set when rendered without a diagnostic: the files it read.
    std::optional<std::set<std::string>> reads;
  };
  std::vector<MarkdownState> markdown_;  // like contents_
  std::unique_ptr<absl::once_flag[]> markdown_once_;
  std::atomic<size_t> rendered_markdown_{0};
  TemplateSets templates_;
  bool theme_used_ = false;
  std::vector<RenderJob> jobs_;
  std::vector<std::unique_ptr<site::Page>> special_pages_;
  std::vector<std::pair<const site::Page*, std::string>> special_kinds_;
  assets::AssetManifest manifest_;
  std::unique_ptr<SiteView> view_;
  std::unique_ptr<tmpl::Environment> env_;
  std::vector<Output> outputs_;

  // When the build lock was taken (its file's mtime): before the walk.
  std::optional<absl::Time> started_;
  // Incremental state (Plan).
  bool marker_found_ = false;
  // The no-op check's walk of the inputs, for the load to reuse.
  std::optional<SiteFiles> walked_;
  std::vector<std::string> walk_warnings_;
  // The last build's snapshot of its outputs (empty: none trusted).
  std::map<std::string, cache::StatRecord> committed_outputs_;
  // Entries of committed_outputs_ whose file the no-op check found with
  // that stat (this build, before loading anything).
  absl::flat_hash_set<const cache::StatRecord*> outputs_as_committed_;
  std::pair<size_t, size_t> plan_warnings_{0, 0};
  std::vector<std::string> input_warnings_;
  cache::CacheIdentity identity_;
  const std::string identity_tool_version_ = identity_.tool_version;
  // StartReadingCache: the previous cache, read while the site loads.
  PoolTask cache_read_task_;
  cache::UnverifiedCache cache_read_;
  std::map<std::string, cache::SourceRecord> sources_;
  // Fingerprints of every page of the site, by page key (no deps).
  std::map<std::string, cache::PageRecord> current_pages_;
  cache::BuildCache previous_;  // empty unless loaded (or config changed)
  cache::BuildCache next_;      // what Publish writes
  // next_ validated and, if valid, serialized (Publish: on a worker while
  // the outputs are staged; next_ is not changed once the task starts).
  PoolTask cache_text_task_;
  // The task's staged cache file (an error until it has run), and whether
  // CommitCache has put it in place (or a failed rename removed it).
  absl::StatusOr<fs::StagedFile> cache_staged_ =
      absl::UnknownError("build cache not staged");
  bool cache_installed_ = false;
  absl::Status cache_text_valid_;
  std::string cache_text_;
  std::string previous_text_;   // its file's bytes, when loaded
  bool have_manifest_ = false;  // previous_.outputs lists what we wrote
  cache::RejectReason cache_reason_ = cache::RejectReason::kMissing;
  std::string cache_message_;
  bool previous_trusted_ = false;  // its fingerprints hold for this build
  std::map<std::string, std::string> rerender_;  // job key -> explanation
  std::unique_ptr<SiteKeys> site_keys_;
  std::map<std::string, std::string> fingerprints_;
  cache::DependencyTracker tracker_;
};

}  // namespace

std::string RunningBinaryIdentity() {
  struct stat st;
  if (::stat("/proc/self/exe", &st) != 0) return "";
  return absl::StrCat("exe=", st.st_size, "/",
                      absl::ToUnixNanos(absl::TimeFromTimespec(st.st_mtim)));
}

std::string OutputDirOf(const BuildOptions& options) {
  return options.output_dir.empty() ? fs::JoinPath(options.site_dir, "public")
                                    : options.output_dir;
}

std::string BuildResult::Summary() const {
  const double seconds = absl::ToDoubleSeconds(total);
  std::vector<std::string> phase_texts;
  for (const PhaseTime& p : phases) {
    phase_texts.push_back(absl::StrFormat(
        "%s %.0f ms", p.name, absl::ToDoubleMilliseconds(p.duration)));
  }
  return absl::StrFormat(
      "Built %d pages (%d rendered; %d outputs: %d written, %d unchanged) in "
      "%.3f s, %.0f pages/s [%s]",
      pages, rendered, outputs, written, unchanged, seconds,
      seconds > 0 ? static_cast<double>(pages) / seconds : 0.0,
      absl::StrJoin(phase_texts, ", "));
}

namespace {

// The builders BuildOptions::free_state = false keeps: reachable (so a leak
// checker reports nothing) and never freed.
struct KeptBuilders {
  concurrency::Mutex mu{concurrency::LockRank::kLeaf, "KeptBuilders::mu"};
  std::vector<std::unique_ptr<Builder>> builders ABSL_GUARDED_BY(mu);
};

}  // namespace

BuildResult BuildSite(fs::Fs& fs, const BuildOptions& options) {
  if (options.free_state) return Builder(fs, options).Run();
  auto builder = std::make_unique<Builder>(fs, options);
  BuildResult result = builder->Run();
  builder->StopThreads();
  static KeptBuilders* const kept = new KeptBuilders;
  concurrency::MutexLock lock(&kept->mu);
  kept->builders.push_back(std::move(builder));
  return result;
}

}  // namespace serval::build
