#include "src/serve/fake_builder.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace serval::serve {
namespace {

namespace stdfs = std::filesystem;

std::string ReadAll(const stdfs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes through a temp file and rename, as the real build does, so the
// server never serves a half-written file.
void WriteAtomically(const stdfs::path& path, const std::string& text) {
  stdfs::create_directories(path.parent_path());
  stdfs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  { std::ofstream(temp, std::ios::binary) << text; }
  stdfs::rename(temp, path);
}

}  // namespace

RebuildFunction MakeCopyingFakeBuilder(std::string site_dir,
                                       std::string output_dir) {
  return [site_dir, output_dir](const ChangeSet& changes) {
    RebuildOutcome outcome;
    outcome.css_only = changes.OnlyCss();
    std::error_code error;
    for (const char* tree : {"content", "static"}) {
      stdfs::path root = stdfs::path(site_dir) / tree;
      if (!stdfs::is_directory(root, error)) continue;
      for (auto it = stdfs::recursive_directory_iterator(root, error);
           it != stdfs::recursive_directory_iterator(); it.increment(error)) {
        if (error) break;
        if (!it->is_regular_file()) continue;
        std::string name = it->path().filename().string();
        if (name[0] == '.') continue;
        std::string text = ReadAll(it->path());
        std::string relative = stdfs::relative(it->path(), root).string();
        if (std::string(tree) == "content") {
          if (!absl::EndsWith(name, ".html")) continue;
          if (absl::StartsWith(text, "ERROR")) {
            outcome.ok = false;
            absl::StrAppend(&outcome.error, tree, "/", relative, ":1:1: ",
                            text.substr(0, text.find('\n')), "\n");
            continue;
          }
        }
        WriteAtomically(stdfs::path(output_dir) / relative, text);
      }
    }
    return outcome;
  };
}

}  // namespace serval::serve
