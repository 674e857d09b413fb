#include "src/fs/test_fs.h"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "src/fs/mem_fs.h"
#include "src/fs/posix_fs.h"

namespace serval::fs {

TestFs::TestFs(FsKind kind) {
  if (kind == FsKind::kMem) {
    fs_ = std::make_unique<MemFs>();
    root_ = "/test";
    if (!fs_->CreateDir(root_, 0755).ok()) std::abort();
    return;
  }
  fs_ = std::make_unique<PosixFs>();
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") +
                        "/serval_fs_XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  root_ = pattern;
  remove_root_ = true;
}

TestFs::~TestFs() {
  if (remove_root_) {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
}

}  // namespace serval::fs
