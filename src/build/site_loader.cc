#include "src/build/site_loader.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "src/base/errno_status.h"
#include "src/content/front_matter.h"
#include "src/site/config.h"

namespace serval::build {
namespace {

using site::Diagnostics;

bool Ignored(absl::string_view name) {
  return name.empty() || name[0] == '.' || absl::EndsWith(name, "~") ||
         (absl::StartsWith(name, "#") && absl::EndsWith(name, "#"));
}

class Walker {
 public:
  Walker(fs::Fs& fs, absl::string_view site_dir, SiteFiles* files,
         Diagnostics* diagnostics)
      : fs_(fs), site_dir_(site_dir), files_(files), diagnostics_(diagnostics) {}

  // Appends every file below `rel_dir` (relative to the site) to `out`.
  void Walk(const std::string& rel_dir, int symlink_depth,
            std::vector<std::string>* out) {
    absl::StatusOr<std::vector<fs::DirEntryInfo>> entries =
        fs_.ListDirWithInfo(fs::JoinPath(site_dir_, rel_dir));
    if (!entries.ok()) {
      Error(rel_dir, entries.status());
      return;
    }
    for (const fs::DirEntryInfo& entry : *entries) {
      if (Ignored(entry.name)) continue;
      std::string rel = absl::StrCat(rel_dir, "/", entry.name);
      const absl::StatusOr<fs::FileInfo>& info = entry.info;
      if (!info.ok()) {
        Error(rel, info.status());
        continue;
      }
      switch (info->type) {
        case fs::FileType::kDirectory:
          Walk(rel, symlink_depth, out);
          break;
        case fs::FileType::kRegular:
          files_->stats.insert_or_assign(files_->stats.end(), rel, *info);
          out->push_back(rel);
          break;
        case fs::FileType::kSymlink:
          FollowSymlink(rel, fs::JoinPath(site_dir_, rel), symlink_depth, out);
          break;
        case fs::FileType::kOther:
          diagnostics_->warnings.push_back(
              absl::StrCat(rel, ": not a regular file or directory; ignored"));
          break;
      }
    }
  }

 private:
  void FollowSymlink(const std::string& rel, const std::string& full,
                     int symlink_depth, std::vector<std::string>* out) {
    absl::StatusOr<std::vector<std::string>> as_dir = fs_.ListDir(full);
    if (as_dir.ok()) {
      if (symlink_depth + 1 > kMaxSymlinkDepth) {
        diagnostics_->errors.push_back(absl::StrCat(
            rel, ": symlink loop (directory symlinks nested more than ",
            kMaxSymlinkDepth, " deep)"));
        return;
      }
      Walk(rel, symlink_depth + 1, out);
      return;
    }
    switch (base::ErrnoOf(as_dir.status())) {
      case ENOTDIR:
        files_->stats_complete = false;
        out->push_back(rel);  // a symlink to a file: read through it
        return;
      case ELOOP:
        diagnostics_->errors.push_back(absl::StrCat(rel, ": symlink loop"));
        return;
      case ENOENT:
        diagnostics_->warnings.push_back(
            absl::StrCat(rel, ": dangling symlink; ignored"));
        return;
      default:
        Error(rel, as_dir.status());
    }
  }

  void Error(absl::string_view rel, const absl::Status& status) {
    diagnostics_->errors.push_back(absl::StrCat(rel, ": ", status.message()));
  }

  fs::Fs& fs_;
  std::string site_dir_;
  SiteFiles* files_;
  Diagnostics* diagnostics_;
};

bool Exists(fs::Fs& fs, const std::string& path, fs::FileType* type) {
  absl::StatusOr<fs::FileInfo> info = fs.Stat(path);
  if (!info.ok()) return false;
  *type = info->type;
  return true;
}

content::FrontMatterFormat DataFormat(absl::string_view path) {
  if (absl::EndsWith(path, ".yaml") || absl::EndsWith(path, ".yml")) {
    return content::FrontMatterFormat::kYaml;
  }
  if (absl::EndsWith(path, ".json")) return content::FrontMatterFormat::kJson;
  if (absl::EndsWith(path, ".toml")) return content::FrontMatterFormat::kToml;
  return content::FrontMatterFormat::kNone;
}

// data/a/b.yaml -> {"a", "b"}
std::vector<std::string> DataKeyPath(absl::string_view rel) {
  absl::string_view inner = absl::StripPrefix(rel, "data/");
  size_t dot = inner.rfind('.');
  if (dot != absl::string_view::npos) inner = inner.substr(0, dot);
  return absl::StrSplit(inner, '/');
}

}  // namespace

SiteFiles DiscoverSiteFiles(fs::Fs& fs, absl::string_view site_dir,
                            Diagnostics* diagnostics) {
  SiteFiles files;
  fs::FileType type;
  if (!Exists(fs, std::string(site_dir), &type) ||
      (type != fs::FileType::kDirectory && type != fs::FileType::kSymlink)) {
    diagnostics->errors.push_back(
        absl::StrCat(site_dir, ": not a site directory (it does not exist)"));
    return files;
  }
  absl::StatusOr<fs::FileInfo> config =
      fs.Stat(fs::JoinPath(site_dir, "serval.toml"));
  files.has_config = config.ok();
  if (config.ok()) {
    files.stats["serval.toml"] = *config;
    if (config->type != fs::FileType::kRegular) files.stats_complete = false;
  }
  Walker walker(fs, site_dir, &files, diagnostics);
  auto walk_if_present = [&](const char* dir, std::vector<std::string>* out) {
    fs::FileType t;
    if (Exists(fs, fs::JoinPath(site_dir, dir), &t)) walker.Walk(dir, 0, out);
    // ListDir sorts each directory, so the walk is in path order unless a
    // name sorts below '/' ("a-b" after "a/x"): a check, then a sort only
    // if needed (30M instructions at 10k pages).
    if (!std::is_sorted(out->begin(), out->end())) {
      std::sort(out->begin(), out->end());
    }
  };
  std::vector<std::string> content;
  walk_if_present("content", &content);
  for (std::string& path : content) {
    (absl::EndsWith(path, ".md") ? files.content : files.resources)
        .push_back(std::move(path));
  }
  walk_if_present("data", &files.data);
  walk_if_present("templates", &files.templates);
  walk_if_present("static", &files.statics);
  return files;
}

LoadedSite LoadSite(fs::Fs& fs, absl::string_view site_dir,
                    const LoadOptions& options, Diagnostics* diagnostics) {
  LoadedSite loaded;
  loaded.files = options.discovered != nullptr
                     ? std::move(*options.discovered)
                     : DiscoverSiteFiles(fs, site_dir, diagnostics);

  site::SiteConfig config = site::DefaultSiteConfig();
  if (loaded.files.has_config) {
    absl::StatusOr<std::string> text =
        fs.ReadFile(fs::JoinPath(site_dir, "serval.toml"));
    if (text.ok()) {
      loaded.digests["serval.toml"] = {cache::ContentHash(*text), text->size()};
    }
    absl::StatusOr<site::SiteConfig> parsed =
        text.ok() ? site::ParseSiteConfig("serval.toml", *text)
                  : absl::StatusOr<site::SiteConfig>(text.status());
    if (parsed.ok()) {
      config = std::move(parsed).value();
    } else {
      diagnostics->errors.push_back(std::string(parsed.status().message()));
    }
  }

  rapidjson::Document data;
  data.SetObject();
  for (const std::string& rel : loaded.files.data) {
    content::FrontMatterFormat format = DataFormat(rel);
    if (format == content::FrontMatterFormat::kNone) {
      diagnostics->warnings.push_back(absl::StrCat(
          rel, ": not a data file (.yaml, .yml, .json or .toml); ignored"));
      continue;
    }
    absl::StatusOr<std::string> text = fs.ReadFile(fs::JoinPath(site_dir, rel));
    if (!text.ok()) {
      diagnostics->errors.push_back(
          absl::StrCat(rel, ": ", text.status().message()));
      continue;
    }
    loaded.digests[rel] = {cache::ContentHash(*text), text->size()};
    absl::StatusOr<content::ParsedData> parsed =
        content::ParseDataFile(rel, *text, format, /*require_mapping=*/false);
    if (!parsed.ok()) {
      diagnostics->errors.push_back(std::string(parsed.status().message()));
      continue;
    }
    // Place it at data.<dirs>.<stem>, creating objects on the way.
    std::vector<std::string> keys = DataKeyPath(rel);
    rapidjson::Value* node = &data;
    bool clash = false;
    for (size_t i = 0; i + 1 < keys.size() && !clash; ++i) {
      rapidjson::Value key(keys[i].c_str(), data.GetAllocator());
      auto it = node->FindMember(key);
      if (it == node->MemberEnd()) {
        rapidjson::Value child(rapidjson::kObjectType);
        node->AddMember(key, child, data.GetAllocator());
        it = node->FindMember(keys[i].c_str());
      }
      if (!it->value.IsObject()) clash = true;
      node = &it->value;
    }
    if (clash || node->HasMember(keys.back().c_str())) {
      diagnostics->errors.push_back(absl::StrCat(
          rel, ": data key '", absl::StrJoin(keys, "."),
          "' is defined by another data file too"));
      continue;
    }
    rapidjson::Value key(keys.back().c_str(), data.GetAllocator());
    rapidjson::Value value(parsed->value, data.GetAllocator());
    node->AddMember(key, value, data.GetAllocator());
  }

  // Read and parse every content file (in parallel on options.pool), then
  // gather results and errors in path order, so diagnostics are
  // deterministic.
  const std::vector<std::string>& content_paths = loaded.files.content;
  std::vector<absl::StatusOr<content::ParsedContent>> parsed;
  parsed.reserve(content_paths.size());
  for (size_t i = 0; i < content_paths.size(); ++i) {
    parsed.emplace_back(absl::UnknownError("not parsed"));
  }
  std::vector<cache::SourceRecord> digests(content_paths.size());
  concurrency::ForEachIndex(options.pool, content_paths.size(), [&](size_t i) {
    const std::string& rel = content_paths[i];
    absl::StatusOr<std::string> text = fs.ReadFile(fs::JoinPath(site_dir, rel));
    if (!text.ok()) {
      parsed[i] = absl::Status(text.status().code(),
                               absl::StrCat(rel, ": ", text.status().message()));
      return;
    }
    digests[i] = {cache::ContentHash(*text), text->size()};
    parsed[i] = content::ParseContentFile(rel, *text);
  });
  for (size_t i = 0; i < content_paths.size(); ++i) {
    if (!digests[i].hash.empty()) {
      // In path order: the hint makes each insertion constant time.
      loaded.digests.insert_or_assign(loaded.digests.end(), content_paths[i],
                                      std::move(digests[i]));
    }
  }
  std::vector<site::SourceFile> sources;
  sources.reserve(content_paths.size());
  for (size_t i = 0; i < content_paths.size(); ++i) {
    if (!parsed[i].ok()) {
      diagnostics->errors.push_back(std::string(parsed[i].status().message()));
      continue;
    }
    sources.push_back({content_paths[i], std::move(parsed[i]).value()});
  }
  loaded.site = site::AssembleSite(std::move(config), std::move(sources),
                                   std::move(data),
                                   {.include_drafts = options.include_drafts,
                                    .for_each_index =
                                        [pool = options.pool](
                                            size_t n,
                                            const std::function<void(size_t)>& fn) {
                                          concurrency::ForEachIndex(pool, n, fn);
                                        }},
                                   diagnostics);
  return loaded;
}

}  // namespace serval::build
