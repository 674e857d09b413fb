#include "src/cli/cli.h"

#include <cstdlib>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/time/clock.h"
#include "absl/strings/str_split.h"
#include "src/base/log.h"
#include "src/base/version.h"
#include "src/build/build.h"
#include "src/build/link_checker.h"
#include "src/cli/user_path.h"
#include "src/site/config.h"
#include "src/template/environment.h"
#include "src/fs/lock_safety.h"
#include "src/fs/posix_fs.h"
#include "src/scaffold/scaffold.h"

namespace serval::cli {
namespace {

std::string UserPath(const std::string& path) {
  return ResolveUserPath(path, std::getenv("BUILD_WORKING_DIRECTORY"));
}

// Logs a possibly multi-line message line by line, so every line carries
// the build id and pid.
void LogLines(base::LogLevel level, absl::string_view message) {
  for (absl::string_view line : absl::StrSplit(message, '\n')) {
    if (!line.empty()) base::Log(level, line);
  }
}

struct BuildFlags {
  std::string site_dir = ".";
  std::string output_dir;
  int jobs = 0;
  bool drafts = false;
  bool clean = false;
  bool explain = false;
  std::string durability = "batch";
  double lock_timeout_seconds = 600;
  bool quiet = false;
  bool verbose = false;
  std::string log_format = "text";
};

void AddBuildFlags(CLI::App* cmd, BuildFlags* f) {
  cmd->add_option("SITE_DIR", f->site_dir, "Site directory (default: .)");
  cmd->add_option("-o,--output", f->output_dir,
                  "Output directory (default: SITE_DIR/public)");
  cmd->add_option("-j,--jobs", f->jobs, "Render threads (default: every core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--drafts", f->drafts, "Include pages marked draft");
  cmd->add_flag("--clean", f->clean, "Ignore the build cache: a full build");
  cmd->add_flag("--explain", f->explain,
                "Print each re-rendered page and the change that caused it");
  cmd->add_option("--durability", f->durability,
                  "strict (fsync every file), batch (one sync at the end), "
                  "none")
      ->check(CLI::IsMember({"strict", "batch", "none"}));
  cmd->add_option("--lock-timeout", f->lock_timeout_seconds,
                  "Seconds to wait for another build of the same site")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", f->quiet, "Only errors");
  cmd->add_flag("-v,--verbose", f->verbose, "Also debug messages");
  cmd->add_option("--log-format", f->log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
}

build::BuildOptions ToBuildOptions(const BuildFlags& f) {
  build::BuildOptions options;
  options.site_dir = UserPath(f.site_dir);
  options.output_dir = f.output_dir.empty() ? "" : UserPath(f.output_dir);
  options.jobs = f.jobs;
  options.include_drafts = f.drafts;
  options.clean = f.clean;
  options.tool_identity = build::RunningBinaryIdentity();
  // `build` and `check` run one build and exit: the OS frees its state.
  options.free_state = false;
  options.durability = f.durability == "strict" ? fs::Durability::kStrict
                       : f.durability == "none" ? fs::Durability::kNone
                                                : fs::Durability::kBatch;
  options.lock_timeout = absl::Seconds(f.lock_timeout_seconds);
  // A one-line progress display on a terminal; none in pipes, logs, CI.
  if (!f.quiet && f.log_format == "text" && ::isatty(2)) {
    options.progress = [](absl::string_view phase, size_t done, size_t total) {
      std::string line =
          total == 0 ? absl::StrCat("\r\033[K", phase, "...")
                     : absl::StrCat("\r\033[K", phase, " ", done, "/", total,
                                    " (", done * 100 / total, "%)");
      if (phase == "publish") line += "\r\033[K";  // gone before the summary
      // One write per update: lines from render threads never interleave.
      [[maybe_unused]] ssize_t n = ::write(2, line.data(), line.size());
    };
  }
  options.on_lock_wait = [](absl::string_view holder) {
    base::Log(base::LogLevel::kWarning,
              absl::StrCat("waiting for the build lock held by ", holder));
  };
  // For tests only (stress/serval_process_stress): several builds of one
  // site at once, kept whole by the atomic writes alone.
  const char* no_lock = std::getenv(kUnsafeNoLockEnv);
  options.use_lock = no_lock == nullptr || std::string(no_lock) != "1";
  return options;
}

// Warnings about the build lock itself, before a build.
void WarnAboutTheLock(const build::BuildOptions& options) {
  if (!options.use_lock) {
    base::Log(base::LogLevel::kWarning,
              absl::StrCat(kUnsafeNoLockEnv,
                           "=1: building without the build lock (for tests "
                           "only; concurrent builds of this site may "
                           "interleave their outputs)"));
    return;
  }
  if (std::optional<std::string> w = fs::FlockWarning(options.site_dir)) {
    base::Log(base::LogLevel::kWarning, *w);
  }
}

void InitLoggingFor(const BuildFlags& f) {
  base::InitLogging(
      {.min_level = f.quiet     ? base::LogLevel::kError
                    : f.verbose ? base::LogLevel::kDebug
                                : base::LogLevel::kInfo,
       .format = f.log_format == "json" ? base::LogFormat::kJson
                                        : base::LogFormat::kText});
}

// Runs a build and reports it; true when it succeeded.
bool RunBuild(fs::Fs& fs, const build::BuildOptions& options,
              const BuildFlags& flags, std::ostream& out) {
  build::BuildResult result = build::BuildSite(fs, options);
  for (const std::string& w : result.warnings) {
    LogLines(base::LogLevel::kWarning, w);
  }
  for (const std::string& e : result.errors) {
    LogLines(base::LogLevel::kError, e);
  }
  if (!result.ok()) {
    base::Log(base::LogLevel::kError,
              absl::StrCat("build failed with ", result.errors.size(),
                           result.errors.size() == 1 ? " error" : " errors",
                           "; the previous output was left as it was"));
    return false;
  }
  if (flags.explain) {
    for (const std::string& line : result.explain) out << line << "\n";
  }
  if (!flags.quiet) out << result.Summary() << "\n";
  return true;
}

// serval render TEMPLATE [--templates DIR]... [--data CONTEXT.json]
// [--strict]: with --templates, TEMPLATE is a name looked up in the
// directories (in order); without, it is a file and its directory is the
// search path for extends/include/import.
int RunRender(const std::string& template_arg,
              const std::vector<std::string>& template_dirs,
              const std::string& data_path, bool strict, std::ostream& out,
              std::ostream& err) {
  auto read_file = [](const std::string& path, std::string* text) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    *text = buffer.str();
    return !in.bad();
  };
  std::string context_json = "{}";
  if (!data_path.empty() && !read_file(UserPath(data_path), &context_json)) {
    err << "serval: cannot read " << data_path << "\n";
    return kExitFailure;
  }
  absl::StatusOr<tmpl::Value> context = tmpl::ValueFromJson(context_json);
  if (!context.ok()) {
    err << "serval: " << data_path << ": " << context.status().message()
        << "\n";
    return kExitFailure;
  }
  tmpl::EnvironmentOptions options;
  options.strict_undefined = strict;
  std::vector<std::string> dirs;
  for (const std::string& d : template_dirs) dirs.push_back(UserPath(d));
  std::string name = template_arg;
  if (dirs.empty()) {
    std::filesystem::path file(UserPath(template_arg));
    dirs.push_back(file.has_parent_path() ? file.parent_path().string()
                                          : ".");
    name = file.filename().string();
  }
  tmpl::Environment env(std::make_unique<tmpl::DirectoryLoader>(dirs),
                        options);
  absl::StatusOr<std::string> html = env.Render(name, *context);
  if (!html.ok()) {
    err << "serval: " << html.status().message() << "\n";
    return kExitFailure;
  }
  out << *html;
  return kExitOk;
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

  BuildFlags build_flags;
  CLI::App* build_cmd = app.add_subcommand(
      "build", "Build the site into its output directory.");
  AddBuildFlags(build_cmd, &build_flags);

  BuildFlags check_flags;
  CLI::App* check_cmd = app.add_subcommand(
      "check",
      "Build the site, then check its output for broken internal links and "
      "anchors (missing templates and duplicate URLs fail the build).");
  AddBuildFlags(check_cmd, &check_flags);

  std::string clean_site = ".", clean_output;
  CLI::App* clean_cmd = app.add_subcommand(
      "clean", "Remove the output directory and the build cache.");
  clean_cmd->add_option("SITE_DIR", clean_site, "Site directory (default: .)");
  clean_cmd->add_option("-o,--output", clean_output,
                        "Output directory (default: SITE_DIR/public)");

  std::string render_template, render_data;
  std::vector<std::string> render_dirs;
  bool render_strict = false;
  CLI::App* render_cmd = app.add_subcommand(
      "render", "Render one template with a JSON context and print it.");
  render_cmd
      ->add_option("TEMPLATE", render_template,
                   "Template name under --templates, or a template file")
      ->required();
  render_cmd->add_option("--templates", render_dirs,
                         "Template directory (repeatable, searched in order)");
  render_cmd->add_option("--data", render_data,
                         "JSON file whose object is the context");
  render_cmd->add_flag("--strict", render_strict,
                       "Fail on undefined variables");

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
  if (render_cmd->parsed()) {
    return RunRender(render_template, render_dirs, render_data, render_strict,
                     out, err);
  }
  if (serve_cmd->parsed()) {
    serve_args.site_dir = UserPath(serve_args.site_dir);
    return RunServe(serve_args, serve_hooks, out, err);
  }
  fs::PosixFs fs;
  if (build_cmd->parsed()) {
    InitLoggingFor(build_flags);
    const build::BuildOptions options = ToBuildOptions(build_flags);
    WarnAboutTheLock(options);
    return RunBuild(fs, options, build_flags, out)
               ? kExitOk
               : kExitFailure;
  }
  if (check_cmd->parsed()) {
    InitLoggingFor(check_flags);
    const build::BuildOptions options = ToBuildOptions(check_flags);
    WarnAboutTheLock(options);
    if (!RunBuild(fs, options, check_flags, out)) return kExitFailure;
    absl::StatusOr<std::string> config_text =
        fs.ReadFile(fs::JoinPath(options.site_dir, "serval.toml"));
    std::string baseurl = "/";
    if (config_text.ok()) {
      absl::StatusOr<site::SiteConfig> config =
          site::ParseSiteConfig("serval.toml", *config_text);
      if (config.ok()) baseurl = config->baseurl;
    }
    std::vector<std::string> problems =
        build::CheckLinks(fs, build::OutputDirOf(options), baseurl);
    for (const std::string& p : problems) base::Log(base::LogLevel::kError, p);
    if (!problems.empty()) {
      err << "serval check: " << problems.size() << " problem"
          << (problems.size() == 1 ? "" : "s") << "\n";
      return kExitFailure;
    }
    out << "serval check: no broken links or anchors\n";
    return kExitOk;
  }
  if (clean_cmd->parsed()) {
    build::BuildOptions options;
    options.site_dir = UserPath(clean_site);
    options.output_dir = clean_output.empty() ? "" : UserPath(clean_output);
    // Never remove the site itself or a directory holding it.
    std::error_code ec_site, ec_out;
    const std::filesystem::path site_path =
        std::filesystem::weakly_canonical(options.site_dir, ec_site);
    const std::filesystem::path out_path =
        std::filesystem::weakly_canonical(build::OutputDirOf(options), ec_out);
    const std::string site_str = site_path.string() + "/";
    const std::string out_str = out_path.string() + "/";
    if (ec_site || ec_out || site_str.rfind(out_str, 0) == 0) {
      err << "serval: refusing to remove " << build::OutputDirOf(options)
          << ": it holds the site\n";
      return kExitFailure;
    }
    for (const std::string& dir :
         {build::OutputDirOf(options),
          fs::JoinPath(options.site_dir, ".serval/cache.json")}) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
      if (ec) {
        err << "serval: cannot remove " << dir << ": " << ec.message() << "\n";
        return kExitFailure;
      }
    }
    out << "Removed " << build::OutputDirOf(options) << " and the build cache\n";
    return kExitOk;
  }
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
