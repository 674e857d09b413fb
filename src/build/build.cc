#include "src/build/build.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "src/assets/asset_pipeline.h"
#include "src/base/log.h"
#include "src/base/utf8.h"
#include "src/build/site_functions.h"
#include "src/build/site_loader.h"
#include "src/build/template_objects.h"
#include "src/concurrency/thread_pool.h"
#include "src/fs/build_lock.h"
#include "src/highlight/theme.h"
#include "src/markdown/markdown.h"
#include "src/postprocess/outputs.h"
#include "src/template/environment.h"
#include "src/theme/default_theme.h"

namespace serval::build {
namespace {

constexpr absl::string_view kTemplatesPrefix = "templates/";
constexpr absl::string_view kStaticPrefix = "static/";

// Runs fn(0..n-1) on `pool` (and the calling thread), or serially when
// there is no pool. fn reports its own errors.
void ForEachIndex(concurrency::ThreadPool* pool, size_t n,
                  const std::function<void(size_t)>& fn) {
  if (pool == nullptr) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  concurrency::ParallelFor(
      *pool, n,
      [&fn](size_t i) {
        fn(i);
        return absl::OkStatus();
      },
      {.cancel_on_error = false})
      .IgnoreError();
}

// Site templates under <site>/templates, read through the Fs.
class FsTemplateLoader : public tmpl::Loader {
 public:
  FsTemplateLoader(fs::Fs& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  absl::StatusOr<std::string> Load(absl::string_view name) const override {
    if (markdown::NormalizeContentPath(name) != name) {
      return absl::NotFoundError(absl::StrCat("template '", name, "' not found"));
    }
    absl::StatusOr<std::string> text = fs_.ReadFile(fs::JoinPath(dir_, name));
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(absl::StrCat("template '", name, "' not found"));
    }
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          absl::StrCat("templates/", name, ": ",
                                       text.status().message()));
    }
    if (size_t bad = base::FindInvalidUtf8(*text); bad != text->size()) {
      content::SourcePosition at = content::PositionOfOffset(*text, bad);
      return absl::InvalidArgumentError(
          absl::StrCat("templates/", name, ":", at.line, ":", at.column,
                       ": invalid UTF-8 (templates must be UTF-8)"));
    }
    return text;
  }

 private:
  fs::Fs& fs_;
  const std::string dir_;
};

// The embedded default theme's templates.
std::unique_ptr<tmpl::Loader> DefaultThemeLoader() {
  tmpl::MapLoader::Map map;
  for (const base::EmbeddedFile& file : theme::DefaultThemeFiles()) {
    absl::string_view path = file.path;
    if (absl::ConsumePrefix(&path, kTemplatesPrefix)) {
      map.emplace(std::string(path), std::string(file.contents));
    }
  }
  return std::make_unique<tmpl::MapLoader>(std::move(map));
}

// Which template names exist where.
struct TemplateSets {
  absl::flat_hash_set<std::string> site;
  absl::flat_hash_set<std::string> theme;

  // The first candidate the site has, else the first the theme has, else
  // "" (tried lists every candidate).
  std::string Resolve(const std::vector<std::string>& candidates,
                      bool* from_theme) const {
    for (const std::string& c : candidates) {
      if (site.contains(c)) {
        *from_theme = false;
        return c;
      }
    }
    for (const std::string& c : candidates) {
      if (theme.contains(c)) {
        *from_theme = true;
        return c;
      }
    }
    return "";
  }
};

std::string WithHtml(absl::string_view layout) {
  return absl::EndsWith(layout, ".html") ? std::string(layout)
                                         : absl::StrCat(layout, ".html");
}

std::vector<std::string> TemplateCandidates(const site::Page& page) {
  std::vector<std::string> c;
  const std::string& section = page.section;
  if (!page.layout.empty()) {
    if (!section.empty()) c.push_back(absl::StrCat(section, "/", WithHtml(page.layout)));
    c.push_back(WithHtml(page.layout));
  }
  switch (page.kind) {
    case site::PageKind::kPage:
      if (!section.empty()) c.push_back(absl::StrCat(section, "/page.html"));
      c.push_back("page.html");
      break;
    case site::PageKind::kSection:
      if (!section.empty()) c.push_back(absl::StrCat(section, "/list.html"));
      c.push_back("section.html");
      c.push_back("list.html");
      break;
    case site::PageKind::kHome:
      c.push_back("home.html");
      c.push_back("index.html");
      c.push_back("list.html");
      break;
    case site::PageKind::kTaxonomy:
      c.push_back(absl::StrCat(page.taxonomy, "/taxonomy.html"));
      c.push_back("taxonomy.html");
      c.push_back("list.html");
      break;
    case site::PageKind::kTerm:
      c.push_back(absl::StrCat(page.taxonomy, "/term.html"));
      c.push_back("term.html");
      c.push_back("list.html");
      break;
  }
  return c;
}

// Where a page's messages point: its source file, else its URL.
std::string Origin(const site::Page& page) {
  return page.source_path.empty() ? page.url : page.source_path;
}

// One HTML file to render.
struct RenderJob {
  const site::Page* page = nullptr;
  std::string template_name;
  std::string output_path;
  int pager_number = 0;  // 0: not paginated
  int pager_total = 0;
  const site::Alias* alias = nullptr;  // alias pages
  // Results.
  std::string html;
  std::string error;
  std::shared_ptr<Pager> pager;
};

struct Output {
  std::string path;   // relative to the output directory
  std::string bytes;
  std::string origin;  // for conflict messages
};

class Builder {
 public:
  Builder(fs::Fs& fs, const BuildOptions& options)
      : fs_(fs),
        options_(options),
        output_dir_(OutputDirOf(options)),
        build_time_(options.build_time.value_or(absl::Now())) {}

  BuildResult Run() {
    const absl::Time start = absl::Now();
    std::unique_ptr<fs::BuildLock> lock;
    Phase("lock", [&] { lock = AcquireLock(); });
    if (result_.ok()) Build();
    result_.total = absl::Now() - start;
    return std::move(result_);
  }

 private:
  void Build() {
    const int jobs = options_.jobs > 0
                         ? options_.jobs
                         : static_cast<int>(std::max(
                               1u, std::thread::hardware_concurrency()));
    if (jobs > 1) pool_ = std::make_unique<concurrency::ThreadPool>(jobs - 1);

    site::Diagnostics diagnostics;
    Phase("load", [&] {
      loaded_ = LoadSite(fs_, options_.site_dir,
                         {.include_drafts = options_.include_drafts,
                          .pool = pool_.get()},
                         &diagnostics);
    });
    Append(diagnostics);
    // Pages with errors are left out of the model; the others go on
    // through every phase so that one run reports every error. Nothing is
    // published unless there are none.
    const site::Site& site = *loaded_.site;

    Phase("markdown", [&] { RenderAllMarkdown(site); });
    ResolveTemplates(site);
    Phase("assets", [&] { ProcessAssets(); });
    Phase("render", [&] { RenderAll(site); });
    Phase("postprocess", [&] { Postprocess(site); });
    CheckOutputConflicts();
    if (!result_.ok()) return;

    Phase("publish", [&] { Publish(); });
  }

  template <typename Fn>
  void Phase(absl::string_view name, Fn fn) {
    const absl::Time start = absl::Now();
    fn();
    result_.phases.push_back({std::string(name), absl::Now() - start});
  }

  void Append(const site::Diagnostics& d) {
    result_.errors.insert(result_.errors.end(), d.errors.begin(),
                          d.errors.end());
    result_.warnings.insert(result_.warnings.end(), d.warnings.begin(),
                            d.warnings.end());
  }

  std::unique_ptr<fs::BuildLock> AcquireLock() {
    const std::string state_dir = fs::JoinPath(options_.site_dir, ".serval");
    if (absl::Status s = fs::CreateDirs(fs_, state_dir); !s.ok()) {
      result_.errors.push_back(absl::StrCat(state_dir, ": ", s.message()));
      return nullptr;
    }
    if (!options_.use_lock) return nullptr;
    absl::StatusOr<std::unique_ptr<fs::BuildLock>> lock = fs::BuildLock::Acquire(
        fs_, fs::JoinPath(state_dir, "lock"),
        {.build_id = base::BuildId(),
         .timeout = options_.lock_timeout,
         .on_wait = options_.on_lock_wait});
    if (!lock.ok()) {
      result_.errors.push_back(std::string(lock.status().message()));
      return nullptr;
    }
    return std::move(lock).value();
  }

  // --- markdown -------------------------------------------------------

  void RenderAllMarkdown(const site::Site& site) {
    contents_.resize(site.pages.size());
    std::vector<std::vector<std::string>> warnings(site.pages.size());
    std::vector<std::vector<std::string>> errors(site.pages.size());
    const std::string content_root = fs::JoinPath(options_.site_dir, "content");
    ForEachIndex(pool_.get(), site.pages.size(), [&](size_t i) {
      const site::Page& page = *site.pages[i];
      if (page.source_path.empty()) return;
      markdown::MarkdownOptions md;
      md.source_path = std::string(
          absl::StripPrefix(page.source_path, "content/"));
      md.read_file = [&](absl::string_view path) {
        return fs_.ReadFile(fs::JoinPath(content_root, path));
      };
      absl::StatusOr<markdown::RenderedMarkdown> rendered =
          markdown::RenderMarkdown(page.body, md);
      if (!rendered.ok()) {
        errors[i].push_back(
            absl::StrCat(page.source_path, ": ", rendered.status().message()));
        return;
      }
      for (const markdown::Diagnostic& d : rendered->diagnostics) {
        // Lines count from the body; make them file lines.
        std::string file = d.file == md.source_path
                               ? page.source_path
                               : absl::StrCat("content/", d.file);
        const int line = d.file == md.source_path
                             ? d.line + page.body_start.line - 1
                             : d.line;
        std::string text = absl::StrCat(
            file, ":", line, ": ",
            d.severity == markdown::Diagnostic::Severity::kError ? "error: "
                                                                 : "",
            d.message);
        (d.severity == markdown::Diagnostic::Severity::kError ? errors[i]
                                                               : warnings[i])
            .push_back(std::move(text));
      }
      PageContent& c = contents_[i];
      c.plain_text = HtmlToText(rendered->html);
      c.html = std::move(rendered->html);
      c.summary_html = std::move(rendered->summary_html);
      c.toc_html = std::move(rendered->toc_html);
      c.toc = std::move(rendered->toc);
      c.word_count = rendered->word_count;
      c.reading_minutes = rendered->reading_minutes;
    });
    for (size_t i = 0; i < site.pages.size(); ++i) {
      result_.errors.insert(result_.errors.end(), errors[i].begin(),
                            errors[i].end());
      result_.warnings.insert(result_.warnings.end(), warnings[i].begin(),
                              warnings[i].end());
    }
  }

  // --- templates ------------------------------------------------------

  void ResolveTemplates(const site::Site& site) {
    for (const std::string& path : loaded_.files.templates) {
      absl::string_view name = path;
      if (absl::ConsumePrefix(&name, kTemplatesPrefix)) {
        templates_.site.insert(std::string(name));
      }
    }
    for (const base::EmbeddedFile& file : theme::DefaultThemeFiles()) {
      absl::string_view name = file.path;
      if (absl::ConsumePrefix(&name, kTemplatesPrefix)) {
        templates_.theme.insert(std::string(name));
      }
    }
    for (const auto& owned : site.pages) {
      const site::Page& page = *owned;
      const std::vector<std::string> candidates = TemplateCandidates(page);
      bool from_theme = false;
      std::string name = templates_.Resolve(candidates, &from_theme);
      if (name.empty()) {
        result_.errors.push_back(
            absl::StrCat(Origin(page), ": no template for this ",
                         site::PageKindName(page.kind), " (tried ",
                         absl::StrJoin(candidates, ", "), ")"));
        continue;
      }
      theme_used_ |= from_theme;
      RenderJob job;
      job.page = &page;
      job.template_name = std::move(name);
      job.output_path = page.output_path;
      if (page.is_list() && site.config.paginate > 0) {
        const size_t listed = ListedCount(site, page);
        job.pager_number = 1;
        job.pager_total = static_cast<int>(std::max<size_t>(
            1, (listed + site.config.paginate - 1) / site.config.paginate));
      }
      jobs_.push_back(std::move(job));
    }
    for (const site::Alias& alias : site.aliases) {
      bool from_theme = false;
      std::string name = templates_.Resolve({"alias.html"}, &from_theme);
      if (name.empty()) continue;
      RenderJob job;
      job.alias = &alias;
      job.page = alias.target;
      job.template_name = std::move(name);
      job.output_path = alias.output_path;
      jobs_.push_back(std::move(job));
    }
    // 404 and search pages: the site's own, else the theme's when the site
    // uses the theme (a site with its own templates gets no theme pages
    // mixed in).
    const bool offer_theme_pages = templates_.site.empty() || theme_used_;
    AddSpecialPage(site, "404.html", "/404.html", "Page not found", "404",
                   offer_theme_pages);
    AddSpecialPage(site, "search.html", "/search/", "Search", "search",
                   offer_theme_pages);
  }

  size_t ListedCount(const site::Site& site, const site::Page& page) const {
    return page.kind == site::PageKind::kHome ? site.regular_pages.size()
                                              : page.pages.size();
  }

  void AddSpecialPage(const site::Site& site, const std::string& template_name,
                      const std::string& url, const std::string& title,
                      const std::string& kind, bool allow_theme) {
    if (site.FindByUrl(url) != nullptr) return;
    const bool in_site = templates_.site.contains(template_name);
    if (!in_site && !(allow_theme && templates_.theme.contains(template_name))) {
      return;
    }
    auto page = std::make_unique<site::Page>();
    page->kind = site::PageKind::kPage;
    page->title = title;
    page->url = url;
    page->output_path = site::OutputPathForUrl(url);
    special_kinds_.emplace_back(page.get(), kind);
    RenderJob job;
    job.page = page.get();
    job.template_name = template_name;
    job.output_path = page->output_path;
    jobs_.push_back(std::move(job));
    special_pages_.push_back(std::move(page));
  }

  // --- assets ---------------------------------------------------------

  void ProcessAssets() {
    // Logical path -> bytes; the site's static/ wins over the theme's.
    std::map<std::string, std::string> statics;
    if (theme_used_ || templates_.site.empty()) {
      for (const base::EmbeddedFile& file : theme::DefaultThemeFiles()) {
        absl::string_view path = file.path;
        if (absl::ConsumePrefix(&path, kStaticPrefix)) {
          statics[std::string(path)] = std::string(file.contents);
        }
      }
      statics["css/highlight.css"] = absl::StrCat(
          highlight::ThemeStylesheet(highlight::Theme::kLight),
          "@media (prefers-color-scheme: dark) {\n",
          highlight::ThemeStylesheet(highlight::Theme::kDark,
                                     ":root:not([data-theme=light]) .highlight"),
          "}\n",
          highlight::ThemeStylesheet(highlight::Theme::kDark,
                                     "[data-theme=dark] .highlight"));
    }
    const std::vector<std::string>& files = loaded_.files.statics;
    std::vector<absl::StatusOr<std::string>> bytes(
        files.size(), absl::UnknownError("not read"));
    ForEachIndex(pool_.get(), files.size(), [&](size_t i) {
      bytes[i] = fs_.ReadFile(fs::JoinPath(options_.site_dir, files[i]));
    });
    for (size_t i = 0; i < files.size(); ++i) {
      if (!bytes[i].ok()) {
        result_.errors.push_back(
            absl::StrCat(files[i], ": ", bytes[i].status().message()));
        continue;
      }
      absl::string_view logical = files[i];
      absl::ConsumePrefix(&logical, kStaticPrefix);
      statics[std::string(logical)] = std::move(bytes[i]).value();
    }
    for (const auto& [logical, data] : statics) {
      for (assets::AssetOutput& out :
           assets::ProcessStaticFile(logical, data, {}, &manifest_)) {
        outputs_.push_back({std::move(out.path), std::move(out.bytes),
                            absl::StrCat("static/", logical)});
      }
    }
  }

  // --- render ---------------------------------------------------------

  void RenderAll(const site::Site& site) {
    view_ = std::make_unique<SiteView>(site, contents_, manifest_, build_time_);
    for (const auto& [page, kind] : special_kinds_) {
      view_->AddExtraPage(page, kind);
    }
    std::vector<std::unique_ptr<tmpl::Loader>> loaders;
    loaders.push_back(std::make_unique<FsTemplateLoader>(
        fs_, fs::JoinPath(options_.site_dir, "templates")));
    loaders.push_back(DefaultThemeLoader());
    env_ = std::make_unique<tmpl::Environment>(
        std::make_unique<tmpl::ChainLoader>(std::move(loaders)));
    RegisterSiteFunctions(*view_, env_.get());

    RenderJobs(0, jobs_.size());
    // Pagination pages of lists whose template used the pager.
    const size_t first_pass = jobs_.size();
    for (size_t i = 0; i < first_pass; ++i) {
      const RenderJob& job = jobs_[i];
      if (job.pager == nullptr || !job.pager->used() || job.pager_total < 2) {
        continue;
      }
      for (int n = 2; n <= job.pager_total; ++n) {
        RenderJob more;
        more.page = job.page;
        more.template_name = job.template_name;
        more.output_path =
            site::OutputPathForUrl(site::PagerUrl(job.page->url, n));
        more.pager_number = n;
        more.pager_total = job.pager_total;
        jobs_.push_back(std::move(more));
      }
    }
    RenderJobs(first_pass, jobs_.size());
    for (RenderJob& job : jobs_) {
      if (!job.error.empty()) {
        result_.errors.push_back(std::move(job.error));
        continue;
      }
      if (job.alias == nullptr) ++result_.pages;
      outputs_.push_back({job.output_path, std::move(job.html),
                          job.alias != nullptr ? job.alias->declared_in
                                               : Origin(*job.page)});
    }
  }

  void RenderJobs(size_t begin, size_t end) {
    const site::SiteConfig& config = loaded_.site->config;
    ForEachIndex(pool_.get(), end - begin, [&](size_t k) {
      RenderJob& job = jobs_[begin + k];
      tmpl::Value context;
      if (job.alias != nullptr) {
        tmpl::Value target = view_->PageValue(job.alias->target);
        context = tmpl::Value::Dict({{"page", target},
                                     {"target", target},
                                     {"site", view_->site_value()},
                                     {"config", view_->config_value()}});
      } else if (job.pager_number > 0) {
        const std::vector<const site::Page*> listed =
            view_->ListedPages(*job.page);
        const size_t per = static_cast<size_t>(config.paginate);
        const size_t from = std::min(listed.size(), (job.pager_number - 1) * per);
        const size_t to = std::min(listed.size(), from + per);
        job.pager = std::make_shared<Pager>(
            job.pager_number, job.pager_total,
            view_->PageValues(std::vector<const site::Page*>(
                listed.begin() + from, listed.begin() + to)),
            job.page->url);
        tmpl::Value pager = tmpl::Value::FromObject(job.pager);
        context = view_->PageContext(job.page, &pager);
      } else {
        context = view_->PageContext(job.page, nullptr);
      }
      absl::StatusOr<std::string> html = env_->Render(job.template_name, context);
      if (!html.ok()) {
        const std::string origin = job.alias != nullptr
                                       ? job.alias->declared_in
                                       : Origin(*job.page);
        job.error = absl::StrCat(origin, ": rendering ", job.output_path,
                                 " with ", job.template_name, ": ",
                                 html.status().message());
        return;
      }
      job.html = std::move(html).value();
    });
  }

  // --- postprocess ----------------------------------------------------

  void Postprocess(const site::Site& site) {
    postprocess::RenderedContents rendered;
    rendered.reserve(site.pages.size());
    for (size_t i = 0; i < site.pages.size(); ++i) {
      const PageContent& c = contents_[i];
      rendered[site.pages[i].get()] = {c.html, c.summary_html, c.plain_text};
    }
    for (postprocess::Output& out :
         postprocess::PostprocessOutputs(site, rendered, {})) {
      outputs_.push_back({std::move(out.path), std::move(out.bytes), "postprocess"});
    }
  }

  void CheckOutputConflicts() {
    std::sort(outputs_.begin(), outputs_.end(),
              [](const Output& a, const Output& b) { return a.path < b.path; });
    for (size_t i = 1; i < outputs_.size(); ++i) {
      if (outputs_[i].path == outputs_[i - 1].path) {
        result_.errors.push_back(absl::StrCat(
            outputs_[i].origin, ": output ", outputs_[i].path,
            " is also written by ", outputs_[i - 1].origin));
      }
    }
  }

  // --- publish --------------------------------------------------------

  void Publish() {
    fs::AtomicWriter writer(&fs_, {.durability = options_.durability,
                                   .root = output_dir_});
    const std::string marker =
        fs::JoinPath(fs::JoinPath(options_.site_dir, ".serval"), "building");
    fs::AtomicWriter state_writer(
        &fs_, {.durability = fs::Durability::kStrict,
               .root = fs::JoinPath(options_.site_dir, ".serval")});
    if (absl::StatusOr<fs::WriteOutcome> m = state_writer.Write(
            marker, absl::StrCat("build=", base::BuildId(), "\n"));
        !m.ok()) {
      result_.errors.push_back(std::string(m.status().message()));
      return;
    }
    if (absl::Status s = fs::CreateDirs(fs_, output_dir_); !s.ok()) {
      result_.errors.push_back(absl::StrCat(output_dir_, ": ", s.message()));
      return;
    }
    std::vector<absl::StatusOr<fs::WriteOutcome>> outcomes(
        outputs_.size(), absl::UnknownError("not written"));
    ForEachIndex(pool_.get(), outputs_.size(), [&](size_t i) {
      outcomes[i] = writer.Write(fs::JoinPath(output_dir_, outputs_[i].path),
                                 outputs_[i].bytes);
    });
    for (const absl::StatusOr<fs::WriteOutcome>& outcome : outcomes) {
      if (!outcome.ok()) {
        result_.errors.push_back(std::string(outcome.status().message()));
      } else if (*outcome == fs::WriteOutcome::kWritten) {
        ++result_.written;
      } else {
        ++result_.unchanged;
      }
    }
    result_.outputs = outputs_.size();
    if (!result_.ok()) return;  // the marker stays: the build did not commit
    if (absl::Status s = writer.Commit(); !s.ok()) {
      result_.errors.push_back(absl::StrCat("commit ", output_dir_, ": ", s.message()));
      return;
    }
    if (absl::Status s = fs_.Remove(marker); !s.ok()) {
      result_.errors.push_back(absl::StrCat(marker, ": ", s.message()));
    }
  }

  fs::Fs& fs_;
  const BuildOptions& options_;
  const std::string output_dir_;
  const absl::Time build_time_;
  BuildResult result_;
  std::unique_ptr<concurrency::ThreadPool> pool_;
  LoadedSite loaded_;
  std::vector<PageContent> contents_;
  TemplateSets templates_;
  bool theme_used_ = false;
  std::vector<RenderJob> jobs_;
  std::vector<std::unique_ptr<site::Page>> special_pages_;
  std::vector<std::pair<const site::Page*, std::string>> special_kinds_;
  assets::AssetManifest manifest_;
  std::unique_ptr<SiteView> view_;
  std::unique_ptr<tmpl::Environment> env_;
  std::vector<Output> outputs_;
};

}  // namespace

std::string OutputDirOf(const BuildOptions& options) {
  return options.output_dir.empty() ? fs::JoinPath(options.site_dir, "public")
                                    : options.output_dir;
}

std::string BuildResult::Summary() const {
  const double seconds = absl::ToDoubleSeconds(total);
  std::vector<std::string> phase_texts;
  for (const PhaseTime& p : phases) {
    phase_texts.push_back(absl::StrFormat(
        "%s %.0f ms", p.name, absl::ToDoubleMilliseconds(p.duration)));
  }
  return absl::StrFormat(
      "Built %d pages (%d outputs: %d written, %d unchanged) in %.3f s, "
      "%.0f pages/s [%s]",
      pages, outputs, written, unchanged, seconds,
      seconds > 0 ? static_cast<double>(pages) / seconds : 0.0,
      absl::StrJoin(phase_texts, ", "));
}

BuildResult BuildSite(fs::Fs& fs, const BuildOptions& options) {
  return Builder(fs, options).Run();
}

}  // namespace serval::build
