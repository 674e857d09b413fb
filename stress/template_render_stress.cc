// template_render_stress — many threads render shared compiled templates:
// one Environment, released together so the first renders race to compile
// (each template must still be compiled exactly once), then every thread
// renders random (template, context) pairs, each output checked against
// the single-threaded render of the same pair. Templates cover extends +
// super(), include, import, macros with caller, loops, namespace and
// filters, so every part of a compiled template is read concurrently.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/template/environment.h"
#include "stress/harness.h"

namespace {

using serval::tmpl::Environment;
using serval::tmpl::MapLoader;
using serval::tmpl::Value;

MapLoader::Map Templates() {
  return {
      {"base.html",
       "<title>{% block title %}{{ site }}{% endblock %}</title>"
       "<main>{% block main %}{% endblock %}</main>"
       "{% include 'footer.html' %}"},
      {"footer.html", "<footer>{{ site|upper }} {{ pages|length }}</footer>"},
      {"macros.html",
       "{% macro card(p, cls='card') %}<div class=\"{{ cls }}\">"
       "<a href=\"{{ p.url }}\">{{ p.title }}</a>{{ caller() if caller }}"
       "</div>{% endmacro %}"},
      {"list.html",
       "{% extends 'base.html' %}{% import 'macros.html' as m %}"
       "{% block title %}List - {{ super() }}{% endblock %}"
       "{% block main %}{% set ns = namespace(total=0) %}"
       "{% for p in pages|sort(attribute='weight') %}"
       "{% set ns.total = ns.total + p.weight %}"
       "{% call m.card(p, loop.cycle('odd', 'even')) %}"
       "{{ loop.index }}/{{ loop.length }} {{ p.tags|join(', ') }}"
       "{% endcall %}{% else %}empty{% endfor %}"
       "<p>{{ ns.total }}</p>{% endblock %}"},
      {"page.html",
       "{% extends 'base.html' %}{% from 'macros.html' import card %}"
       "{% block main %}{{ card(page) }}{{ page.body|truncate(40) }}"
       "{% for t in page.tags if t != 'skip' %}<i>{{ t|title }}</i>"
       "{% endfor %}{{ page|tojson }}{% endblock %}"},
      {"tree.html",
       "{% for n in tree recursive %}<li>{{ n.name }}"
       "{% if n.kids %}<ul>{{ loop(n.kids) }}</ul>{% endif %}</li>"
       "{% endfor %}"},
  };
}

Value MakeContext(int i) {
  std::string json = absl::StrCat(
      R"({"site": "Site <)", i, R"(>", "page": {"title": "T)", i,
      R"( & co", "url": "/p)", i, R"(/", "body": "some words about page )",
      i, R"( that go on and on for a while", "tags": ["a", "skip", "b)", i,
      R"("]}, "pages": [)");
  for (int k = 0; k < i % 7; ++k) {
    absl::StrAppend(&json, k ? "," : "", R"({"title": "P)", k,
                    R"(", "url": "/x)", k, R"(/", "weight": )", (k * 5 + i) % 4,
                    R"(, "tags": ["t)", k, R"("]})");
  }
  absl::StrAppend(&json, R"(], "tree": [{"name": "r)", i,
                  R"(", "kids": [{"name": "c", "kids": [{"name": "g", "kids": []}]}]}]})");
  return *serval::tmpl::ValueFromJson(json);
}

}  // namespace

int main(int argc, char** argv) {
  using serval::stress::Worker;
  serval::stress::StressConfig config = serval::stress::Init(
      argc, argv, {.threads = 16, .iterations = 500});
  const std::vector<std::string> names = {"list.html", "page.html",
                                          "tree.html"};
  constexpr int kContexts = 12;
  std::vector<Value> contexts;
  for (int i = 0; i < kContexts; ++i) contexts.push_back(MakeContext(i));

  // Expected outputs from a separate, single-threaded environment.
  std::vector<std::vector<std::string>> expected(names.size());
  {
    Environment reference(std::make_unique<MapLoader>(Templates()));
    for (size_t t = 0; t < names.size(); ++t) {
      for (const Value& c : contexts) {
        absl::StatusOr<std::string> out = reference.Render(names[t], c);
        STRESS_CHECK(out.ok(), std::string(out.status().message()));
        expected[t].push_back(*out);
      }
    }
  }

  Environment env(std::make_unique<MapLoader>(Templates()));
  std::atomic<int64_t> renders{0};
  serval::stress::RunThreads(config, [&](Worker& w) {
    while (w.Next()) {
      size_t t = w.rng()() % names.size();
      size_t c = w.rng()() % contexts.size();
      absl::StatusOr<std::string> out = env.Render(names[t], contexts[c]);
      STRESS_CHECK(out.ok(), std::string(out.status().message()));
      STRESS_CHECK(*out == expected[t][c],
                   absl::StrCat(names[t], " with context ", c, " rendered ",
                                *out, "\nexpected ", expected[t][c]));
      ++renders;
    }
  });
  // list/page/tree + base, footer, macros: each compiled exactly once.
  STRESS_CHECK(env.compile_count() == 6,
               absl::StrCat("compiled ", env.compile_count(), " times"));
  std::fprintf(stderr, "template_render_stress: %lld renders, %lld compiles\n",
               static_cast<long long>(renders.load()),
               static_cast<long long>(env.compile_count()));
  return 0;
}
