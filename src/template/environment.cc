#include "src/template/environment.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/template/builtins.h"
#include "src/template/interpreter.h"

namespace serval::tmpl {

absl::StatusOr<std::string> MapLoader::Load(absl::string_view name) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) {
    return absl::NotFoundError(absl::StrCat("template '", name,
                                            "' not found"));
  }
  return it->second;
}

absl::StatusOr<std::string> DirectoryLoader::Load(
    absl::string_view name) const {
  if (name.empty() || name[0] == '/') {
    return absl::NotFoundError(absl::StrCat("template '", name,
                                            "' not found"));
  }
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    if (part == "..") {
      return absl::NotFoundError(absl::StrCat("template '", name,
                                              "' not found (no '..')"));
    }
  }
  for (const std::string& dir : dirs_) {
    std::ifstream in(absl::StrCat(dir, "/", name), std::ios::binary);
    if (!in) continue;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
      return absl::DataLossError(absl::StrCat("reading template '", name,
                                              "' in ", dir, " failed"));
    }
    return text.str();
  }
  return absl::NotFoundError(absl::StrCat("template '", name, "' not found"));
}

absl::StatusOr<std::string> ChainLoader::Load(absl::string_view name) const {
  for (const auto& loader : loaders_) {
    absl::StatusOr<std::string> s = loader->Load(name);
    if (s.ok() || !absl::IsNotFound(s.status())) return s;
  }
  return absl::NotFoundError(absl::StrCat("template '", name, "' not found"));
}

Environment::Environment(std::unique_ptr<Loader> loader,
                         EnvironmentOptions options)
    : loader_(std::move(loader)), options_(options) {}

void Environment::AddGlobal(std::string name, Value value) {
  globals_[std::move(name)] = std::move(value);
}

void Environment::AddFilter(std::string name, FilterFn fn) {
  filters_[std::move(name)] = std::move(fn);
}

const Value* Environment::FindGlobal(absl::string_view name) const {
  auto it = globals_.find(name);
  return it == globals_.end() ? nullptr : &it->second;
}

const FilterFn* Environment::FindFilter(absl::string_view name) const {
  auto it = filters_.find(name);
  return it == filters_.end() ? nullptr : &it->second;
}

namespace {

// Resolves the filters and tests a template names, once, at compile time,
// and makes the tags of the names it reads (Expr::tag).
class Resolver {
 public:
  explicit Resolver(const Environment& env) : env_(env) {}

  void Body(const serval::tmpl::Body& body) {
    for (const StmtPtr& s : body) Statement(*s);
  }

 private:
  void Statement(Stmt& s) {
    Expression(s.expr.get());
    Expression(s.cond.get());
    for (ExprPtr& e : s.conds) Expression(e.get());
    for (ExprPtr& e : s.exprs) Expression(e.get());
    for (ExprPtr& e : s.defaults) Expression(e.get());
    for (const serval::tmpl::Body& b : s.bodies) Body(b);
    Body(s.body);
    Body(s.else_body);
  }

  void Expression(Expr* e) {
    if (e == nullptr) return;
    e->tag = NameTag(e->name);
    if (e->kind == Expr::Kind::kFilter) {
      e->filter = env_.FindFilter(e->name);
      const bool builtin = e->filter == nullptr;
      if (builtin) e->filter = FindBuiltinFilter(e->name);
      e->input_in_place = builtin && e->filter != nullptr &&
                          !BuiltinFilterCallsOut(e->name) && PlainArgs(*e);
    } else if (e->kind == Expr::Kind::kTest) {
      e->test = FindBuiltinTest(e->name);
    }
    for (ExprPtr& a : e->args) Expression(a.get());
    for (auto& [name, a] : e->kwargs) Expression(a.get());
    Expression(e->dyn_args.get());
    Expression(e->dyn_kwargs.get());
  }

  // Whether reading e's arguments runs no template code: each is a
  // literal, a variable or an attribute of a variable.
  static bool PlainArgs(const Expr& e) {
    auto plain = [](const Expr& a) {
      return a.kind == Expr::Kind::kLiteral || a.kind == Expr::Kind::kName ||
             (a.kind == Expr::Kind::kGetAttr &&
              a.args[0]->kind == Expr::Kind::kName);
    };
    if (e.dyn_args || e.dyn_kwargs) return false;
    for (size_t i = 1; i < e.args.size(); ++i) {
      if (!plain(*e.args[i])) return false;
    }
    for (const auto& [name, a] : e.kwargs) {
      if (!plain(*a)) return false;
    }
    return true;
  }

  const Environment& env_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Template>> Environment::Compile(
    absl::string_view name, absl::string_view source) const {
  compiles_.fetch_add(1, std::memory_order_relaxed);
  std::string owned(source);
  absl::StatusOr<ParsedTemplate> parsed = Parse(owned, options_.lex, name);
  if (!parsed.ok()) return parsed.status();
  Resolver(*this).Body(parsed->body);
  return std::make_shared<const Template>(std::string(name), std::move(owned),
                                          *std::move(parsed));
}

absl::StatusOr<std::shared_ptr<const Template>> Environment::GetTemplate(
    absl::string_view name) const {
  if (options_.on_template_lookup) options_.on_template_lookup(name);
  std::shared_ptr<CacheEntry> entry;
  {
    concurrency::MutexLock lock(&mu_);
    auto& slot = cache_[name];
    if (slot == nullptr) slot = std::make_shared<CacheEntry>();
    entry = slot;
  }
  absl::call_once(entry->once, [&] {
    absl::StatusOr<std::string> source = loader_->Load(name);
    if (!source.ok()) {
      entry->result = source.status();
      return;
    }
    entry->result = Compile(name, *source);
  });
  return entry->result;
}

absl::StatusOr<std::string> Environment::Render(absl::string_view name,
                                                const Value& context) const {
  absl::StatusOr<std::shared_ptr<const Template>> t = GetTemplate(name);
  if (!t.ok()) return t.status();
  Interpreter interp(*this, context);
  return interp.RenderTop(*t);
}

absl::StatusOr<std::string> Environment::Render(const Template& tmpl,
                                                const Value& context) const {
  Interpreter interp(*this, context);
  // The caller owns `tmpl`; an aliasing pointer keeps no extra ownership.
  return interp.RenderTop(std::shared_ptr<const Template>(
      std::shared_ptr<const Template>(), &tmpl));
}

int64_t Environment::compile_count() const {
  return compiles_.load(std::memory_order_relaxed);
}

}  // namespace serval::tmpl
