#include "stress/spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "stress/harness.h"

extern char** environ;

namespace serval::stress {

std::string RunfilesPath(const char* argv0,
                         const std::string& workspace_relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  if (srcdir != nullptr) {
    return std::string(srcdir) + "/serval/" + workspace_relative;
  }
  return std::string(argv0) + ".runfiles/serval/" + workspace_relative;
}

pid_t Spawn(const std::string& binary, const std::vector<std::string>& args) {
  return Spawn(binary, args, SpawnOptions());
}

pid_t Spawn(const std::string& binary, const std::vector<std::string>& args,
            const SpawnOptions& options) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& mine : options.env) {
      replaced |= mine.substr(0, mine.find('=')) == name;
    }
    if (!replaced) env_strings.push_back(entry);
  }
  for (const std::string& mine : options.env) env_strings.push_back(mine);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  if (!options.stdout_path.empty()) {
    ::posix_spawn_file_actions_addopen(&actions, 1,
                                       options.stdout_path.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  if (!options.stderr_path.empty()) {
    ::posix_spawn_file_actions_addopen(&actions, 2,
                                       options.stderr_path.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(),
                         envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  STRESS_CHECK(rc == 0, binary + ": " + std::strerror(rc));
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  pid_t got;
  do {
    got = ::waitpid(pid, &status, 0);
  } while (got < 0 && errno == EINTR);
  STRESS_CHECK(got == pid, "waitpid");
  return status;
}

}  // namespace serval::stress
