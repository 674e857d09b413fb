#include "src/cli/cli.h"

#include <cstdlib>

#include "CLI/CLI.hpp"
#include "absl/time/clock.h"
#include "src/base/version.h"
#include "src/cli/user_path.h"
#include "src/fs/posix_fs.h"
#include "src/scaffold/scaffold.h"

namespace serval::cli {
namespace {

std::string UserPath(const std::string& path) {
  return ResolveUserPath(path, std::getenv("BUILD_WORKING_DIRECTORY"));
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  return RunCli(args, out, err, ServeHooks());
}

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, const ServeHooks& serve_hooks) {
  CLI::App app{"Serval: a fast static site generator that never truncates "
               "a file in place.",
               "serval"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("serval ") + base::kVersion);

  CLI::App* version =
      app.add_subcommand("version", "Print the version of serval and exit.");

  CLI::App* new_cmd = app.add_subcommand("new", "Create a site or a page.");
  new_cmd->require_subcommand(1);
  std::string new_site_dir, new_site_title;
  CLI::App* new_site =
      new_cmd->add_subcommand("site", "Create a new site that builds as is.");
  new_site->add_option("DIR", new_site_dir, "Directory of the new site")
      ->required();
  new_site->add_option("--title", new_site_title,
                       "Site title (default: the directory name)");
  std::string new_page_path, new_page_site = ".";
  CLI::App* new_page = new_cmd->add_subcommand(
      "page", "Create a draft page under content/ (never overwrites).");
  new_page->add_option("PATH", new_page_path,
                       "Path under content/, e.g. posts/my-post.md")
      ->required();
  new_page->add_option("--site", new_page_site, "Site directory (default: .)");

  ServeArgs serve_args;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve", "Build, serve with live reload, and rebuild on every save.");
  serve_cmd->add_option("SITE", serve_args.site_dir,
                        "Site directory (default: .)");
  serve_cmd->add_option("--port,-p", serve_args.port, "Port (default: 1313)")
      ->check(CLI::Range(1, 65535));
  serve_cmd->add_option("--host", serve_args.host,
                        "Address to bind (default: 127.0.0.1)");
  serve_cmd->add_flag("--auto-port", serve_args.auto_port,
                      "If the port is in use, take the next free one");
  serve_cmd->add_flag("--open", serve_args.open_browser,
                      "Open the site in the default browser");
  serve_cmd->add_flag("--drafts", serve_args.drafts, "Include draft pages");

  // An unknown first word is a command the user thinks exists: name it.
  if (args.size() > 1 && !args[1].empty() && args[1][0] != '-' &&
      app.get_subcommands([&](CLI::App* sub) {
           return sub->check_name(args[1]);
         }).empty()) {
    err << "serval: unknown command '" << args[1] << "'\n"
        << "Run 'serval --help' for usage.\n";
    return kExitUsage;
  }

  // CLI11 wants argv in reverse order for its vector overload.
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e, out, err);  // prints the help of the command asked about
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    err << "serval: " << e.what() << "\n"
        << "Run 'serval --help' for usage.\n";
    return kExitUsage;
  }

  if (version->parsed()) {
    out << "serval " << base::kVersion << "\n";
    return kExitOk;
  }
  if (serve_cmd->parsed()) {
    serve_args.site_dir = UserPath(serve_args.site_dir);
    return RunServe(serve_args, serve_hooks, out, err);
  }
  fs::PosixFs fs;
  if (new_site->parsed()) {
    std::string dir = UserPath(new_site_dir);
    std::string title =
        new_site_title.empty() ? fs::Basename(new_site_dir) : new_site_title;
    absl::Status status = scaffold::NewSite(fs, dir, title);
    if (!status.ok()) {
      err << "serval: " << status.message() << "\n";
      return kExitFailure;
    }
    out << "Created site '" << title << "' in " << new_site_dir << "\n";
    return kExitOk;
  }
  if (new_page->parsed()) {
    absl::StatusOr<std::string> path = scaffold::NewPage(
        fs, UserPath(new_page_site), new_page_path, absl::Now());
    if (!path.ok()) {
      err << "serval: " << path.status().message() << "\n";
      return kExitFailure;
    }
    out << "Created " << *path << "\n";
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace serval::cli
