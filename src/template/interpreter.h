// interpreter.h — one render: walks a compiled template's tree and writes
// its output. Internal to //src/template (Environment::Render creates one
// per render); filters and callables receive it to render macros and to
// raise errors with the current template position.
//
// Thread-safety: an Interpreter belongs to the one thread rendering; the
// templates it reads are immutable and shared.
#ifndef SERVAL_TEMPLATE_INTERPRETER_H_
#define SERVAL_TEMPLATE_INTERPRETER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/template/ast.h"
#include "src/template/environment.h"
#include "src/template/output_buffer.h"
#include "src/template/value.h"

namespace serval::tmpl {

// One level of variables (a template's root, a block, a loop body, a macro
// call...). Most hold a few names, kept inline: entering a scope does not
// allocate.
struct Scope {
  struct Var {
    Var(uint64_t t, absl::string_view n, Value v)
        : tag(t), name(n), value(std::move(v)) {}
    uint64_t tag;  // NameTag(name)
    // Not a copy: every name a scope holds is a compiled template's text
    // (a target, parameter, alias, macro or import name) or a literal
    // ("loop", "caller"...), and the templates outlive the render
    // (Interpreter::held_), whose scopes all end with it.
    absl::string_view name;
    Value value;
  };
  Scope* parent = nullptr;
  absl::InlinedVector<Var, 4> vars;
  // Made when a macro closes over this scope, false once the scope is
  // gone: a macro kept past the end of the block that defined it (in a
  // namespace attribute) then fails instead of reading a dead scope.
  std::shared_ptr<bool> alive;
  ~Scope() {
    if (alive) *alive = false;
  }
  Value* Find(absl::string_view name, uint64_t tag) {
    for (Var& v : vars) {
      if (SameName(v.tag, v.name, tag, name)) return &v.value;
    }
    return nullptr;
  }
  Value* Find(absl::string_view name) { return Find(name, NameTag(name)); }
  void Set(absl::string_view name, Value value) {
    const uint64_t tag = NameTag(name);
    Value* v = Find(name, tag);
    if (v != nullptr) {
      *v = std::move(value);
    } else {
      vars.emplace_back(tag, name, std::move(value));
    }
  }
};

class Interpreter {
 public:
  Interpreter(const Environment& env, const Value& context);

  absl::StatusOr<std::string> RenderTop(std::shared_ptr<const Template> t);

  const Environment& env() const { return env_; }
  bool autoescape() const { return env_.options().autoescape; }
  bool strict() const { return env_.options().strict_undefined; }

  // A runtime error at the current position, with the template stack.
  absl::Status Error(absl::string_view message) const;
  // Fails in strict mode when `v` is undefined.
  absl::Status CheckDefined(const Value& v) const;

  // Calls a value (macro, global, bound method...).
  absl::StatusOr<Value> CallValue(const Value& callee, CallArgs& args);
  // Applies the filter / test `name` (used by map, select...).
  absl::StatusOr<Value> ApplyFilter(absl::string_view name,
                                    const Value& input, CallArgs& args);
  absl::StatusOr<bool> ApplyTest(absl::string_view name, const Value& input,
                                 CallArgs& args);
  // As ApplyFilter / ApplyTest with the function already looked up (null:
  // there is none, an error).
  absl::StatusOr<Value> RunFilter(absl::string_view name, const FilterFn* fn,
                                  const Value& input, CallArgs& args);
  absl::StatusOr<bool> RunTest(absl::string_view name, const TestFn* fn,
                               const Value& input, CallArgs& args);

  // Renders the body of a macro or caller: returns its output, or with
  // `sink` non-null appends the output to *sink and returns undefined.
  absl::StatusOr<Value> CallMacro(const Stmt& macro, const Template* tmpl,
                                  Scope* closure, CallArgs& args,
                                  const Value& caller, const Value& context,
                                  OutputBuffer* sink = nullptr);
  // Jinja2's list(value): iteration of strings, lists, dicts, objects.
  absl::StatusOr<std::vector<Value>> Iterate(const Value& v) const;

 private:
  enum class Jump { kNone, kBreak, kContinue };
  struct BlockRef {
    const Stmt* stmt;
    const Template* tmpl;
  };
  // Per rendered template chain (one per top-level render, include or
  // import): the block overrides, most derived first.
  struct Chain {
    // A block is mostly overridden once or twice (page, base).
    absl::flat_hash_map<std::string, absl::InlinedVector<BlockRef, 2>> blocks;
  };
  struct ActiveBlock {
    std::string name;
    size_t index;
    Chain* chain;
  };
  struct Frame {
    const Template* tmpl;
    int line;
    int col;
  };

  absl::Status RenderTemplate(const Template* t, Scope* root, Chain* chain);
  absl::Status ExecBody(const Body& body, Scope* scope);
  // ExecBody with max_render_steps or max_output_bytes set: checked after
  // every statement.
  absl::Status ExecBodyLimited(const Body& body, Scope* scope);
  // One statement of a body: text and prints directly, the rest by Exec.
  absl::Status ExecInBody(const Stmt& s, Scope* scope);
  absl::Status Exec(const Stmt& s, Scope* scope);
  // A kPrint statement: a variable or its attribute written in place,
  // inline; anything else evaluated by PrintEvaluated.
  absl::Status Print(const Stmt& s, Scope* scope);
  absl::Status PrintEvaluated(const Stmt& s, Scope* scope);
  // Statements with many locals, apart from Exec so that its frame and
  // size stay small (and the small helpers they call get inlined).
  absl::Status ExecSet(const Stmt& s, Scope* scope);
  absl::Status ExecCallBlock(const Stmt& s, Scope* scope);
  absl::Status ExecFor(const Stmt& s, Scope* scope);
  absl::Status LoopIterations(const Stmt& s, Scope* scope,
                              std::vector<Value> items, int depth);
  absl::Status RenderBlock(const std::string& name, size_t index,
                           Chain* chain, Scope* scope);
  absl::Status Include(const Stmt& s, Scope* scope);
  absl::StatusOr<Value> ImportModule(const Stmt& s, Scope* scope);
  absl::StatusOr<std::shared_ptr<const Template>> Load(const Value& name);
  absl::Status Assign(const std::vector<std::string>& targets, Value v,
                      Scope* scope);

  absl::StatusOr<Value> Eval(const Expr& e, Scope* scope);
  // With `written` non-null, for a statement that writes the result as is
  // (`{{ m.card(p) }}`): see CallWriting.
  absl::StatusOr<Value> EvalCall(const Expr& e, Scope* scope,
                                 bool* written = nullptr);
  // CallValue for a statement that writes the result as is: a macro
  // writes its output to out_ directly (no string of its own, no copy)
  // and sets *written; anything else returns its result.
  absl::StatusOr<Value> CallWriting(const Value& callee, CallArgs& args,
                                    bool* written);
  absl::StatusOr<Value> EvalBinary(const Expr& e, Scope* scope);
  absl::StatusOr<Value> EvalCompare(const Expr& e, Scope* scope);
  absl::StatusOr<Value> EvalFilter(const Expr& e, Scope* scope,
                                   const Value* input);
  absl::Status EvalArgs(const Expr& e, size_t first, Scope* scope,
                        CallArgs* args);
  // The variable `name` (whose NameTag is `tag`).
  Value Lookup(absl::string_view name, uint64_t tag, Scope* scope) const;
  // The variable `name` in place when it is a local, a key of a dict
  // context or a global; null otherwise (Lookup then decides). Valid until
  // the next statement or call runs. The innermost scope, where most names
  // are found (a loop target, a macro parameter), is looked at inline.
  const Value* FindName(absl::string_view name, uint64_t tag,
                        Scope* scope) const {
    if (scope != nullptr) {
      if (Value* v = scope->Find(name, tag)) return v;
      scope = scope->parent;
    }
    return FindNameOuter(name, tag, scope);
  }
  // FindName past the innermost scope: from `scope` (may be null) out.
  const Value* FindNameOuter(absl::string_view name, uint64_t tag,
                             Scope* scope) const;
  // The value of `e` when it is a variable or an attribute of a variable
  // and defined; null otherwise (Eval then decides). A variable or a key
  // of a dict variable is read in place; any other attribute (of a loop,
  // a host object, a groupby tuple) is made into *made.
  const Value* FindPrintable(const Expr& e, Scope* scope, Value* made) const;
  // FindPrintable inlined where it runs most: Print and {% if %}.
  const Value* FindPrintableInline(const Expr& e, Scope* scope,
                                   Value* made) const;
  // As FindPrintable, and a literal's value. Reading either runs no
  // template code, so two of them can be read and then used together.
  const Value* InPlace(const Expr& e, Scope* scope, Value* made) const;
  // `obj.name` for the kGetAttr `e` (obj defined).
  Value GetAttrOf(const Expr& e, const Value& obj) const;
  // The key `e.name` of `dict` for the kGetAttr `e`, or null; through
  // e.dict_hint. Inline: it is most attribute reads.
  ABSL_ATTRIBUTE_ALWAYS_INLINE static const Value* FindKey(
      const Expr& e, const DictData& dict) {
    uint32_t hint = e.dict_hint.load(std::memory_order_relaxed);
    const uint32_t before = hint;
    const Value* v = dict.FindHinted(e.name, e.tag, &hint);
    if (hint != before) e.dict_hint.store(hint, std::memory_order_relaxed);
    return v;
  }
  absl::StatusOr<Value> Arith(absl::string_view op, const Value& a,
                              const Value& b);
  absl::StatusOr<Value> CallMethod(const Value& obj, absl::string_view name,
                                   CallArgs& args, bool* found);
  void SetPos(const Expr& e) {
    frames_.back().line = e.line;
    frames_.back().col = e.col;
  }
  void SetPos(const Stmt& s) {
    frames_.back().line = s.line;
    frames_.back().col = s.col;
  }
  absl::Status EnterDepth();

  const Environment& env_;
  Value context_;
  OutputBuffer* out_ = nullptr;
  Jump jump_ = Jump::kNone;
  // Inline capacities cover a typical page (extends, include, import, a
  // few nested macro calls) without allocating.
  absl::InlinedVector<Frame, 16> frames_;
  absl::InlinedVector<ActiveBlock, 4> active_blocks_;
  absl::InlinedVector<std::unique_ptr<Scope>, 4> owned_scopes_;
  absl::InlinedVector<std::shared_ptr<const Template>, 8> held_;
  int depth_ = 0;
  Chain* chain_ = nullptr;
  Scope* root_ = nullptr;
  // The innermost recursive loop body, for loop(...).
  const Stmt* recursive_loop_ = nullptr;
  int loop_depth_ = 0;
  int64_t steps_ = 0;  // statements executed (max_render_steps)
  friend struct DepthScope;
};

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_INTERPRETER_H_
