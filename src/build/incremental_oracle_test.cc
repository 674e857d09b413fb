// The oracle of incremental builds: after any sequence of edits, an
// incremental build's output tree is byte-identical to a clean build's of
// the same sources (BRIEF, "Reliability protocol").
//
// Each sequence starts from a small site with its own templates (extends,
// include, import, pagination, taxonomies, prev/next, get_page, site.data,
// asset_url), builds it, then applies random edits — a page's body, title,
// date, tags, weight or aliases; a page added, removed or renamed; a
// template, an include, a shadowing template, a data file, the
// configuration, a static file — and after each one builds incrementally
// in one MemFs and from scratch in a fresh MemFs, and compares the trees.
//
// SERVAL_ORACLE_SEQUENCES (default 200) and SERVAL_ORACLE_SEED (default 1)
// choose how many sequences and where the seeds start; a failure prints
// the seed and the edits that led to it.
#include <atomic>
#include <cstdlib>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "src/build/build.h"
#include "src/build/test_site.h"
#include "src/fs/mem_fs.h"

namespace serval::build {
namespace {

constexpr int kStepsPerSequence = 6;
const absl::Time kBuildTime = absl::FromUnixSeconds(1767225600);

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}

struct PageModel {
  std::string title;
  int day = 1;  // of 2025-01
  std::vector<std::string> tags;
  int weight = 0;
  std::vector<std::string> aliases;
  std::string body;
};

// The templates, each with a version its text shows.
std::string TemplateText(const std::string& name, int v) {
  const std::string mark = absl::StrCat(" data-v=\"", v, "\"");
  if (name == "base.html") {
    return absl::StrCat(
        "<!doctype html><html><head><title>{% block title %}{{ site.title }}"
        "{% endblock %}</title><link rel=\"stylesheet\" href=\"{{ "
        "asset_url('css/site.css') }}\"></head><body>{% include "
        "\"partials/nav.html\" %}<main",
        mark,
        ">{% block main %}{% endblock %}</main>{% include "
        "\"partials/footer.html\" %}</body></html>\n");
  }
  if (name == "partials/nav.html") {
    return absl::StrCat("<nav", mark,
                        ">{% for s in site.sections %}<a href=\"{{ s.url }}\">"
                        "{{ s.title }}</a>{% endfor %}</nav>");
  }
  if (name == "partials/footer.html") {
    return absl::StrCat("<footer", mark, ">{{ site.params.footer }}</footer>");
  }
  if (name == "macros.html") {
    return absl::StrCat(
        "{% macro card(p) %}<li", mark,
        "><a href=\"{{ p.url }}\">{{ p.title }}</a> {{ p.date }} "
        "<div>{{ p.summary }}</div></li>{% endmacro %}");
  }
  if (name == "page.html" || name == "docs/page.html") {
    return absl::StrCat(
        "{% extends \"base.html\" %}{% block title %}{{ page.title }} | "
        "{{ super() }}{% endblock %}{% block main %}<h1",
        mark, name == "docs/page.html" ? " class=\"doc\"" : "",
        ">{{ page.title }}</h1><p>{{ page.date }} {{ page.weight }}</p><ul>"
        "{% for t in page.tags %}<li><a href=\"{{ tag_url(t) }}\">{{ t }}</a>"
        "</li>{% endfor %}</ul>{{ page.content }}{% if page.parent %}<p>In "
        "{{ page.parent.title }}</p>{% endif %}{% if page.prev %}<a "
        "rel=\"prev\" href=\"{{ page.prev.url }}\">{{ page.prev.title }}</a>"
        "{% endif %}{% if page.next %}<a rel=\"next\" href=\"{{ page.next.url "
        "}}\">{{ page.next.title }}</a>{% endif %}{% endblock %}");
  }
  if (name == "list.html") {
    return absl::StrCat(
        "{% extends \"base.html\" %}{% import \"macros.html\" as m %}"
        "{% block main %}<h1",
        mark,
        ">{{ page.title }}</h1>{{ page.content }}{% if page.kind == "
        "\"taxonomy\" %}{% for t in page.terms %}<a href=\"{{ t.url }}\">"
        "{{ t.name }} ({{ t.count }})</a>{% endfor %}{% else %}<ul>{% for p "
        "in pager.pages %}{{ m.card(p) }}{% endfor %}</ul>{% if "
        "pager.prev_url %}<a href=\"{{ pager.prev_url }}\">prev</a>{% endif "
        "%}{% if pager.next_url %}<a href=\"{{ pager.next_url }}\">next</a>"
        "{% endif %} {{ pager.number }}/{{ pager.total }}{% endif %}"
        "{% endblock %}");
  }
  if (name == "home.html") {
    return absl::StrCat(
        "{% extends \"base.html\" %}{% block main %}<h1", mark,
        ">{{ site.title }}</h1>{{ page.content }}<p>Lead: {{ "
        "site.data.team.lead }}</p>{% set f = get_page(\"blog/first.md\") %}"
        "{% if f %}<p>Featured: {{ f.title }}</p>{% endif %}<ul>{% for p in "
        "site.pages %}<li>{{ p.title }}</li>{% endfor %}</ul>{% endblock %}");
  }
  return "";
}

struct SiteModel {
  std::map<std::string, PageModel> pages;  // relative to content/
  std::string title = "Oracle";
  int paginate = 2;
  std::string footer = "footer 0";
  std::map<std::string, int> templates;  // name -> version
  std::string lead = "Ada";
  bool extra_data = false;
  std::string css = "body { color: black; }\n";
  bool extra_static = false;

  Files ToFiles() const {
    Files files;
    files["serval.toml"] = absl::StrCat(
        "title = \"", title, "\"\nbaseurl = \"https://example.org/\"\n",
        "paginate = ", paginate, "\n[params]\nfooter = \"", footer, "\"\n");
    for (const auto& [path, p] : pages) {
      std::string fm = absl::StrCat("---\ntitle: \"", p.title,
                                    "\"\ndate: 2025-01-",
                                    absl::Dec(p.day, absl::kZeroPad2), "\n");
      if (!p.tags.empty()) {
        absl::StrAppend(&fm, "tags: [", absl::StrJoin(p.tags, ", "), "]\n");
      }
      if (p.weight != 0) absl::StrAppend(&fm, "weight: ", p.weight, "\n");
      if (!p.aliases.empty()) {
        absl::StrAppend(&fm, "aliases: [", absl::StrJoin(p.aliases, ", "),
                        "]\n");
      }
      files[absl::StrCat("content/", path)] =
          absl::StrCat(fm, "---\n", p.body);
    }
    for (const auto& [name, v] : templates) {
      files[absl::StrCat("templates/", name)] = TemplateText(name, v);
    }
    files["data/team.yaml"] = absl::StrCat("lead: ", lead, "\n");
    if (extra_data) files["data/extra.yaml"] = "x: 1\n";
    files["static/css/site.css"] = css;
    if (extra_static) files["static/extra.txt"] = "extra\n";
    return files;
  }
};

std::string Body(std::mt19937& rng, const std::string& title) {
  std::string body = absl::StrCat("Intro of ", title, " ", rng() % 1000,
                                  ".\n\n<!--more-->\n\n");
  if (rng() % 2) absl::StrAppend(&body, "## Part ", rng() % 10, "\n\n");
  absl::StrAppend(&body, "More about ", title, ".\n");
  return body;
}

SiteModel InitialSite(std::mt19937& rng) {
  SiteModel m;
  auto add = [&](const std::string& path, const std::string& title, int day,
                 std::vector<std::string> tags) {
    PageModel p;
    p.title = title;
    p.day = day;
    p.tags = std::move(tags);
    p.body = Body(rng, title);
    m.pages[path] = std::move(p);
  };
  add("_index.md", "Home", 1, {});
  add("blog/_index.md", "Blog", 1, {});
  add("blog/first.md", "First", 2, {"go", "web"});
  add("blog/second.md", "Second", 3, {"go"});
  add("blog/third.md", "Third", 4, {});
  add("docs/intro.md", "Intro", 5, {"web"});
  add("docs/setup.md", "Setup", 6, {});
  add("about.md", "About", 7, {});
  for (const char* t : {"base.html", "partials/nav.html",
                        "partials/footer.html", "macros.html", "page.html",
                        "list.html", "home.html"}) {
    m.templates[t] = 0;
  }
  return m;
}

template <typename T>
const T& Pick(std::mt19937& rng, const std::vector<T>& items) {
  return items[rng() % items.size()];
}

std::string PickPage(std::mt19937& rng, const SiteModel& m) {
  std::vector<std::string> paths;
  for (const auto& [path, p] : m.pages) paths.push_back(path);
  return Pick(rng, paths);
}

// Applies one random edit; returns its description.
std::string Edit(std::mt19937& rng, SiteModel* m, int* counter) {
  const int n = ++*counter;
  const std::vector<std::string> kTags = {"go", "web", "rust", "Misc Stuff"};
  const std::vector<std::string> kDirs = {"blog/", "docs/", "", "news/"};
  switch (rng() % 16) {
    case 0:
    case 1: {
      const std::string path = PickPage(rng, *m);
      m->pages[path].body = Body(rng, m->pages[path].title);
      return "body " + path;
    }
    case 2: {
      const std::string path = PickPage(rng, *m);
      m->pages[path].title = absl::StrCat("Title ", n);
      return "title " + path;
    }
    case 3: {
      const std::string path = PickPage(rng, *m);
      m->pages[path].day = 1 + rng() % 28;
      return "date " + path;
    }
    case 4: {
      const std::string path = PickPage(rng, *m);
      std::vector<std::string>& tags = m->pages[path].tags;
      if (!tags.empty() && rng() % 2) {
        tags.erase(tags.begin() + rng() % tags.size());
      } else {
        const std::string& t = Pick(rng, kTags);
        if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
      }
      return "tags " + path;
    }
    case 5: {
      const std::string path = PickPage(rng, *m);
      if (rng() % 2) {
        m->pages[path].weight = static_cast<int>(rng() % 3);
        return "weight " + path;
      }
      std::vector<std::string>& aliases = m->pages[path].aliases;
      if (aliases.empty()) {
        aliases.push_back(absl::StrCat("/old/", n, "/"));
      } else {
        aliases.clear();
      }
      return "aliases " + path;
    }
    case 6:
    case 7: {
      const std::string path =
          absl::StrCat(Pick(rng, kDirs), rng() % 3 == 0 ? "_index" : absl::StrCat("p", n), ".md");
      PageModel p;
      p.title = absl::StrCat("New ", n);
      p.day = 1 + rng() % 28;
      if (rng() % 2) p.tags.push_back(Pick(rng, kTags));
      p.body = Body(rng, p.title);
      m->pages[path] = std::move(p);
      return "add " + path;
    }
    case 8: {
      if (m->pages.size() <= 2) return "remove (skipped)";
      const std::string path = PickPage(rng, *m);
      m->pages.erase(path);
      return "remove " + path;
    }
    case 9: {
      const std::string path = PickPage(rng, *m);
      const std::string to = absl::StrCat(Pick(rng, kDirs), "r", n, ".md");
      if (m->pages.count(to)) return "rename (skipped)";
      PageModel p = m->pages[path];
      m->pages.erase(path);
      m->pages[to] = std::move(p);
      return absl::StrCat("rename ", path, " -> ", to);
    }
    case 10: {
      const std::string t = Pick(
          rng, std::vector<std::string>{"base.html", "macros.html",
                                        "page.html", "list.html", "home.html"});
      m->templates[t] = n;
      return "template " + t;
    }
    case 11: {
      const std::string t = Pick(rng, std::vector<std::string>{
                                          "partials/nav.html",
                                          "partials/footer.html"});
      m->templates[t] = n;
      return "include " + t;
    }
    case 12: {
      if (m->templates.count("docs/page.html") && rng() % 2) {
        m->templates.erase("docs/page.html");
        return "template removed docs/page.html";
      }
      m->templates["docs/page.html"] = n;
      return "template docs/page.html";
    }
    case 13: {
      if (rng() % 3 == 0) {
        m->extra_data = !m->extra_data;
        return "data extra.yaml";
      }
      m->lead = absl::StrCat("Lead", n);
      return "data team.yaml";
    }
    case 14: {
      switch (rng() % 3) {
        case 0:
          m->title = absl::StrCat("Oracle ", n);
          return "config title";
        case 1:
          m->paginate = 1 + static_cast<int>(rng() % 3);
          return "config paginate";
        default:
          m->footer = absl::StrCat("footer ", n);
          return "config footer";
      }
    }
    default: {
      if (rng() % 3 == 0) {
        m->extra_static = !m->extra_static;
        return "static extra.txt";
      }
      m->css = absl::StrCat("body { color: #", n % 10, "00; }\n");
      return "static css/site.css";
    }
  }
}

BuildOptions Options(bool clean, int jobs) {
  BuildOptions options;
  options.site_dir = "/site";
  options.jobs = jobs;
  options.clean = clean;
  options.build_time = kBuildTime;
  return options;
}

// The output of a clean build of `files` in a fresh file system.
Files CleanBuild(const Files& files, std::string* errors) {
  fs::MemFs fs;
  WriteFiles(fs, "/site", files);
  BuildResult r = BuildSite(fs, Options(/*clean=*/true, 1));
  *errors = absl::StrJoin(r.errors, "\n");
  return ReadTree(fs, "/site/public");
}

// Brings the files under /site from `before` to `after`.
void Apply(fs::Fs& fs, const Files& before, const Files& after) {
  for (const auto& [path, text] : before) {
    if (!after.count(path)) {
      ASSERT_TRUE(fs.Remove(fs::JoinPath("/site", path)).ok()) << path;
    }
  }
  Files changed;
  for (const auto& [path, text] : after) {
    auto it = before.find(path);
    if (it == before.end() || it->second != text) changed[path] = text;
  }
  WriteFiles(fs, "/site", changed);
}

// The first difference between two trees, for the failure message.
std::string FirstDifference(const Files& incremental, const Files& clean) {
  for (const auto& [path, text] : clean) {
    auto it = incremental.find(path);
    if (it == incremental.end()) return "missing in incremental: " + path;
    if (it->second != text) {
      return absl::StrCat("differs: ", path, "\n--- incremental:\n",
                          it->second, "\n--- clean:\n", text);
    }
  }
  for (const auto& [path, text] : incremental) {
    if (!clean.count(path)) return "only in incremental: " + path;
  }
  return "";
}

TEST(IncrementalOracleTest, IncrementalEqualsClean) {
  const int sequences = EnvInt("SERVAL_ORACLE_SEQUENCES", 200);
  const int first_seed = EnvInt("SERVAL_ORACLE_SEED", 1);
  size_t rendered = 0, total = 0, steps = 0, builds = 0, loaded = 0;
  for (int seed = first_seed; seed < first_seed + sequences; ++seed) {
    std::mt19937 rng(seed);
    SiteModel model = InitialSite(rng);
    // A clock that moves 100 ms a call (and 3 s before every other build,
    // below), so the no-op fast path gets exercised too.
    std::atomic<int64_t> ticks{0};
    fs::MemFs fs([&ticks] {
      return absl::FromUnixSeconds(1700000000) +
             absl::Milliseconds(100) * ticks.fetch_add(1);
    });
    Files files = model.ToFiles();
    WriteFiles(fs, "/site", files);
    std::vector<std::string> history;
    int counter = 0;
    for (int step = 0; step <= kStepsPerSequence; ++step) {
      if (step > 0 && rng() % 5 == 0) {
        // No edit, or the same bytes written again (an editor's save).
        if (rng() % 2 == 0 && !files.empty()) {
          auto it = files.begin();
          std::advance(it, rng() % files.size());
          WriteFiles(fs, "/site", {{it->first, it->second}});
          history.push_back(absl::StrCat("rewrite ", it->first));
        } else {
          history.push_back("nothing");
        }
      } else if (step > 0) {
        // One or two edits between builds.
        const int edits = 1 + static_cast<int>(rng() % 2);
        for (int e = 0; e < edits; ++e) history.push_back(Edit(rng, &model, &counter));
        Files next = model.ToFiles();
        Apply(fs, files, next);
        files = std::move(next);
      }
      // Every other build starts 3 s after the edits (30 ticks): they are
      // not racy then, its snapshot is written, and a later step with no
      // edit takes the fast path; the others start right after the edits,
      // which leaves them racy and the build without a snapshot.
      if (step % 2 == 1) ticks += 30;
      const int jobs = 1 + static_cast<int>(rng() % 3);
      BuildResult r = BuildSite(fs, Options(/*clean=*/false, jobs));
      std::string clean_errors;
      const Files clean = CleanBuild(files, &clean_errors);
      const std::string context =
          absl::StrCat("seed ", seed, " step ", step, " edits: ",
                       absl::StrJoin(history, "; "));
      ASSERT_TRUE(r.ok()) << context << "\n" << absl::StrJoin(r.errors, "\n");
      ASSERT_EQ(clean_errors, "") << context;
      for (const std::string& w : r.warnings) {
        ASSERT_EQ(w.find("cache"), std::string::npos) << context << "\n" << w;
      }
      const Files incremental = ReadTree(fs, "/site/public");
      ASSERT_EQ(FirstDifference(incremental, clean), "") << context;
      for (const PhaseTime& p : r.phases) loaded += p.name == "load";
      ++builds;
      if (step > 0) {
        rendered += r.rendered;
        total += r.pages;
        ++steps;
      }
    }
  }
  std::cout << "oracle: " << sequences << " sequences x " << kStepsPerSequence
            << " steps: " << steps << " incremental builds equal to clean "
            << "ones; rendered " << rendered << " of " << total
            << " pages (" << (total ? 100 * rendered / total : 0) << "%); "
            << builds - loaded << " of " << builds
            << " builds took the no-op fast path\n";
  EXPECT_GT(builds - loaded, 0u);
  // Incremental builds must be incremental: most edits touch few pages.
  EXPECT_LT(rendered, total * 3 / 4);
}

}  // namespace
}  // namespace serval::build
