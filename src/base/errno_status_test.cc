#include "src/base/errno_status.h"

#include <cerrno>

#include "gtest/gtest.h"

namespace serval::base {
namespace {

TEST(ErrnoStatusTest, NamesOperationPathAndErrno) {
  absl::Status s = ErrnoStatus(ENOSPC, "write", "public/index.html");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(),
            "write public/index.html: ENOSPC: No space left on device");
  EXPECT_EQ(ErrnoOf(s), ENOSPC);
}

TEST(ErrnoStatusTest, CanonicalCodes) {
  EXPECT_EQ(ErrnoStatus(ENOENT, "open", "x").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus(EACCES, "open", "x").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EEXIST, "open", "x").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoStatus(EINTR, "write", "x").code(),
            absl::StatusCode::kUnavailable);
}

TEST(ErrnoStatusTest, ErrnoOfStatusWithoutPayloadIsZero) {
  EXPECT_EQ(ErrnoOf(absl::OkStatus()), 0);
  EXPECT_EQ(ErrnoOf(absl::InternalError("x")), 0);
}

TEST(ErrnoStatusTest, PayloadSurvivesCopy) {
  absl::Status s = ErrnoStatus(EXDEV, "rename", "a");
  absl::Status copy = s;
  EXPECT_EQ(ErrnoOf(copy), EXDEV);
}

TEST(ErrnoNameTest, KnownAndUnknown) {
  EXPECT_EQ(ErrnoName(EIO), "EIO");
  EXPECT_EQ(ErrnoName(EROFS), "EROFS");
  EXPECT_EQ(ErrnoName(99999), "E99999");
}

TEST(IsTransientErrnoTest, Classification) {
  EXPECT_TRUE(IsTransientErrno(EINTR));
  EXPECT_TRUE(IsTransientErrno(EAGAIN));
  EXPECT_TRUE(IsTransientErrno(EBUSY));
  for (int e : {ENOSPC, EDQUOT, EIO, EACCES, EROFS, EXDEV, ENOENT}) {
    EXPECT_FALSE(IsTransientErrno(e)) << ErrnoName(e);
  }
}

}  // namespace
}  // namespace serval::base
