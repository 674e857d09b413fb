#include "src/build/test_site.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace serval::build {
namespace {

void Check(const absl::Status& status, absl::string_view what) {
  if (!status.ok()) {
    std::cerr << what << ": " << status << "\n";
    std::abort();
  }
}

void Collect(fs::Fs& fs, const std::string& dir, const std::string& rel,
             Files* out) {
  absl::StatusOr<std::vector<std::string>> names = fs.ListDir(dir);
  if (!names.ok()) return;
  for (const std::string& name : *names) {
    const std::string path = fs::JoinPath(dir, name);
    const std::string child = rel.empty() ? name : absl::StrCat(rel, "/", name);
    absl::StatusOr<fs::FileInfo> info = fs.Stat(path);
    Check(info.status(), path);
    if (info->type == fs::FileType::kDirectory) {
      Collect(fs, path, child, out);
    } else if (info->type == fs::FileType::kRegular) {
      absl::StatusOr<std::string> bytes = fs.ReadFile(path);
      Check(bytes.status(), path);
      (*out)[child] = *std::move(bytes);
    }
  }
}

}  // namespace

void WriteFiles(fs::Fs& fs, absl::string_view root, const Files& files) {
  for (const auto& [path, text] : files) {
    const std::string full = fs::JoinPath(root, path);
    Check(fs::CreateDirs(fs, fs::Dirname(full)), full);
    absl::StatusOr<std::unique_ptr<fs::WritableFile>> file =
        fs.OpenForWrite(full, fs::OpenMode::kTruncate, 0644);
    Check(file.status(), full);
    Check(fs::WriteAll(**file, text), full);
    Check((*file)->Close(), full);
  }
}

Files ReadTree(fs::Fs& fs, absl::string_view root) {
  Files tree;
  Collect(fs, std::string(root), "", &tree);
  return tree;
}

}  // namespace serval::build
