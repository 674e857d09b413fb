#include "src/fs/tree_publisher.h"

#include <cerrno>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/base/errno_status.h"
#include "src/fs/retry.h"
#include "src/fs/temp_name.h"

namespace serval::fs {
namespace {

using base::ErrnoOf;

// `status` with "publish <target>: " in front, code and payloads kept.
absl::Status Annotate(const absl::Status& status, absl::string_view target) {
  if (status.ok()) return status;
  absl::Status out(status.code(),
                   absl::StrCat("publish ", target, ": ", status.message()));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

bool ExchangeUnsupported(const absl::Status& status) {
  const int e = ErrnoOf(status);
  return e == EINVAL || e == ENOSYS || e == EOPNOTSUPP;
}

std::string AsideName(const std::string& target) {
  return JoinPath(Dirname(target), MakeTempName(Basename(target)));
}

void Serially(size_t n, const std::function<void(size_t)>& fn) {
  for (size_t i = 0; i < n; ++i) fn(i);
}

}  // namespace

TreePublisher::TreePublisher(Fs* fs, AtomicWriteOptions options, size_t files,
                             ForEach for_each)
    : fs_(fs),
      writer_(fs, std::move(options)),
      for_each_(for_each ? std::move(for_each) : ForEach(Serially)),
      entries_(files) {}

TreePublisher::~TreePublisher() {
  if (!finished_) (void)Rollback();
}

absl::StatusOr<WriteOutcome> TreePublisher::Stage(size_t index,
                                                  absl::string_view path,
                                                  absl::string_view contents) {
  absl::StatusOr<StagedFile> staged = writer_.Stage(path, contents);
  if (!staged.ok()) return staged.status();
  Entry& entry = entries_[index];
  entry.staged = *std::move(staged);
  entry.state = entry.staged.outcome == WriteOutcome::kWritten ? State::kStaged
                                                               : State::kNone;
  return entry.staged.outcome;
}

void TreePublisher::StageRemoval(absl::string_view path) {
  Entry entry;
  entry.state = State::kRemoval;
  entry.staged.target = std::string(path);
  entries_.push_back(std::move(entry));
}

absl::Status TreePublisher::Retrying(
    const std::function<absl::Status()>& op) const {
  Retrier retrier(writer_.options().retry);
  absl::Status status;
  do {
    status = op();
  } while (retrier.ShouldRetry(status));
  return status;
}

absl::Status TreePublisher::Sync(SyncPoint point,
                                 const std::vector<std::string>& dirs) {
  const AtomicWriteOptions& o = writer_.options();
  if (o.durability == Durability::kBatch) {
    const std::string root = o.root.empty() ? "." : o.root;
    return Annotate(Retrying([&] { return fs_->SyncAll(root); }), root);
  }
  if (o.durability == Durability::kStrict && point == SyncPoint::kCommit) {
    std::vector<absl::Status> results(dirs.size());
    for_each_(dirs.size(), [&](size_t i) {
      results[i] = Annotate(Retrying([&] { return fs_->SyncDir(dirs[i]); }),
                            dirs[i]);
    });
    for (absl::Status& s : results) {
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status TreePublisher::SwitchOne(Entry& entry) {
  StagedFile& f = entry.staged;
  switch (entry.state) {
    case State::kStaged: {
      if (f.replaces && !exchange_unsupported_.load()) {
        absl::Status s =
            Retrying([&] { return fs_->Exchange(f.temp, f.target); });
        if (s.ok()) {
          entry.state = State::kExchanged;
          return s;
        }
        if (ExchangeUnsupported(s)) {
          exchange_unsupported_.store(true);
        } else if (ErrnoOf(s) == ENOENT) {
          f.replaces = false;  // removed meanwhile (another process)
        } else {
          return Annotate(s, f.target);
        }
      }
      if (f.replaces) {
        absl::StatusOr<std::string> old = fs_->ReadFile(f.target);
        if (old.ok()) {
          entry.old_bytes = *std::move(old);
        } else if (ErrnoOf(old.status()) == ENOENT) {
          f.replaces = false;
        } else {
          return Annotate(old.status(), f.target);
        }
      }
      absl::Status s = Retrying([&] { return fs_->Rename(f.temp, f.target); });
      if (!s.ok()) return Annotate(s, f.target);
      f.temp.clear();
      entry.state = f.replaces ? State::kRenamedOver : State::kRenamedNew;
      return s;
    }
    case State::kRemoval: {
      const std::string aside = AsideName(f.target);
      absl::Status s = Retrying([&] { return fs_->Rename(f.target, aside); });
      if (ErrnoOf(s) == ENOENT) {  // already gone (another process)
        entry.state = State::kNone;
        return absl::OkStatus();
      }
      if (!s.ok()) return Annotate(s, f.target);
      f.temp = aside;
      entry.state = State::kSetAside;
      return s;
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status TreePublisher::Switch() {
  bool staged = false;
  for (const Entry& entry : entries_) staged |= entry.state == State::kStaged;
  if (staged) {
    if (absl::Status s = Sync(SyncPoint::kData, {}); !s.ok()) {
      (void)Rollback();
      return s;
    }
  }
  std::vector<absl::Status> results(entries_.size());
  std::atomic<bool> failed{false};
  for_each_(entries_.size(), [&](size_t i) {
    if (failed.load()) return;  // stop early; the rest is undone anyway
    results[i] = SwitchOne(entries_[i]);
    if (!results[i].ok()) failed.store(true);
  });
  for (absl::Status& s : results) {
    if (!s.ok()) {
      (void)Rollback();
      return s;
    }
  }
  std::set<std::string> dirs;
  removed_ = 0;
  for (const Entry& entry : entries_) {
    if (entry.state != State::kNone) dirs.insert(Dirname(entry.staged.target));
    if (entry.state == State::kSetAside) ++removed_;
  }
  if (absl::Status s = Sync(SyncPoint::kCommit, {dirs.begin(), dirs.end()});
      !s.ok()) {
    (void)Rollback();
    return s;
  }
  return absl::OkStatus();
}

absl::Status TreePublisher::UndoOne(Entry& entry) {
  StagedFile& f = entry.staged;
  auto remove = [&](const std::string& path) {
    return Retrying([&] { return fs_->Remove(path); });
  };
  absl::Status s;
  switch (entry.state) {
    case State::kStaged:
      s = remove(f.temp);
      break;
    case State::kExchanged:
      // The old copy is at the temp name: rename it back over the new one;
      // failing that, exchange again and drop the new one.
      s = Retrying([&] { return fs_->Rename(f.temp, f.target); });
      if (!s.ok()) {
        s = Retrying([&] { return fs_->Exchange(f.temp, f.target); });
        if (s.ok()) s = remove(f.temp);
      }
      break;
    case State::kRenamedNew:
      s = remove(f.target);
      if (!s.ok()) {
        const std::string aside = AsideName(f.target);
        s = Retrying([&] { return fs_->Rename(f.target, aside); });
        if (s.ok()) s = remove(aside);
      }
      break;
    case State::kRenamedOver: {
      AtomicWriteOptions o = writer_.options();
      o.mode = f.old_mode;
      o.always_write = true;  // no read: it could fail like the switch did
      absl::StatusOr<WriteOutcome> w =
          AtomicWriter(fs_, o).Write(f.target, entry.old_bytes);
      s = w.status();
      break;
    }
    case State::kSetAside:
      s = Retrying([&] { return fs_->Rename(f.temp, f.target); });
      if (!s.ok()) {
        // Put a placeholder at the name and exchange the file back in.
        absl::StatusOr<std::unique_ptr<WritableFile>> placeholder =
            fs_->OpenForWrite(f.target, OpenMode::kCreateExclusive, 0600);
        if (placeholder.ok()) {
          s = (*placeholder)->Close();
          if (s.ok()) {
            s = Retrying([&] { return fs_->Exchange(f.temp, f.target); });
          }
          if (s.ok()) s = remove(f.temp);
        }
      }
      break;
    default:
      break;
  }
  if (s.ok()) entry.state = State::kNone;
  return Annotate(s, f.target);
}

absl::Status TreePublisher::Rollback() {
  absl::Status first;
  for (Entry& entry : entries_) {
    absl::Status s = UndoOne(entry);
    if (first.ok()) first = s;
  }
  finished_ = true;
  return first;
}

std::vector<std::string> TreePublisher::Finish() {
  finished_ = true;
  std::vector<absl::Status> results(entries_.size());
  for_each_(entries_.size(), [&](size_t i) {
    Entry& entry = entries_[i];
    if (entry.state == State::kExchanged || entry.state == State::kSetAside) {
      const std::string& old = entry.staged.temp;
      results[i] =
          Annotate(Retrying([&] { return fs_->Remove(old); }), old);
    }
  });
  std::vector<std::string> messages;
  std::set<std::string> dirs;
  for (size_t i = 0; i < entries_.size(); ++i) {
    Entry& entry = entries_[i];
    if (entry.state == State::kExchanged || entry.state == State::kSetAside) {
      dirs.insert(Dirname(entry.staged.target));
    }
    if (!results[i].ok()) messages.emplace_back(results[i].message());
    entry.state = State::kNone;
  }
  if (!dirs.empty() && writer_.options().durability != Durability::kNone) {
    absl::Status s = Sync(SyncPoint::kCommit, {dirs.begin(), dirs.end()});
    if (!s.ok()) messages.emplace_back(s.message());
  }
  return messages;
}

}  // namespace serval::fs
