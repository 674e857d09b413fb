#include "src/site/config.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/content/front_matter.h"

namespace serval::site {
namespace {

using content::PositionedError;
using content::SourcePosition;
using rapidjson::Value;

class ConfigReader {
 public:
  ConfigReader(absl::string_view path, const content::ParsedData& data)
      : path_(path), data_(data) {}

  absl::Status TypeError(absl::string_view key, absl::string_view want) const {
    auto it = data_.key_positions.find(std::string(key));
    SourcePosition at = it == data_.key_positions.end() ? SourcePosition{1, 1}
                                                        : it->second;
    return PositionedError(absl::StatusCode::kInvalidArgument, path_, at,
                           absl::StrCat("'", key, "' must be ", want));
  }

  absl::Status String(const char* key, std::string* out) const {
    const Value& root = data_.value;
    auto it = root.FindMember(key);
    if (it == root.MemberEnd()) return absl::OkStatus();
    if (!it->value.IsString()) return TypeError(key, "a string");
    out->assign(it->value.GetString(), it->value.GetStringLength());
    return absl::OkStatus();
  }

  absl::Status NonNegativeInt(const char* key, int64_t* out) const {
    const Value& root = data_.value;
    auto it = root.FindMember(key);
    if (it == root.MemberEnd()) return absl::OkStatus();
    if (!it->value.IsInt64() || it->value.GetInt64() < 0) {
      return TypeError(key, "a non-negative integer");
    }
    *out = it->value.GetInt64();
    return absl::OkStatus();
  }

 private:
  absl::string_view path_;
  const content::ParsedData& data_;
};

void SetDefaultTaxonomies(SiteConfig* config) {
  config->taxonomies = {{"tag", "tags"}, {"category", "categories"}};
}

}  // namespace

SiteConfig DefaultSiteConfig() {
  SiteConfig config;
  SetDefaultTaxonomies(&config);
  config.params.SetObject();
  config.raw.SetObject();
  return config;
}

absl::StatusOr<SiteConfig> ParseSiteConfig(absl::string_view path,
                                           absl::string_view text) {
  absl::StatusOr<content::ParsedData> data = content::ParseDataFile(
      path, text, content::FrontMatterFormat::kToml, /*require_mapping=*/true);
  if (!data.ok()) return data.status();
  ConfigReader reader(path, *data);
  SiteConfig config = DefaultSiteConfig();
  absl::Status s;
  if (!(s = reader.String("title", &config.title)).ok()) return s;
  // "baseURL" is Hugo's spelling; accepting it lets one config serve both.
  if (!(s = reader.String("baseURL", &config.baseurl)).ok()) return s;
  if (!(s = reader.String("baseurl", &config.baseurl)).ok()) return s;
  if (!(s = reader.String("language", &config.language)).ok()) return s;
  if (!(s = reader.NonNegativeInt("paginate", &config.paginate)).ok()) return s;
  if (!(s = reader.NonNegativeInt("summary_length", &config.summary_length))
           .ok()) {
    return s;
  }
  if (config.baseurl.empty() || !absl::EndsWith(config.baseurl, "/")) {
    config.baseurl += "/";
  }

  const Value& root = data->value;
  if (auto it = root.FindMember("taxonomies"); it != root.MemberEnd()) {
    if (!it->value.IsObject()) {
      return reader.TypeError("taxonomies", "a table of singular = \"plural\"");
    }
    config.taxonomies.clear();
    for (const auto& member : it->value.GetObject()) {
      if (!member.value.IsString() || member.value.GetStringLength() == 0) {
        return reader.TypeError("taxonomies",
                                "a table of singular = \"plural\" strings");
      }
      config.taxonomies.push_back({member.name.GetString(),
                                   member.value.GetString()});
    }
  }

  if (auto it = root.FindMember("params"); it != root.MemberEnd()) {
    if (!it->value.IsObject()) return reader.TypeError("params", "a table");
    config.params.CopyFrom(it->value, config.params.GetAllocator());
  }

  if (auto it = root.FindMember("menu"); it != root.MemberEnd()) {
    if (!it->value.IsObject()) {
      return reader.TypeError("menu", "a table of [[menu.NAME]] entries");
    }
    for (const auto& menu_member : it->value.GetObject()) {
      Menu menu;
      menu.name = menu_member.name.GetString();
      if (!menu_member.value.IsArray()) {
        return reader.TypeError("menu", "a table of [[menu.NAME]] entries");
      }
      for (const Value& entry : menu_member.value.GetArray()) {
        MenuEntry item;
        if (!entry.IsObject() || !entry.HasMember("name") ||
            !entry["name"].IsString() || !entry.HasMember("url") ||
            !entry["url"].IsString()) {
          return reader.TypeError(
              "menu", "entries with string 'name' and 'url' keys");
        }
        item.name = entry["name"].GetString();
        item.url = entry["url"].GetString();
        if (entry.HasMember("weight")) {
          if (!entry["weight"].IsInt64()) {
            return reader.TypeError("menu", "entries with integer 'weight'");
          }
          item.weight = entry["weight"].GetInt64();
        }
        item.identifier = entry.HasMember("identifier") &&
                                  entry["identifier"].IsString()
                              ? entry["identifier"].GetString()
                              : item.name;
        menu.entries.push_back(std::move(item));
      }
      config.menus.push_back(std::move(menu));
    }
  }
  for (Menu& menu : config.menus) {
    std::stable_sort(menu.entries.begin(), menu.entries.end(),
                     [](const MenuEntry& a, const MenuEntry& b) {
                       return a.weight < b.weight;
                     });
  }
  std::sort(config.menus.begin(), config.menus.end(),
            [](const Menu& a, const Menu& b) { return a.name < b.name; });
  config.raw = std::move(data->value);
  return config;
}

std::string BaseUrlPath(absl::string_view baseurl) {
  const size_t scheme = baseurl.find("://");
  if (scheme == absl::string_view::npos) {
    return baseurl.empty() ? std::string("/") : std::string(baseurl);
  }
  const size_t slash = baseurl.find('/', scheme + 3);
  return slash == absl::string_view::npos ? std::string("/")
                                          : std::string(baseurl.substr(slash));
}

}  // namespace serval::site
