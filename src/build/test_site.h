// test_site.h — writing a site into an Fs and reading an output tree back,
// for the build's integration tests.
//
// Example:
//   fs::MemFs fs;
//   WriteFiles(fs, "/site", {{"content/a.md", "---\ntitle: A\n---\nx\n"}});
//   Files out = ReadTree(fs, "/site/public");
//
// Thread-safety: as thread-safe as the Fs.
#ifndef SERVAL_BUILD_TEST_SITE_H_
#define SERVAL_BUILD_TEST_SITE_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "src/fs/fs.h"

namespace serval::build {

// Relative path -> contents.
using Files = std::map<std::string, std::string>;

// Writes each file under `root`, creating directories. Dies on error.
void WriteFiles(fs::Fs& fs, absl::string_view root, const Files& files);

// Every regular file under `root` (recursively), by relative path; empty
// when `root` does not exist.
Files ReadTree(fs::Fs& fs, absl::string_view root);

}  // namespace serval::build

#endif  // SERVAL_BUILD_TEST_SITE_H_
