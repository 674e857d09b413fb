// Whole-build safety on FaultInjectionFs over MemFs (issue 8): injected
// I/O errors at every write-site operation of a build, and crashes (with
// and without simulated power loss) at every k-th filesystem operation.
//
// The site: ~20 pages with sections, tags, aliases, a static file and the
// default theme. Each case builds version 1 of the site without faults,
// edits it to version 2 (pages changed, added and removed; a static file
// changed), then builds version 2 with a fault (or a crash) and checks:
//
//   errors    a transient fault (EINTR once, a short write) ends in
//             success; a permanent one (ENOSPC, EDQUOT, EIO, EACCES,
//             EROFS, EXDEV; once or persistent) either is absorbed (the
//             build is ok and equals a clean build) or fails with an error
//             naming a /site path and the errno, leaves no temp file and
//             the previous output tree byte-identical with the cache
//             version 1 committed (also when only the new cache's directory
//             sync failed: the version-1 cache is put back);
//             a build that succeeds despite a fault past its commit point
//             (a failed unlink of an old copy) names every temp it left in
//             a warning and keeps the marker.
//   crashes   a build "dies" at the k-th filesystem call (every call from
//             then on fails, nothing more reaches the disk); optionally the
//             machine loses power (FaultInjectionFs::SimulatePowerLoss in
//             each model: unsynced data and entries, data only, directory
//             entries only; batch and strict);
//             then the next build succeeds, equals a clean build, and
//             leaves no temp file in the output or in .serval/.
//
// Then, in every case, the next build without faults succeeds and its
// output equals a clean build of version 2.
//
// Environment (--test_env): SERVAL_FAULT_STRIDE=N tries every N-th call
// index of each operation (default 7; 1 is the full matrix),
// SERVAL_CRASH_STRIDE=N crashes at every N-th call (default 5).
#include <atomic>
#include <cerrno>
#include <iostream>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "src/base/errno_status.h"
#include "src/build/build.h"
#include "src/build/test_site.h"
#include "src/fs/fault_injection_fs.h"
#include "src/fs/mem_fs.h"
#include "src/fs/temp_name.h"

namespace serval::build {
namespace {

using fs::FsOp;

const absl::Time kBuildTime = absl::FromUnixSeconds(1767225600);
constexpr char kSite[] = "/site";
constexpr char kOut[] = "/site/public";
constexpr char kCache[] = "/site/.serval/cache.json";

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::max(1, std::atoi(v));
}

std::string Post(int i, const std::string& extra = "") {
  return absl::StrCat("---\ntitle: Post ", i, "\ndate: 2025-01-",
                      i < 10 ? "0" : "", i, "\ntags: [t", i % 3,
                      "]\n---\nBody of post ", i, ". ", extra, "\n");
}

Files SiteV1() {
  Files f = {
      {"serval.toml",
       "title = \"Faults\"\nbaseurl = \"https://example.org/\"\n"
       "paginate = 5\n"},
      {"content/_index.md", "---\ntitle: Home\n---\nWelcome.\n"},
      {"content/blog/_index.md", "---\ntitle: Blog\n---\nPosts.\n"},
      {"content/docs/_index.md", "---\ntitle: Docs\n---\nDocs.\n"},
      {"content/docs/install.md", "---\ntitle: Install\nweight: 1\n---\n# "
                                  "Install\n\nRun `serval`.\n"},
      {"content/docs/usage.md",
       "---\ntitle: Usage\nweight: 2\naliases: [/use/]\n---\nUse it.\n"},
      {"content/about.md", "---\ntitle: About\n---\nAbout us.\n"},
      {"static/site.css", "body{color:black}\n"},
      {"static/img/logo.txt", "logo\n"},
  };
  for (int i = 1; i <= 14; ++i) {
    f[absl::StrCat("content/blog/p", i, ".md")] = Post(i);
  }
  return f;
}

// Version 2: two pages edited (one title, so lists change), one added, one
// removed, the static CSS changed.
void ApplyV2(fs::Fs& fs) {
  WriteFiles(fs, kSite,
             {{"content/blog/p3.md", Post(3, "Edited.")},
              {"content/blog/p7.md",
               "---\ntitle: Seven renamed\ndate: 2025-01-07\n---\nSeven.\n"},
              {"content/blog/p15.md", Post(15)},
              {"static/site.css", "body{color:navy}\n"}});
  ASSERT_TRUE(fs.Remove("/site/content/blog/p14.md").ok());
}

BuildOptions Options(int jobs, fs::Durability durability =
                                   fs::Durability::kBatch) {
  BuildOptions o;
  o.site_dir = kSite;
  o.jobs = jobs;
  o.build_time = kBuildTime;
  o.durability = durability;
  // Batch mode means one syncfs here, whatever the number of outputs (the
  // per-file sync of a small batch publish has its own crash mode).
  o.per_file_sync_max_outputs = 0;
  o.lock_timeout = absl::Seconds(5);
  return o;
}

// The output trees of clean builds of version 1 and version 2.
struct Oracle {
  Files v1, v2;
  Oracle() {
    fs::MemFs a;
    WriteFiles(a, kSite, SiteV1());
    BuildResult r1 = BuildSite(a, Options(2));
    EXPECT_TRUE(r1.ok()) << absl::StrJoin(r1.errors, "\n");
    v1 = ReadTree(a, kOut);
    fs::MemFs b;
    WriteFiles(b, kSite, SiteV1());
    ApplyV2(b);
    BuildResult r2 = BuildSite(b, Options(2));
    EXPECT_TRUE(r2.ok()) << absl::StrJoin(r2.errors, "\n");
    v2 = ReadTree(b, kOut);
  }
};

const Oracle& GetOracle() {
  static const Oracle* oracle = new Oracle();
  return *oracle;
}

// Temp files (".<name>.<pid>.<tid>.<random>.tmp") anywhere under root.
std::vector<std::string> Temps(fs::Fs& fs, const std::string& root) {
  std::vector<std::string> temps;
  absl::StatusOr<std::vector<std::string>> names = fs.ListDir(root);
  if (!names.ok()) return temps;
  for (const std::string& name : *names) {
    const std::string path = fs::JoinPath(root, name);
    absl::StatusOr<fs::FileInfo> info = fs.Stat(path);
    if (!info.ok()) continue;
    if (info->type == fs::FileType::kDirectory) {
      for (std::string& t : Temps(fs, path)) temps.push_back(std::move(t));
    } else if (fs::ParseTempName(name).has_value()) {
      temps.push_back(path);
    }
  }
  return temps;
}

std::string Diff(const Files& got, const Files& want) {
  std::vector<std::string> lines;
  for (const auto& [path, bytes] : want) {
    auto it = got.find(path);
    if (it == got.end()) {
      lines.push_back(absl::StrCat("missing ", path));
    } else if (it->second != bytes) {
      lines.push_back(absl::StrCat("differs ", path));
    }
  }
  for (const auto& [path, bytes] : got) {
    if (want.count(path) == 0) lines.push_back(absl::StrCat("extra ", path));
  }
  return absl::StrJoin(lines, "\n");
}

// A MemFs holding version 1, built, then edited to version 2.
std::unique_ptr<fs::MemFs> PreparedFs() {
  auto mem = std::make_unique<fs::MemFs>();
  WriteFiles(*mem, kSite, SiteV1());
  BuildResult r = BuildSite(*mem, Options(2));
  EXPECT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
  ApplyV2(*mem);
  return mem;
}

// The next build without faults: ok, equal to a clean build, no temps.
void ExpectRecovers(fs::Fs& fs, const std::string& what) {
  BuildResult r = BuildSite(fs, Options(2));
  ASSERT_TRUE(r.ok()) << what << ": next build failed:\n"
                      << absl::StrJoin(r.errors, "\n");
  Files tree = ReadTree(fs, kOut);
  EXPECT_TRUE(tree == GetOracle().v2)
      << what << ": next build differs from a clean build:\n"
      << Diff(tree, GetOracle().v2);
  EXPECT_EQ(absl::StrJoin(Temps(fs, kOut), " "), "") << what;
  EXPECT_EQ(absl::StrJoin(Temps(fs, "/site/.serval"), " "), "") << what;
}

// --- injected errors ----------------------------------------------------

constexpr FsOp kWriteSites[] = {
    FsOp::kCreateDir, FsOp::kOpenForWrite, FsOp::kWrite,    FsOp::kSync,
    FsOp::kSetMode,   FsOp::kClose,        FsOp::kRename,   FsOp::kExchange,
    FsOp::kRemove,    FsOp::kRemoveDir,    FsOp::kSyncDir,  FsOp::kSyncAll,
    FsOp::kTryLock};
constexpr int kPermanent[] = {ENOSPC, EDQUOT, EIO, EACCES, EROFS, EXDEV};

// Calls of each operation made by the faulted build (version 1 -> 2).
std::map<FsOp, int64_t> CountCalls() {
  std::unique_ptr<fs::MemFs> mem = PreparedFs();
  fs::FaultInjectionFs ffs(mem.get());
  BuildResult r = BuildSite(ffs, Options(1));
  EXPECT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
  std::map<FsOp, int64_t> calls;
  for (FsOp op : kWriteSites) calls[op] = ffs.Calls(op);
  return calls;
}

// Batch mode: a publish of a few outputs fsyncs each and its directory;
// one of many outputs (more than per_file_sync_max_outputs) syncs the
// filesystem once. Either way the outputs equal a clean build's.
TEST(PublishSyncTest, FewOutputsAreFsyncedManyAreSyncedByOneSyncfs) {
  for (const size_t max_outputs : {size_t{0}, size_t{64}}) {
    SCOPED_TRACE(absl::StrCat("per_file_sync_max_outputs ", max_outputs));
    std::unique_ptr<fs::MemFs> mem = PreparedFs();
    fs::FaultInjectionFs ffs(mem.get());
    BuildOptions options = Options(1);
    options.per_file_sync_max_outputs = max_outputs;
    BuildResult r = BuildSite(ffs, options);
    ASSERT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
    ASSERT_GT(r.written, 0);
    ASSERT_LE(r.written, 64);
    EXPECT_EQ(ReadTree(*mem, kOut), GetOracle().v2);
    if (max_outputs == 0) {
      EXPECT_GT(ffs.Calls(FsOp::kSyncAll), 0);
    } else {
      EXPECT_EQ(ffs.Calls(FsOp::kSyncAll), 0);
      // Each written output's temp, besides the state files' syncs.
      EXPECT_GE(ffs.Calls(FsOp::kSync), r.written);
      EXPECT_GT(ffs.Calls(FsOp::kSyncDir), 0);
    }
  }
  // A clean build of the whole site writes more than a threshold of 2.
  fs::MemFs mem;
  WriteFiles(mem, kSite, SiteV1());
  fs::FaultInjectionFs ffs(&mem);
  BuildOptions options = Options(1);
  options.per_file_sync_max_outputs = 2;
  BuildResult r = BuildSite(ffs, options);
  ASSERT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
  ASSERT_GT(r.written, 2);
  EXPECT_GT(ffs.Calls(FsOp::kSyncAll), 0);
}

// A full disk: every write fails with ENOSPC. The build stops staging
// after the first failure and says so in a few lines, not one per output;
// the previous tree and cache stay, and the next build recovers.
TEST(FullDiskTest, FewLinesPreviousTreeKeptAndNextBuildRecovers) {
  for (const int jobs : {1, 2}) {
    SCOPED_TRACE(absl::StrCat("jobs ", jobs));
    std::unique_ptr<fs::MemFs> mem = PreparedFs();
    const Files before = ReadTree(*mem, kOut);
    const absl::StatusOr<std::string> cache_before = mem->ReadFile(kCache);
    ASSERT_TRUE(cache_before.ok());
    fs::FaultInjectionFs ffs(mem.get());
    ffs.Inject({.op = FsOp::kWrite,
                .error = ENOSPC,
                .persistent = true,
                .path_contains = kOut});
    BuildResult r = BuildSite(ffs, Options(jobs));
    ffs.ClearFaults();
    ASSERT_FALSE(r.ok());
    const std::string errors = absl::StrJoin(r.errors, "\n");
    EXPECT_TRUE(absl::StrContains(errors, "ENOSPC")) << errors;
    // At most 3 lines of the error itself and one for the rest.
    EXPECT_LE(r.errors.size(), 4u) << errors;
    EXPECT_EQ(r.written, 0);
    // Staging stopped: with one thread, only the first output was tried.
    if (jobs == 1) {
      EXPECT_EQ(r.errors.size(), 2u) << errors;
      EXPECT_TRUE(absl::StrContains(r.errors.back(),
                                    "more outputs not written after the "
                                    "errors above"))
          << errors;
      EXPECT_EQ(ffs.FaultsFired(), 1);
    }
    EXPECT_TRUE(ReadTree(*mem, kOut) == before) << Diff(ReadTree(*mem, kOut),
                                                        before);
    EXPECT_EQ(absl::StrJoin(Temps(*mem, kOut), " "), "");
    absl::StatusOr<std::string> cache_after = mem->ReadFile(kCache);
    ASSERT_TRUE(cache_after.ok());
    EXPECT_TRUE(*cache_after == *cache_before);
    ExpectRecovers(*mem, "after a full disk");
  }
}

std::vector<int> Indices(int64_t calls, int stride) {
  std::vector<int> nth;
  for (int n = 1; n <= calls; n += stride) nth.push_back(n);
  if (calls > 0 && nth.back() != calls) nth.push_back(static_cast<int>(calls));
  return nth;
}

struct Tally {
  int cases = 0, failed_cleanly = 0, absorbed = 0, leftovers = 0,
      cache_after_rename = 0;
};

// One faulted build of version 2 over a built version 1.
void RunFault(const fs::Fault& fault, bool transient, Tally* tally) {
  const std::string what = absl::StrCat(
      fs::FsOpName(fault.op), " #", fault.nth, " ",
      fault.short_write ? absl::StrCat("short write ", *fault.short_write)
                        : base::ErrnoName(fault.error),
      fault.persistent ? " persistent" : " once");
  SCOPED_TRACE(what);
  std::unique_ptr<fs::MemFs> mem = PreparedFs();
  const Files before = ReadTree(*mem, kOut);
  const absl::StatusOr<std::string> cache_before = mem->ReadFile(kCache);
  ASSERT_TRUE(cache_before.ok());
  fs::FaultInjectionFs ffs(mem.get());
  ffs.Inject(fault);
  BuildResult r = BuildSite(ffs, Options(1));
  ffs.ClearFaults();
  ++tally->cases;
  const Oracle& oracle = GetOracle();
  Files tree = ReadTree(*mem, kOut);
  if (transient) {
    ASSERT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
  }
  const std::vector<std::string> temps = Temps(*mem, kOut);
  if (r.ok()) {
    ++tally->absorbed;
    // Past the commit point only deletions can fail (old copies, stale
    // outputs set aside, the marker): each leftover is a temp named in a
    // warning, and the marker stays so that the next build sweeps it.
    Files without_temps;
    for (const auto& [path, bytes] : tree) {
      if (!fs::ParseTempName(fs::Basename(path)).has_value()) {
        without_temps[path] = bytes;
      }
    }
    EXPECT_TRUE(without_temps == oracle.v2) << Diff(without_temps, oracle.v2);
    if (!temps.empty()) {
      ++tally->leftovers;
      const std::string warnings = absl::StrJoin(r.warnings, "\n");
      for (const std::string& temp : temps) {
        EXPECT_TRUE(absl::StrContains(warnings, temp)) << temp << "\n"
                                                        << warnings;
      }
      EXPECT_TRUE(mem->Stat("/site/.serval/building").ok());
    }
  } else {
    ++tally->failed_cleanly;
    const std::string errors = absl::StrJoin(r.errors, "\n");
    EXPECT_TRUE(absl::StrContains(errors, base::ErrnoName(fault.error)))
        << errors;
    EXPECT_TRUE(absl::StrContains(errors, "/site")) << errors;
    EXPECT_EQ(absl::StrJoin(temps, " "), "");
    absl::StatusOr<std::string> cache_after = mem->ReadFile(kCache);
    ASSERT_TRUE(cache_after.ok());
    // Every failed build leaves the previous cache and the whole previous
    // output tree, byte for byte — also when the new cache was renamed in
    // and only its directory sync failed (the previous one is put back).
    EXPECT_TRUE(*cache_after == *cache_before)
        << "a failed build changed the cache: " << errors;
    if (*cache_after != *cache_before) ++tally->cache_after_rename;
    EXPECT_TRUE(tree == before) << "previous output not intact:\n"
                                << Diff(tree, before);
  }
  ExpectRecovers(*mem, what);
}

TEST(FaultBuildTest, InjectedErrorsAtEveryWriteSite) {
  const int stride = EnvInt("SERVAL_FAULT_STRIDE", 7);
  const std::map<FsOp, int64_t> calls = CountCalls();
  Tally tally;
  int64_t total_calls = 0;
  for (FsOp op : kWriteSites) {
    total_calls += calls.at(op);
    for (int nth : Indices(calls.at(op), stride)) {
      for (int error : kPermanent) {
        for (bool persistent : {false, true}) {
          RunFault({.op = op, .nth = nth, .error = error,
                    .persistent = persistent},
                   /*transient=*/false, &tally);
          if (HasFatalFailure()) return;
        }
      }
      RunFault({.op = op, .nth = nth, .error = EINTR}, /*transient=*/true,
               &tally);
      if (op == FsOp::kWrite) {
        for (size_t len : {size_t{0}, size_t{1}}) {
          RunFault({.op = op, .nth = nth, .short_write = len},
                   /*transient=*/true, &tally);
        }
      }
      if (HasFatalFailure()) return;
    }
  }
  std::vector<std::string> per_op;
  for (FsOp op : kWriteSites) {
    per_op.push_back(absl::StrCat(fs::FsOpName(op), "=", calls.at(op)));
  }
  std::cout << "fault matrix: stride " << stride << ", write-site calls "
            << total_calls << " (" << absl::StrJoin(per_op, " ") << "), "
            << tally.cases << " faulted builds: " << tally.failed_cleanly
            << " failed cleanly (" << tally.failed_cleanly -
                                          tally.cache_after_rename
            << " left the previous output tree byte-identical, "
            << tally.cache_after_rename
            << " changed the cache (must be 0)), "
            << tally.absorbed << " succeeded (" << tally.leftovers
            << " leaving temps named in warnings, marker kept)\n";
}

// --- crashes and power loss -------------------------------------------

// Counts every call (handles included); from call `crash_at` on, every
// call fails with EIO and reaches nothing: the process is dead.
class CrashFs : public fs::Fs {
 public:
  CrashFs(fs::Fs* base, int64_t crash_at) : base_(base), crash_at_(crash_at) {}
  int64_t calls() const { return calls_; }
  // The call (1-based) that removed the building marker: the last call of
  // the commit; later calls (the input snapshot) are best effort.
  int64_t marker_unlink_call() const { return marker_unlink_call_; }
  bool crashed() const { return calls_ >= crash_at_; }

  absl::StatusOr<std::string> ReadFile(absl::string_view p) override {
    if (Dead()) return Eio("read", p);
    return base_->ReadFile(p);
  }
  absl::StatusOr<fs::FileInfo> Stat(absl::string_view p) override {
    if (Dead()) return Eio("stat", p);
    return base_->Stat(p);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(
      absl::string_view p) override {
    if (Dead()) return Eio("opendir", p);
    return base_->ListDir(p);
  }
  absl::Status CreateDir(absl::string_view p, uint32_t mode) override {
    if (Dead()) return Eio("mkdir", p);
    return base_->CreateDir(p, mode);
  }
  absl::StatusOr<std::unique_ptr<fs::WritableFile>> OpenForWrite(
      absl::string_view p, fs::OpenMode open_mode, uint32_t mode) override {
    if (Dead()) return Eio("open", p);
    absl::StatusOr<std::unique_ptr<fs::WritableFile>> f =
        base_->OpenForWrite(p, open_mode, mode);
    if (!f.ok()) return f.status();
    return std::unique_ptr<fs::WritableFile>(
        new File(this, std::move(f).value()));
  }
  absl::Status Rename(absl::string_view from, absl::string_view to) override {
    if (Dead()) return Eio("rename", to);
    return base_->Rename(from, to);
  }
  absl::Status Exchange(absl::string_view a, absl::string_view b) override {
    if (Dead()) return Eio("renameat2", b);
    return base_->Exchange(a, b);
  }
  absl::Status Remove(absl::string_view p) override {
    if (Dead()) return Eio("unlink", p);
    if (absl::EndsWith(p, "/.serval/building")) marker_unlink_call_ = calls_.load();
    return base_->Remove(p);
  }
  absl::Status RemoveDir(absl::string_view p) override {
    if (Dead()) return Eio("rmdir", p);
    return base_->RemoveDir(p);
  }
  absl::Status Symlink(absl::string_view t, absl::string_view p) override {
    if (Dead()) return Eio("symlink", p);
    return base_->Symlink(t, p);
  }
  absl::Status SyncDir(absl::string_view p) override {
    if (Dead()) return Eio("fsync", p);
    return base_->SyncDir(p);
  }
  absl::Status SyncAll(absl::string_view p) override {
    if (Dead()) return Eio("syncfs", p);
    return base_->SyncAll(p);
  }
  absl::StatusOr<std::unique_ptr<fs::FileLock>> TryLock(
      absl::string_view p) override {
    if (Dead()) return Eio("flock", p);
    return base_->TryLock(p);
  }

 private:
  class File : public fs::WritableFile {
   public:
    File(CrashFs* fs, std::unique_ptr<fs::WritableFile> f)
        : fs_(fs), f_(std::move(f)) {}
    absl::StatusOr<size_t> Write(absl::string_view data) override {
      if (fs_->Dead()) return Eio("write", path());
      return f_->Write(data);
    }
    absl::Status Sync() override {
      if (fs_->Dead()) return Eio("fsync", path());
      return f_->Sync();
    }
    absl::Status SetMode(uint32_t mode) override {
      if (fs_->Dead()) return Eio("fchmod", path());
      return f_->SetMode(mode);
    }
    absl::Status Close() override {
      // A dead process's descriptors are closed by the kernel: release the
      // handle, but report the failure.
      if (fs_->Dead()) {
        (void)f_->Close();
        return Eio("close", path());
      }
      return f_->Close();
    }
    const std::string& path() const override { return f_->path(); }

   private:
    CrashFs* fs_;
    std::unique_ptr<fs::WritableFile> f_;
  };

  static absl::Status Eio(absl::string_view op, absl::string_view p) {
    return base::ErrnoStatus(EIO, op, p);
  }
  bool Dead() { return ++calls_ > crash_at_; }

  fs::Fs* const base_;
  const int64_t crash_at_;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> marker_unlink_call_{0};
};

struct CrashMode {
  const char* name;
  fs::Durability durability;
  bool power_loss;
  fs::FaultInjectionFs::PowerLoss model =
      fs::FaultInjectionFs::PowerLoss::kDataAndEntries;
  // BuildOptions::per_file_sync_max_outputs: this small site's publish is
  // a per-file sync by default; 0 keeps batch mode's syncfs.
  size_t per_file_sync_max_outputs = 0;
};

BuildOptions Options(int jobs, const CrashMode& mode) {
  BuildOptions o = Options(jobs, mode.durability);
  o.per_file_sync_max_outputs = mode.per_file_sync_max_outputs;
  return o;
}

using Model = fs::FaultInjectionFs::PowerLoss;
const CrashMode kCrashModes[] = {
    {"process crash, batch", fs::Durability::kBatch, false},
    {"power loss (data and entries), batch", fs::Durability::kBatch, true,
     Model::kDataAndEntries},
    {"power loss (data only), batch", fs::Durability::kBatch, true,
     Model::kDataOnly},
    {"power loss (entries only), batch", fs::Durability::kBatch, true,
     Model::kEntriesOnly},
    {"power loss (data and entries), batch, few outputs: per-file sync",
     fs::Durability::kBatch, true, Model::kDataAndEntries, 64},
    {"power loss (data and entries), strict", fs::Durability::kStrict, true,
     Model::kDataAndEntries},
    {"power loss (data only), strict", fs::Durability::kStrict, true,
     Model::kDataOnly},
    {"power loss (entries only), strict", fs::Durability::kStrict, true,
     Model::kEntriesOnly},
};

class CrashTest : public ::testing::TestWithParam<CrashMode> {};

TEST_P(CrashTest, CrashAndPowerLossAtEveryKthCall) {
  const int stride = EnvInt("SERVAL_CRASH_STRIDE", 5);
  const CrashMode mode = GetParam();
  {
    // Calls of a whole build in this mode.
    int64_t total = 0, commit = 0;
    {
      std::unique_ptr<fs::MemFs> mem = PreparedFs();
      fs::FaultInjectionFs ffs(mem.get());
      CrashFs crash(&ffs, INT64_MAX);
      BuildResult r = BuildSite(crash, Options(1, mode));
      ASSERT_TRUE(r.ok()) << absl::StrJoin(r.errors, "\n");
      total = crash.calls();
      commit = crash.marker_unlink_call();
      ASSERT_GT(commit, 0);
    }
    int points = 0, after_commit = 0;
    for (int64_t k = 1; k <= total + 1; k += stride) {
      const std::string what = absl::StrCat(mode.name, ", crash at call ", k,
                                            " of ", total);
      SCOPED_TRACE(what);
      std::unique_ptr<fs::MemFs> mem = PreparedFs();
      fs::FaultInjectionFs ffs(mem.get());
      {
        CrashFs crash(&ffs, k - 1);
        BuildResult r = BuildSite(crash, Options(1, mode));
        // A crash before the cache is committed fails the build; one after
        // it (deleting old copies, syncing, unlinking the marker) leaves a
        // committed build that says what it left behind: never a silent
        // success. Past the marker's unlink only the input snapshot (best
        // effort: without it the next build is a normal one) is written.
        if (k <= commit && r.ok()) {
          EXPECT_FALSE(r.warnings.empty());
          ++after_commit;
        }
      }
      if (mode.power_loss) {
        ASSERT_TRUE(ffs.SimulatePowerLoss(mode.model).ok());
      }
      ++points;
      ExpectRecovers(ffs, what);
      if (HasFatalFailure()) return;
    }
    std::cout << mode.name << ": " << total << " calls per build, "
              << points << " crash points (stride " << stride << "), "
              << after_commit << " after the cache commit\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, CrashTest, ::testing::ValuesIn(kCrashModes),
                         [](const ::testing::TestParamInfo<CrashMode>& info) {
                           return absl::StrCat("Mode", info.index);
                         });

}  // namespace
}  // namespace serval::build
