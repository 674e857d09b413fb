// cli.h — the `serval` command line: parses arguments and dispatches to the
// subcommands. Kept apart from main() so tests can run it in-process with
// their own output streams.
//
// Exit codes (the CLI contract): 0 success, 1 build or check errors,
// 2 usage errors (unknown command or flag, bad value).
//
// Environment: SERVAL_UNSAFE_NO_LOCK=1 makes `build` and `check` skip the
// build lock (.serval/lock), with a warning. FOR TESTS ONLY (the lock-free
// stress test): concurrent builds of one site then rely on atomic writes
// alone — no file is torn, but their outputs may interleave. Before a
// locked build, a warning is printed if the site is on a filesystem where
// flock may be unreliable (NFS, CIFS/SMB, FUSE...; fs/lock_safety.h).
#ifndef SERVAL_CLI_CLI_H_
#define SERVAL_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

#include "src/cli/serve_command.h"

namespace serval::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

inline constexpr char kUnsafeNoLockEnv[] = "SERVAL_UNSAFE_NO_LOCK";

// Runs `serval` with `args` (args[0] is the program name). Normal output
// goes to `out`, diagnostics and usage errors to `err`.
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err);
// As above, with `serval serve`'s rebuild function and stop condition
// supplied by the caller (tests use a fake builder).
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, const ServeHooks& serve_hooks);

}  // namespace serval::cli

#endif  // SERVAL_CLI_CLI_H_
