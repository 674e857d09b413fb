// spawn.h — starting the stress helper binaries in child processes.
//
// posix_spawn (not a bare fork) so that multi-threaded, TSan-instrumented
// parents are safe. Helpers are found in the runfiles tree.
//
// Example:
//   pid_t pid = Spawn(RunfilesPath(argv[0], "stress/atomic_write_child"),
//                     {"--target=/tmp/x"});
//
// Thread-safety: thread-safe.
#ifndef SERVAL_STRESS_SPAWN_H_
#define SERVAL_STRESS_SPAWN_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace serval::stress {

// The path of `workspace_relative` (e.g. "stress/atomic_write_child") in
// the runfiles of the running binary `argv0`.
std::string RunfilesPath(const char* argv0, const std::string& workspace_relative);

// Starts `binary` with `args`; returns its pid (aborts on failure).
pid_t Spawn(const std::string& binary, const std::vector<std::string>& args);

struct SpawnOptions {
  // "NAME=value" entries added to (or replacing in) this environment.
  std::vector<std::string> env;
  // Where the child's stdout and stderr go (created or truncated); empty:
  // inherited. stdout_path may be "/dev/null".
  std::string stdout_path;
  std::string stderr_path;
};
pid_t Spawn(const std::string& binary, const std::vector<std::string>& args,
            const SpawnOptions& options);

// Waits for `pid`; returns its wait status.
int Wait(pid_t pid);

}  // namespace serval::stress

#endif  // SERVAL_STRESS_SPAWN_H_
