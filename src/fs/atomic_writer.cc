#include "src/fs/atomic_writer.h"

#include <cerrno>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/base/errno_status.h"
#include "src/fs/temp_name.h"

namespace serval::fs {
namespace {

using base::ErrnoOf;
using base::ErrnoStatus;

// A write(2) that makes no progress this many times in a row is an error.
constexpr int kMaxZeroProgressWrites = 16;
// Temp names are 64 random bits: a collision is a sign of trouble.
constexpr int kMaxTempCollisions = 8;

// `status` with "atomic write <target>: " in front, code and payloads kept.
absl::Status Annotate(const absl::Status& status, absl::string_view target) {
  absl::Status out(status.code(),
                   absl::StrCat("atomic write ", target, ": ",
                                status.message()));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

absl::Status WithCode(absl::StatusCode code, const absl::Status& status) {
  absl::Status out(code, status.message());
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

}  // namespace

absl::string_view DurabilityName(Durability durability) {
  switch (durability) {
    case Durability::kStrict:
      return "strict";
    case Durability::kBatch:
      return "batch";
    case Durability::kNone:
      return "none";
  }
  return "?";
}

AtomicWriter::AtomicWriter(Fs* fs, AtomicWriteOptions options)
    : fs_(fs), options_(std::move(options)) {}

absl::Status AtomicWriter::CheckPath(absl::string_view path) const {
  std::string root = options_.root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  absl::string_view below;  // the part of `path` under the root
  if (root.empty()) {
    below = "";
  } else if (absl::StartsWith(path, root) && path.size() > root.size() &&
             (path[root.size()] == '/' || root == "/")) {
    below = path.substr(root == "/" ? 1 : root.size() + 1);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "atomic write ", path, ": outside the output root ", root));
  }
  // Every existing component below the root, then the target itself.
  std::string current = root;
  std::vector<std::string> to_check;
  if (!root.empty()) {
    for (absl::string_view part : absl::StrSplit(below, '/', absl::SkipEmpty())) {
      current = JoinPath(current, part);
      to_check.push_back(current);
    }
  } else {
    to_check.emplace_back(path);
  }
  for (const std::string& component : to_check) {
    absl::StatusOr<FileInfo> info = fs_->Stat(component);
    if (!info.ok()) {
      if (ErrnoOf(info.status()) == ENOENT) break;  // created below
      return Annotate(info.status(), path);
    }
    if (info->type == FileType::kSymlink) {
      return Annotate(
          WithCode(absl::StatusCode::kFailedPrecondition,
                   ErrnoStatus(ELOOP, "refusing to write through symlink",
                               component)),
          path);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> AtomicWriter::Unchanged(
    absl::string_view path, absl::string_view contents,
    std::optional<uint32_t>* existing_mode) const {
  absl::StatusOr<FileInfo> info = fs_->Stat(path);
  if (!info.ok()) {
    if (ErrnoOf(info.status()) == ENOENT) return false;
    return info.status();
  }
  if (info->type == FileType::kRegular) *existing_mode = info->mode;
  if (info->type != FileType::kRegular || info->size != contents.size() ||
      info->mode != options_.mode) {
    return false;
  }
  absl::StatusOr<std::string> existing = fs_->ReadFile(path);
  if (!existing.ok()) {
    // Replaced or removed meanwhile: just write.
    if (ErrnoOf(existing.status()) == ENOENT) return false;
    return existing.status();
  }
  return *existing == contents;
}

absl::Status AtomicWriter::Prepare(absl::string_view path,
                                   absl::string_view contents, bool* unchanged,
                                   std::optional<uint32_t>* existing_mode,
                                   Retrier& retrier) const {
  absl::Status checked = CheckPath(path);
  if (!checked.ok()) return checked;
  if (!options_.always_write) {
    absl::StatusOr<bool> same = Unchanged(path, contents, existing_mode);
    if (!same.ok()) return Annotate(same.status(), path);
    *unchanged = *same;
    if (*unchanged) return absl::OkStatus();
  }
  absl::Status dirs;
  do {
    dirs = CreateDirs(*fs_, Dirname(path));  // mkdir can fail with EINTR too
  } while (retrier.ShouldRetry(dirs));
  if (!dirs.ok()) return Annotate(dirs, path);
  return absl::OkStatus();
}

absl::StatusOr<WriteOutcome> AtomicWriter::Write(
    absl::string_view path, absl::string_view contents) const {
  Retrier retrier(options_.retry);
  bool unchanged = false;
  std::optional<uint32_t> existing_mode;
  absl::Status prepared =
      Prepare(path, contents, &unchanged, &existing_mode, retrier);
  if (!prepared.ok()) return prepared;
  if (unchanged) return WriteOutcome::kUnchanged;
  for (;;) {
    absl::Status status = WriteOnce(path, contents, retrier);
    if (status.ok()) return WriteOutcome::kWritten;
    // A transient error that ended an attempt (a failed close, say) starts
    // a new attempt; the retry budget is shared.
    if (!retrier.ShouldRetry(status)) return Annotate(status, path);
  }
}

absl::StatusOr<StagedFile> AtomicWriter::Stage(
    absl::string_view path, absl::string_view contents) const {
  Retrier retrier(options_.retry);
  bool unchanged = false;
  std::optional<uint32_t> existing_mode;
  absl::Status prepared =
      Prepare(path, contents, &unchanged, &existing_mode, retrier);
  if (!prepared.ok()) return prepared;
  StagedFile staged;
  staged.target = std::string(path);
  if (unchanged) return staged;
  for (;;) {
    absl::StatusOr<std::string> temp = WriteTemp(path, contents, retrier);
    if (temp.ok()) {
      staged.outcome = WriteOutcome::kWritten;
      staged.temp = *std::move(temp);
      staged.replaces = existing_mode.has_value();
      staged.old_mode = existing_mode.value_or(0);
      return staged;
    }
    if (!retrier.ShouldRetry(temp.status())) {
      return Annotate(temp.status(), path);
    }
  }
}

absl::StatusOr<std::string> AtomicWriter::WriteTemp(
    absl::string_view path, absl::string_view contents,
    Retrier& retrier) const {
  const std::string dir = Dirname(path);
  const std::string base = Basename(path);
  std::string temp;
  std::unique_ptr<WritableFile> file;
  for (int collisions = 0;;) {
    temp = JoinPath(dir, MakeTempName(base));
    absl::StatusOr<std::unique_ptr<WritableFile>> opened =
        fs_->OpenForWrite(temp, OpenMode::kCreateExclusive, 0600);
    if (opened.ok()) {
      file = std::move(opened).value();
      break;
    }
    if (ErrnoOf(opened.status()) == EEXIST &&
        ++collisions < kMaxTempCollisions) {
      continue;
    }
    if (retrier.ShouldRetry(opened.status())) continue;
    return opened.status();
  }

  absl::Status status = WriteBody(*file, contents, retrier);
  absl::Status closed = file->Close();
  if (status.ok()) status = closed;
  if (!status.ok()) {
    RemoveTemp(temp, retrier);
    return status;
  }
  return temp;
}

absl::Status AtomicWriter::WriteOnce(absl::string_view path,
                                     absl::string_view contents,
                                     Retrier& retrier) const {
  absl::StatusOr<std::string> temp = WriteTemp(path, contents, retrier);
  if (!temp.ok()) return temp.status();
  return RenameIntoPlace(*temp, path, retrier);
}

absl::Status AtomicWriter::RenameIntoPlace(const std::string& temp,
                                           absl::string_view path,
                                           Retrier& retrier) const {
  absl::Status status;
  for (;;) {
    status = fs_->Rename(temp, path);
    if (status.ok()) break;
    if (retrier.ShouldRetry(status)) continue;
    RemoveTemp(temp, retrier);
    return status;
  }
  if (options_.durability == Durability::kStrict) {
    do {
      status = fs_->SyncDir(Dirname(path));
    } while (retrier.ShouldRetry(status));
  }
  return status;
}

absl::Status AtomicWriter::WriteBody(WritableFile& file,
                                     absl::string_view contents,
                                     Retrier& retrier) const {
  int zero_progress = 0;
  while (!contents.empty()) {
    absl::StatusOr<size_t> n = file.Write(contents);
    if (!n.ok()) {
      if (retrier.ShouldRetry(n.status())) continue;
      return n.status();
    }
    if (*n == 0) {
      if (++zero_progress >= kMaxZeroProgressWrites) {
        return ErrnoStatus(EIO, "write (no progress)", file.path());
      }
      continue;
    }
    zero_progress = 0;
    contents.remove_prefix(*n);
  }
  absl::Status status;
  do {
    status = file.SetMode(options_.mode);
  } while (retrier.ShouldRetry(status));
  if (!status.ok()) return status;
  if (options_.durability == Durability::kStrict) {
    do {
      status = file.Sync();
    } while (retrier.ShouldRetry(status));
  }
  return status;
}

absl::Status AtomicWriter::Install(const StagedFile& staged) const {
  if (staged.outcome == WriteOutcome::kUnchanged) return absl::OkStatus();
  Retrier retrier(options_.retry);
  absl::Status status = RenameIntoPlace(staged.temp, staged.target, retrier);
  return status.ok() ? status : Annotate(status, staged.target);
}

void AtomicWriter::Discard(const StagedFile& staged) const {
  if (staged.outcome == WriteOutcome::kUnchanged) return;
  Retrier retrier(options_.retry);
  RemoveTemp(staged.temp, retrier);
}

void AtomicWriter::RemoveTemp(const std::string& temp, Retrier& retrier) const {
  absl::Status status;
  do {
    status = fs_->Remove(temp);
  } while (retrier.ShouldRetry(status));
  // A temp that cannot be removed (EIO, say) is left to the sweeper; the
  // caller already reports the error that stopped the write.
}

absl::Status AtomicWriter::Commit() const {
  if (options_.durability != Durability::kBatch) return absl::OkStatus();
  const std::string root = options_.root.empty() ? "." : options_.root;
  Retrier retrier(options_.retry);
  absl::Status status;
  do {
    status = fs_->SyncAll(root);
  } while (retrier.ShouldRetry(status));
  if (!status.ok()) return Annotate(status, root);
  return status;
}

}  // namespace serval::fs
