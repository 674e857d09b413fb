// serval_process_stress — whole `serval build` processes (the real binary,
// //src/cli:serval, from the runfiles) against one site, in three modes:
//
//   --mode=locked  --threads processes (default 6) build the site at once,
//                  for --iterations rounds (default 3) with an edit between
//                  rounds: every process exits 0, every one that waited for
//                  the lock logged which pid holds it, the output equals a
//                  clean build, no temp file is left.
//   --mode=nolock  the same with SERVAL_UNSAFE_NO_LOCK=1, for --iterations rounds
//                  (default 3) with an edit between rounds (a page changed,
//                  a page added or removed). Every process exits 0 and
//                  printed the no-lock warning; the output equals a clean
//                  build of the same sources; no temp file is left.
//   --mode=reader  a reader thread reads every output file in a loop while
//                  --iterations builds (default 8; locked, one at a time,
//                  with an edit before each) run. While build r runs, every
//                  file read is whole — exactly its bytes in version r-1 or
//                  version r — and no file that both versions have is ever
//                  missing.
//   --mode=kill    --kills builds (default 100) are each SIGKILLed after a
//                  random delay (seeded: --seed) between 0 and 1.2 times the
//                  duration of a whole incremental build; the sources change every 5
//                  kills. After each kill the next build exits 0, its output
//                  equals a clean build of the same sources (so the cache
//                  never gave a wrong result) and no temp file is left in the
//                  output or in .serval/.
//
// In every mode, every line a build writes to stderr carries the build id
// and the pid of the process that wrote it, in text
// ("[build=<12 hex> pid=<pid> tid=<tid>] ...") and, for every other build,
// JSON ({"ts":...,"build":"<12 hex>","pid":<pid>,...}) format.
//
//   bazel test //stress:serval_nolock_stress //stress:serval_reader_stress \
//              //stress:serval_kill_stress
//   bazel run //stress:serval_kill_stress -- --kills=1000
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "re2/re2.h"
#include "src/base/errno_status.h"
#include "src/build/test_site.h"
#include "src/fs/posix_fs.h"
#include "src/fs/temp_name.h"
#include "stress/harness.h"
#include "stress/spawn.h"

ABSL_FLAG(std::string, mode, "kill", "locked, nolock, reader or kill");
ABSL_FLAG(int, kills, 100, "--mode=kill: builds to kill");

namespace {

using serval::build::Files;
namespace stress = serval::stress;

std::string g_serval;  // the binary
std::string g_root;    // this run's scratch directory
int g_spawned = 0;     // builds started (log file names)
serval::fs::PosixFs& Fs() { return serval::fs::DefaultPosixFs(); }

// Version v of the site: page p(v % 20 + 1) edited; "extra" only in odd
// versions (so even versions prune its outputs).
Files Site(int v) {
  Files f = {
      {"serval.toml",
       "title = \"Procs\"\nbaseurl = \"https://example.org/\"\npaginate = 5\n"},
      {"content/_index.md", "---\ntitle: Home\n---\nWelcome.\n"},
      {"content/blog/_index.md", "---\ntitle: Blog\n---\nPosts.\n"},
      {"content/about.md", "---\ntitle: About\n---\nAbout us.\n"},
      {"static/site.css", absl::StrCat("body{margin:", v % 3, "px}\n")},
  };
  for (int i = 1; i <= 20; ++i) {
    const bool edited = i == v % 20 + 1;
    f[absl::StrCat("content/blog/p", i, ".md")] = absl::StrCat(
        "---\ntitle: Post ", i, edited ? " edited" : "", "\ndate: 2025-01-",
        i < 10 ? "0" : "", i, "\ntags: [t", i % 3, "]\n---\nBody ", i,
        " version ", edited ? v : 0, ".\n");
  }
  if (v % 2 == 1) {
    f["content/blog/extra.md"] =
        "---\ntitle: Extra\ndate: 2025-02-01\ntags: [x]\n---\nExtra.\n";
  }
  return f;
}

// Makes `site`'s sources version v (writing only what differs).
void WriteSite(const std::string& site, int v) {
  serval::build::WriteFiles(Fs(), site, Site(v));
  if (v % 2 == 0) {
    (void)Fs().Remove(site + "/content/blog/extra.md");
  }
}

struct Run {
  pid_t pid = 0;
  std::string log;  // its stderr
  bool json = false;
};

// Starts `serval build site`; every other build logs JSON.
Run StartBuild(const std::string& site, bool no_lock) {
  Run run;
  run.json = g_spawned % 2 == 1;
  run.log = absl::StrCat(g_root, "/log", g_spawned++, ".txt");
  std::vector<std::string> args = {"build", site, "--jobs", "2"};
  if (run.json) {
    args.push_back("--log-format");
    args.push_back("json");
  }
  stress::SpawnOptions options;
  options.stdout_path = "/dev/null";
  options.stderr_path = run.log;
  if (no_lock) options.env.push_back("SERVAL_UNSAFE_NO_LOCK=1");
  run.pid = stress::Spawn(g_serval, args, options);
  return run;
}

std::string ReadLog(const Run& run) {
  std::ifstream in(run.log);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every line carries the build id and this process's pid.
void CheckLog(const Run& run) {
  const std::string text = ReadLog(run);
  const std::string pid = absl::StrCat(run.pid);
  const RE2 line_re(
      run.json ? absl::StrCat(R"(^\{"ts":"[^"]+","level":"\w+",)",
                              R"("build":"[0-9a-f]{12}","pid":)", pid,
                              R"(,"tid":\d+,"msg":".*"\}$)")
               : absl::StrCat(R"(^\[build=[0-9a-f]{12} pid=)", pid,
                              R"( tid=\d+\] \w+: .*$)"));
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    STRESS_CHECK(RE2::FullMatch(re2::StringPiece(line.data(), line.size()),
                                line_re),
                 absl::StrCat("log line without build id and pid ", pid, ": ",
                              line));
  }
}

int Finish(const Run& run) {
  const int status = stress::Wait(run.pid);
  CheckLog(run);
  return status;
}

bool ExitedOk(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The output of a clean build of version v (cached per version).
const Files& Oracle(int v) {
  static std::map<int, Files>* oracles = new std::map<int, Files>();
  auto it = oracles->find(v);
  if (it != oracles->end()) return it->second;
  const std::string dir = absl::StrCat(g_root, "/clean", v);
  WriteSite(dir, v);
  Run run = StartBuild(dir, false);
  const int status = Finish(run);
  STRESS_CHECK(ExitedOk(status), absl::StrCat("clean build ", v, ": ",
                                              ReadLog(run)));
  return (*oracles)[v] = serval::build::ReadTree(Fs(), dir + "/public");
}

std::vector<std::string> Temps(const std::string& dir) {
  std::vector<std::string> temps;
  for (const auto& [path, bytes] : serval::build::ReadTree(Fs(), dir)) {
    if (serval::fs::ParseTempName(serval::fs::Basename(path)).has_value()) {
      temps.push_back(path);
    }
  }
  return temps;
}

void CheckOutput(const std::string& site, int v, const std::string& what) {
  const Files got = serval::build::ReadTree(Fs(), site + "/public");
  const Files& want = Oracle(v);
  if (got != want) {
    std::string diff;
    for (const auto& [path, bytes] : want) {
      auto g = got.find(path);
      if (g == got.end()) absl::StrAppend(&diff, " missing ", path);
      else if (g->second != bytes) absl::StrAppend(&diff, " differs ", path);
    }
    for (const auto& [path, bytes] : got) {
      if (!want.count(path)) absl::StrAppend(&diff, " extra ", path);
    }
    STRESS_CHECK(false, absl::StrCat(what, ": output differs from a clean "
                                           "build:", diff));
  }
  const std::vector<std::string> temps = Temps(site + "/public");
  const std::vector<std::string> state = Temps(site + "/.serval");
  STRESS_CHECK(temps.empty() && state.empty(),
               absl::StrCat(what, ": temp files left"));
}

// --- modes -------------------------------------------------------------

void Concurrent(const stress::StressConfig& config, bool no_lock) {
  const std::string site = g_root + "/site";
  int builds = 0, waited = 0;
  for (int round = 0; round < config.iterations; ++round) {
    WriteSite(site, round);
    std::vector<Run> runs;
    for (int p = 0; p < config.threads; ++p) {
      runs.push_back(StartBuild(site, no_lock));
    }
    for (const Run& run : runs) {
      const int status = Finish(run);
      const std::string log = ReadLog(run);
      STRESS_CHECK(ExitedOk(status),
                   absl::StrCat("round ", round, ": build ", run.pid,
                                " failed:\n", log));
      if (no_lock) {
        STRESS_CHECK(absl::StrContains(log, "SERVAL_UNSAFE_NO_LOCK=1"),
                     "no warning about the missing lock");
      } else if (absl::StrContains(log, "waiting for the build lock")) {
        static const RE2 holder(R"(waiting for the build lock held by pid \d+)");
        STRESS_CHECK(RE2::PartialMatch(log, holder),
                     absl::StrCat("a waiting build was not told the pid: ",
                                  log));
        ++waited;
      }
      ++builds;
    }
    CheckOutput(site, round, absl::StrCat("round ", round));
  }
  std::fprintf(stderr,
               "serval_process_stress %s: %d rounds x %d processes%s: %d "
               "builds, all exit 0, %d waited and were told the holder's pid, "
               "output == clean build, no temp\n",
               no_lock ? "nolock" : "locked",
               static_cast<int>(config.iterations), config.threads,
               no_lock ? " without the lock" : "", builds, waited);
}

void Reader(const stress::StressConfig& config) {
  const std::string site = g_root + "/site";
  const int versions = static_cast<int>(config.iterations);
  for (int v = 0; v <= versions; ++v) Oracle(v);
  WriteSite(site, 0);
  {
    Run first = StartBuild(site, false);
    STRESS_CHECK(ExitedOk(Finish(first)), ReadLog(first));
  }
  // `round` is r while build r may run: the tree is version r-1, r or (per
  // file) a mix of the two.
  std::atomic<int> round{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0}, reads_during_builds{0};
  std::thread reader([&] {
    while (!stop.load()) {
      const int r = round.load();
      const Files& before = Oracle(r == 0 ? 0 : r - 1);
      const Files& after = Oracle(r);
      std::map<std::string, int> paths;  // union, with a count
      for (const auto& [path, bytes] : before) ++paths[path];
      for (const auto& [path, bytes] : after) ++paths[path];
      for (const auto& [path, in_both] : paths) {
        absl::StatusOr<std::string> got =
            Fs().ReadFile(absl::StrCat(site, "/public/", path));
        if (round.load() != r) break;  // a new window: start over
        ++reads;
        if (r > 0) ++reads_during_builds;
        if (!got.ok()) {
          STRESS_CHECK(serval::base::ErrnoOf(got.status()) == ENOENT,
                       std::string(got.status().message()));
          STRESS_CHECK(in_both != 2,
                       absl::StrCat("build ", r, ": ", path,
                                    " missing though both versions have it"));
          continue;
        }
        auto b = before.find(path);
        auto a = after.find(path);
        STRESS_CHECK((b != before.end() && b->second == *got) ||
                         (a != after.end() && a->second == *got),
                     absl::StrCat("build ", r, ": ", path,
                                  " is neither version (torn or partial)"));
      }
    }
  });
  for (int r = 1; r <= versions; ++r) {
    WriteSite(site, r);
    round.store(r);
    Run run = StartBuild(site, false);
    const int status = Finish(run);
    STRESS_CHECK(ExitedOk(status), ReadLog(run));
    CheckOutput(site, r, absl::StrCat("build ", r));
  }
  stop.store(true);
  reader.join();
  STRESS_CHECK(reads_during_builds.load() > 0, "the reader never ran");
  std::fprintf(stderr,
               "serval_process_stress reader: %d builds with edits, %lld "
               "file reads (%lld while a build could run): none partial, "
               "none missing\n",
               versions, static_cast<long long>(reads.load()),
               static_cast<long long>(reads_during_builds.load()));
}

void Kill(const stress::StressConfig& config) {
  const int kills = absl::GetFlag(FLAGS_kills);
  const std::string site = g_root + "/site";
  std::mt19937_64 rng(config.seed);
  WriteSite(site, 0);
  // How long a whole incremental build (most victims are) takes here.
  absl::Duration whole;
  for (bool full : {true, false}) {
    const absl::Time start = absl::Now();
    Run run = StartBuild(site, false);
    STRESS_CHECK(ExitedOk(Finish(run)), ReadLog(run));
    if (!full) whole = absl::Now() - start;
  }
  CheckOutput(site, 0, "first build");
  const int64_t max_delay_us =
      static_cast<int64_t>(absl::ToInt64Microseconds(whole) * 1.2) + 1;
  int killed = 0, finished_first = 0, version = 0;
  for (int k = 0; k < kills; ++k) {
    if (k % 5 == 0) WriteSite(site, version = k / 5);
    const std::string what = absl::StrCat("kill ", k, " (version ", version,
                                          ")");
    Run victim = StartBuild(site, false);
    const int64_t delay_us =
        std::uniform_int_distribution<int64_t>(0, max_delay_us)(rng);
    // The random moment of the kill (not a synchronisation).
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    ::kill(victim.pid, SIGKILL);
    const int status = stress::Wait(victim.pid);
    if (WIFSIGNALED(status)) {
      ++killed;
    } else {
      ++finished_first;
      STRESS_CHECK(ExitedOk(status), absl::StrCat(what, ": ",
                                                  ReadLog(victim)));
      CheckLog(victim);
    }
    Run next = StartBuild(site, false);
    const int next_status = Finish(next);
    STRESS_CHECK(ExitedOk(next_status),
                 absl::StrCat(what, ": next build failed:\n", ReadLog(next)));
    CheckOutput(site, version, what);
  }
  std::fprintf(stderr,
               "serval_process_stress kill: %d builds, %d killed by SIGKILL "
               "(random delay up to %.0f ms), %d finished first; every next "
               "build exit 0, output == clean build, no temp\n",
               kills, killed, absl::ToDoubleMilliseconds(whole) * 1.2,
               finished_first);
}

}  // namespace

int main(int argc, char** argv) {
  stress::StressConfig config = stress::Init(
      argc, argv, {.threads = 6, .iterations = 3,
                   .duration = absl::Seconds(600)});
  g_serval = stress::RunfilesPath(argv[0], "src/cli/serval");
  const char* tmp = std::getenv("TEST_TMPDIR");
  g_root = absl::StrCat(tmp != nullptr ? tmp : "/tmp",
                        "/serval_process_stress_", ::getpid());
  STRESS_CHECK(serval::fs::CreateDirs(Fs(), g_root).ok(), g_root);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "locked" || mode == "nolock") {
    Concurrent(config, mode == "nolock");
  } else if (mode == "reader") {
    Reader(config);
  } else if (mode == "kill") {
    Kill(config);
  } else {
    STRESS_CHECK(false, "--mode must be locked, nolock, reader or kill");
  }
  return 0;
}
