// serve_command.h — `serval serve [SITE] [--port N] [--host H] [--auto-port]
// [--open] [--drafts]`: build, serve SITE/public with live reload, rebuild
// on every save, until SIGINT or SIGTERM.
//
// The rebuild function comes from a seam (ServeHooks::make_rebuild), so the
// command is tested with a fake builder and does not depend on the build
// pipeline's internals.
//
// Exit codes: 0 after a clean stop; 1 if the server cannot start (port in
// use, another `serval serve` on the site — its pid is named); a failing
// build is not an exit: it is reported and the server keeps running.
//
// Thread-safety: RunServe is called from main's thread; with the default
// wait_for_stop it blocks SIGINT and SIGTERM in every thread it starts.
#ifndef SERVAL_CLI_SERVE_COMMAND_H_
#define SERVAL_CLI_SERVE_COMMAND_H_

#include <functional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "src/serve/change_set.h"

namespace serval::cli {

struct ServeArgs {
  std::string site_dir = ".";  // resolved by the caller
  std::string host = "127.0.0.1";
  int port = 1313;
  bool auto_port = false;
  bool open_browser = false;
  bool drafts = false;
};

struct ServeBuildSettings {
  std::string site_dir;
  std::string output_dir;
  bool drafts = false;
};

struct ServeHooks {
  // Makes the rebuild function. Null: build::BuildSite on the site.
  std::function<absl::StatusOr<serve::RebuildFunction>(
      const ServeBuildSettings&)>
      make_rebuild;
  // Called once the server listens, with its URL.
  std::function<void(const std::string& url)> on_serving;
  // Blocks until the server should stop. Null: until SIGINT or SIGTERM.
  std::function<void()> wait_for_stop;
};

int RunServe(const ServeArgs& args, const ServeHooks& hooks, std::ostream& out,
             std::ostream& err);

}  // namespace serval::cli

#endif  // SERVAL_CLI_SERVE_COMMAND_H_
