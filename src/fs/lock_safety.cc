#include "src/fs/lock_safety.h"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/base/errno_status.h"

namespace serval::fs {
namespace {

// Not in every <linux/magic.h>.
constexpr int64_t kCifsMagic = 0xFF534D42;
constexpr int64_t kSmb2Magic = 0xFE534D42;
constexpr int64_t kFuseMagic = 0x65735546;
constexpr int64_t kCephMagic = 0x00C36400;
constexpr int64_t kGfs2Magic = 0x01161970;
constexpr int64_t kOcfs2Magic = 0x7461636F;
constexpr int64_t kLustreMagic = 0x0BD00BD0;

}  // namespace

std::optional<absl::string_view> UnreliableFlockFilesystem(int64_t f_type) {
  // statfs reports f_type as a signed long on some ABIs: compare the low
  // 32 bits, which is all the magic numbers use.
  switch (static_cast<uint32_t>(f_type)) {
    case NFS_SUPER_MAGIC:
      return "nfs";
    case SMB_SUPER_MAGIC:
      return "smb";
    case static_cast<uint32_t>(kCifsMagic):
      return "cifs";
    case static_cast<uint32_t>(kSmb2Magic):
      return "smb2";
    case static_cast<uint32_t>(kFuseMagic):
      return "fuse (sshfs, glusterfs, ...)";
    case CODA_SUPER_MAGIC:
      return "coda";
    case AFS_SUPER_MAGIC:
      return "afs";
    case V9FS_MAGIC:
      return "9p";
    case static_cast<uint32_t>(kCephMagic):
      return "ceph";
    case static_cast<uint32_t>(kGfs2Magic):
      return "gfs2";
    case static_cast<uint32_t>(kOcfs2Magic):
      return "ocfs2";
    case static_cast<uint32_t>(kLustreMagic):
      return "lustre";
    default:
      return std::nullopt;
  }
}

absl::StatusOr<int64_t> FilesystemType(absl::string_view path) {
  struct statfs st;
  if (::statfs(std::string(path).c_str(), &st) != 0) {
    return base::ErrnoStatus(errno, "statfs", path);
  }
  return static_cast<int64_t>(st.f_type);
}

std::optional<std::string> FlockWarning(absl::string_view dir,
                                        const StatfsFn& statfs) {
  absl::StatusOr<int64_t> type = statfs(dir);
  if (!type.ok()) return std::nullopt;
  std::optional<absl::string_view> name = UnreliableFlockFilesystem(*type);
  if (!name) return std::nullopt;
  return absl::StrFormat(
      "%s is on a %s filesystem (statfs type 0x%x): the build lock (flock) "
      "may not keep two builds of this site apart there; run one build at a "
      "time",
      dir, *name, static_cast<uint32_t>(*type));
}

}  // namespace serval::fs
