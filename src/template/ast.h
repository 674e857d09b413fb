// ast.h — the syntax tree of a parsed Jinja2 template.
//
// Built once by the parser and never mutated afterwards: the nodes of a
// compiled Template are shared read-only by every render thread. One
// generic node type per category (Expr, Stmt) keeps the tree small; the
// comments below say which fields each kind uses.
#ifndef SERVAL_TEMPLATE_AST_H_
#define SERVAL_TEMPLATE_AST_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/template/value.h"

namespace serval::tmpl {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,   // literal
    kName,      // name
    kList,      // args = items
    kTuple,     // args = items
    kDict,      // args = k0, v0, k1, v1...
    kGetAttr,   // args[0] . name
    kGetItem,   // args[0] [ args[1] ]
    kSlice,     // args[0] [ args[1] : args[2] : args[3] ] (each may be null)
    kCall,      // args[0] ( args[1..], kwargs )
    kFilter,    // args[0] | name ( args[1..], kwargs ); args[0] null in
                // {% filter %} blocks
    kTest,      // args[0] is [not] name ( args[1..], kwargs )
    kNeg,       // - args[0]
    kPos,       // + args[0]
    kNot,       // not args[0]
    kBinary,    // args[0] name args[1]; name in + - * / // % ** ~ and or
    kCompare,   // args[0] ops[0] args[1] ops[1] args[2]...
    kCondExpr,  // args[1] if args[0] else args[2] (args[2] may be null)
  };
  Kind kind;
  int line = 0;
  int col = 0;
  Value literal;
  std::string name;
  uint64_t tag = 0;  // NameTag(name), set when the template is compiled
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;  // kCompare: == != < <= > >= in notin
  bool negated = false;          // kTest: `is not`
  ExprPtr dyn_args;    // kCall/kFilter/kTest: `*args`, may be null
  ExprPtr dyn_kwargs;  // kCall/kFilter/kTest: `**kwargs`, may be null
  // kFilter / kTest: the function `name` resolves to, set when the
  // template is compiled (Environment::Compile); null when there is none
  // (the render then fails where the expression is evaluated, as before).
  const FilterFn* filter = nullptr;
  const TestFn* test = nullptr;
  // kFilter: the filter's input (args[0]) may be read in place: the filter
  // is a built-in one that runs no other code (BuiltinFilterCallsOut) and
  // its arguments are literals and variables, whose evaluation runs none
  // either, so nothing can change the input while the filter reads it.
  bool input_in_place = false;
  // kGetAttr of a dict: the entry where `name` was found last
  // (DictData::FindHinted). Renders on several threads share it; any
  // value is safe, so relaxed loads and stores do.
  mutable std::atomic<uint32_t> dict_hint{0};
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind {
    kData,        // text
    kPrint,       // {{ expr }}
    kIf,          // conds[i] -> bodies[i]; bodies.back() is else when
                  // bodies.size() > conds.size()
    kFor,         // for targets in expr [if cond] body [else else_body]
    kSet,         // set targets = expr, or set targets[0].attr = expr
    kSetBlock,    // set targets[0] [| filter] body endset
    kBlock,       // block name [scoped] body
    kExtends,     // extends expr
    kInclude,     // include expr [ignore missing] [with/without context]
    kImport,      // import expr as name [with context]
    kFromImport,  // from expr import names (name, alias)
    kMacro,       // macro name(params = defaults) body
    kCallBlock,   // call(params) expr body
    kFilterBlock, // filter expr(with null operand) body
    kWith,        // with targets = exprs body
    kDo,          // do expr
    kBreak,
    kContinue,
  };
  Kind kind;
  int line = 0;
  int col = 0;
  std::string text;  // kData text; block/macro/import alias name; set attr
  ExprPtr expr;
  ExprPtr cond;      // kFor filter; kSetBlock filter
  std::vector<ExprPtr> conds;
  std::vector<Body> bodies;
  Body body;
  Body else_body;
  std::vector<std::string> targets;
  std::vector<ExprPtr> exprs;          // kWith values
  std::vector<std::string> params;     // kMacro / kCallBlock
  std::vector<ExprPtr> defaults;       // per param, null when none
  std::vector<std::pair<std::string, std::string>> names;  // kFromImport
  bool flag = false;  // kFor recursive; kBlock scoped; kInclude ignore
                      // missing
  bool with_context = true;  // kInclude / kImport / kFromImport
  // kMacro: whether the body refers to caller / varargs / kwargs.
  bool uses_caller = false;
  bool uses_varargs = false;
  bool uses_kwargs = false;
  // kMacro: the body reads `caller` only to call it or test it, has no
  // block, include, import or extends, has no parameter named `caller` and
  // does not read `kwargs`: a caller passed to it cannot outlive the call,
  // so a call block may keep its caller on the stack (CallerStaysInCall).
  bool caller_stays = false;
};

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_AST_H_
