#include "src/cli/cli.h"

#include "CLI/CLI.hpp"
#include "src/base/version.h"

namespace serval::cli {

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  CLI::App app{"Serval: a fast static site generator that never truncates "
               "a file in place.",
               "serval"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("serval ") + base::kVersion);

  CLI::App* version =
      app.add_subcommand("version", "Print the version of serval and exit.");

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
    out << app.help();
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
  return kExitUsage;
}

}  // namespace serval::cli
