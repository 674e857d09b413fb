// builtins.h — Jinja2's built-in filters, tests, globals, operators and the
// str/dict/list methods templates call. Internal to //src/template.
//
// Thread-safety: the tables are immutable after first use (function-local
// statics); every function is safe to call from any render thread.
#ifndef SERVAL_TEMPLATE_BUILTINS_H_
#define SERVAL_TEMPLATE_BUILTINS_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/template/environment.h"
#include "src/template/value.h"

namespace serval::tmpl {

const FilterFn* FindBuiltinFilter(absl::string_view name);
// Whether the built-in filter `name` may run code beyond its own: `map`
// applies another filter, which may be one the host registered. The others
// read their input and arguments only, and change nothing.
inline bool BuiltinFilterCallsOut(absl::string_view name) {
  return name == "map";
}
const TestFn* FindBuiltinTest(absl::string_view name);
// range, dict, namespace, cycler, joiner; undefined for other names.
Value BuiltinGlobal(absl::string_view name);
// obj.name(args) for the str/dict/list methods; *found false when `obj`
// has no such method.
absl::StatusOr<Value> CallBuiltinMethod(Interpreter* interp, const Value& obj,
                                        absl::string_view name,
                                        CallArgs& args, bool* found);
absl::StatusOr<Value> Slice(Interpreter* interp, const Value& obj,
                            const Value& start, const Value& stop,
                            const Value& step);
// + - * / // % ** on defined operands.
absl::StatusOr<Value> BinaryOp(Interpreter* interp, absl::string_view op,
                               const Value& a, const Value& b);
// == != < <= > >= in notin.
absl::StatusOr<bool> Compare(Interpreter* interp, absl::string_view op,
                             const Value& a, const Value& b);
// Python str % args; `markup`: fmt is Markup, so each argument that is not
// Markup is escaped (markupsafe's Markup.__mod__).
absl::StatusOr<std::string> PyPercentFormat(Interpreter* interp,
                                            const std::string& fmt,
                                            const Value& args, bool markup);

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_BUILTINS_H_
