#include "src/cli/serve_command.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/log.h"
#include "src/build/build.h"
#include "src/build/markdown_cache.h"
#include "src/fs/posix_fs.h"
#include "src/serve/server.h"

extern char** environ;

namespace serval::cli {
namespace {

// The CLI's exit codes (cli.h), which includes this file.
constexpr int kServeOk = 0;
constexpr int kServeFailure = 1;

// Every change rebuilds through BuildSite (whole builds until the build
// cache makes them incremental; the ChangeSet is passed on as css-only or
// not). The build takes the site's build lock itself, so a `serval build`
// run by hand meanwhile is serialized with the server's rebuilds.
absl::StatusOr<serve::RebuildFunction> DefaultRebuild(
    const ServeBuildSettings& settings) {
  auto fs = std::make_shared<fs::PosixFs>();
  // Rendered Markdown of unchanged pages is reused by every rebuild.
  auto markdown_cache = std::make_shared<build::MarkdownCache>();
  build::BuildOptions options;
  options.markdown_cache = markdown_cache.get();
  options.site_dir = settings.site_dir;
  // The default output directory stays implicit, as `serval build` leaves
  // it: both then share one cache identity, and a build after serve (or
  // serve after a build) renders only what changed.
  if (settings.output_dir != build::OutputDirOf({.site_dir = settings.site_dir})) {
    options.output_dir = settings.output_dir;
  }
  options.include_drafts = settings.drafts;
  options.tool_identity = build::RunningBinaryIdentity();
  options.on_lock_wait = [](absl::string_view holder) {
    base::Log(base::LogLevel::kWarning,
              absl::StrCat("waiting for the build lock held by ", holder));
  };
  return serve::RebuildFunction(
      [fs, markdown_cache, options](const serve::ChangeSet& changes) {
        build::BuildOptions this_build = options;
        this_build.inputs_changed = !changes.empty();
        build::BuildResult result = build::BuildSite(*fs, this_build);
        for (const std::string& warning : result.warnings) {
          base::Log(base::LogLevel::kWarning, warning);
        }
        serve::RebuildOutcome outcome;
        outcome.ok = result.ok();
        outcome.error = absl::StrJoin(result.errors, "\n");
        outcome.css_only = changes.OnlyCss();
        if (outcome.ok) base::Log(base::LogLevel::kInfo, result.Summary());
        return outcome;
      });
}

// Starts the desktop's browser on `url`; does not wait for it.
void OpenBrowser(const std::string& url, std::ostream& err) {
  pid_t pid = 0;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr,
                   const_cast<char* const*>(argv), environ) != 0) {
    err << "serval: cannot open a browser (xdg-open): open " << url
        << " yourself\n";
  }
  // The child is left to exit on its own; SIGCHLD's default discards it
  // only once reaped, so reap it without blocking on the way out.
  waitpid(pid, nullptr, WNOHANG);
}

}  // namespace

int RunServe(const ServeArgs& args, const ServeHooks& hooks, std::ostream& out,
             std::ostream& err) {
  ServeBuildSettings settings{
      .site_dir = args.site_dir,
      .output_dir = build::OutputDirOf({.site_dir = args.site_dir}),
      .drafts = args.drafts};
  absl::StatusOr<serve::RebuildFunction> rebuild =
      hooks.make_rebuild ? hooks.make_rebuild(settings)
                         : DefaultRebuild(settings);
  if (!rebuild.ok()) {
    err << "serval: " << rebuild.status().message() << "\n";
    return kServeFailure;
  }
  // Signals are taken by sigwait below; block them before threads start so
  // that none of the server's threads is killed by them.
  if (!hooks.wait_for_stop) serve::BlockTerminationSignals();

  fs::PosixFs fs;
  serve::ServerOptions options{.site_dir = settings.site_dir,
                               .output_dir = settings.output_dir,
                               .host = args.host,
                               .port = args.port,
                               .auto_port = args.auto_port};
  absl::StatusOr<std::unique_ptr<serve::DevServer>> server =
      serve::DevServer::Start(fs, options, *std::move(rebuild));
  if (!server.ok()) {
    err << "serval: " << server.status().message() << "\n";
    return kServeFailure;
  }
  std::string url = (*server)->url();
  out << "Serving " << args.site_dir << " at " << url
      << " (live reload on; Ctrl+C to stop)" << std::endl;
  if (hooks.on_serving) hooks.on_serving(url);
  if (args.open_browser) OpenBrowser(url, err);

  if (hooks.wait_for_stop) {
    hooks.wait_for_stop();
  } else {
    serve::WaitForTerminationSignal();
    out << "\nStopping..." << std::endl;
  }
  (*server)->Stop();  // waits for a rebuild in flight to finish
  return kServeOk;
}

}  // namespace serval::cli
