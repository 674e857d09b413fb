// atomic_write_child — the writer process of the multi-process and crash
// stress tests: writes `--writes` self-checking payloads (stress/payload.h)
// through the atomic writer, each to one of the comma-separated
// `--targets`, in durability `--durability`. Exits 0 when done; the crash
// test SIGKILLs it at a random moment instead. An alarm bounds its life.
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/posix_fs.h"
#include "stress/payload.h"

ABSL_FLAG(std::string, root, "", "output root");
ABSL_FLAG(std::vector<std::string>, targets, {}, "files to write");
ABSL_FLAG(int64_t, writes, 1000, "number of writes");
ABSL_FLAG(uint64_t, seed, 1, "PRNG seed");
ABSL_FLAG(std::string, durability, "batch", "strict, batch or none");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  ::alarm(300);  // never outlive a stuck parent
  const std::vector<std::string> targets = absl::GetFlag(FLAGS_targets);
  if (targets.empty()) return 2;
  serval::fs::AtomicWriteOptions options;
  options.root = absl::GetFlag(FLAGS_root);
  const std::string durability = absl::GetFlag(FLAGS_durability);
  options.durability = durability == "strict" ? serval::fs::Durability::kStrict
                       : durability == "none" ? serval::fs::Durability::kNone
                                              : serval::fs::Durability::kBatch;
  serval::fs::AtomicWriter writer(&serval::fs::DefaultPosixFs(), options);
  std::mt19937_64 rng(absl::GetFlag(FLAGS_seed));
  const int64_t writes = absl::GetFlag(FLAGS_writes);
  for (int64_t i = 0; i < writes; ++i) {
    const std::string& target = targets[rng() % targets.size()];
    std::string payload = serval::stress::MakePayload(
        absl::StrCat("p", ::getpid(), "-", i), rng);
    absl::StatusOr<serval::fs::WriteOutcome> outcome =
        writer.Write(target, payload);
    if (!outcome.ok()) {
      std::fprintf(stderr, "atomic_write_child: %s\n",
                   outcome.status().ToString().c_str());
      return 1;
    }
  }
  absl::Status committed = writer.Commit();
  return committed.ok() ? 0 : 1;
}
