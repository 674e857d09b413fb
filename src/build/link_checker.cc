#include "src/build/link_checker.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "re2/re2.h"
#include "src/content/source_position.h"
#include "src/site/config.h"

namespace serval::build {
namespace {

struct Link {
  std::string target;
  size_t offset = 0;
};

struct HtmlFile {
  std::string text;
  absl::flat_hash_set<std::string> ids;
  std::vector<Link> links;
};

void ListFiles(fs::Fs& fs, const std::string& dir, const std::string& rel,
               std::vector<std::string>* out) {
  absl::StatusOr<std::vector<std::string>> names = fs.ListDir(dir);
  if (!names.ok()) return;
  for (const std::string& name : *names) {
    const std::string path = fs::JoinPath(dir, name);
    const std::string child = rel.empty() ? name : absl::StrCat(rel, "/", name);
    absl::StatusOr<fs::FileInfo> info = fs.Stat(path);
    if (!info.ok()) continue;
    if (info->type == fs::FileType::kDirectory) {
      ListFiles(fs, path, child, out);
    } else {
      out->push_back(child);
    }
  }
}

// &amp; and friends in attribute values.
std::string DecodeEntities(absl::string_view s) {
  if (!absl::StrContains(s, '&')) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      static constexpr std::pair<absl::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''},
          {"&lt;", '<'},  {"&gt;", '>'}};
      bool matched = false;
      for (const auto& [entity, c] : kEntities) {
        if (s.substr(i, entity.size()) == entity) {
          out.push_back(c);
          i += entity.size() - 1;
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string PercentDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && absl::ascii_isxdigit(s[i + 1]) &&
        absl::ascii_isxdigit(s[i + 2])) {
      auto hex = [](char c) {
        return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
      };
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

HtmlFile Scan(std::string text) {
  static const LazyRE2 kAttr = {
      R"re((?i)\s(href|src|id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'))re"};
  HtmlFile file;
  file.text = std::move(text);
  re2::StringPiece input(file.text);
  re2::StringPiece name, dq, sq;
  const char* begin = file.text.data();
  // Skip <script> and <style> bodies? Their attributes are rare; the
  // regex only matches attribute syntax, so plain script text is safe.
  while (RE2::FindAndConsume(&input, *kAttr, &name, &dq, &sq)) {
    re2::StringPiece raw = dq.data() != nullptr ? dq : sq;
    const std::string value = DecodeEntities(absl::string_view(raw.data(), raw.size()));
    const std::string attr = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
    if (attr == "id" || attr == "name") {
      file.ids.insert(value);
    } else {
      file.links.push_back({value, static_cast<size_t>(raw.data() - begin)});
    }
  }
  return file;
}

// The directory part of a file's URL path: "a/b/index.html" -> "/a/b/".
std::string DirUrl(absl::string_view file) {
  size_t slash = file.rfind('/');
  return slash == absl::string_view::npos
             ? "/"
             : absl::StrCat("/", file.substr(0, slash + 1));
}

// "/a/./b/../c" -> "a/c"; "" for the root; nullopt when it leaves the root.
std::optional<std::string> NormalizeUrlPath(absl::string_view path) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return absl::StrJoin(parts, "/");
}

}  // namespace

std::vector<std::string> CheckLinks(fs::Fs& fs, absl::string_view output_dir,
                                    absl::string_view baseurl) {
  std::vector<std::string> paths;
  ListFiles(fs, std::string(output_dir), "", &paths);
  std::sort(paths.begin(), paths.end());
  const absl::flat_hash_set<std::string> files(paths.begin(), paths.end());
  absl::flat_hash_map<std::string, HtmlFile> html;
  for (const std::string& path : paths) {
    if (!absl::EndsWith(path, ".html")) continue;
    absl::StatusOr<std::string> text = fs.ReadFile(fs::JoinPath(output_dir, path));
    if (text.ok()) html.emplace(path, Scan(std::move(text).value()));
  }
  // The path part of baseurl: root-relative links under it map to the
  // output's root.
  const std::string base_path = site::BaseUrlPath(baseurl);

  std::vector<std::string> problems;
  for (const std::string& path : paths) {
    auto it = html.find(path);
    if (it == html.end()) continue;
    const HtmlFile& file = it->second;
    for (const Link& link : file.links) {
      absl::string_view target = link.target;
      target = absl::StripAsciiWhitespace(target);
      if (target.empty()) continue;
      if (absl::StartsWith(target, "//")) continue;  // other host
      if (RE2::PartialMatch(re2::StringPiece(target.data(), target.size()),
                            R"(^[A-Za-z][A-Za-z0-9+.-]*:)")) {
        continue;  // http:, mailto:, data:, javascript: ...
      }
      std::string fragment;
      absl::string_view url = target;
      if (size_t hash = url.find('#'); hash != absl::string_view::npos) {
        fragment = PercentDecode(url.substr(hash + 1));
        url = url.substr(0, hash);
      }
      if (size_t query = url.find('?'); query != absl::string_view::npos) {
        url = url.substr(0, query);
      }
      std::string resolved_file;
      if (url.empty()) {
        resolved_file = path;  // "#anchor" in this page
      } else {
        std::string absolute = absl::StartsWith(url, "/")
                                   ? PercentDecode(url)
                                   : absl::StrCat(DirUrl(path), PercentDecode(url));
        absl::string_view under_base = absolute;
        if (base_path != "/" && absl::StartsWith(absolute, base_path)) {
          under_base.remove_prefix(base_path.size() - 1);
        }
        std::optional<std::string> normalized = NormalizeUrlPath(under_base);
        const bool dir_form = absl::EndsWith(under_base, "/");
        if (normalized) {
          const std::string& n = *normalized;
          const std::string index =
              n.empty() ? "index.html" : absl::StrCat(n, "/index.html");
          if (!dir_form && !n.empty() && files.contains(n)) {
            resolved_file = n;
          } else if (files.contains(index)) {
            resolved_file = index;
          }
        }
        if (resolved_file.empty()) {
          const content::SourcePosition at =
              content::PositionOfOffset(file.text, link.offset);
          problems.push_back(absl::StrCat(path, ":", at.line, ":", at.column,
                                          ": broken link ", link.target));
          continue;
        }
      }
      if (!fragment.empty()) {
        auto target_html = html.find(resolved_file);
        if (target_html != html.end() && !target_html->second.ids.contains(fragment)) {
          const content::SourcePosition at =
              content::PositionOfOffset(file.text, link.offset);
          problems.push_back(absl::StrCat(path, ":", at.line, ":", at.column,
                                          ": broken anchor ", link.target,
                                          " (no id \"", fragment, "\" in ",
                                          resolved_file, ")"));
        }
      }
    }
  }
  return problems;
}

}  // namespace serval::build
