// lock_safety.h — is the build lock (flock on .serval/lock) to be trusted
// on the filesystem holding a site?
//
// flock(2) is advisory and local: on NFS it is emulated with byte-range
// locks (and not at all with some mount options or servers), on CIFS/SMB
// it is local to the client, on FUSE filesystems (sshfs, ...) and other
// network or cluster filesystems it depends on the implementation. Two
// builds on two machines — or even on one — may then both "hold" the lock.
// The atomic writes still keep every file whole, but concurrent builds may
// interleave their outputs. Serval warns; it does not refuse.
//
// Example:
//   if (std::optional<std::string> w = FlockWarning(site_dir)) Warn(*w);
//
// Thread-safety: pure functions (FilesystemType calls statfs(2)).
#ifndef SERVAL_FS_LOCK_SAFETY_H_
#define SERVAL_FS_LOCK_SAFETY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace serval::fs {

// The name ("nfs", "cifs", "smb2", "fuse", ...) of the filesystem with
// statfs magic number `f_type` if flock may be unreliable on it, else
// nullopt (local filesystems: ext4, xfs, btrfs, tmpfs, ...).
std::optional<absl::string_view> UnreliableFlockFilesystem(int64_t f_type);

// statfs(2) of `path`: its f_type.
absl::StatusOr<int64_t> FilesystemType(absl::string_view path);

using StatfsFn = std::function<absl::StatusOr<int64_t>(absl::string_view)>;

// The warning to print for a site in `dir`, or nullopt (also when statfs
// fails: nothing is known). `statfs` is injectable for tests.
std::optional<std::string> FlockWarning(absl::string_view dir,
                                        const StatfsFn& statfs = FilesystemType);

}  // namespace serval::fs

#endif  // SERVAL_FS_LOCK_SAFETY_H_
