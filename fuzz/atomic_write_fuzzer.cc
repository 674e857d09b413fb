// atomic_write_fuzzer — the input is a schedule of atomic writes (alone or
// two at once on one target), renames, injected faults (every step of a
// write x every errno class, and short writes), commits and power losses,
// run on FaultInjectionFs over MemFs in one durability mode. Invariants:
//  * after every write, the target is its new payload if the write
//    succeeded, its old contents if it failed before the rename — never
//    torn — and no temp file exists;
//  * after a power loss, every target is whole; in batch and none mode it
//    is exactly what it was at the last commit (none: at the start); in
//    strict mode (without renames since) it is its last completed write;
//    and after the sweeper no temp file is left.
//
// Input: byte 0 the durability mode, then 3-byte steps [op, a, b]. At most
// 64 steps.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/errno_status.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/fault_injection_fs.h"
#include "src/fs/mem_fs.h"
#include "src/fs/temp_name.h"
#include "src/fs/temp_sweeper.h"
#include "stress/payload.h"

namespace {

using serval::fs::Durability;
using serval::fs::FsOp;

constexpr char kAbsent[] = "<absent>";
const char* const kTargets[] = {"/out/a.html", "/out/b.html",
                                "/out/sub/c.html"};
constexpr int kTargetCount = 3;
constexpr FsOp kSteps[] = {FsOp::kOpenForWrite, FsOp::kWrite, FsOp::kSetMode,
                           FsOp::kSync,         FsOp::kClose, FsOp::kRename,
                           FsOp::kSyncDir,      FsOp::kSyncAll};
constexpr int kErrors[] = {ENOSPC, EIO, EACCES, EROFS, EXDEV,
                           EINTR,  EAGAIN, EBUSY};

void Check(bool condition, const std::string& what) {
  if (!condition) {
    std::fprintf(stderr, "atomic_write_fuzzer: invariant failed: %s\n",
                 what.c_str());
    std::abort();
  }
}

class Run {
 public:
  explicit Run(Durability durability) : fs_(&mem_) {
    Check(serval::fs::CreateDirs(mem_, "/out/sub").ok(), "mkdir");
    serval::fs::AtomicWriteOptions options;
    options.durability = durability;
    options.root = "/out";
    options.retry.max_retries = 4;
    options.retry.sleep = [](absl::Duration) {};
    writer_ = std::make_unique<serval::fs::AtomicWriter>(&fs_, options);
    durability_ = durability;
    for (int t = 0; t < kTargetCount; ++t) {
      std::string initial = serval::stress::MakePayload("init", rng_, 8);
      Check(serval::fs::AtomicWriter(&mem_, options)
                .Write(kTargets[t], initial)
                .ok(),
            "initial");
      current_[t] = {initial};
      committed_[t] = initial;
      last_durable_[t] = {initial};
    }
  }

  void Step(uint8_t op, uint8_t a, uint8_t b) {
    switch (op % 8) {
      case 0:
      case 1:
        WriteOne(a % kTargetCount, b);
        break;
      case 2: {
        serval::fs::Fault fault;
        fault.op = kSteps[a % 8];
        fault.nth = 1 + (b >> 4) % 3;
        if ((b & 15) >= 8 && fault.op == FsOp::kWrite) {
          fault.short_write = b & 7;
        } else {
          fault.error = kErrors[b % 8];
        }
        fault.persistent = (a & 0x80) != 0;
        fs_.Inject(fault);
        break;
      }
      case 3:
        RenameTargets(a % kTargetCount, b % kTargetCount);
        break;
      case 4:
        Commit();
        break;
      case 5:
        PowerLoss();
        break;
      case 6:
        fs_.ClearFaults();
        break;
      case 7:
        WriteTwoAtOnce(a % kTargetCount, b);
        break;
    }
  }

 private:
  std::string Read(int t) {
    absl::StatusOr<std::string> data = mem_.ReadFile(kTargets[t]);
    if (!data.ok()) {
      Check(serval::base::ErrnoOf(data.status()) == ENOENT,
            data.status().ToString());
      return kAbsent;
    }
    return *data;
  }
  int Temps() {
    int temps = 0;
    for (const char* dir : {"/out", "/out/sub"}) {
      std::vector<std::string> names = mem_.ListDir(dir).value();
      for (const std::string& name : names) {
        if (serval::fs::ParseTempName(name).has_value()) ++temps;
      }
    }
    return temps;
  }
  // Whether a failed write got as far as its rename (only the strict
  // directory sync comes after it).
  static bool RenamedBeforeFailing(const absl::Status& status, int t) {
    return status.message().find(absl::StrCat(
               "fsync ", serval::fs::Dirname(kTargets[t]), ":")) !=
           std::string::npos;
  }
  void CheckWhole(int t, const std::set<std::string>& allowed,
                  const std::string& when) {
    const std::string data = Read(t);
    Check(data == kAbsent || serval::stress::VerifyPayload(data),
          absl::StrCat(kTargets[t], " torn ", when));
    Check(allowed.count(data) != 0,
          absl::StrCat(kTargets[t], " unexpected contents ", when));
  }

  void WriteOne(int t, uint8_t size) {
    std::string payload = serval::stress::MakePayload(
        absl::StrCat("w", ++writes_), rng_, size % 64);
    absl::StatusOr<serval::fs::WriteOutcome> outcome =
        writer_->Write(kTargets[t], payload);
    std::set<std::string> allowed = current_[t];
    if (outcome.ok()) {
      allowed = {payload};
      last_durable_[t] = {payload};
    } else if (RenamedBeforeFailing(outcome.status(), t)) {
      allowed = {payload};
      last_durable_[t].insert(payload);
    } else {
      Check(serval::base::ErrnoOf(outcome.status()) != 0,
            "error without errno: " + outcome.status().ToString());
    }
    CheckWhole(t, allowed, "after a write");
    Check(Temps() == 0, "temp left after a write");
    current_[t] = {Read(t)};
  }

  void WriteTwoAtOnce(int t, uint8_t size) {
    std::string payloads[2];
    bool ok[2] = {false, false};
    for (std::string& p : payloads) {
      p = serval::stress::MakePayload(absl::StrCat("c", ++writes_), rng_,
                                      size % 64);
    }
    std::thread other([&] { ok[1] = writer_->Write(kTargets[t], payloads[1]).ok(); });
    ok[0] = writer_->Write(kTargets[t], payloads[0]).ok();
    other.join();
    std::set<std::string> allowed = {payloads[0], payloads[1]};
    if (!ok[0] || !ok[1]) allowed.insert(current_[t].begin(), current_[t].end());
    CheckWhole(t, allowed, "after two writes at once");
    Check(Temps() == 0, "temp left after two writes at once");
    current_[t] = {Read(t)};
    last_durable_[t].insert(payloads, payloads + 2);
  }

  void RenameTargets(int from, int to) {
    if (from == to) return;
    const std::string before_from = Read(from);
    const std::string before_to = Read(to);
    absl::Status status = fs_.Rename(kTargets[from], kTargets[to]);
    if (status.ok()) {
      Check(before_from != kAbsent, "renamed a missing file");
      current_[to] = {before_from};
      current_[from] = {kAbsent};
      renamed_ = true;
    }
    CheckWhole(from, current_[from], "after a rename");
    CheckWhole(to, current_[to], "after a rename");
    (void)before_to;
  }

  void Commit() {
    if (writer_->Commit().ok() && durability_ == Durability::kBatch) {
      for (int t = 0; t < kTargetCount; ++t) committed_[t] = Read(t);
    }
  }

  void PowerLoss() {
    fs_.ClearFaults();
    Check(fs_.SimulatePowerLoss().ok(), "power loss");
    for (int t = 0; t < kTargetCount; ++t) {
      const std::string data = Read(t);
      Check(data == kAbsent || serval::stress::VerifyPayload(data),
            absl::StrCat(kTargets[t], " torn by power loss"));
      if (durability_ != Durability::kStrict) {
        Check(data == committed_[t],
              absl::StrCat(kTargets[t], " is not its committed version"));
      } else if (!renamed_) {
        Check(last_durable_[t].count(data) != 0,
              absl::StrCat(kTargets[t], " lost a completed strict write"));
      }
    }
    serval::fs::SweepOptions sweep;
    sweep.is_alive = [](int64_t) { return false; };  // every writer died
    Check(serval::fs::SweepTempFiles(fs_, "/out", sweep).ok(), "sweep");
    Check(Temps() == 0, "temp left after the sweep");
    // Everything on disk is now durable.
    for (int t = 0; t < kTargetCount; ++t) {
      const std::string data = Read(t);
      current_[t] = {data};
      committed_[t] = data;
      last_durable_[t] = {data};
    }
    renamed_ = false;
  }

  serval::fs::MemFs mem_;
  serval::fs::FaultInjectionFs fs_;
  std::unique_ptr<serval::fs::AtomicWriter> writer_;
  Durability durability_;
  std::mt19937_64 rng_{42};
  int64_t writes_ = 0;
  bool renamed_ = false;
  std::set<std::string> current_[kTargetCount];       // what it may hold now
  std::string committed_[kTargetCount];               // batch/none: durable
  std::set<std::string> last_durable_[kTargetCount];  // strict: durable
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 1 + 3 * 64) return 0;
  const Durability modes[] = {Durability::kStrict, Durability::kBatch,
                              Durability::kNone};
  Run run(modes[data[0] % 3]);
  for (size_t i = 1; i + 2 < size; i += 3) {
    run.Step(data[i], data[i + 1], data[i + 2]);
  }
  return 0;
}
