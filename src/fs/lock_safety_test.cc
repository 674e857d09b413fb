#include "src/fs/lock_safety.h"

#include <cerrno>
#include <cstdlib>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "src/base/errno_status.h"

namespace serval::fs {
namespace {

TEST(UnreliableFlockFilesystemTest, NetworkAndFuseFilesystemsAreNamed) {
  EXPECT_EQ(UnreliableFlockFilesystem(0x6969), "nfs");
  EXPECT_EQ(UnreliableFlockFilesystem(0xFF534D42), "cifs");
  EXPECT_EQ(UnreliableFlockFilesystem(0xFE534D42), "smb2");
  EXPECT_EQ(UnreliableFlockFilesystem(0x517B), "smb");
  EXPECT_TRUE(absl::StartsWith(*UnreliableFlockFilesystem(0x65735546), "fuse"));
  // A sign-extended f_type (signed long on some ABIs) is the same magic.
  EXPECT_EQ(UnreliableFlockFilesystem(static_cast<int64_t>(
                static_cast<int32_t>(0xFF534D42))),
            "cifs");
}

TEST(UnreliableFlockFilesystemTest, LocalFilesystemsAreTrusted) {
  for (int64_t local : {int64_t{0xEF53} /*ext4*/, int64_t{0x58465342} /*xfs*/,
                        int64_t{0x9123683E} /*btrfs*/, int64_t{0x01021994} /*tmpfs*/,
                        int64_t{0x794C7630} /*overlayfs*/}) {
    EXPECT_EQ(UnreliableFlockFilesystem(local), std::nullopt) << local;
  }
}

TEST(FlockWarningTest, WarnsOnNfsThroughInjectedStatfs) {
  std::string asked;
  std::optional<std::string> w =
      FlockWarning("/mnt/share/site", [&](absl::string_view p) {
        asked = std::string(p);
        return absl::StatusOr<int64_t>(0x6969);
      });
  EXPECT_EQ(asked, "/mnt/share/site");
  ASSERT_TRUE(w.has_value());
  EXPECT_TRUE(absl::StrContains(*w, "/mnt/share/site")) << *w;
  EXPECT_TRUE(absl::StrContains(*w, "nfs")) << *w;
  EXPECT_TRUE(absl::StrContains(*w, "flock")) << *w;
}

TEST(FlockWarningTest, SilentOnLocalFilesystemOrStatfsFailure) {
  EXPECT_EQ(FlockWarning("/s", [](absl::string_view) {
              return absl::StatusOr<int64_t>(0xEF53);
            }),
            std::nullopt);
  EXPECT_EQ(FlockWarning("/s", [](absl::string_view p) {
              return absl::StatusOr<int64_t>(
                  base::ErrnoStatus(ENOENT, "statfs", p));
            }),
            std::nullopt);
}

TEST(FilesystemTypeTest, RealStatfsOfTheTestDirectoryIsLocal) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  absl::StatusOr<int64_t> type = FilesystemType(tmp != nullptr ? tmp : "/tmp");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_NE(*type, 0);
  EXPECT_FALSE(FilesystemType("/no/such/dir").ok());
}

}  // namespace
}  // namespace serval::fs
