#include "src/template/interpreter.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <typeinfo>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "src/template/builtins.h"
#include "src/template/utf8_util.h"

namespace serval::tmpl {

// `lhs` names the value inside the StatusOr (no move out of it); return it
// with std::move(lhs).
#define TRY(lhs, expr)                         \
  auto lhs##_or = (expr);                      \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto& lhs = *lhs##_or
#define TRY_STATUS(expr)                 \
  do {                                   \
    absl::Status try_status_ = (expr);   \
    if (!try_status_.ok()) return try_status_; \
  } while (0)

namespace {

// A macro (or a call block's `caller`) bound to the scope it closes over.
class MacroFn final : public Callable {
 public:
  MacroFn(const Stmt* stmt, const Template* tmpl, Scope* closure,
          Value context)
      : stmt_(stmt), tmpl_(tmpl), closure_(closure),
        context_(std::move(context)) {
    if (closure_->alive == nullptr) {
      closure_->alive = std::make_shared<bool>(true);
    }
    closure_alive_ = closure_->alive;
  }
  // A call block's caller that cannot outlive the call (kept on the stack,
  // see Stmt::caller_stays): its closure outlives it, no liveness flag.
  struct OnStack {};
  MacroFn(OnStack, const Stmt* stmt, const Template* tmpl, Scope* closure,
          const Value& context)
      : stmt_(stmt), tmpl_(tmpl), closure_(closure), context_(context) {}
  const Stmt& stmt() const { return *stmt_; }
  absl::StatusOr<Value> Call(Interpreter* interp,
                             CallArgs& args) const override {
    return CallInto(interp, args, nullptr);
  }
  // Call; with `sink` non-null the output is appended to it and the result
  // is undefined (Interpreter::CallWriting).
  absl::StatusOr<Value> CallInto(Interpreter* interp, CallArgs& args,
                                 OutputBuffer* sink) const {
    Value caller;
    for (auto it = args.named.begin(); it != args.named.end(); ++it) {
      if (absl::string_view(it->first) == "caller") {
        caller = it->second;
        args.named.erase(it);
        break;
      }
    }
    return CallWithCaller(interp, args, caller, sink);
  }
  // CallInto with the caller given apart from `args` (a call block's own).
  absl::StatusOr<Value> CallWithCaller(Interpreter* interp, CallArgs& args,
                                       const Value& caller,
                                       OutputBuffer* sink) const {
    if (closure_alive_ != nullptr && !*closure_alive_) {
      return interp->Error(absl::StrCat("macro '", std::string(Name()),
                                        "' called after the block that "
                                        "defined it ended (not supported)"));
    }
    return interp->CallMacro(*stmt_, tmpl_, closure_, args, caller,
                             context_, sink);
  }
  std::string_view Name() const override {
    if (stmt_->kind == Stmt::Kind::kMacro) return stmt_->text;
    return "caller";
  }
  // Jinja2's Macro.__repr__; a call block's caller has no name.
  std::string Repr() const override {
    if (stmt_->kind == Stmt::Kind::kMacro) {
      return absl::StrCat("<Macro ", Value(stmt_->text).Repr(), ">");
    }
    return "<Macro anonymous>";
  }

 private:
  const Stmt* stmt_;
  const Template* tmpl_;
  Scope* closure_;
  std::shared_ptr<bool> closure_alive_;  // closure_->alive
  Value context_;  // the render context the macro sees (none if imported
                   // without context)
};

// The `loop` variable of a for loop.
struct LoopState {
  std::vector<Value> items;
  int64_t index0 = 0;
  int depth0 = 0;
  Value last_changed;
  bool changed_seen = false;
};

// loop.cycle(args...) of the loop in `s`.
absl::StatusOr<Value> Cycle(Interpreter* interp, const LoopState& s,
                            const CallArgs& args) {
  if (args.positional.empty()) {
    return interp->Error("no items for cycling given");
  }
  return args.positional[s.index0 % args.positional.size()];
}

class LoopCycle : public Callable {
 public:
  explicit LoopCycle(std::shared_ptr<LoopState> s) : s_(std::move(s)) {}
  absl::StatusOr<Value> Call(Interpreter* interp,
                             CallArgs& args) const override {
    return Cycle(interp, *s_, args);
  }
  std::string_view Name() const override { return "cycle"; }

 private:
  std::shared_ptr<LoopState> s_;
};

class LoopChanged : public Callable {
 public:
  explicit LoopChanged(std::shared_ptr<LoopState> s) : s_(std::move(s)) {}
  absl::StatusOr<Value> Call(Interpreter* interp,
                             CallArgs& args) const override {
    Value v = Value::List(
        std::vector<Value>(args.positional.begin(), args.positional.end()));
    if (s_->changed_seen && s_->last_changed.Equals(v)) return Value(false);
    s_->changed_seen = true;
    s_->last_changed = v;
    return Value(true);
  }
  std::string_view Name() const override { return "changed"; }

 private:
  std::shared_ptr<LoopState> s_;
};

// The state lives inside the object (one allocation per loop, not two);
// loop.cycle and loop.changed, which may be kept past the loop, share the
// object's ownership through an aliasing shared_ptr.
class LoopObject final : public Object,
                         public std::enable_shared_from_this<LoopObject> {
 public:
  LoopState& state() const { return state_; }
  std::string TypeName() const override { return "LoopContext"; }
  std::optional<Value> GetAttr(absl::string_view name) const override {
    return Attr(name, NameTag(name));
  }
  // GetAttr(name) with name's NameTag made (Expr::tag): told apart by the
  // tag (the names of 8 bytes or more are checked whole).
  std::optional<Value> Attr(absl::string_view name, uint64_t tag) const {
    const int64_t n = static_cast<int64_t>(state_.items.size());
    const int64_t i = state_.index0;
    switch (tag) {
      case NameTag("index"): return Value(i + 1);
      case NameTag("index0"): return Value(i);
      case NameTag("revindex"):
        if (name == "revindex") return Value(n - i);
        break;
      case NameTag("revindex0"):
        if (name == "revindex0") return Value(n - i - 1);
        break;
      case NameTag("first"): return Value(i == 0);
      case NameTag("last"): return Value(i == n - 1);
      case NameTag("length"): return Value(n);
      case NameTag("depth"): return Value(state_.depth0 + 1);
      case NameTag("depth0"): return Value(state_.depth0);
      case NameTag("previtem"):
        if (name != "previtem") break;
        return i > 0 ? state_.items[i - 1]
                     : Value::Undefined("there is no previous item");
      case NameTag("nextitem"):
        if (name != "nextitem") break;
        return i + 1 < n ? state_.items[i + 1]
                         : Value::Undefined("there is no next item");
      case NameTag("cycle"):
        return Value::FromCallable(std::make_shared<LoopCycle>(StatePtr()));
      case NameTag("changed"):
        return Value::FromCallable(
            std::make_shared<LoopChanged>(StatePtr()));
      default:
        break;
    }
    return std::nullopt;
  }
  std::optional<int64_t> Length() const override {
    return static_cast<int64_t>(state_.items.size());
  }
  std::string Str() const override { return "<LoopContext>"; }

 private:
  std::shared_ptr<LoopState> StatePtr() const {
    return std::shared_ptr<LoopState>(
        std::const_pointer_cast<LoopObject>(shared_from_this()), &state_);
  }
  // Mutable: the loop advances it while templates see a const Object.
  mutable LoopState state_;
};

}  // namespace

namespace {
constexpr uint64_t kLoopTag = NameTag("loop");
}  // namespace

struct DepthScope {
  explicit DepthScope(Interpreter* i) : interp(i) { ++interp->depth_; }
  ~DepthScope() { --interp->depth_; }
  Interpreter* interp;
};

Interpreter::Interpreter(const Environment& env, const Value& context)
    : env_(env), context_(context) {}

absl::Status Interpreter::EnterDepth() {
  if (depth_ > env_.options().max_render_depth) {
    return Error("maximum template recursion depth exceeded");
  }
  return absl::OkStatus();
}

absl::Status Interpreter::Error(absl::string_view message) const {
  if (frames_.empty()) return absl::InvalidArgumentError(message);
  const Frame& f = frames_.back();
  absl::Status s = SourceError(f.tmpl->source(), f.tmpl->name(), f.line,
                               f.col, message);
  std::string text(s.message());
  if (frames_.size() > 1) {
    // Runs of the same frame (a recursive macro or include) are one line
    // with a count, as Python's tracebacks do, so a runaway recursion is
    // a few lines, not max_render_depth of them.
    absl::StrAppend(&text, "\ntemplate stack (innermost first):");
    auto same = [&](size_t a, size_t b) {
      return frames_[a].tmpl == frames_[b].tmpl &&
             frames_[a].line == frames_[b].line &&
             frames_[a].col == frames_[b].col;
    };
    for (size_t i = frames_.size(); i-- > 0;) {
      absl::StrAppend(&text, "\n  ", frames_[i].tmpl->name(), ":",
                      frames_[i].line, ":", frames_[i].col);
      size_t repeats = 0;
      while (i > 0 && same(i - 1, i)) {
        --i;
        ++repeats;
      }
      if (repeats > 0) absl::StrAppend(&text, " (", repeats + 1, " times)");
    }
  }
  return absl::InvalidArgumentError(text);
}

absl::Status Interpreter::CheckDefined(const Value& v) const {
  if (v.is_undefined() && strict()) return Error(v.undefined_hint());
  return absl::OkStatus();
}

absl::StatusOr<std::string> Interpreter::RenderTop(
    std::shared_ptr<const Template> t) {
  held_.push_back(t);
  // A page is a few KiB: one allocation instead of a dozen regrowths.
  OutputBuffer out(4096);
  out_ = &out;
  owned_scopes_.push_back(std::make_unique<Scope>());
  Scope* root = owned_scopes_.back().get();
  Chain chain;
  TRY_STATUS(RenderTemplate(t.get(), root, &chain));
  return out.Take();
}

absl::Status Interpreter::RenderTemplate(const Template* t, Scope* root,
                                         Chain* chain) {
  DepthScope depth(this);
  frames_.push_back({t, 1, 1});
  TRY_STATUS(EnterDepth());
  for (const auto& [name, stmt] : t->parsed().blocks) {
    chain->blocks[name].push_back({stmt, t});
  }
  Chain* saved_chain = chain_;
  Scope* saved_root = root_;
  chain_ = chain;
  root_ = root;
  std::shared_ptr<const Template> parent;
  OutputBuffer* saved_out = out_;
  OutputBuffer discard;
  absl::Status status;
  for (const StmtPtr& s : t->parsed().body) {
    if (s->kind == Stmt::Kind::kExtends) {
      SetPos(*s);
      if (parent) {
        status = Error("extended multiple times");
        break;
      }
      auto name = Eval(*s->expr, root);
      if (!name.ok()) {
        status = name.status();
        break;
      }
      auto loaded = Load(*name);
      if (!loaded.ok()) {
        status = loaded.status();
        break;
      }
      parent = *loaded;
      out_ = &discard;
      continue;
    }
    if (parent && s->kind == Stmt::Kind::kBlock) continue;
    status = Exec(*s, root);
    if (!status.ok()) break;
  }
  out_ = saved_out;
  frames_.pop_back();
  if (status.ok() && parent) {
    status = RenderTemplate(parent.get(), root, chain);
  }
  chain_ = saved_chain;
  root_ = saved_root;
  return status;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline const Value*
Interpreter::FindPrintableInline(const Expr& e, Scope* scope,
                                 Value* made) const {
  const Value* v = nullptr;
  if (e.kind == Expr::Kind::kName) {
    v = FindName(e.name, e.tag, scope);
  } else if (e.kind == Expr::Kind::kGetAttr &&
             e.args[0]->kind == Expr::Kind::kName) {
    const Expr& var = *e.args[0];
    const Value* obj = FindName(var.name, var.tag, scope);
    if (obj == nullptr || obj->is_undefined()) return nullptr;
    if (obj->is_dict()) {
      // A missing key is left to Eval (it may name a dict method).
      v = FindKey(e, obj->dict());
    } else {
      // What Eval would make, as it would make it (GetAttrOf).
      *made = GetAttrOf(e, *obj);
      v = made;
    }
  }
  return v != nullptr && !v->is_undefined() ? v : nullptr;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline absl::Status Interpreter::Print(
    const Stmt& s, Scope* scope) {
  SetPos(s);
  // {{ name }} and {{ name.key }} of a dict: written in place.
  Value made;
  if (const Value* v = FindPrintableInline(*s.expr, scope, &made)) {
    AppendOutput(*v, autoescape(), out_);
    return absl::OkStatus();
  }
  return PrintEvaluated(s, scope);
}

// Text and {{ ... }}, most of a template, without Exec's call.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline absl::Status Interpreter::ExecInBody(
    const Stmt& s, Scope* scope) {
  if (s.kind == Stmt::Kind::kData) {
    out_->append(s.text);
    return absl::OkStatus();
  }
  if (s.kind == Stmt::Kind::kPrint) return Print(s, scope);
  return Exec(s, scope);
}

absl::Status Interpreter::ExecBody(const Body& body, Scope* scope) {
  const EnvironmentOptions& options = env_.options();
  if (options.max_render_steps > 0 || options.max_output_bytes > 0) {
    return ExecBodyLimited(body, scope);
  }
  // No limits (the default): the loop checks none, instead of reading both
  // options again after every statement (any call may have changed them,
  // as far as the compiler knows).
  for (const StmtPtr& s : body) {
    TRY_STATUS(ExecInBody(*s, scope));
    if (jump_ != Jump::kNone) return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Interpreter::ExecBodyLimited(const Body& body, Scope* scope) {
  const EnvironmentOptions& options = env_.options();
  for (const StmtPtr& s : body) {
    if (options.max_render_steps > 0 && ++steps_ > options.max_render_steps) {
      return absl::ResourceExhaustedError(
          absl::StrCat("render exceeded ", options.max_render_steps,
                       " steps"));
    }
    TRY_STATUS(ExecInBody(*s, scope));
    if (options.max_output_bytes > 0 &&
        static_cast<int64_t>(out_->size()) > options.max_output_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("render output exceeded ", options.max_output_bytes,
                       " bytes"));
    }
    if (jump_ != Jump::kNone) return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Interpreter::PrintEvaluated(const Stmt& s, Scope* scope) {
  bool written = false;
  TRY(v, s.expr->kind == Expr::Kind::kCall ? EvalCall(*s.expr, scope, &written)
                                           : Eval(*s.expr, scope));
  if (written) return absl::OkStatus();  // a macro's output, in place
  if (v.is_undefined()) {
    SetPos(*s.expr);
    return CheckDefined(v);
  }
  AppendOutput(v, autoescape(), out_);
  return absl::OkStatus();
}

absl::Status Interpreter::Assign(const std::vector<std::string>& targets,
                                 Value v, Scope* scope) {
  if (targets.size() == 1) {
    scope->Set(targets[0], std::move(v));
    return absl::OkStatus();
  }
  TRY(items, Iterate(v));
  if (items.size() != targets.size()) {
    return Error(absl::StrCat(items.size() < targets.size()
                                  ? "not enough values to unpack (expected "
                                  : "too many values to unpack (expected ",
                              targets.size(), ", got ", items.size(), ")"));
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    scope->Set(targets[i], items[i]);
  }
  return absl::OkStatus();
}

absl::Status Interpreter::Exec(const Stmt& s, Scope* scope) {
  switch (s.kind) {
    case Stmt::Kind::kData:
      out_->append(s.text);
      return absl::OkStatus();
    case Stmt::Kind::kPrint:
      return Print(s, scope);
    case Stmt::Kind::kIf: {
      for (size_t i = 0; i < s.conds.size(); ++i) {
        SetPos(*s.conds[i]);
        // {% if name %} and {% if name.key %}: the value read in place.
        Value made;
        if (const Value* v =
                FindPrintableInline(*s.conds[i], scope, &made)) {
          if (v->Truthy()) return ExecBody(s.bodies[i], scope);
          continue;
        }
        TRY(c, Eval(*s.conds[i], scope));
        TRY_STATUS(CheckDefined(c));
        if (c.Truthy()) return ExecBody(s.bodies[i], scope);
      }
      if (s.bodies.size() > s.conds.size()) {
        return ExecBody(s.bodies.back(), scope);
      }
      return absl::OkStatus();
    }
    case Stmt::Kind::kFor:
      return ExecFor(s, scope);
    case Stmt::Kind::kSet:
      return ExecSet(s, scope);
    case Stmt::Kind::kSetBlock: {
      OutputBuffer captured;
      OutputBuffer* saved = out_;
      out_ = &captured;
      Scope inner{scope, {}};  // a filter block's sets stay inside it
      absl::Status st = ExecBody(s.body, &inner);
      out_ = saved;
      TRY_STATUS(st);
      Value v = autoescape() ? Value::Safe(captured.Take())
                             : Value(captured.Take());
      if (s.cond) {
        SetPos(*s.cond);
        TRY(filtered, EvalFilter(*s.cond, scope, &v));
        v = std::move(filtered);
      }
      scope->Set(s.targets[0], std::move(v));
      return absl::OkStatus();
    }
    case Stmt::Kind::kBlock:
      SetPos(s);
      return RenderBlock(s.text, 0, chain_, s.flag ? scope : root_);
    case Stmt::Kind::kExtends:
      SetPos(s);
      return Error("extends must be at the top level of a template");
    case Stmt::Kind::kInclude:
      return Include(s, scope);
    case Stmt::Kind::kImport: {
      TRY(module, ImportModule(s, scope));
      scope->Set(s.text, std::move(module));
      return absl::OkStatus();
    }
    case Stmt::Kind::kFromImport: {
      TRY(module, ImportModule(s, scope));
      for (const auto& [name, alias] : s.names) {
        const Value* v = module.dict().Find(absl::string_view(name));
        if (v == nullptr) {
          if (strict()) {
            return Error(absl::StrCat("the template does not export the "
                                      "requested name '", name, "'"));
          }
          scope->Set(alias, Value::Undefined(absl::StrCat(
                                "the template does not export the "
                                "requested name '", name, "'")));
        } else {
          scope->Set(alias, *v);
        }
      }
      return absl::OkStatus();
    }
    case Stmt::Kind::kMacro: {
      // Macros close over the template's root scope.
      Scope* root = scope;
      while (root->parent != nullptr && loop_depth_ == 0 && false) {
        root = root->parent;
      }
      scope->Set(s.text, Value::FromCallable(std::make_shared<MacroFn>(
                             &s, frames_.back().tmpl, root, context_)));
      return absl::OkStatus();
    }
    case Stmt::Kind::kCallBlock:
      return ExecCallBlock(s, scope);
    case Stmt::Kind::kFilterBlock: {
      OutputBuffer captured;
      OutputBuffer* saved = out_;
      out_ = &captured;
      Scope inner{scope, {}};  // a filter block's sets stay inside it
      absl::Status st = ExecBody(s.body, &inner);
      out_ = saved;
      TRY_STATUS(st);
      Value v = autoescape() ? Value::Safe(captured.Take())
                             : Value(captured.Take());
      SetPos(s);
      TRY(result, EvalFilter(*s.expr, scope, &v));
      // Jinja2 writes a filter block's result as is, never escaped again.
      out_->append(result.Str());
      return absl::OkStatus();
    }
    case Stmt::Kind::kWith: {
      Scope inner{scope, {}};
      for (size_t i = 0; i < s.targets.size(); ++i) {
        SetPos(*s.exprs[i]);
        TRY(v, Eval(*s.exprs[i], scope));
        inner.Set(s.targets[i], std::move(v));
      }
      return ExecBody(s.body, &inner);
    }
    case Stmt::Kind::kDo: {
      SetPos(s);
      TRY(v, Eval(*s.expr, scope));
      (void)v;
      return absl::OkStatus();
    }
    case Stmt::Kind::kBreak:
      jump_ = Jump::kBreak;
      return absl::OkStatus();
    case Stmt::Kind::kContinue:
      jump_ = Jump::kContinue;
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Interpreter::ExecCallBlock(const Stmt& s, Scope* scope) {
  SetPos(s);
  const Expr& call = *s.expr;
  TRY(callee, Eval(*call.args[0], scope));
  // A macro that can only call or test its caller (caller_stays) gets
  // one on the stack, in a shared_ptr that owns nothing: no allocation.
  std::optional<MacroFn> on_stack;
  Value caller;
  const Callable* fn = callee.is_callable() ? &callee.callable() : nullptr;
  const MacroFn* macro = fn != nullptr && typeid(*fn) == typeid(MacroFn)
                             ? static_cast<const MacroFn*>(fn)
                             : nullptr;
  if (macro != nullptr && macro->stmt().kind == Stmt::Kind::kMacro &&
      macro->stmt().caller_stays) {
    on_stack.emplace(MacroFn::OnStack{}, &s, frames_.back().tmpl, scope,
                     context_);
    caller = Value::FromCallable(std::shared_ptr<const Callable>(
        std::shared_ptr<const Callable>(), &*on_stack));
  } else {
    caller = Value::FromCallable(std::make_shared<MacroFn>(
        &s, frames_.back().tmpl, scope, context_));
  }
  CallArgs args;
  TRY_STATUS(EvalArgs(call, 1, scope, &args));
  const bool named_caller =
      std::any_of(args.named.begin(), args.named.end(),
                  [](const auto& kv) { return kv.first == "caller"; });
  SetPos(s);
  if (macro != nullptr && !named_caller) {
    // A macro gets the caller as CallInto would take it out of the
    // keyword arguments, and writes its output in place (CallWriting).
    TRY(result, macro->CallWithCaller(this, args, caller, out_));
    (void)result;
    return absl::OkStatus();
  }
  args.named.emplace_back("caller", std::move(caller));
  bool written = false;
  TRY(result, CallWriting(callee, args, &written));
  if (!written) AppendOutput(result, autoescape(), out_);
  return absl::OkStatus();
}

absl::Status Interpreter::ExecSet(const Stmt& s, Scope* scope) {
  SetPos(s);
  TRY(v, Eval(*s.expr, scope));
  if (!s.text.empty()) {
    Value ns = Lookup(s.targets[0], NameTag(s.targets[0]), scope);
    if (!ns.is_dict() || !ns.dict().is_namespace) {
      return Error("can't assign attribute on non-namespace object");
    }
    ns.mutable_dict()->SetByName(s.text, std::move(v));
    return absl::OkStatus();
  }
  return Assign(s.targets, std::move(v), scope);
}

absl::StatusOr<std::vector<Value>> Interpreter::Iterate(const Value& v) const {
  switch (v.kind()) {
    case Value::Kind::kList:
      return v.items();
    case Value::Kind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.dict().size());
      for (const auto& [k, val] : v.dict().entries()) keys.push_back(k);
      return keys;
    }
    case Value::Kind::kString: {
      std::vector<Value> chars;
      for (std::string& c : SplitCodepoints(v.str())) {
        chars.emplace_back(std::move(c));
      }
      return chars;
    }
    case Value::Kind::kUndefined:
      if (strict()) return Error(v.undefined_hint());
      return std::vector<Value>();
    case Value::Kind::kObject: {
      std::optional<std::vector<Value>> items = v.object().Iterate();
      if (items.has_value()) return *std::move(items);
      break;
    }
    default:
      break;
  }
  return Error(absl::StrCat("'", v.TypeName(), "' is not iterable"));
}

absl::Status Interpreter::ExecFor(const Stmt& s, Scope* scope) {
  SetPos(*s.expr);
  TRY(iterable, Eval(*s.expr, scope));
  if (iterable.is_list() && iterable.payload_unique()) {
    // A list nothing else refers to (a filter's or a slice's result):
    // its items are taken, not copied.
    return LoopIterations(s, scope, std::move(*iterable.mutable_items()), 0);
  }
  TRY(items, Iterate(iterable));
  return LoopIterations(s, scope, std::move(items), 0);
}

absl::Status Interpreter::LoopIterations(const Stmt& s, Scope* scope,
                                         std::vector<Value> items,
                                         int depth) {
  DepthScope guard(this);
  TRY_STATUS(EnterDepth());
  Scope body_scope{scope, {}};
  if (s.cond) {
    // The loop filter sees the loop target but not `loop`.
    std::vector<Value> kept;
    kept.reserve(items.size());
    for (Value& item : items) {
      body_scope.vars.clear();
      TRY_STATUS(Assign(s.targets, item, &body_scope));
      SetPos(*s.cond);
      TRY(c, Eval(*s.cond, &body_scope));
      if (c.Truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  // `else` runs in a scope of its own, like the body: its sets (and
  // macros) are gone after `endfor`, as in Jinja2.
  if (items.empty()) {
    body_scope.vars.clear();
    return ExecBody(s.else_body, &body_scope);
  }
  auto loop_object = std::make_shared<LoopObject>();
  LoopState* const state = &loop_object->state();
  state->items = std::move(items);
  state->depth0 = depth;
  Value loop = Value::FromObject(std::move(loop_object));
  const Stmt* saved_recursive = recursive_loop_;
  if (s.flag) recursive_loop_ = &s;
  ++loop_depth_;
  absl::Status status;
  // As Jinja2's generated code: `else` runs unless some iteration reached
  // the end of the body (so a loop left by break/continue on every
  // iteration still runs its else).
  bool body_completed = false;
  for (size_t i = 0; i < state->items.size(); ++i) {
    state->index0 = static_cast<int64_t>(i);
    // Each iteration starts with `loop` and the target alone. One target
    // (the common case): the previous iteration's two entries are reused,
    // values replaced (the body may have set either name), the rest
    // dropped.
    auto& vars = body_scope.vars;
    // (The target's name is a view of s.targets[0] unless the body set a
    // variable of that name: then the same bytes elsewhere, compared.)
    if (s.targets.size() == 1 && vars.size() >= 2 &&
        vars[0].tag == kLoopTag &&
        (vars[1].name.data() == s.targets[0].data() ||
         vars[1].name == s.targets[0])) {
      vars.erase(vars.begin() + 2, vars.end());
      vars[0].value = loop;
      vars[1].value = state->items[i];
    } else {
      vars.clear();
      vars.emplace_back(kLoopTag, "loop", loop);
      status = Assign(s.targets, state->items[i], &body_scope);
      if (!status.ok()) break;
    }
    status = ExecBody(s.body, &body_scope);
    if (!status.ok()) break;
    if (jump_ == Jump::kNone) body_completed = true;
    if (jump_ == Jump::kBreak) {
      jump_ = Jump::kNone;
      break;
    }
    jump_ = Jump::kNone;
  }
  --loop_depth_;
  recursive_loop_ = saved_recursive;
  if (status.ok() && !body_completed && !s.else_body.empty()) {
    body_scope.vars.clear();
    return ExecBody(s.else_body, &body_scope);
  }
  return status;
}

absl::Status Interpreter::RenderBlock(const std::string& name, size_t index,
                                      Chain* chain, Scope* scope) {
  auto it = chain->blocks.find(name);
  if (it == chain->blocks.end() || index >= it->second.size()) {
    return Error(absl::StrCat("no super block for '", name, "'"));
  }
  const BlockRef& ref = it->second[index];
  DepthScope depth(this);
  frames_.push_back({ref.tmpl, ref.stmt->line, ref.stmt->col});
  absl::Status status = EnterDepth();
  if (status.ok()) {
    active_blocks_.push_back({name, index, chain});
    Scope block_scope{scope, {}};
    status = ExecBody(ref.stmt->body, &block_scope);
    active_blocks_.pop_back();
  }
  frames_.pop_back();
  return status;
}

absl::StatusOr<std::shared_ptr<const Template>> Interpreter::Load(
    const Value& name) {
  if (name.is_object() || name.is_callable()) {
    return Error("template name must be a string");
  }
  if (!name.is_string()) {
    return Error(absl::StrCat("template name must be a string, got ",
                              name.TypeName()));
  }
  absl::StatusOr<std::shared_ptr<const Template>> t =
      env_.GetTemplate(name.str());
  if (!t.ok()) {
    if (absl::IsNotFound(t.status())) {
      return absl::NotFoundError(std::string(Error(absl::StrCat(
          "template '", name.str(), "' not found")).message()));
    }
    return t.status();
  }
  held_.push_back(*t);
  return *t;
}

absl::Status Interpreter::Include(const Stmt& s, Scope* scope) {
  SetPos(s);
  TRY(name, Eval(*s.expr, scope));
  // The names to try, read in place (loading runs no template code).
  const absl::Span<const Value> candidates =
      name.is_list() ? absl::MakeConstSpan(name.items())
                     : absl::Span<const Value>(&name, 1);
  std::shared_ptr<const Template> t;
  for (const Value& c : candidates) {
    SetPos(s);
    absl::StatusOr<std::shared_ptr<const Template>> loaded = Load(c);
    if (loaded.ok()) {
      t = *loaded;
      break;
    }
    if (!absl::IsNotFound(loaded.status())) return loaded.status();
    if (candidates.size() == 1 && !s.flag) return loaded.status();
  }
  if (!t) {
    if (s.flag) return absl::OkStatus();
    return Error(absl::StrCat("none of the templates given were found: ",
                              name.Str()));
  }
  Scope include_root{s.with_context ? scope : nullptr, {}};
  // Jinja2 hands an included template the context and the enclosing
  // template's variables, but not the loop object of an enclosing for.
  static const Value* const kNoLoop =
      new Value(Value::Undefined("'loop' is undefined"));
  include_root.vars.emplace_back(kLoopTag, "loop", *kNoLoop);
  Chain chain;
  Value saved_context = context_;
  if (!s.with_context) context_ = Value();
  decltype(active_blocks_) saved_blocks = std::move(active_blocks_);
  active_blocks_.clear();
  absl::Status status = RenderTemplate(t.get(), &include_root, &chain);
  active_blocks_ = std::move(saved_blocks);
  context_ = std::move(saved_context);
  return status;
}

absl::StatusOr<Value> Interpreter::ImportModule(const Stmt& s, Scope* scope) {
  SetPos(s);
  TRY(name, Eval(*s.expr, scope));
  TRY(t, Load(name));
  owned_scopes_.push_back(std::make_unique<Scope>());
  Scope* root = owned_scopes_.back().get();
  if (s.with_context) root->parent = scope;
  Value saved_context = context_;
  if (!s.with_context) context_ = Value();
  OutputBuffer discard;
  OutputBuffer* saved_out = out_;
  out_ = &discard;
  Chain chain;
  decltype(active_blocks_) saved_blocks = std::move(active_blocks_);
  active_blocks_.clear();
  absl::Status status = RenderTemplate(t.get(), root, &chain);
  active_blocks_ = std::move(saved_blocks);
  out_ = saved_out;
  context_ = std::move(saved_context);
  TRY_STATUS(status);
  auto module = std::make_shared<DictData>();
  for (const auto& [tag, k, v] : root->vars) {
    if (!k.empty() && k[0] != '_') module->Set(Value(k), v);
  }
  return Value::FromDict(std::move(module));
}

absl::StatusOr<Value> Interpreter::CallMacro(const Stmt& macro,
                                             const Template* tmpl,
                                             Scope* closure, CallArgs& args,
                                             const Value& caller,
                                             const Value& context,
                                             OutputBuffer* sink) {
  DepthScope depth(this);
  frames_.push_back({tmpl, macro.line, macro.col});
  absl::Status status = EnterDepth();
  if (!status.ok()) {
    frames_.pop_back();
    return status;
  }
  // Jinja2's Macro.__call__: positional arguments fill the parameters in
  // order, keyword arguments the parameters still free; what is left goes
  // to `varargs` / `kwargs` when the body reads them (Stmt::uses_*), and is
  // an error otherwise. So is a caller passed to a macro that never calls
  // it, unless it can go to a parameter named `caller` or to `kwargs`.
  const absl::string_view name =
      macro.kind == Stmt::Kind::kMacro ? absl::string_view(macro.text)
                                       : absl::string_view("caller");
  auto fail = [&](std::string message) {
    frames_.pop_back();
    return Error(absl::StrCat("macro '", name, "' ", message));
  };
  if (args.positional.size() > macro.params.size() && !macro.uses_varargs) {
    return fail(absl::StrCat("takes not more than ", macro.params.size(),
                             " argument(s)"));
  }
  Scope scope{closure, {}};
  absl::InlinedVector<bool, 8> bound(macro.params.size(), false);
  std::vector<Value> varargs;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < macro.params.size()) {
      scope.Set(macro.params[i], args.positional[i]);
      bound[i] = true;
    } else {
      varargs.push_back(args.positional[i]);
    }
  }
  const bool pass_caller = macro.kind == Stmt::Kind::kMacro &&
                           macro.uses_caller;
  if (!pass_caller && !caller.is_undefined()) {
    args.named.emplace_back("caller", caller);
  }
  std::shared_ptr<DictData> kwargs;
  if (macro.uses_kwargs) kwargs = std::make_shared<DictData>();
  for (auto& [k, v] : args.named) {
    bool matched = false;
    for (size_t i = 0; i < macro.params.size() && !matched; ++i) {
      if (macro.params[i] == k && !bound[i]) {
        scope.Set(macro.params[i], v);
        bound[i] = true;
        matched = true;
      }
    }
    if (matched) continue;
    if (kwargs == nullptr) {
      return fail(absl::StrCat("takes no keyword argument '", k, "'"));
    }
    kwargs->Set(Value(k), v);
  }
  for (size_t i = 0; i < macro.params.size(); ++i) {
    if (bound[i]) continue;
    if (macro.defaults[i]) {
      frames_.back().line = macro.defaults[i]->line;
      absl::StatusOr<Value> d = Eval(*macro.defaults[i], &scope);
      if (!d.ok()) {
        frames_.pop_back();
        return d.status();
      }
      scope.Set(macro.params[i], *std::move(d));
    } else {
      scope.Set(macro.params[i],
                Value::Undefined(absl::StrCat(
                    "parameter '", macro.params[i], "' was not provided")));
    }
  }
  if (macro.uses_varargs) {
    scope.Set("varargs", Value::Tuple(std::move(varargs)));
  }
  if (kwargs != nullptr) {
    scope.Set("kwargs", Value::FromDict(std::move(kwargs)));
  }
  if (pass_caller) {
    // One undefined value for every call without a caller (its hint is
    // never changed, so renders on all threads may share it).
    static const Value* const kNoCaller =
        new Value(Value::Undefined("'caller' is undefined"));
    scope.Set("caller", caller.is_undefined() ? *kNoCaller : caller);
  }
  // A macro's output is mostly a few hundred bytes (a card, a link list):
  // room for 1 KiB up front saves regrowing it. (A result kept in a
  // variable keeps the room too.)
  std::optional<OutputBuffer> captured;
  OutputBuffer* saved_out = out_;
  if (sink != nullptr) {
    // Written in place: counted in max_output_bytes as it is written.
    out_ = sink;
  } else {
    out_ = &captured.emplace(1024);
  }
  Jump saved_jump = jump_;
  jump_ = Jump::kNone;
  int saved_loop_depth = loop_depth_;
  loop_depth_ = 0;
  Value saved_context = std::exchange(context_, context);
  status = ExecBody(macro.body, &scope);
  context_ = std::move(saved_context);
  loop_depth_ = saved_loop_depth;
  jump_ = saved_jump;
  out_ = saved_out;
  frames_.pop_back();
  if (!status.ok()) return status;
  if (sink != nullptr) return Value();
  return autoescape() ? Value::Safe(captured->Take())
                      : Value(captured->Take());
}

const Value* Interpreter::FindNameOuter(absl::string_view name,
                                        uint64_t tag, Scope* scope) const {
  for (Scope* s = scope; s != nullptr; s = s->parent) {
    Value* v = s->Find(name, tag);
    if (v != nullptr) return v;
  }
  if (context_.is_dict()) {
    const Value* v = context_.dict().Find(name, tag);
    if (v != nullptr && !v->is_undefined()) return v;
    return env_.FindGlobal(name);
  }
  return nullptr;
}

Value Interpreter::Lookup(absl::string_view name, uint64_t tag,
                          Scope* scope) const {
  for (Scope* s = scope; s != nullptr; s = s->parent) {
    Value* v = s->Find(name, tag);
    if (v != nullptr) return *v;
  }
  if (context_.is_dict()) {
    // As GetAttr, without making the undefined value of a miss.
    const Value* v = context_.dict().Find(name, tag);
    if (v != nullptr && !v->is_undefined()) return *v;
  } else if (!context_.is_undefined()) {
    Value v = context_.GetAttr(name, tag);
    if (!v.is_undefined()) return v;
  }
  const Value* g = env_.FindGlobal(name);
  if (g != nullptr) return *g;
  Value b = BuiltinGlobal(name);
  if (!b.is_undefined()) return b;
  return Value::Undefined(absl::StrCat("'", name, "' is undefined"));
}

absl::Status Interpreter::EvalArgs(const Expr& e, size_t first, Scope* scope,
                                   CallArgs* args) {
  // Room for more than the inline few only when needed (reserve is a
  // call even when they suffice).
  if (e.args.size() > first + args->positional.capacity()) {
    args->positional.reserve(e.args.size() - first);
  }
  for (size_t i = first; i < e.args.size(); ++i) {
    const Expr& a = *e.args[i];
    if (a.kind == Expr::Kind::kLiteral) {
      // Most arguments ('odd', ', ', 120): copied without Eval's StatusOr.
      args->positional.push_back(a.literal);
      continue;
    }
    TRY(v, Eval(a, scope));
    args->positional.push_back(std::move(v));
  }
  if (e.dyn_args) {
    TRY(extra, Eval(*e.dyn_args, scope));
    TRY(items, Iterate(extra));
    for (Value& v : items) args->positional.push_back(std::move(v));
  }
  for (const auto& [k, ex] : e.kwargs) {
    if (ex->kind == Expr::Kind::kLiteral) {
      args->named.emplace_back(k, ex->literal);
      continue;
    }
    TRY(v, Eval(*ex, scope));
    args->named.emplace_back(k, std::move(v));
  }
  if (e.dyn_kwargs) {
    TRY(extra, Eval(*e.dyn_kwargs, scope));
    if (!extra.is_dict()) {
      return Error(absl::StrCat("argument after ** must be a mapping, not ",
                                extra.TypeName()));
    }
    for (const auto& [k, v] : extra.dict().entries()) {
      args->named.emplace_back(k.Str(), v);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Value> Interpreter::Eval(const Expr& e, Scope* scope) {
  switch (e.kind) {
    case Expr::Kind::kLiteral:
      return e.literal;
    case Expr::Kind::kName:
      // Mostly a local or a context key, found in place (FindName, its
      // innermost scope inline); Lookup for the rest (globals, undefined).
      if (const Value* v = FindName(e.name, e.tag, scope)) {
        if (!v->is_undefined()) return *v;
      }
      return Lookup(e.name, e.tag, scope);
    case Expr::Kind::kList:
    case Expr::Kind::kTuple: {
      std::vector<Value> items;
      items.reserve(e.args.size());
      for (const ExprPtr& a : e.args) {
        TRY(v, Eval(*a, scope));
        items.push_back(std::move(v));
      }
      return e.kind == Expr::Kind::kList ? Value::List(std::move(items))
                                         : Value::Tuple(std::move(items));
    }
    case Expr::Kind::kDict: {
      auto dict = std::make_shared<DictData>();
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        TRY(k, Eval(*e.args[i], scope));
        TRY(v, Eval(*e.args[i + 1], scope));
        dict->Set(std::move(k), std::move(v));
      }
      return Value::FromDict(std::move(dict));
    }
    case Expr::Kind::kGetAttr: {
      // `name.attr`: read the variable in place (no copy of it).
      if (e.args[0]->kind == Expr::Kind::kName) {
        const Expr& var = *e.args[0];
        const Value* obj = FindName(var.name, var.tag, scope);
        if (obj != nullptr && !obj->is_undefined()) return GetAttrOf(e, *obj);
      }
      TRY(obj, Eval(*e.args[0], scope));
      if (obj.is_undefined()) {
        SetPos(*e.args[0]);
        return Error(obj.undefined_hint());
      }
      return GetAttrOf(e, obj);
    }
    case Expr::Kind::kGetItem: {
      TRY(obj, Eval(*e.args[0], scope));
      if (obj.is_undefined()) {
        SetPos(*e.args[0]);
        return Error(obj.undefined_hint());
      }
      TRY(key, Eval(*e.args[1], scope));
      return obj.GetItem(key);
    }
    case Expr::Kind::kSlice: {
      TRY(obj, Eval(*e.args[0], scope));
      if (obj.is_undefined()) {
        SetPos(*e.args[0]);
        return Error(obj.undefined_hint());
      }
      Value bounds[3];
      for (int i = 0; i < 3; ++i) {
        if (e.args[i + 1]) {
          TRY(b, Eval(*e.args[i + 1], scope));
          bounds[i] = std::move(b);
        }
      }
      SetPos(e);
      return Slice(this, obj, bounds[0], bounds[1], bounds[2]);
    }
    case Expr::Kind::kCall:
      return EvalCall(e, scope);
    case Expr::Kind::kFilter:
      return EvalFilter(e, scope, nullptr);
    case Expr::Kind::kTest: {
      TRY(v, Eval(*e.args[0], scope));
      CallArgs args;
      TRY_STATUS(EvalArgs(e, 1, scope, &args));
      SetPos(e);
      TRY(r, RunTest(e.name, e.test, v, args));
      return Value(r != e.negated);
    }
    case Expr::Kind::kNeg:
    case Expr::Kind::kPos: {
      TRY(v, Eval(*e.args[0], scope));
      SetPos(e);
      if (!v.is_number()) {
        if (v.is_undefined()) return Error(v.undefined_hint());
        return Error(absl::StrCat("bad operand type for unary ",
                                  e.kind == Expr::Kind::kNeg ? "-" : "+",
                                  ": '", v.TypeName(), "'"));
      }
      if (e.kind == Expr::Kind::kPos) {
        return v.is_bool() ? Value(v.int_value()) : v;
      }
      if (v.is_float()) return Value(-v.float_value());
      return Value(-v.int_value());
    }
    case Expr::Kind::kNot: {
      TRY(v, Eval(*e.args[0], scope));
      SetPos(e);
      TRY_STATUS(CheckDefined(v));
      return Value(!v.Truthy());
    }
    case Expr::Kind::kBinary:
      return EvalBinary(e, scope);
    case Expr::Kind::kCompare:
      return EvalCompare(e, scope);
    case Expr::Kind::kCondExpr: {
      TRY(c, Eval(*e.args[0], scope));
      SetPos(*e.args[0]);
      TRY_STATUS(CheckDefined(c));
      if (c.Truthy()) return Eval(*e.args[1], scope);
      if (e.args[2]) return Eval(*e.args[2], scope);
      return Value::Undefined(
          "the inline if-expression evaluated to false and no else "
          "section was defined.");
    }
  }
  return Value();
}

const Value* Interpreter::FindPrintable(const Expr& e, Scope* scope,
                                        Value* made) const {
  return FindPrintableInline(e, scope, made);
}

const Value* Interpreter::InPlace(const Expr& e, Scope* scope,
                                  Value* made) const {
  if (e.kind == Expr::Kind::kLiteral) return &e.literal;
  return FindPrintable(e, scope, made);
}

Value Interpreter::GetAttrOf(const Expr& e, const Value& obj) const {
  if (obj.is_dict()) {
    if (const Value* v = FindKey(e, obj.dict())) return *v;
  }
  if (obj.is_object()) {
    const Object& o = obj.object();
    if (typeid(o) == typeid(LoopObject)) {
      // `loop.index`...: by the name's tag, no string compares.
      std::optional<Value> v =
          static_cast<const LoopObject&>(o).Attr(e.name, e.tag);
      if (v.has_value()) return *std::move(v);
    }
  }
  if (obj.is_tuple() && obj.items().size() == 2) {
    // groupby results are (grouper, list) named tuples.
    const absl::string_view name = e.name;
    if (name == "grouper") return obj.items()[0];
    if (name == "list") return obj.items()[1];
  }
  return obj.GetAttr(e.name, e.tag);
}

absl::StatusOr<Value> Interpreter::EvalCall(const Expr& e, Scope* scope,
                                            bool* written) {
  const Expr& callee_expr = *e.args[0];
  if (callee_expr.kind == Expr::Kind::kName) {
    const absl::string_view callee_name = callee_expr.name;
    if (callee_name == "super" && !active_blocks_.empty() &&
        scope->Find("super") == nullptr) {
      ActiveBlock b = active_blocks_.back();
      OutputBuffer captured;
      OutputBuffer* saved = out_;
      out_ = &captured;
      absl::Status st = RenderBlock(b.name, b.index + 1, b.chain, root_);
      out_ = saved;
      TRY_STATUS(st);
      return autoescape() ? Value::Safe(captured.Take())
                          : Value(captured.Take());
    }
    if (callee_name == "loop" && recursive_loop_ != nullptr) {
      Value loop = Lookup("loop", kLoopTag, scope);
      if (loop.is_object()) {
        CallArgs args;
        TRY_STATUS(EvalArgs(e, 1, scope, &args));
        if (args.positional.size() != 1) {
          SetPos(e);
          return Error("loop() takes exactly one argument");
        }
        TRY(items, Iterate(args.positional[0]));
        int depth = static_cast<int>(
            loop.object().GetAttr("depth0")->int_value());
        OutputBuffer captured;
        OutputBuffer* saved = out_;
        out_ = &captured;
        const Stmt* stmt = recursive_loop_;
        // The recursive body runs in the scope the loop started in.
        Scope* outer = scope;
        while (outer != nullptr && outer->Find("loop") == nullptr) {
          outer = outer->parent;
        }
        absl::Status st = LoopIterations(
            *stmt, outer != nullptr ? outer->parent : scope,
            std::move(items), depth + 1);
        out_ = saved;
        TRY_STATUS(st);
        return autoescape() ? Value::Safe(captured.Take())
                            : Value(captured.Take());
      }
    }
  }
  if (callee_expr.kind == Expr::Kind::kGetAttr) {
    TRY(obj, Eval(*callee_expr.args[0], scope));
    if (obj.is_undefined()) {
      SetPos(*callee_expr.args[0]);
      return Error(obj.undefined_hint());
    }
    CallArgs args;
    TRY_STATUS(EvalArgs(e, 1, scope, &args));
    SetPos(e);
    // (Its tag says "cycle": the name is shorter than eight bytes.)
    if (obj.is_object() && callee_expr.tag == NameTag("cycle")) {
      // loop.cycle(...) without making the bound method (LoopCycle).
      const Object& o = obj.object();
      if (typeid(o) == typeid(LoopObject)) {
        return Cycle(this, static_cast<const LoopObject&>(o).state(), args);
      }
    }
    bool found = false;
    TRY(result, CallMethod(obj, callee_expr.name, args, &found));
    if (found) return std::move(result);
    Value method = obj.GetAttr(callee_expr.name, callee_expr.tag);
    return written != nullptr ? CallWriting(method, args, written)
                              : CallValue(method, args);
  }
  TRY(callee, Eval(callee_expr, scope));
  CallArgs args;
  TRY_STATUS(EvalArgs(e, 1, scope, &args));
  SetPos(e);
  return written != nullptr ? CallWriting(callee, args, written)
                            : CallValue(callee, args);
}

absl::StatusOr<Value> Interpreter::CallMethod(const Value& obj,
                                              absl::string_view name,
                                              CallArgs& args, bool* found) {
  return CallBuiltinMethod(this, obj, name, args, found);
}

absl::StatusOr<Value> Interpreter::CallWriting(const Value& callee,
                                               CallArgs& args,
                                               bool* written) {
  // A macro (the one final class of that name here: typeid compares
  // pointers) writes its output as is, so that goes to out_ directly.
  if (callee.is_callable()) {
    const Callable& fn = callee.callable();
    if (typeid(fn) == typeid(MacroFn)) {
      *written = true;
      return static_cast<const MacroFn&>(fn).CallInto(this, args, out_);
    }
  }
  return CallValue(callee, args);
}

absl::StatusOr<Value> Interpreter::CallValue(const Value& callee,
                                             CallArgs& args) {
  if (callee.is_callable()) return callee.callable().Call(this, args);
  if (callee.is_undefined()) return Error(callee.undefined_hint());
  return Error(absl::StrCat("'", callee.TypeName(), "' is not callable"));
}

absl::StatusOr<Value> Interpreter::EvalFilter(const Expr& e, Scope* scope,
                                              const Value* input) {
  Value in;
  // The input the filter reads: `in`, or a value read in place.
  const Value* read = &in;
  if (e.args[0] && e.args[0]->kind == Expr::Kind::kFilter) {
    TRY(v, EvalFilter(*e.args[0], scope, input));
    in = std::move(v);
  } else if (e.args[0]) {
    // No copy of the input when nothing can change it meanwhile (see
    // Expr::input_in_place).
    const Value* v =
        e.input_in_place ? InPlace(*e.args[0], scope, &in) : nullptr;
    if (v != nullptr) {
      read = v;
    } else {
      TRY(evaluated, Eval(*e.args[0], scope));
      in = std::move(evaluated);
    }
  } else if (input != nullptr) {
    read = input;  // a {% filter %} block's output, the caller's own
  }
  CallArgs args;
  TRY_STATUS(EvalArgs(e, 1, scope, &args));
  SetPos(e);
  return RunFilter(e.name, e.filter, *read, args);
}

absl::StatusOr<Value> Interpreter::ApplyFilter(absl::string_view name,
                                               const Value& input,
                                               CallArgs& args) {
  const FilterFn* fn = env_.FindFilter(name);
  if (fn == nullptr) fn = FindBuiltinFilter(name);
  return RunFilter(name, fn, input, args);
}

absl::StatusOr<Value> Interpreter::RunFilter(absl::string_view name,
                                             const FilterFn* fn,
                                             const Value& input,
                                             CallArgs& args) {
  if (fn == nullptr) return Error(absl::StrCat("no filter named '", name, "'"));
  if (input.is_undefined() && strict() && name != "default" && name != "d") {
    return Error(input.undefined_hint());
  }
  return (*fn)(this, input, args);
}

absl::StatusOr<bool> Interpreter::ApplyTest(absl::string_view name,
                                            const Value& input,
                                            CallArgs& args) {
  return RunTest(name, FindBuiltinTest(name), input, args);
}

namespace {

// The tests that only look at a value's type (Python isinstance, callable,
// hasattr of a dunder), so a StrictUndefined passes through them; every
// other test uses the value and fails on it.
bool IsTypeTest(absl::string_view name) {
  static constexpr absl::string_view kTypeTests[] = {
      "defined", "undefined", "none",    "boolean", "true",
      "false",   "integer",   "float",   "number",  "string",
      "mapping", "sequence",  "callable", "escaped", "sameas"};
  for (absl::string_view t : kTypeTests) {
    if (t == name) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> Interpreter::RunTest(absl::string_view name,
                                          const TestFn* fn,
                                          const Value& input,
                                          CallArgs& args) {
  if (fn == nullptr) return Error(absl::StrCat("no test named '", name, "'"));
  if (input.is_undefined() && strict() && !IsTypeTest(name)) {
    return Error(input.undefined_hint());
  }
  return (*fn)(this, input, args);
}

absl::StatusOr<Value> Interpreter::EvalBinary(const Expr& e, Scope* scope) {
  const absl::string_view op = e.name;
  const bool logical = op == "and" || op == "or";
  if (!logical) {
    // Arithmetic of variables, keys of dict variables and literals: the
    // operands read in place, as in EvalCompare.
    Value made_left, made_right;
    const Value* left = InPlace(*e.args[0], scope, &made_left);
    const Value* right =
        left != nullptr ? InPlace(*e.args[1], scope, &made_right) : nullptr;
    if (right != nullptr) {
      SetPos(e);
      return Arith(e.name, *left, *right);
    }
  }
  TRY(left, Eval(*e.args[0], scope));
  if (logical) {
    SetPos(*e.args[0]);
    TRY_STATUS(CheckDefined(left));
    bool t = left.Truthy();
    if (op == "and" ? !t : t) return std::move(left);
    return Eval(*e.args[1], scope);
  }
  TRY(right, Eval(*e.args[1], scope));
  SetPos(e);
  return Arith(e.name, left, right);
}

absl::StatusOr<Value> Interpreter::Arith(absl::string_view op, const Value& a,
                                         const Value& b) {
  if (op == "~") {
    TRY_STATUS(CheckDefined(a));
    TRY_STATUS(CheckDefined(b));
    if (autoescape() && (a.is_safe() || b.is_safe())) {
      std::string s;
      for (const Value* v : {&a, &b}) {
        if (v->is_safe()) {
          s += v->str();
        } else {
          AppendEscaped(v->Str(), &s);
        }
      }
      return Value::Safe(std::move(s));
    }
    std::string s = a.Str();
    b.AppendStr(&s);
    return Value(std::move(s));
  }
  if (a.is_undefined()) return Error(a.undefined_hint());
  // `'text' % missing` is Python's str % Undefined, which formats (the
  // Undefined counts as a mapping; see PyPercentFormat).
  if (b.is_undefined() && !(op == "%" && a.is_string())) {
    return Error(b.undefined_hint());
  }
  return BinaryOp(this, op, a, b);
}

absl::StatusOr<Value> Interpreter::EvalCompare(const Expr& e, Scope* scope) {
  if (e.ops.size() == 1) {
    // `a == b` of variables, keys of dict variables and literals: compared
    // in place (reading them runs no template code, so neither can change
    // while the other is read).
    Value made_left, made_right;
    const Value* left = InPlace(*e.args[0], scope, &made_left);
    const Value* right =
        left != nullptr ? InPlace(*e.args[1], scope, &made_right) : nullptr;
    if (right != nullptr) {
      SetPos(e);
      TRY(r, Compare(this, e.ops[0], *left, *right));
      return Value(r);
    }
  }
  TRY(left, Eval(*e.args[0], scope));
  for (size_t i = 0; i < e.ops.size(); ++i) {
    TRY(right, Eval(*e.args[i + 1], scope));
    SetPos(e);
    TRY(r, Compare(this, e.ops[i], left, right));
    if (!r) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

}  // namespace serval::tmpl
