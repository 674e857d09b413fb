#include "stress/spawn.h"

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
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(),
                         environ);
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
