#include "src/template/parser.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace serval::tmpl {
namespace {

// Jinja2's find_undeclared(body, ("caller", "varargs", "kwargs")): which of
// the three names a macro's body reads, nested macros and call blocks
// included, blocks not. A macro accepts extra positional arguments only
// when it reads `varargs`, unknown keyword arguments only when it reads
// `kwargs`, and a caller only when it reads `caller`.
void FindSpecialNames(const Body& body, Stmt* macro);

void FindSpecialNames(const Expr* e, Stmt* macro) {
  if (e == nullptr) return;
  if (e->kind == Expr::Kind::kName) {
    if (e->name == "caller") macro->uses_caller = true;
    if (e->name == "varargs") macro->uses_varargs = true;
    if (e->name == "kwargs") macro->uses_kwargs = true;
  }
  for (const ExprPtr& a : e->args) FindSpecialNames(a.get(), macro);
  for (const auto& kw : e->kwargs) FindSpecialNames(kw.second.get(), macro);
  FindSpecialNames(e->dyn_args.get(), macro);
  FindSpecialNames(e->dyn_kwargs.get(), macro);
}

void FindSpecialNames(const Body& body, Stmt* macro) {
  for (const StmtPtr& s : body) {
    if (s->kind == Stmt::Kind::kBlock) continue;
    FindSpecialNames(s->expr.get(), macro);
    FindSpecialNames(s->cond.get(), macro);
    for (const ExprPtr& e : s->conds) FindSpecialNames(e.get(), macro);
    for (const ExprPtr& e : s->exprs) FindSpecialNames(e.get(), macro);
    for (const ExprPtr& e : s->defaults) FindSpecialNames(e.get(), macro);
    for (const Body& b : s->bodies) FindSpecialNames(b, macro);
    FindSpecialNames(s->body, macro);
    FindSpecialNames(s->else_body, macro);
  }
}

// Whether `caller` is only called (`caller(...)`) or tested (`caller is
// defined`) in `e`: it is never stored, passed, printed or read an
// attribute of, so it cannot outlive the macro call (Stmt::caller_stays).
bool CallerStaysInCall(const Body& body);

bool CallerStaysInCall(const Expr* e) {
  if (e == nullptr) return true;
  if (e->kind == Expr::Kind::kName && e->name == "caller") return false;
  for (size_t i = 0; i < e->args.size(); ++i) {
    const Expr* a = e->args[i].get();
    if (i == 0 && a != nullptr && a->kind == Expr::Kind::kName &&
        a->name == "caller" &&
        (e->kind == Expr::Kind::kCall || e->kind == Expr::Kind::kTest)) {
      continue;  // tests are built-in ones: they keep nothing
    }
    if (!CallerStaysInCall(a)) return false;
  }
  for (const auto& kw : e->kwargs) {
    if (!CallerStaysInCall(kw.second.get())) return false;
  }
  return CallerStaysInCall(e->dyn_args.get()) &&
         CallerStaysInCall(e->dyn_kwargs.get());
}

bool CallerStaysInCall(const Body& body) {
  for (const StmtPtr& s : body) {
    switch (s->kind) {
      case Stmt::Kind::kBlock:
      case Stmt::Kind::kExtends:
      case Stmt::Kind::kInclude:
      case Stmt::Kind::kImport:
      case Stmt::Kind::kFromImport:
        return false;  // other templates' code may see the macro's names
      default:
        break;
    }
    if (!CallerStaysInCall(s->expr.get()) ||
        !CallerStaysInCall(s->cond.get())) {
      return false;
    }
    for (const ExprPtr& e : s->conds) {
      if (!CallerStaysInCall(e.get())) return false;
    }
    for (const ExprPtr& e : s->exprs) {
      if (!CallerStaysInCall(e.get())) return false;
    }
    for (const ExprPtr& e : s->defaults) {
      if (!CallerStaysInCall(e.get())) return false;
    }
    for (const Body& b : s->bodies) {
      if (!CallerStaysInCall(b)) return false;
    }
    if (!CallerStaysInCall(s->body) || !CallerStaysInCall(s->else_body)) {
      return false;
    }
  }
  return true;
}

class Parser {
 public:
  Parser(absl::string_view source, absl::string_view file,
         std::vector<Token> tokens)
      : source_(source), file_(file), tokens_(std::move(tokens)) {}

  absl::StatusOr<ParsedTemplate> Run() {
    ParsedTemplate out;
    blocks_ = &out.blocks;
    std::string end;
    if (!Subparse({}, &out.body, &end)) return error_;
    out.has_extends = has_extends_;
    return out;
  }

 private:
  // --- token helpers ---------------------------------------------------
  const Token& Cur() const { return tokens_[pos_]; }
  const Token& Peek(size_t n = 1) const {
    return tokens_[std::min(pos_ + n, tokens_.size() - 1)];
  }
  void Next() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool IsOp(absl::string_view op) const {
    return Cur().type == TokenType::kOperator && Cur().text == op;
  }
  bool IsName(absl::string_view name) const {
    return Cur().type == TokenType::kName && Cur().text == name;
  }
  bool SkipOp(absl::string_view op) {
    if (!IsOp(op)) return false;
    Next();
    return true;
  }
  bool SkipName(absl::string_view name) {
    if (!IsName(name)) return false;
    Next();
    return true;
  }
  static std::string Describe(const Token& t) {
    switch (t.type) {
      case TokenType::kEof: return "end of template";
      case TokenType::kBlockEnd: return "end of statement block";
      case TokenType::kVariableEnd: return "end of print statement";
      case TokenType::kBlockBegin: return "begin of statement block";
      case TokenType::kVariableBegin: return "begin of print statement";
      case TokenType::kData: return "template data";
      case TokenType::kString: return "string";
      default: return absl::StrCat("'", t.text, "'");
    }
  }
  bool Fail(const Token& t, absl::string_view message) {
    if (error_.ok()) {
      error_ = SourceError(source_, file_, t.line, t.col, message);
    }
    return false;
  }
  bool Fail(absl::string_view message) { return Fail(Cur(), message); }
  bool ExpectOp(absl::string_view op) {
    if (SkipOp(op)) return true;
    return Fail(absl::StrCat("expected '", op, "', got ", Describe(Cur())));
  }
  bool ExpectName(std::string* out) {
    if (Cur().type != TokenType::kName) {
      return Fail(absl::StrCat("expected a name, got ", Describe(Cur())));
    }
    *out = Cur().text;
    Next();
    return true;
  }
  bool ExpectBlockEnd() {
    if (Cur().type == TokenType::kBlockEnd) {
      Next();
      return true;
    }
    return Fail(absl::StrCat("expected end of statement block, got ",
                             Describe(Cur())));
  }
  ExprPtr NewExpr(Expr::Kind kind, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->col = at.col;
    return e;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p(p) { ++p->depth_; }
    ~DepthGuard() { --p->depth_; }
    bool TooDeep() {
      if (p->depth_ <= kMaxParseDepth) return false;
      p->Fail("template nesting too deep");
      return true;
    }
    Parser* p;
  };

  // --- statements ------------------------------------------------------
  // Parses until a block tag whose first name is in `end_names` (left
  // unconsumed except its `{%`, name in *end) or the end of template.
  bool Subparse(const std::vector<absl::string_view>& end_names, Body* body,
                std::string* end) {
    DepthGuard guard(this);
    if (guard.TooDeep()) return false;
    while (true) {
      const Token& t = Cur();
      switch (t.type) {
        case TokenType::kData: {
          auto s = std::make_unique<Stmt>();
          s->kind = Stmt::Kind::kData;
          s->line = t.line;
          s->col = t.col;
          s->text = t.text;
          body->push_back(std::move(s));
          Next();
          break;
        }
        case TokenType::kVariableBegin: {
          auto s = std::make_unique<Stmt>();
          s->kind = Stmt::Kind::kPrint;
          s->line = t.line;
          s->col = t.col;
          Next();
          s->expr = ParseTuple(true, false);
          if (!s->expr) return false;
          if (Cur().type != TokenType::kVariableEnd) {
            return Fail(absl::StrCat("expected end of print statement, got ",
                                     Describe(Cur())));
          }
          Next();
          body->push_back(std::move(s));
          break;
        }
        case TokenType::kBlockBegin: {
          const Token& name = Peek();
          if (name.type == TokenType::kName) {
            for (absl::string_view e : end_names) {
              if (name.text == e) {
                Next();
                *end = name.text;
                Next();
                return true;
              }
            }
          }
          Next();
          StmtPtr s = ParseStatement();
          if (!s) return false;
          body->push_back(std::move(s));
          break;
        }
        case TokenType::kEof:
          if (!end_names.empty()) {
            std::string names;
            for (absl::string_view e : end_names) {
              absl::StrAppend(&names, names.empty() ? "" : " or ", "'", e,
                              "'");
            }
            return Fail(absl::StrCat(
                "unexpected end of template; Jinja was looking for ", names));
          }
          return true;
        default:
          return Fail(absl::StrCat("unexpected ", Describe(t)));
      }
    }
  }

  StmtPtr NewStmt(Stmt::Kind kind, const Token& at) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->line = at.line;
    s->col = at.col;
    return s;
  }

  StmtPtr ParseStatement() {
    const Token at = Cur();
    if (at.type != TokenType::kName) {
      Fail("tag name expected");
      return nullptr;
    }
    const std::string& n = at.text;
    if (n == "if") return ParseIf();
    if (n == "for") return ParseFor();
    if (n == "set") return ParseSet();
    if (n == "block") return ParseBlock();
    if (n == "extends") return ParseExtends();
    if (n == "include") return ParseInclude();
    if (n == "import") return ParseImport();
    if (n == "from") return ParseFrom();
    if (n == "macro") return ParseMacro();
    if (n == "call") return ParseCallBlock();
    if (n == "filter") return ParseFilterBlock();
    if (n == "with") return ParseWith();
    if (n == "do") {
      Next();
      StmtPtr s = NewStmt(Stmt::Kind::kDo, at);
      s->expr = ParseTuple(true, false);
      if (!s->expr || !ExpectBlockEnd()) return nullptr;
      return s;
    }
    if (n == "break" || n == "continue") {
      if (loop_depth_ == 0) {
        Fail(absl::StrCat("'", n, "' outside of a loop"));
        return nullptr;
      }
      Next();
      StmtPtr s = NewStmt(
          n == "break" ? Stmt::Kind::kBreak : Stmt::Kind::kContinue, at);
      if (!ExpectBlockEnd()) return nullptr;
      return s;
    }
    static constexpr absl::string_view kEnds[] = {
        "endif", "endfor", "endblock", "endmacro", "endcall", "endfilter",
        "endset", "endwith", "else", "elif", "endraw"};
    for (absl::string_view e : kEnds) {
      if (n == e) {
        Fail(absl::StrCat("encountered unknown tag '", n,
                          "'. Jinja was looking for no tag here; the "
                          "innermost block that needs closing is not open"));
        return nullptr;
      }
    }
    Fail(absl::StrCat("encountered unknown tag '", n, "'"));
    return nullptr;
  }

  StmtPtr ParseIf() {
    StmtPtr s = NewStmt(Stmt::Kind::kIf, Cur());
    Next();
    while (true) {
      ExprPtr cond = ParseTuple(false, false);
      if (!cond || !ExpectBlockEnd()) return nullptr;
      s->conds.push_back(std::move(cond));
      s->bodies.emplace_back();
      std::string end;
      if (!Subparse({"elif", "else", "endif"}, &s->bodies.back(), &end)) {
        return nullptr;
      }
      if (end == "elif") continue;
      if (end == "else") {
        if (!ExpectBlockEnd()) return nullptr;
        s->bodies.emplace_back();
        if (!Subparse({"endif"}, &s->bodies.back(), &end)) return nullptr;
      }
      if (!ExpectBlockEnd()) return nullptr;
      return s;
    }
  }

  bool ParseAssignTargets(std::vector<std::string>* targets) {
    bool paren = SkipOp("(");
    do {
      std::string name;
      if (!ExpectName(&name)) return false;
      targets->push_back(std::move(name));
    } while (SkipOp(","));
    if (paren && !ExpectOp(")")) return false;
    return true;
  }

  StmtPtr ParseFor() {
    StmtPtr s = NewStmt(Stmt::Kind::kFor, Cur());
    Next();
    if (!ParseAssignTargets(&s->targets)) return nullptr;
    if (!SkipName("in")) {
      Fail(absl::StrCat("expected 'in', got ", Describe(Cur())));
      return nullptr;
    }
    s->expr = ParseTuple(false, true);
    if (!s->expr) return nullptr;
    if (SkipName("if")) {
      s->cond = ParseExpression(true);
      if (!s->cond) return nullptr;
    }
    s->flag = SkipName("recursive");
    if (!ExpectBlockEnd()) return nullptr;
    std::string end;
    ++loop_depth_;
    bool ok = Subparse({"endfor", "else"}, &s->body, &end);
    --loop_depth_;
    if (!ok) return nullptr;
    if (end == "else") {
      if (!ExpectBlockEnd()) return nullptr;
      int saved = loop_depth_;
      loop_depth_ = 0;
      ok = Subparse({"endfor"}, &s->else_body, &end);
      loop_depth_ = saved;
      if (!ok) return nullptr;
    }
    if (!ExpectBlockEnd()) return nullptr;
    return s;
  }

  StmtPtr ParseSet() {
    const Token at = Cur();
    Next();
    std::vector<std::string> targets;
    std::string attr;
    if (Cur().type == TokenType::kName && Peek().type == TokenType::kOperator &&
        Peek().text == ".") {
      targets.push_back(Cur().text);
      Next();
      Next();
      if (!ExpectName(&attr)) return nullptr;
    } else if (!ParseAssignTargets(&targets)) {
      return nullptr;
    }
    if (SkipOp("=")) {
      StmtPtr s = NewStmt(Stmt::Kind::kSet, at);
      s->targets = std::move(targets);
      s->text = attr;
      s->expr = ParseTuple(true, false);
      if (!s->expr || !ExpectBlockEnd()) return nullptr;
      return s;
    }
    if (targets.size() != 1 || !attr.empty()) {
      Fail("expected '='");
      return nullptr;
    }
    StmtPtr s = NewStmt(Stmt::Kind::kSetBlock, at);
    s->targets = std::move(targets);
    if (IsOp("|")) {
      s->cond = ParseFilterChain(nullptr);
      if (!s->cond) return nullptr;
    }
    if (!ExpectBlockEnd()) return nullptr;
    std::string end;
    if (!Subparse({"endset"}, &s->body, &end) || !ExpectBlockEnd()) {
      return nullptr;
    }
    return s;
  }

  StmtPtr ParseBlock() {
    StmtPtr s = NewStmt(Stmt::Kind::kBlock, Cur());
    Next();
    if (!ExpectName(&s->text)) return nullptr;
    if (blocks_->contains(s->text)) {
      Fail(absl::StrCat("block '", s->text, "' defined twice"));
      return nullptr;
    }
    while (Cur().type == TokenType::kName) {
      if (SkipName("scoped")) {
        s->flag = true;
      } else if (!SkipName("required")) {
        break;
      }
    }
    if (!ExpectBlockEnd()) return nullptr;
    std::string end;
    int saved = loop_depth_;
    loop_depth_ = 0;
    bool ok = Subparse({"endblock"}, &s->body, &end);
    loop_depth_ = saved;
    if (!ok) return nullptr;
    if (Cur().type == TokenType::kName) {
      if (Cur().text != s->text) {
        Fail(absl::StrCat("mismatching name for endblock: expected '",
                          s->text, "', got '", Cur().text, "'"));
        return nullptr;
      }
      Next();
    }
    if (!ExpectBlockEnd()) return nullptr;
    (*blocks_)[s->text] = s.get();
    return s;
  }

  StmtPtr ParseExtends() {
    StmtPtr s = NewStmt(Stmt::Kind::kExtends, Cur());
    Next();
    s->expr = ParseExpression(true);
    if (!s->expr || !ExpectBlockEnd()) return nullptr;
    has_extends_ = true;
    return s;
  }

  // [with context | without context]
  void ParseContextModifier(bool* with_context) {
    if ((IsName("with") || IsName("without")) &&
        Peek().type == TokenType::kName && Peek().text == "context") {
      *with_context = IsName("with");
      Next();
      Next();
    }
  }

  StmtPtr ParseInclude() {
    StmtPtr s = NewStmt(Stmt::Kind::kInclude, Cur());
    Next();
    s->expr = ParseExpression(true);
    if (!s->expr) return nullptr;
    if (IsName("ignore") && Peek().type == TokenType::kName &&
        Peek().text == "missing") {
      s->flag = true;
      Next();
      Next();
    }
    s->with_context = true;
    ParseContextModifier(&s->with_context);
    if (!ExpectBlockEnd()) return nullptr;
    return s;
  }

  StmtPtr ParseImport() {
    StmtPtr s = NewStmt(Stmt::Kind::kImport, Cur());
    Next();
    s->expr = ParseExpression(true);
    if (!s->expr) return nullptr;
    if (!SkipName("as")) {
      Fail(absl::StrCat("expected 'as', got ", Describe(Cur())));
      return nullptr;
    }
    if (!ExpectName(&s->text)) return nullptr;
    s->with_context = false;
    ParseContextModifier(&s->with_context);
    if (!ExpectBlockEnd()) return nullptr;
    return s;
  }

  StmtPtr ParseFrom() {
    StmtPtr s = NewStmt(Stmt::Kind::kFromImport, Cur());
    Next();
    s->expr = ParseExpression(true);
    if (!s->expr) return nullptr;
    if (!SkipName("import")) {
      Fail(absl::StrCat("expected 'import', got ", Describe(Cur())));
      return nullptr;
    }
    s->with_context = false;
    while (true) {
      if ((IsName("with") || IsName("without")) &&
          Peek().type == TokenType::kName && Peek().text == "context") {
        ParseContextModifier(&s->with_context);
        break;
      }
      std::string name, alias;
      if (!ExpectName(&name)) return nullptr;
      if (!name.empty() && name[0] == '_') {
        Fail("names starting with an underline can not be imported");
        return nullptr;
      }
      alias = name;
      if (SkipName("as") && !ExpectName(&alias)) return nullptr;
      s->names.emplace_back(name, alias);
      if (!SkipOp(",")) {
        ParseContextModifier(&s->with_context);
        break;
      }
    }
    if (!ExpectBlockEnd()) return nullptr;
    return s;
  }

  bool ParseSignature(Stmt* s) {
    if (!ExpectOp("(")) return false;
    while (!IsOp(")")) {
      if (!s->params.empty() && !ExpectOp(",")) return false;
      if (IsOp(")")) break;
      std::string name;
      if (!ExpectName(&name)) return false;
      s->params.push_back(name);
      if (SkipOp("=")) {
        ExprPtr d = ParseExpression(true);
        if (!d) return false;
        s->defaults.push_back(std::move(d));
      } else {
        if (!s->defaults.empty() && s->defaults.back()) {
          return Fail("non-default argument follows default argument");
        }
        s->defaults.push_back(nullptr);
      }
    }
    Next();
    return true;
  }

  StmtPtr ParseMacro() {
    StmtPtr s = NewStmt(Stmt::Kind::kMacro, Cur());
    Next();
    if (!ExpectName(&s->text) || !ParseSignature(s.get()) ||
        !ExpectBlockEnd()) {
      return nullptr;
    }
    std::string end;
    int saved = loop_depth_;
    loop_depth_ = 0;
    bool ok = Subparse({"endmacro"}, &s->body, &end);
    loop_depth_ = saved;
    if (!ok) return nullptr;
    if (Cur().type == TokenType::kName) Next();  // optional name
    if (!ExpectBlockEnd()) return nullptr;
    FindSpecialNames(s->body, s.get());
    s->caller_stays = !s->uses_kwargs && CallerStaysInCall(s->body);
    for (size_t i = 0; i < s->params.size() && s->caller_stays; ++i) {
      if (s->params[i] == "caller" || s->params[i] == "kwargs" ||
          !CallerStaysInCall(s->defaults[i].get())) {
        s->caller_stays = false;
      }
    }
    return s;
  }

  StmtPtr ParseCallBlock() {
    StmtPtr s = NewStmt(Stmt::Kind::kCallBlock, Cur());
    Next();
    if (IsOp("(")) {
      if (!ParseSignature(s.get())) return nullptr;
    }
    s->expr = ParseExpression(true);
    if (!s->expr) return nullptr;
    if (s->expr->kind != Expr::Kind::kCall) {
      Fail("expected call");
      return nullptr;
    }
    if (!ExpectBlockEnd()) return nullptr;
    std::string end;
    int saved = loop_depth_;
    loop_depth_ = 0;
    bool ok = Subparse({"endcall"}, &s->body, &end);
    loop_depth_ = saved;
    if (!ok || !ExpectBlockEnd()) return nullptr;
    FindSpecialNames(s->body, s.get());
    return s;
  }

  StmtPtr ParseFilterBlock() {
    StmtPtr s = NewStmt(Stmt::Kind::kFilterBlock, Cur());
    Next();
    s->expr = ParseFilterChain(nullptr, /*start_with_bar=*/false);
    if (!s->expr || !ExpectBlockEnd()) return nullptr;
    std::string end;
    if (!Subparse({"endfilter"}, &s->body, &end) || !ExpectBlockEnd()) {
      return nullptr;
    }
    return s;
  }

  StmtPtr ParseWith() {
    StmtPtr s = NewStmt(Stmt::Kind::kWith, Cur());
    Next();
    while (Cur().type != TokenType::kBlockEnd) {
      if (!s->targets.empty() && !ExpectOp(",")) return nullptr;
      std::string name;
      if (!ExpectName(&name) || !ExpectOp("=")) return nullptr;
      ExprPtr e = ParseExpression(true);
      if (!e) return nullptr;
      s->targets.push_back(name);
      s->exprs.push_back(std::move(e));
    }
    Next();
    std::string end;
    if (!Subparse({"endwith"}, &s->body, &end) || !ExpectBlockEnd()) {
      return nullptr;
    }
    return s;
  }

  // --- expressions -----------------------------------------------------
  // A comma-separated tuple, or a single expression.
  ExprPtr ParseTuple(bool with_condexpr, bool allow_empty_end) {
    const Token at = Cur();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) {
        if (!SkipOp(",")) break;
        is_tuple = true;
      }
      if (Cur().type == TokenType::kVariableEnd ||
          Cur().type == TokenType::kBlockEnd || IsOp(")") ||
          (allow_empty_end && IsName("if")) || IsName("recursive")) {
        if (items.empty()) {
          Fail(absl::StrCat("expected an expression, got ", Describe(Cur())));
          return nullptr;
        }
        break;
      }
      ExprPtr e = ParseExpression(with_condexpr);
      if (!e) return nullptr;
      items.push_back(std::move(e));
    }
    if (!is_tuple) return std::move(items[0]);
    ExprPtr t = NewExpr(Expr::Kind::kTuple, at);
    t->args = std::move(items);
    return t;
  }

  ExprPtr ParseExpression(bool with_condexpr) {
    DepthGuard guard(this);
    if (guard.TooDeep()) return nullptr;
    if (!with_condexpr) return ParseOr();
    const Token at = Cur();
    ExprPtr expr = ParseOr();
    if (!expr) return nullptr;
    while (IsName("if")) {
      Next();
      ExprPtr cond = ParseOr();
      if (!cond) return nullptr;
      ExprPtr other;
      if (SkipName("else")) {
        other = ParseExpression(true);
        if (!other) return nullptr;
      }
      ExprPtr c = NewExpr(Expr::Kind::kCondExpr, at);
      c->args.push_back(std::move(cond));
      c->args.push_back(std::move(expr));
      c->args.push_back(std::move(other));
      expr = std::move(c);
    }
    return expr;
  }

  ExprPtr Binary(ExprPtr left, absl::string_view op, ExprPtr right,
                 const Token& at) {
    ExprPtr b = NewExpr(Expr::Kind::kBinary, at);
    b->name = std::string(op);
    b->args.push_back(std::move(left));
    b->args.push_back(std::move(right));
    return b;
  }

  ExprPtr ParseOr() {
    ExprPtr left = ParseAnd();
    while (left && IsName("or")) {
      const Token at = Cur();
      Next();
      ExprPtr right = ParseAnd();
      if (!right) return nullptr;
      left = Binary(std::move(left), "or", std::move(right), at);
    }
    return left;
  }

  ExprPtr ParseAnd() {
    ExprPtr left = ParseNot();
    while (left && IsName("and")) {
      const Token at = Cur();
      Next();
      ExprPtr right = ParseNot();
      if (!right) return nullptr;
      left = Binary(std::move(left), "and", std::move(right), at);
    }
    return left;
  }

  ExprPtr ParseNot() {
    if (IsName("not")) {
      DepthGuard guard(this);
      if (guard.TooDeep()) return nullptr;
      ExprPtr n = NewExpr(Expr::Kind::kNot, Cur());
      Next();
      ExprPtr operand = ParseNot();
      if (!operand) return nullptr;
      n->args.push_back(std::move(operand));
      return n;
    }
    return ParseCompare();
  }

  ExprPtr ParseCompare() {
    const Token at = Cur();
    ExprPtr first = ParseMath1();
    if (!first) return nullptr;
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (Cur().type == TokenType::kOperator &&
          (Cur().text == "==" || Cur().text == "!=" || Cur().text == "<" ||
           Cur().text == "<=" || Cur().text == ">" || Cur().text == ">=")) {
        op = Cur().text;
        Next();
      } else if (IsName("in")) {
        op = "in";
        Next();
      } else if (IsName("not") && Peek().type == TokenType::kName &&
                 Peek().text == "in") {
        op = "notin";
        Next();
        Next();
      } else {
        break;
      }
      ExprPtr right = ParseMath1();
      if (!right) return nullptr;
      if (!cmp) {
        cmp = NewExpr(Expr::Kind::kCompare, at);
        cmp->args.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(std::move(right));
    }
    return cmp ? std::move(cmp) : std::move(first);
  }

  ExprPtr ParseMath1() {
    ExprPtr left = ParseConcat();
    while (left && (IsOp("+") || IsOp("-"))) {
      const Token at = Cur();
      Next();
      ExprPtr right = ParseConcat();
      if (!right) return nullptr;
      left = Binary(std::move(left), at.text, std::move(right), at);
    }
    return left;
  }

  ExprPtr ParseConcat() {
    ExprPtr left = ParseMath2();
    while (left && IsOp("~")) {
      const Token at = Cur();
      Next();
      ExprPtr right = ParseMath2();
      if (!right) return nullptr;
      left = Binary(std::move(left), "~", std::move(right), at);
    }
    return left;
  }

  ExprPtr ParseMath2() {
    ExprPtr left = ParsePow();
    while (left &&
           (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%"))) {
      const Token at = Cur();
      Next();
      ExprPtr right = ParsePow();
      if (!right) return nullptr;
      left = Binary(std::move(left), at.text, std::move(right), at);
    }
    return left;
  }

  ExprPtr ParsePow() {
    ExprPtr left = ParseUnary(true);
    while (left && IsOp("**")) {
      const Token at = Cur();
      Next();
      ExprPtr right = ParseUnary(true);
      if (!right) return nullptr;
      left = Binary(std::move(left), "**", std::move(right), at);
    }
    return left;
  }

  ExprPtr ParseUnary(bool with_filter) {
    DepthGuard guard(this);
    if (guard.TooDeep()) return nullptr;
    ExprPtr node;
    if (IsOp("-") || IsOp("+")) {
      node = NewExpr(IsOp("-") ? Expr::Kind::kNeg : Expr::Kind::kPos, Cur());
      Next();
      ExprPtr operand = ParseUnary(false);
      if (!operand) return nullptr;
      node->args.push_back(std::move(operand));
    } else {
      node = ParsePrimary();
    }
    if (!node) return nullptr;
    node = ParsePostfix(std::move(node));
    if (node && with_filter) node = ParseFilterExpr(std::move(node));
    return node;
  }

  ExprPtr ParsePrimary() {
    const Token at = Cur();
    switch (at.type) {
      case TokenType::kName: {
        Next();
        ExprPtr e = NewExpr(Expr::Kind::kLiteral, at);
        if (at.text == "true" || at.text == "True") {
          e->literal = Value(true);
        } else if (at.text == "false" || at.text == "False") {
          e->literal = Value(false);
        } else if (at.text == "none" || at.text == "None") {
          e->literal = Value::None();
        } else {
          e->kind = Expr::Kind::kName;
          e->name = at.text;
        }
        return e;
      }
      case TokenType::kString: {
        std::string s;
        while (Cur().type == TokenType::kString) {
          s += Cur().text;
          Next();
        }
        ExprPtr e = NewExpr(Expr::Kind::kLiteral, at);
        e->literal = Value(std::move(s));
        return e;
      }
      case TokenType::kInt: {
        Next();
        ExprPtr e = NewExpr(Expr::Kind::kLiteral, at);
        int64_t v;
        if (absl::SimpleAtoi(at.text, &v)) {
          e->literal = Value(v);
        } else {
          e->literal = Value(std::strtod(at.text.c_str(), nullptr));
        }
        return e;
      }
      case TokenType::kFloat: {
        Next();
        ExprPtr e = NewExpr(Expr::Kind::kLiteral, at);
        e->literal = Value(std::strtod(at.text.c_str(), nullptr));
        return e;
      }
      case TokenType::kOperator:
        if (at.text == "(") {
          Next();
          if (SkipOp(")")) {
            ExprPtr e = NewExpr(Expr::Kind::kTuple, at);
            return e;
          }
          ExprPtr e = ParseTuple(true, false);
          if (!e || !ExpectOp(")")) return nullptr;
          return e;
        }
        if (at.text == "[") {
          Next();
          ExprPtr e = NewExpr(Expr::Kind::kList, at);
          while (!IsOp("]")) {
            if (!e->args.empty() && !ExpectOp(",")) return nullptr;
            if (IsOp("]")) break;
            ExprPtr item = ParseExpression(true);
            if (!item) return nullptr;
            e->args.push_back(std::move(item));
          }
          Next();
          return e;
        }
        if (at.text == "{") {
          Next();
          ExprPtr e = NewExpr(Expr::Kind::kDict, at);
          while (!IsOp("}")) {
            if (!e->args.empty() && !ExpectOp(",")) return nullptr;
            if (IsOp("}")) break;
            ExprPtr key = ParseExpression(true);
            if (!key || !ExpectOp(":")) return nullptr;
            ExprPtr value = ParseExpression(true);
            if (!value) return nullptr;
            e->args.push_back(std::move(key));
            e->args.push_back(std::move(value));
          }
          Next();
          return e;
        }
        break;
      default:
        break;
    }
    Fail(absl::StrCat("unexpected ", Describe(at)));
    return nullptr;
  }

  ExprPtr ParsePostfix(ExprPtr node) {
    while (node) {
      if (IsOp(".") || IsOp("[")) {
        node = ParseSubscript(std::move(node));
      } else if (IsOp("(")) {
        node = ParseCall(std::move(node));
      } else {
        break;
      }
    }
    return node;
  }

  ExprPtr ParseFilterExpr(ExprPtr node) {
    while (node) {
      if (IsOp("|")) {
        node = ParseFilterChain(std::move(node));
      } else if (IsName("is")) {
        node = ParseTest(std::move(node));
      } else if (IsOp("(")) {
        node = ParseCall(std::move(node));
      } else {
        break;
      }
    }
    return node;
  }

  ExprPtr ParseSubscript(ExprPtr node) {
    DepthGuard guard(this);
    if (guard.TooDeep()) return nullptr;
    const Token at = Cur();
    if (SkipOp(".")) {
      ExprPtr e = NewExpr(Expr::Kind::kGetAttr, at);
      e->args.push_back(std::move(node));
      if (Cur().type == TokenType::kName) {
        e->name = Cur().text;
        Next();
        return e;
      }
      if (Cur().type == TokenType::kInt) {
        e->kind = Expr::Kind::kGetItem;
        ExprPtr key = NewExpr(Expr::Kind::kLiteral, Cur());
        int64_t v = 0;
        (void)absl::SimpleAtoi(Cur().text, &v);
        key->literal = Value(v);
        e->args.push_back(std::move(key));
        Next();
        return e;
      }
      Fail(absl::StrCat("expected name or number, got ", Describe(Cur())));
      return nullptr;
    }
    Next();  // [
    std::vector<ExprPtr> parts(3);
    bool is_slice = false;
    if (!IsOp(":")) {
      parts[0] = ParseExpression(true);
      if (!parts[0]) return nullptr;
    }
    if (SkipOp(":")) {
      is_slice = true;
      if (!IsOp("]") && !IsOp(":")) {
        parts[1] = ParseExpression(true);
        if (!parts[1]) return nullptr;
      }
      if (SkipOp(":") && !IsOp("]")) {
        parts[2] = ParseExpression(true);
        if (!parts[2]) return nullptr;
      }
    }
    if (!ExpectOp("]")) return nullptr;
    ExprPtr e = NewExpr(is_slice ? Expr::Kind::kSlice : Expr::Kind::kGetItem,
                        at);
    e->args.push_back(std::move(node));
    if (is_slice) {
      for (auto& p : parts) e->args.push_back(std::move(p));
    } else {
      e->args.push_back(std::move(parts[0]));
    }
    return e;
  }

  // Parses `( args )` into e->args (after existing) and e->kwargs.
  bool ParseCallArgs(Expr* e) {
    if (!ExpectOp("(")) return false;
    bool first = true;
    while (!IsOp(")")) {
      if (!first && !ExpectOp(",")) return false;
      first = false;
      if (IsOp(")")) break;
      if ((IsOp("*") && !e->dyn_args && !e->dyn_kwargs) ||
          (IsOp("**") && !e->dyn_kwargs)) {
        bool star2 = IsOp("**");
        Next();
        ExprPtr v = ParseExpression(true);
        if (!v) return false;
        (star2 ? e->dyn_kwargs : e->dyn_args) = std::move(v);
        continue;
      }
      if (e->dyn_kwargs) {
        return Fail("invalid syntax for function call expression");
      }
      if (Cur().type == TokenType::kName && Peek().type == TokenType::kOperator &&
          Peek().text == "=") {
        std::string key = Cur().text;
        Next();
        Next();
        ExprPtr v = ParseExpression(true);
        if (!v) return false;
        e->kwargs.emplace_back(std::move(key), std::move(v));
      } else {
        if (!e->kwargs.empty() || e->dyn_args) {
          return Fail("invalid syntax for function call expression");
        }
        ExprPtr v = ParseExpression(true);
        if (!v) return false;
        e->args.push_back(std::move(v));
      }
    }
    Next();
    return true;
  }

  ExprPtr ParseCall(ExprPtr node) {
    DepthGuard guard(this);
    if (guard.TooDeep()) return nullptr;
    ExprPtr e = NewExpr(Expr::Kind::kCall, Cur());
    e->args.push_back(std::move(node));
    if (!ParseCallArgs(e.get())) return nullptr;
    return e;
  }

  // `| name(args) | name ...`; `node` may be null (filter blocks).
  ExprPtr ParseFilterChain(ExprPtr node, bool start_with_bar = true) {
    bool first = true;
    while ((first && !start_with_bar) || IsOp("|")) {
      DepthGuard guard(this);
      if (guard.TooDeep()) return nullptr;
      if (!(first && !start_with_bar)) Next();
      first = false;
      const Token at = Cur();
      std::string name;
      if (!ExpectName(&name)) return nullptr;
      while (IsOp(".")) {
        Next();
        std::string part;
        if (!ExpectName(&part)) return nullptr;
        name += "." + part;
      }
      ExprPtr f = NewExpr(Expr::Kind::kFilter, at);
      f->name = std::move(name);
      f->args.push_back(std::move(node));
      if (IsOp("(") && !ParseCallArgs(f.get())) return nullptr;
      node = std::move(f);
    }
    return node;
  }

  ExprPtr ParseTest(ExprPtr node) {
    DepthGuard guard(this);
    if (guard.TooDeep()) return nullptr;
    const Token at = Cur();
    Next();  // is
    bool negated = SkipName("not");
    std::string name;
    if (!ExpectName(&name)) return nullptr;
    while (IsOp(".")) {
      Next();
      std::string part;
      if (!ExpectName(&part)) return nullptr;
      name += "." + part;
    }
    ExprPtr t = NewExpr(Expr::Kind::kTest, at);
    t->name = std::move(name);
    t->negated = negated;
    t->args.push_back(std::move(node));
    if (IsOp("(")) {
      if (!ParseCallArgs(t.get())) return nullptr;
    } else if ((Cur().type == TokenType::kName ||
                Cur().type == TokenType::kString ||
                Cur().type == TokenType::kInt ||
                Cur().type == TokenType::kFloat || IsOp("(") || IsOp("[") ||
                IsOp("{")) &&
               !IsName("else") && !IsName("or") && !IsName("and")) {
      if (IsName("is")) {
        Fail("You cannot chain multiple tests with is");
        return nullptr;
      }
      ExprPtr arg = ParsePrimary();
      if (arg) arg = ParsePostfix(std::move(arg));
      if (!arg) return nullptr;
      t->args.push_back(std::move(arg));
    }
    return t;
  }

  absl::string_view source_;
  absl::string_view file_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  bool has_extends_ = false;
  absl::flat_hash_map<std::string, const Stmt*>* blocks_ = nullptr;
  absl::Status error_;
};

}  // namespace

absl::StatusOr<ParsedTemplate> Parse(absl::string_view source,
                                     const LexOptions& options,
                                     absl::string_view file) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(source, options, file);
  if (!tokens.ok()) return tokens.status();
  return Parser(source, file, *std::move(tokens)).Run();
}

}  // namespace serval::tmpl
