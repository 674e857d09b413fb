// build_process_stress — --threads processes (default 10) start a whole
// build of ONE site at once (fork + BuildSite on PosixFs), for
// --iterations rounds (default 3), with a page edited between rounds. Each
// round: every process exits 0, those that waited were told who held the
// lock (from round 1, once the lock file exists), the output equals a
// clean build of the same sources in another directory, and no temp file
// is left.
//
//   bazel test --config=tsan //stress:build_process_stress
//   bazel run //stress:build_process_stress -- --threads=20 --iterations=100
//
// The parent is single-threaded whenever it forks (its own builds use
// --jobs 1), so fork is safe under TSan.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "src/build/build.h"
#include "src/build/test_site.h"
#include "src/fs/posix_fs.h"
#include "src/fs/temp_name.h"
#include "stress/harness.h"

namespace {

using serval::build::Files;

const absl::Time kBuildTime = absl::FromUnixSeconds(1767225600);

Files Site(int round) {
  Files f = {
      {"serval.toml",
       "title = \"Procs\"\nbaseurl = \"https://example.org/\"\npaginate = 5\n"},
      {"content/_index.md", "---\ntitle: Home\n---\nWelcome.\n"},
      {"content/blog/_index.md", "---\ntitle: Blog\n---\nPosts.\n"},
      {"content/about.md", "---\ntitle: About\n---\nAbout us.\n"},
      {"static/site.css", "body{}\n"},
  };
  for (int i = 1; i <= 20; ++i) {
    f[absl::StrCat("content/blog/p", i, ".md")] = absl::StrCat(
        "---\ntitle: Post ", i, i == round % 20 + 1 ? " edited" : "",
        "\ndate: 2025-01-", i < 10 ? "0" : "", i, "\ntags: [t", i % 3,
        "]\n---\nBody ", i, " round ", i == round % 20 + 1 ? round : 0, ".\n");
  }
  return f;
}

serval::build::BuildOptions Options(const std::string& site, int jobs) {
  serval::build::BuildOptions o;
  o.site_dir = site;
  o.jobs = jobs;
  o.build_time = kBuildTime;
  return o;
}

int CountTemps(serval::fs::Fs& fs, const std::string& root) {
  int temps = 0;
  for (const auto& [path, bytes] : serval::build::ReadTree(fs, root)) {
    const size_t slash = path.rfind('/');
    const std::string name =
        slash == std::string::npos ? path : path.substr(slash + 1);
    if (serval::fs::ParseTempName(name).has_value()) ++temps;
  }
  return temps;
}

}  // namespace

int main(int argc, char** argv) {
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv,
      {.threads = 10, .iterations = 3, .duration = absl::Seconds(300)});
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string root =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/build_process_stress_",
                   ::getpid());
  const std::string site = root + "/site";
  serval::fs::PosixFs& fs = serval::fs::DefaultPosixFs();
  int waited_total = 0;
  for (int round = 0; round < config.iterations; ++round) {
    serval::build::WriteFiles(fs, site, Site(round));
    // The oracle: a clean build of the same sources elsewhere.
    const std::string clean = absl::StrCat(root, "/clean", round);
    serval::build::WriteFiles(fs, clean, Site(round));
    serval::build::BuildResult oracle =
        serval::build::BuildSite(fs, Options(clean, 1));
    STRESS_CHECK(oracle.ok(), absl::StrJoin(oracle.errors, "\n"));
    const Files want = serval::build::ReadTree(fs, clean + "/public");

    std::vector<pid_t> pids;
    std::vector<int> pipes;
    for (int p = 0; p < config.threads; ++p) {
      int fds[2];
      STRESS_CHECK(::pipe(fds) == 0, "pipe");
      const pid_t pid = ::fork();
      STRESS_CHECK(pid >= 0, "fork");
      if (pid == 0) {
        ::close(fds[0]);
        bool waited = false;
        bool named = true;
        serval::build::BuildOptions o = Options(site, 2);
        o.on_lock_wait = [&](absl::string_view holder) {
          waited = true;
          if (holder.find("pid") == absl::string_view::npos) {
            named = false;
            std::fprintf(stderr, "child %d told: %s\n",
                         static_cast<int>(::getpid()),
                         std::string(holder).c_str());
          }
        };
        serval::build::BuildResult r = serval::build::BuildSite(fs, o);
        if (!r.ok()) {
          std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()),
                       absl::StrJoin(r.errors, "\n").c_str());
        }
        const char report = waited ? (named ? 'W' : 'N') : '-';
        (void)!::write(fds[1], &report, 1);
        ::_exit(r.ok() ? 0 : 1);
      }
      ::close(fds[1]);
      pids.push_back(pid);
      pipes.push_back(fds[0]);
    }
    for (size_t p = 0; p < pids.size(); ++p) {
      int status = 0;
      STRESS_CHECK(::waitpid(pids[p], &status, 0) == pids[p], "waitpid");
      STRESS_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                   absl::StrCat("round ", round, ": child ", pids[p],
                                " status ", status));
      char report = '?';
      STRESS_CHECK(::read(pipes[p], &report, 1) == 1, "child report");
      ::close(pipes[p]);
      // Round 0 creates the lock file: it is empty from its creation to
      // the first holder's write, and a waiter that finds it so for a
      // second (the creator descheduled under load) rightly reports "an
      // unknown holder". After that it always names a pid.
      STRESS_CHECK(report != 'N' || round == 0,
                   absl::StrCat("round ", round,
                                ": a waiting build was not told the "
                                "holder's pid"));
      if (report == 'W') ++waited_total;
    }
    const Files got = serval::build::ReadTree(fs, site + "/public");
    STRESS_CHECK(got == want,
                 absl::StrCat("round ", round,
                              ": output differs from a clean build"));
    STRESS_CHECK(CountTemps(fs, site) == 0,
                 absl::StrCat("round ", round, ": temp files left"));
  }
  std::fprintf(stderr,
               "build_process_stress: %d rounds x %d processes, all exit 0, "
               "output == clean build; %d builds waited for the lock\n",
               static_cast<int>(config.iterations), config.threads,
               waited_total);
  return 0;
}
