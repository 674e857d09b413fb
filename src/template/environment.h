// environment.h — Serval's Jinja2 engine: loaders, compiled templates, the
// compiled-template cache and rendering.
//
// An Environment owns the options (autoescape on by default, strict
// undefined off, trim_blocks/lstrip_blocks off, as Jinja2's defaults), the
// loader, extra globals and filters, and a cache of compiled templates.
// Each template is compiled once, into an immutable Template shared by all
// render threads (std::shared_ptr<const Template>); when many threads ask
// for the same uncompiled template at once, exactly one compiles it and the
// others wait for its result.
//
// Example:
//   auto loader = std::make_unique<MapLoader>(
//       MapLoader::Map{{"page.html", "<h1>{{ title }}</h1>"}});
//   Environment env(std::move(loader));
//   absl::StatusOr<std::string> html =
//       env.Render("page.html", Value::Dict({{"title", Value("A & B")}}));
//   // *html == "<h1>A &amp; B</h1>"
//
// Errors: a syntax error is InvalidArgument "file:line:col: message" with
// the source line and a caret; a missing template NotFound; a runtime error
// (strict undefined, bad operand, recursion too deep) fails that render only
// with "file:line:col: message", the line, a caret and the template stack.
//
// Thread-safety: configure (AddGlobal, AddFilter, options) before the first
// render; after that GetTemplate and Render are safe from any number of
// threads. Loaders must be safe for concurrent Load calls.
#ifndef SERVAL_TEMPLATE_ENVIRONMENT_H_
#define SERVAL_TEMPLATE_ENVIRONMENT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/concurrency/mutex.h"
#include "src/template/lexer.h"
#include "src/template/parser.h"
#include "src/template/value.h"

namespace serval::tmpl {

// Where template sources come from.
class Loader {
 public:
  virtual ~Loader() = default;
  // The source of template `name` ("partials/nav.html"), NotFound if none.
  virtual absl::StatusOr<std::string> Load(absl::string_view name) const = 0;
};

// Templates held in memory: tests, `serval render`, the embedded theme.
class MapLoader : public Loader {
 public:
  using Map = std::map<std::string, std::string, std::less<>>;
  explicit MapLoader(Map templates) : templates_(std::move(templates)) {}
  absl::StatusOr<std::string> Load(absl::string_view name) const override;

 private:
  const Map templates_;
};

// Templates under directories, searched in order (a site's templates/
// before its theme). Names with ".." segments or absolute paths are
// rejected (NotFound).
class DirectoryLoader : public Loader {
 public:
  explicit DirectoryLoader(std::vector<std::string> dirs)
      : dirs_(std::move(dirs)) {}
  absl::StatusOr<std::string> Load(absl::string_view name) const override;

 private:
  const std::vector<std::string> dirs_;
};

// The first loader that has the template wins (site dirs, then the
// embedded default theme).
class ChainLoader : public Loader {
 public:
  explicit ChainLoader(std::vector<std::unique_ptr<Loader>> loaders)
      : loaders_(std::move(loaders)) {}
  absl::StatusOr<std::string> Load(absl::string_view name) const override;

 private:
  const std::vector<std::unique_ptr<Loader>> loaders_;
};

// A compiled template: immutable, shared by render threads.
class Template {
 public:
  Template(std::string name, std::string source, ParsedTemplate parsed)
      : name_(std::move(name)),
        source_(std::move(source)),
        parsed_(std::move(parsed)) {}
  const std::string& name() const { return name_; }
  const std::string& source() const { return source_; }
  const ParsedTemplate& parsed() const { return parsed_; }

 private:
  const std::string name_;
  const std::string source_;
  const ParsedTemplate parsed_;
};

struct EnvironmentOptions {
  LexOptions lex;
  bool autoescape = true;
  // An undefined value used in output, arithmetic, iteration or a test
  // other than `defined` fails the render (Jinja2's StrictUndefined).
  bool strict_undefined = false;
  // Bound on nested includes, macro calls, blocks and recursive loops.
  int max_render_depth = 100;
  // Called on the calling thread with the name of every template looked up
  // through GetTemplate (the top template of a Render, and each extends,
  // include and import), found or not, compiled before or not. The build
  // records a render's template dependencies with it. Must be thread-safe.
  std::function<void(absl::string_view name)> on_template_lookup;
  // Optional work bounds for untrusted templates (fuzzers, `serval
  // render` of someone else's theme); 0 means unlimited. A render that
  // executes more statements, or writes more bytes into one output buffer,
  // fails with ResourceExhausted.
  int64_t max_render_steps = 0;
  int64_t max_output_bytes = 0;
};

class Environment {
 public:
  explicit Environment(std::unique_ptr<Loader> loader,
                       EnvironmentOptions options = {});
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  const EnvironmentOptions& options() const { return options_; }

  // Setup only (not thread-safe): globals seen by every template, and
  // extra filters (override built-ins of the same name). A template binds
  // the filters it names when it is compiled, so add filters before the
  // first GetTemplate, Compile or Render.
  void AddGlobal(std::string name, Value value);
  void AddFilter(std::string name, FilterFn fn);

  // The compiled template `name`, compiled at most once.
  absl::StatusOr<std::shared_ptr<const Template>> GetTemplate(
      absl::string_view name) const;

  // Compiles `source` without caching (serval render of a file, tests).
  absl::StatusOr<std::shared_ptr<const Template>> Compile(
      absl::string_view name, absl::string_view source) const;

  // Renders `name` with `context` (a dict or object; its keys are the
  // template's variables).
  absl::StatusOr<std::string> Render(absl::string_view name,
                                     const Value& context) const;
  absl::StatusOr<std::string> Render(const Template& tmpl,
                                     const Value& context) const;

  // Lookups used by the renderer.
  const Value* FindGlobal(absl::string_view name) const;
  const FilterFn* FindFilter(absl::string_view name) const;

  // Number of templates compiled so far (for tests of the cache).
  int64_t compile_count() const;

 private:
  struct CacheEntry {
    absl::once_flag once;
    absl::StatusOr<std::shared_ptr<const Template>> result;
  };

  const std::unique_ptr<Loader> loader_;
  const EnvironmentOptions options_;
  absl::flat_hash_map<std::string, Value> globals_;
  absl::flat_hash_map<std::string, FilterFn> filters_;
  mutable concurrency::Mutex mu_{concurrency::LockRank::kTemplateCache,
                                 "Environment::mu_"};
  mutable absl::flat_hash_map<std::string, std::shared_ptr<CacheEntry>>
      cache_ ABSL_GUARDED_BY(mu_);
  mutable std::atomic<int64_t> compiles_{0};
};

// Jinja2's `striptags`: markup and comments removed, whitespace runs
// collapsed, the common entities decoded.
std::string StripTags(absl::string_view html);

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_ENVIRONMENT_H_
