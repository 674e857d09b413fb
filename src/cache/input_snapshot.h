// input_snapshot.h — the no-op fast path's record (.serval/inputs.snap): the
// lstat of every input and every output of the last committed build, so the
// next build can tell from one directory walk and a stat per file that
// nothing changed, without reading, parsing or rendering anything.
//
// Contract:
// - A snapshot is written only after a build committed (outputs and
//   .serval/cache.json durable, the .serval/building marker removed), and
//   only when no input is reached through a symlink to a file, no page
//   depends on the build time and the build held the build lock. Each input is recorded with the stat the
//   build's walk took before reading it: an input that changed since —
//   while the build read it or after — has another stat when the next
//   build walks (that build is then a normal one, which hashes it), or
//   changed within the same timestamp tick as its recorded mtime, which
//   makes it racy at this build's start (below).
// - An input that is "racy" — changed less than kRacyMargin before the
//   snapshot was written (its file's mtime) — is never trusted: a later
//   edit in the same timestamp tick could keep size and mtime (git's
//   racy-clean rule). The next normal build writes a snapshot afresh.
//   The build that writes the snapshot judges its inputs the same way
//   against the time it started (the build lock file's mtime, taken before
//   the walk) and writes none if one is racy: judged only at the next
//   build, against the snapshot's later mtime, an input rewritten in its
//   tick just after a long build read it would pass.
// - A build removes the snapshot before it writes anything (before the
//   marker), so a crashed or failed build never leaves one behind.
// - The fast path holds only if the snapshot parses and its checksum
//   verifies, no marker exists, the identity (tool version, binary, the
//   options that shape the output) is the same, .serval/cache.json has the
//   stat recorded, the walk finds exactly the recorded inputs with the
//   recorded size, mtime, ctime and inode, and every recorded output has
//   its recorded stat. Anything else is a normal (incremental) build.
//   ctime is part of the match: `touch -d` and `cp -p` can forge an mtime,
//   not a ctime.
//
// Format (text, one record a line, fields separated by tabs; paths are
// cache::IsValidRelativePath, so they hold no tab or newline):
//   serval-input-snapshot 1
//   identity <text>
//   pages <n>
//   cache <size> <mtime ns> <ctime ns> <inode>
//   in <path> <size> <mtime ns> <ctime ns> <inode>
//   out <path> <size> <mtime ns> <ctime ns> <inode>
//   warning <text with \t, \n and \\ escaped>
//   end <FastFingerprint64Hex (XXH3-64) of every byte before this line>
//
// Example:
//   absl::StatusOr<InputSnapshot> snap = ParseInputSnapshot(text);
//   if (snap.ok() && snap->inputs == walked_now) ... nothing changed
//
// Thread-safety: plain values and pure functions.
#ifndef SERVAL_CACHE_INPUT_SNAPSHOT_H_
#define SERVAL_CACHE_INPUT_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/fs/fs.h"

namespace serval::cache {

inline constexpr char kInputSnapshotRelativePath[] = ".serval/inputs.snap";

// Inputs changed less than this before the snapshot are not trusted.
inline constexpr absl::Duration kRacyMargin = absl::Seconds(2);

struct StatRecord {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t inode = 0;

  bool operator==(const StatRecord& o) const {
    return size == o.size && mtime_ns == o.mtime_ns &&
           ctime_ns == o.ctime_ns && inode == o.inode;
  }
  bool operator!=(const StatRecord& o) const { return !(*this == o); }
};

StatRecord StatRecordOf(const fs::FileInfo& info);

// True if `record` changed less than kRacyMargin before `written`.
bool IsRacy(const StatRecord& record, absl::Time written);

struct InputSnapshot {
  std::string identity;  // no tab or newline
  size_t pages = 0;
  StatRecord cache;  // .serval/cache.json
  std::map<std::string, StatRecord> inputs;   // relative to the site
  std::map<std::string, StatRecord> outputs;  // relative to the output dir
  std::vector<std::string> warnings;          // replayed by the fast path

  bool operator==(const InputSnapshot& o) const {
    return identity == o.identity && pages == o.pages && cache == o.cache &&
           inputs == o.inputs && outputs == o.outputs &&
           warnings == o.warnings;
  }
};

// Fails (InvalidArgument) if a path is not a valid relative path or the
// identity holds a tab or newline.
absl::StatusOr<std::string> SerializeInputSnapshot(const InputSnapshot& snap);

// Rejects (InvalidArgument, with the line) anything but the exact format
// with a matching checksum.
absl::StatusOr<InputSnapshot> ParseInputSnapshot(absl::string_view text);

}  // namespace serval::cache

#endif  // SERVAL_CACHE_INPUT_SNAPSHOT_H_
