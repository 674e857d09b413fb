// build_lock_holder — test helper for build_lock_test: takes the build
// lock at argv[1] with build id argv[2], prints "locked\n" on stdout, then
// waits to be killed (at most 120 s, so it can never linger).
#include <unistd.h>

#include <cstdio>

#include "src/fs/build_lock.h"
#include "src/fs/posix_fs.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: build_lock_holder LOCK_PATH BUILD_ID\n");
    return 2;
  }
  serval::fs::BuildLockOptions options;
  options.build_id = argv[2];
  options.timeout = absl::Seconds(30);
  auto lock = serval::fs::BuildLock::Acquire(serval::fs::DefaultPosixFs(),
                                             argv[1], options);
  if (!lock.ok()) {
    std::fprintf(stderr, "%s\n", lock.status().ToString().c_str());
    return 1;
  }
  std::printf("locked\n");
  std::fflush(stdout);
  ::alarm(120);
  for (;;) ::pause();
}
