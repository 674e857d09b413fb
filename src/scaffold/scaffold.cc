#include "src/scaffold/scaffold.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "src/base/status_macros.h"

namespace serval::scaffold {
namespace {

// Creates `path` with `contents`, failing (AlreadyExists) if it exists.
absl::Status CreateNew(fs::Fs& fs, const std::string& path,
                       absl::string_view contents) {
  SERVAL_RETURN_IF_ERROR(fs::CreateDirs(fs, fs::Dirname(path)));
  SERVAL_ASSIGN_OR_RETURN(
      std::unique_ptr<fs::WritableFile> file,
      fs.OpenForWrite(path, fs::OpenMode::kCreateExclusive, 0644));
  absl::Status written = fs::WriteAll(*file, contents);
  absl::Status closed = file->Close();
  if (!written.ok()) return written;
  return closed;
}

// A YAML double-quoted string.
std::string YamlQuote(absl::string_view text) {
  return absl::StrCat(
      "\"", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

// "second-post" -> "Second post"
std::string TitleFromStem(absl::string_view stem) {
  std::string title = absl::StrReplaceAll(stem, {{"-", " "}, {"_", " "}});
  if (!title.empty()) title[0] = absl::ascii_toupper(title[0]);
  return title;
}

}  // namespace

absl::Status NewSite(fs::Fs& fs, absl::string_view site_dir,
                     absl::string_view title) {
  absl::StatusOr<std::vector<std::string>> existing = fs.ListDir(site_dir);
  if (existing.ok() && !existing->empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        site_dir, " exists and is not empty; choose a new directory"));
  }
  const std::string dir(site_dir);
  const std::vector<std::pair<std::string, std::string>> files = {
      {"serval.toml",
       absl::StrCat("title = ", YamlQuote(title), "\n",
                    "baseurl = \"/\"\nlanguage = \"en\"\npaginate = 10\n\n"
                    "[params]\ndescription = \"A new Serval site.\"\n\n"
                    "[[menu.main]]\nname = \"Posts\"\nurl = \"/posts/\"\n"
                    "weight = 1\n")},
      {"content/_index.md",
       absl::StrCat("---\ntitle: ", YamlQuote(title), "\n---\n",
                    "Welcome to your new site. Edit `content/_index.md`.\n")},
      {"content/posts/_index.md", "---\ntitle: Posts\n---\n"},
      {"content/posts/hello-world.md",
       "---\ntitle: Hello, world\ndate: 2026-01-01\ntags: [welcome]\n---\n"
       "This is your first post. Run `serval serve` and edit it: the page\n"
       "reloads as you save.\n\n"
       ":::{tip}\nAdd pages with `serval new page posts/my-post.md`.\n:::\n"},
      {"static/.keep", ""},
  };
  for (const auto& [rel, contents] : files) {
    SERVAL_RETURN_IF_ERROR(CreateNew(fs, fs::JoinPath(dir, rel), contents));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NewPage(fs::Fs& fs, absl::string_view site_dir,
                                    absl::string_view page_path,
                                    absl::Time now) {
  std::string rel(absl::StripPrefix(page_path, "content/"));
  for (absl::string_view part : absl::StrSplit(rel, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "page path '", page_path, "' must stay inside content/"));
    }
  }
  if (absl::StartsWith(rel, "/")) {
    return absl::InvalidArgumentError("page path must be relative to content/");
  }
  if (!absl::EndsWith(rel, ".md")) rel += ".md";
  std::string stem = fs::Basename(rel);
  stem.resize(stem.size() - 3);
  std::string path = fs::JoinPath(fs::JoinPath(site_dir, "content"), rel);
  std::string contents = absl::StrCat(
      "---\ntitle: ", YamlQuote(TitleFromStem(stem)), "\ndate: ",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone()),
      "\ndraft: true\ntags: []\n---\n\nWrite here.\n");
  SERVAL_RETURN_IF_ERROR(CreateNew(fs, path, contents));
  return path;
}

}  // namespace serval::scaffold
