#include "src/postprocess/outputs.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "src/content/date.h"

namespace serval::postprocess {
namespace {

using site::Page;
using site::PageKind;
using site::Site;

RenderedContentView ContentOf(const PageContents& rendered, const Page* page) {
  return rendered.Of(page);
}

// The URL of a search index line made by SearchEntry: the JSON string
// after `{"url":`, as escaped there (empty if the line is not one).
absl::string_view EntryUrl(absl::string_view line) {
  constexpr absl::string_view kStart = "{\"url\":\"";
  if (!absl::StartsWith(line, kStart)) return {};
  for (size_t i = kStart.size(); i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '"') {
      return line.substr(0, i + 1);
    }
  }
  return {};
}

// The regular pages a list's feed shows: newest first, undated last.
std::vector<const Page*> FeedPages(const Site& site, const Page& list,
                                   int limit) {
  std::vector<const Page*> pages;
  const std::vector<const Page*>& source =
      list.kind == PageKind::kHome ? site.regular_pages : list.pages;
  for (const Page* p : source) {
    if (p->kind == PageKind::kPage) pages.push_back(p);
  }
  auto newer = [](const Page* a, const Page* b) {
    if (a->date.has_value() != b->date.has_value()) return a->date.has_value();
    if (a->date.has_value() && *a->date != *b->date) return *a->date > *b->date;
    return a->url < b->url;
  };
  if (limit <= 0 || pages.size() <= static_cast<size_t>(limit)) {
    std::stable_sort(pages.begin(), pages.end(), newer);
    return pages;
  }
  // The first `limit` pages of that stable sort, without sorting the rest:
  // ties fall back to the position, which makes the order strict and the
  // partial sort's first `limit` the stable sort's.
  std::vector<size_t> order(pages.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::partial_sort(order.begin(), order.begin() + limit, order.end(),
                    [&](size_t a, size_t b) {
                      if (newer(pages[a], pages[b])) return true;
                      if (newer(pages[b], pages[a])) return false;
                      return a < b;
                    });
  std::vector<const Page*> first;
  first.reserve(limit);
  for (int i = 0; i < limit; ++i) first.push_back(pages[order[i]]);
  return first;
}

std::string Rfc822(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", t, absl::UTCTimeZone());
}

// The newest date among `pages`, or the Unix epoch for an undated list
// (never the wall clock: outputs must not change from run to run).
absl::Time Newest(const std::vector<const Page*>& pages) {
  absl::Time newest = absl::UnixEpoch();
  for (const Page* p : pages) {
    if (p->date.has_value() && *p->date > newest) newest = *p->date;
  }
  return newest;
}

std::string FeedDir(const Page& list) {
  return std::string(absl::StripPrefix(list.url, "/"));
}

std::string ListTitle(const Site& site, const Page& list) {
  if (list.kind == PageKind::kHome) return site.config.title;
  return absl::StrCat(list.title, " | ", site.config.title);
}

}  // namespace

PageContents::PageContents(const RenderedContents& map) : map_(&map) {}

RenderedContentView PageContents::Of(const Page* page) const {
  if (fn_) return fn_(page);
  if (map_ == nullptr) return {};
  auto it = map_->find(page);
  if (it == map_->end()) return {};
  return {it->second.content_html, it->second.summary_html,
          it->second.plain_text};
}

std::string Permalink(const site::SiteConfig& config, absl::string_view url) {
  return absl::StrCat(absl::StripSuffix(config.baseurl, "/"), url);
}

namespace {

// XmlEscape(text) appended to *out.
void AppendXmlEscaped(absl::string_view text, std::string* out) {
  // Runs of bytes that need nothing are appended whole.
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const unsigned char u = static_cast<unsigned char>(c);
    absl::string_view replacement;
    switch (c) {
      case '&': replacement = "&amp;"; break;
      case '<': replacement = "&lt;"; break;
      case '>': replacement = "&gt;"; break;
      case '"': replacement = "&quot;"; break;
      case '\'': replacement = "&apos;"; break;
      default:
        // XML 1.0 allows only tab, newline and carriage return below 0x20:
        // the others are dropped (an empty replacement).
        if (u >= 0x20 || c == '\t' || c == '\n' || c == '\r') continue;
    }
    out->append(text.data() + run, i - run);
    out->append(replacement.data(), replacement.size());
    run = i + 1;
  }
  out->append(text.data() + run, text.size() - run);
}

}  // namespace

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  AppendXmlEscaped(text, &out);
  return out;
}

std::string RenderSitemap(const Site& site) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  // Escaping goes byte by byte, so the permalink's escape is the base's
  // (once) followed by the URL's.
  const std::string base =
      XmlEscape(absl::StripSuffix(site.config.baseurl, "/"));
  out.reserve(out.size() + site.pages.size() * (base.size() + 96));
  for (const auto& page : site.pages) {  // already ordered by URL
    out += "  <url>\n    <loc>";
    out += base;
    AppendXmlEscaped(page->url, &out);
    out += "</loc>\n";
    if (page->date.has_value()) {
      out += "    <lastmod>";
      out += content::FormatDateRfc3339(*page->date);
      out += "</lastmod>\n";
    }
    out += "  </url>\n";
  }
  out += "</urlset>\n";
  return out;
}

// A feed's item summaries (escaped, as in the file) by item link, read
// from the last build's file at `path`: each item starts with `item_open`
// and holds `<link_open>LINK<close>`, then
// `<summary_open>SUMMARY<summary_close>`;
// escaped text holds no '<', so the first close tag after an open one is
// its own.
class PreviousSummaries {
 public:
  PreviousSummaries(const OutputOptions& options, absl::string_view path,
                    absl::string_view item_open,
                    absl::string_view link_open, absl::string_view link_close,
                    absl::string_view summary_open,
                    absl::string_view summary_close)
      : options_(options) {
    if (!options.unchanged || !options.previous_output) return;
    text_ = options.previous_output(path);
    if (!text_.has_value()) return;
    absl::string_view rest = *text_;
    while (true) {
      const size_t item = rest.find(item_open);
      if (item == absl::string_view::npos) break;
      size_t link = rest.find(link_open, item);
      if (link == absl::string_view::npos) break;
      link += link_open.size();
      const size_t link_end = rest.find(link_close, link);
      const size_t summary = rest.find(summary_open, link);
      if (link_end == absl::string_view::npos ||
          summary == absl::string_view::npos) {
        break;
      }
      const size_t from = summary + summary_open.size();
      const size_t summary_end = rest.find(summary_close, from);
      if (summary_end == absl::string_view::npos) break;
      by_link_.emplace(rest.substr(link, link_end - link),
                       rest.substr(from, summary_end - from));
      rest.remove_prefix(summary_end + summary_close.size());
    }
  }

  // The escaped summary of `page`, whose escaped link is `link`.
  std::string Of(const Page* page, absl::string_view link,
                 const PageContents& rendered) const {
    if (!by_link_.empty() && options_.unchanged(page)) {
      auto it = by_link_.find(link);
      if (it != by_link_.end()) return std::string(it->second);
    }
    return XmlEscape(ContentOf(rendered, page).summary_html);
  }

 private:
  const OutputOptions& options_;
  std::optional<std::string> text_;
  absl::flat_hash_map<absl::string_view, absl::string_view> by_link_;
};

std::string RenderRss(const Site& site, const Page& list,
                      const PageContents& rendered,
                      const OutputOptions& options) {
  std::vector<const Page*> pages = FeedPages(site, list, options.feed_limit);
  const std::string self =
      Permalink(site.config, absl::StrCat(list.url, "index.xml"));
  const PreviousSummaries summaries(
      options, absl::StrCat(FeedDir(list), "index.xml"), "\n  <item>\n", "<link>",
      "</link>",
      "<description>", "</description>\n  </item>");
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n"
      "<channel>\n"
      "  <title>", XmlEscape(ListTitle(site, list)), "</title>\n"
      "  <link>", XmlEscape(Permalink(site.config, list.url)), "</link>\n"
      "  <description>", XmlEscape(absl::StrCat("Recent content in ",
                                                ListTitle(site, list))),
      "</description>\n"
      "  <language>", XmlEscape(site.config.language), "</language>\n"
      "  <lastBuildDate>", Rfc822(Newest(pages)), "</lastBuildDate>\n"
      "  <atom:link href=\"", XmlEscape(self),
      "\" rel=\"self\" type=\"application/rss+xml\"/>\n");
  for (const Page* page : pages) {
    const std::string link = XmlEscape(Permalink(site.config, page->url));
    absl::StrAppend(&out, "  <item>\n    <title>", XmlEscape(page->title),
                    "</title>\n    <link>", link, "</link>\n    <guid>", link,
                    "</guid>\n");
    if (page->date.has_value()) {
      absl::StrAppend(&out, "    <pubDate>", Rfc822(*page->date),
                      "</pubDate>\n");
    }
    absl::StrAppend(&out, "    <description>",
                    summaries.Of(page, link, rendered),
                    "</description>\n  </item>\n");
  }
  out += "</channel>\n</rss>\n";
  return out;
}

std::string RenderAtom(const Site& site, const Page& list,
                       const PageContents& rendered,
                       const OutputOptions& options) {
  std::vector<const Page*> pages = FeedPages(site, list, options.feed_limit);
  const std::string self =
      Permalink(site.config, absl::StrCat(list.url, "atom.xml"));
  const PreviousSummaries summaries(
      options, absl::StrCat(FeedDir(list), "atom.xml"), "\n  <entry>\n", "<id>",
      "</id>",
      "<summary type=\"html\">", "</summary>\n  </entry>");
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
      "  <title>", XmlEscape(ListTitle(site, list)), "</title>\n"
      "  <id>", XmlEscape(Permalink(site.config, list.url)), "</id>\n"
      "  <link href=\"", XmlEscape(Permalink(site.config, list.url)), "\"/>\n"
      "  <link href=\"", XmlEscape(self), "\" rel=\"self\"/>\n"
      "  <updated>", content::FormatDateRfc3339(Newest(pages)), "</updated>\n");
  if (site.config.params.IsObject() && site.config.params.HasMember("author") &&
      site.config.params["author"].IsString()) {
    absl::StrAppend(&out, "  <author><name>",
                    XmlEscape(site.config.params["author"].GetString()),
                    "</name></author>\n");
  } else {
    absl::StrAppend(&out, "  <author><name>", XmlEscape(site.config.title),
                    "</name></author>\n");
  }
  for (const Page* page : pages) {
    const std::string link = XmlEscape(Permalink(site.config, page->url));
    const std::string updated = content::FormatDateRfc3339(
        page->date.value_or(absl::UnixEpoch()));
    absl::StrAppend(&out, "  <entry>\n    <title>", XmlEscape(page->title),
                    "</title>\n    <id>", link, "</id>\n    <link href=\"", link,
                    "\"/>\n    <updated>", updated, "</updated>\n");
    absl::StrAppend(&out, "    <summary type=\"html\">",
                    summaries.Of(page, link, rendered),
                    "</summary>\n  </entry>\n");
  }
  out += "</feed>\n";
  return out;
}

std::string RenderSearchIndex(const Site& site,
                              const PageContents& rendered,
                              const OutputOptions& options) {
  // The last build's entries, by their `{"url":"..."` prefix.
  absl::flat_hash_map<absl::string_view, absl::string_view> previous;
  std::optional<std::string> previous_text;
  if (options.unchanged && options.previous_output) {
    previous_text = options.previous_output("index.json");
  }
  if (previous_text.has_value()) {
    for (absl::string_view line : absl::StrSplit(*previous_text, '\n')) {
      absl::ConsumeSuffix(&line, ",");
      absl::string_view url = EntryUrl(line);
      if (!url.empty()) previous.emplace(url, line);
    }
  }
  std::string out = "[";
  // Most of an incremental build's index is the last one's entries: sized
  // for it up front, the text is not copied through a dozen doublings
  // (each a fresh block the kernel zero-fills: 43 MB touched for a 24 MB
  // index at 10,000 pages).
  if (previous_text.has_value()) {
    out.reserve(previous_text->size() + previous_text->size() / 8 + 4096);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  auto string = [&](absl::string_view s) {
    writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  bool first = true;
  for (const Page* page : site.regular_pages) {
    out += first ? "\n" : ",\n";
    first = false;
    buffer.Clear();
    writer.Reset(buffer);
    writer.StartObject();
    string("url");
    string(page->url);
    if (!previous.empty() && options.unchanged(page)) {
      auto it = previous.find(
          absl::string_view(buffer.GetString(), buffer.GetSize()));
      if (it != previous.end()) {
        out.append(it->second.data(), it->second.size());
        continue;
      }
    }
    const RenderedContentView content = ContentOf(rendered, page);
    string("title");
    string(page->title);
    if (page->date.has_value()) {
      string("date");
      string(content::FormatDateRfc3339(*page->date));
    }
    string("section");
    string(page->section);
    string("tags");
    writer.StartArray();
    if (const auto* tags = page->TermsOf("tags")) {
      for (const site::TermRef& t : *tags) string(t.name);
    }
    writer.EndArray();
    string("summary");
    string(page->description.empty() ? page->summary : page->description);
    string("content");
    absl::string_view text = content.plain_text;
    if (options.search_text_limit > 0 &&
        text.size() > static_cast<size_t>(options.search_text_limit)) {
      size_t cut = options.search_text_limit;
      // Never split a UTF-8 sequence.
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
        --cut;
      }
      text = text.substr(0, cut);
    }
    string(text);
    writer.EndObject();
    out.append(buffer.GetString(), buffer.GetSize());
  }
  out += first ? "]\n" : "\n]\n";
  return out;
}

std::string RenderRobotsTxt(const Site& site) {
  return absl::StrCat("User-agent: *\nAllow: /\nSitemap: ",
                      Permalink(site.config, "/sitemap.xml"), "\n");
}

std::vector<Output> PostprocessOutputs(const Site& site,
                                       const PageContents& rendered,
                                       const OutputOptions& options,
                                       concurrency::ThreadPool* pool) {
  // One task per file; the search index (the largest) first.
  std::vector<std::pair<std::string, std::function<std::string()>>> tasks;
  tasks.emplace_back("index.json",
                     [&] { return RenderSearchIndex(site, rendered, options); });
  tasks.emplace_back("sitemap.xml", [&] { return RenderSitemap(site); });
  tasks.emplace_back("robots.txt", [&] { return RenderRobotsTxt(site); });
  for (const auto& owned : site.pages) {
    const Page* page = owned.get();
    if (page->kind != PageKind::kHome && page->kind != PageKind::kSection &&
        page->kind != PageKind::kTerm) {
      continue;
    }
    tasks.emplace_back(absl::StrCat(FeedDir(*page), "index.xml"), [&, page] {
      return RenderRss(site, *page, rendered, options);
    });
    tasks.emplace_back(absl::StrCat(FeedDir(*page), "atom.xml"), [&, page] {
      return RenderAtom(site, *page, rendered, options);
    });
  }
  std::vector<Output> outputs(tasks.size());
  concurrency::ForEachIndex(pool, tasks.size(), [&](size_t i) {
    outputs[i] = {std::move(tasks[i].first), tasks[i].second()};
  });
  std::sort(outputs.begin(), outputs.end(),
            [](const Output& a, const Output& b) { return a.path < b.path; });
  return outputs;
}

}  // namespace serval::postprocess
