// test_fs.h — a fresh, empty directory on a given kind of Fs, so one test
// body runs on the real disk and in memory alike.
//
// Example:
//   class MyTest : public ::testing::TestWithParam<FsKind> {
//     TestFs t_{GetParam()};   // t_.fs(), t_.root()
//   };
//   INSTANTIATE_TEST_SUITE_P(Fs, MyTest, ::testing::Values(FsKind::kPosix,
//                                                          FsKind::kMem),
//                            FsKindName);
//
// Thread-safety: fs() is as thread-safe as the Fs; the rest is immutable.
#ifndef SERVAL_FS_TEST_FS_H_
#define SERVAL_FS_TEST_FS_H_

#include <memory>
#include <string>

#include "src/fs/fs.h"

namespace serval::fs {

enum class FsKind { kPosix, kMem };

class TestFs {
 public:
  // kPosix: a new directory under $TEST_TMPDIR (or /tmp), removed at the
  // end; kMem: "/test" on a new MemFs.
  explicit TestFs(FsKind kind);
  ~TestFs();
  Fs& fs() { return *fs_; }
  const std::string& root() const { return root_; }
  std::string Path(const std::string& relative) const {
    return JoinPath(root_, relative);
  }

 private:
  std::unique_ptr<Fs> fs_;
  std::string root_;
  bool remove_root_ = false;
};

// For INSTANTIATE_TEST_SUITE_P: "Posix" or "Mem".
template <typename ParamInfo>
std::string FsKindName(const ParamInfo& info) {
  return info.param == FsKind::kPosix ? "Posix" : "Mem";
}

}  // namespace serval::fs

#endif  // SERVAL_FS_TEST_FS_H_
