#!/usr/bin/python3
"""Differential fuzzer, Python half: random templates rendered by Jinja2.

Test oracle only, never part of serval (run with /usr/bin/python3, which
has Debian's python3-jinja2). Generates COUNT random templates within the
grammar Serval supports, each with a random context, renders each with
Jinja2 (autoescape on, the same settings as tools/template_oracle.py) and
writes one JSON object per line:

    {"name": "fuzz-1-17", "template": "...", "context": {...},
     "options": ["trim_blocks"], "expected": "..."}     (or "error": true)

src/template/differential_fuzz_test.cc renders every case with Serval and
compares byte for byte. The same seed always gives the same cases.

    /usr/bin/python3 tools/template_fuzz_gen.py --seed 1 --count 2000 --out F
"""
import argparse
import json
import random

import jinja2

# Templates every case may extend, include or import.
PARTIALS = {
    "base.html": "<{% block head %}H{% endblock %}|{% block body %}B{% endblock %}>",
    "mid.html": "{% extends 'base.html' %}{% block body %}m[{{ super() }}]{% endblock %}",
    "part.html": "(p{{ n|default('-') }})",
    "macros.html": "{% macro tag(x, cls='c') %}<i class=\"{{ cls }}\">{{ x }}</i>{% endmacro %}"
                   "{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% set answer = 42 %}",
}

STRINGS = ["", "a", "Hello World", "<b>&'\"", "  pad  ", "x-y_z", "caf\u00e9", "A b C",
           "one two three four", "42", "3.5", "%s!", "{}", "line\nbreak", "MiXeD"]
NAMES_INT = ["n", "m"]
NAMES_STR = ["s", "t"]
NAMES_LIST = ["xs", "words"]
NAMES_DICT = ["d"]
FILTERS_STR = ["upper", "lower", "title", "capitalize", "trim", "length", "reverse",
               "e", "safe", "striptags", "wordcount", "string", "list", "first", "last",
               "center(9)", "replace('a', '-')",
               "default('dflt')", "urlencode", "indent(2)", "indent(2, true)", "tojson",
               "wordwrap(6)", "format", "int", "float", "count", "forceescape"]
FILTERS_NUM = ["abs", "int", "float", "round", "round(1)", "string", "filesizeformat",
               "default(0)", "e", "tojson"]
FILTERS_LIST = ["length", "first", "last", "sort", "reverse", "list", "unique", "join",
                "join(', ')", "min", "max", "sum", "batch(2)", "slice(2)", "tojson",
                "map('string')", "select('odd')", "reject('even')", "sort(reverse=true)",
                "join('|')", "count"]
TESTS = ["defined", "undefined", "none", "number", "string", "sequence", "mapping",
         "iterable", "odd", "even", "divisibleby(3)", "eq 3", "lower", "upper",
         "in [1, 2, 3]", "true", "false", "boolean", "integer", "float", "escaped",
         "callable"]
# Filters that return a Python iterator in Jinja2; the fuzzer lists them.
GENERATOR_FILTERS = {"slice", "batch", "map", "select", "reject", "unique", "reverse"}
METHODS_STR = ["upper()", "lower()", "strip()", "title()", "split()", "split('a')",
               "startswith('a')", "endswith('e')", "replace('o', '0')", "count('a')",
               "find('l')", "capitalize()", "isdigit()", "lstrip()", "rstrip()"]


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.depth = 0
        self.loop_vars = []
        self.in_loop = 0
        self.macros = []

    def choice(self, xs):
        return self.r.choice(xs)

    def lit(self):
        k = self.r.randrange(7)
        if k == 0:
            return str(self.r.randrange(-5, 20))
        if k == 1:
            return repr(self.choice(STRINGS)).replace("\\n", "\\n")
        if k == 2:
            return self.choice(["true", "false", "none"])
        if k == 3:
            return self.choice(["1.5", "0.25", "2.0", "-0.5", "10.0"])
        if k == 4:
            return "[" + ", ".join(str(self.r.randrange(10)) for _ in range(self.r.randrange(4))) + "]"
        if k == 5:
            return "{'a': %d, 'b': %s}" % (self.r.randrange(9), repr(self.choice(STRINGS)))
        return "(%d, %s)" % (self.r.randrange(9), repr(self.choice(STRINGS)))

    def var(self):
        names = NAMES_INT + NAMES_STR + NAMES_LIST + NAMES_DICT + self.loop_vars + ["missing"]
        v = self.choice(names)
        k = self.r.randrange(8)
        if k == 0 and v in NAMES_DICT:
            return v + "." + self.choice(["a", "b", "zz"])
        if k == 1 and v in NAMES_DICT:
            return v + "[" + repr(self.choice(["a", "b", "c"])) + "]"
        if k == 2 and v in NAMES_LIST + NAMES_STR:
            return v + "[" + str(self.r.randrange(-2, 3)) + "]"
        if k == 3 and v in NAMES_LIST + NAMES_STR:
            a, b = self.r.randrange(-3, 4), self.r.randrange(-3, 4)
            step = self.choice(["", ":2", ":-1"])
            return "%s[%s:%s%s]" % (v, self.choice([str(a), ""]), self.choice([str(b), ""]), step)
        if k == 4 and v in NAMES_STR:
            return v + "." + self.choice(METHODS_STR)
        if k == 5 and v in NAMES_DICT:
            return v + "." + self.choice(["items()|list", "keys()|list", "values()|list", "get('a')",
                                          "get('q', 7)"])
        if k == 6 and self.in_loop:
            return "loop." + self.choice(["index", "index0", "revindex", "revindex0", "first",
                                          "last", "length", "cycle('x', 'y')", "depth",
                                          "previtem", "nextitem"])
        return v

    def filt(self, expr):
        f = self.choice(FILTERS_STR + FILTERS_NUM + FILTERS_LIST)
        if f == "format":
            return "%s|format(%s)" % (repr(self.choice(["%s", "<%s>", "%d", "x"])), expr)
        if f.split("(")[0] in GENERATOR_FILTERS:
            f += "|list"  # a Python generator prints as <generator object>
        return "%s|%s" % (expr, f)

    def expr(self):
        self.depth += 1
        try:
            if self.depth > 3:
                return self.choice([self.lit, self.var])()
            k = self.r.randrange(14)
            if k < 3:
                return self.var()
            if k < 5:
                return self.lit()
            if k < 7:
                return self.filt(self.atom())
            if k == 7:
                return "%s %s %s" % (self.atom(), self.choice(["+", "-", "*", "//", "%", "~", "~", "/"]), self.atom())
            if k == 8:
                return "%s %s %s" % (self.atom(), self.choice(["==", "!=", "<", ">=", "in", "not in"]), self.atom())
            if k == 9:
                return "%s %s %s" % (self.atom(), self.choice(["and", "or"]), self.atom())
            if k == 10:
                return "%s is %s%s" % (self.atom(), self.choice(["", "not "]), self.choice(TESTS))
            if k == 11:
                return "%s if %s else %s" % (self.atom(), self.atom(), self.atom())
            if k == 12:
                return "not " + self.atom()
            if self.macros:
                return self.macro_call()
            return self.var()
        finally:
            self.depth -= 1

    def macro_call(self):
        # Macros take (p, q=...): too many arguments, or an unknown keyword,
        # fail in Jinja2 unless the body reads varargs / kwargs.
        args = self.choice([
            "%s", "", "%s, %s", "%s, %s, %s", "%s, q=%s", "%s, z=%s", "p=%s", "%s, p=%s"])
        args = args % tuple(self.atom() for _ in range(args.count("%s")))
        return "%s(%s)" % (self.choice(self.macros), args)

    def atom(self):
        e = self.expr()
        return e if self.r.random() < 0.3 or e.isidentifier() else "(" + e + ")"

    def ws(self, open_tag):
        c = self.r.random()
        if c < 0.15:
            return open_tag + "-"
        if c < 0.2 and open_tag == "{%":
            return open_tag + "+"
        return open_tag

    def wsr(self, close_tag):
        return ("-" + close_tag) if self.r.random() < 0.15 else close_tag

    def tag(self, body):
        return "%s %s %s" % (self.ws("{%"), body, self.wsr("%}"))

    def text(self):
        return self.choice(["", " ", "\n", "  x\n", "<p>", " | ", "\n  ", "t"])

    def stmts(self, n):
        return "".join(self.stmt() for _ in range(n))

    def stmt(self):
        self.depth += 1
        try:
            k = self.r.randrange(16) if self.depth < 3 else self.r.randrange(3)
            if k == 0:
                return self.text()
            if k in (1, 2):
                return "%s %s %s" % (self.ws("{{"), self.expr(), self.wsr("}}")) + self.text()
            if k == 3:
                out = self.tag("if " + self.expr()) + self.stmts(2)
                if self.r.random() < 0.5:
                    out += self.tag("elif " + self.expr()) + self.stmts(1)
                if self.r.random() < 0.5:
                    out += self.tag("else") + self.stmts(1)
                return out + self.tag("endif")
            if k in (4, 5):
                v = self.choice(["i", "j", "w"])
                src = self.choice(NAMES_LIST + NAMES_STR + ["range(%d)" % self.r.randrange(5),
                                   "d", "d.items()", "xs|sort", "words|reverse"])
                target = "k, val" if src == "d.items()" else v
                cond = (" if " + self.expr()) if self.r.random() < 0.2 else ""
                self.loop_vars.append(target.split(",")[0])
                self.in_loop += 1
                body = self.stmts(2)
                if self.r.random() < 0.15:
                    body += self.tag(self.choice(["break", "continue"]))
                self.in_loop -= 1
                self.loop_vars.pop()
                out = self.tag("for %s in %s%s" % (target, src, cond)) + body
                if self.r.random() < 0.3:
                    out += self.tag("else") + self.stmts(1)
                return out + self.tag("endfor")
            if k == 6:
                # Never a context name: Jinja2 then treats the name as a
                # template variable everywhere, undefined before the set.
                name = self.choice(["x", "y"])
                self.loop_vars.append(name)
                return self.tag("set %s = %s" % (name, self.expr()))
            if k == 7:
                name = self.choice(["blk", "y"])
                self.loop_vars.append(name)
                return self.tag("set %s" % name) + self.stmts(2) + self.tag("endset")
            if k == 8:
                out = self.tag("with a = %s" % self.expr())
                self.loop_vars.append("a")
                out += self.stmts(2)
                self.loop_vars.pop()
                return out + self.tag("endwith")
            if k == 9:
                name = "mac%d" % len(self.macros)
                self.loop_vars.append("p")
                body = self.stmts(2)
                # A macro gets varargs / kwargs / caller only if it reads them.
                if self.r.random() < 0.2:
                    body += "{{ varargs }}"
                if self.r.random() < 0.2:
                    body += "{{ kwargs }}"
                if self.r.random() < 0.2:
                    body += "{% if caller is defined %}[{{ caller() }}]{% endif %}"
                self.loop_vars.pop()
                self.macros.append(name)
                return self.tag("macro %s(p, q=%s)" % (name, self.lit())) + body + self.tag("endmacro")
            if k == 10:
                return self.tag("filter " + self.choice(["upper", "trim", "e", "title", "striptags"])) + \
                    self.stmts(2) + self.tag("endfilter")
            if k == 11:
                return self.tag("set ns = namespace(c=0)") + self.tag("for i in xs") + \
                    self.tag("set ns.c = ns.c + %s" % self.choice(["i", "1", "loop.index"])) + \
                    self.tag("endfor") + "{{ ns.c }}"
            if k == 12:
                return self.choice([
                    "{% include 'part.html' %}",
                    "{% include ['nope.html', 'part.html'] %}",
                    "{% include 'nope.html' ignore missing %}",
                ])
            if k == 13:
                return self.choice([
                    "{%% import 'macros.html' as mod %%}{{ mod.tag(%s) }}{{ mod.answer }}" % self.expr(),
                    "{%% from 'macros.html' import tag %%}{{ tag(%s, cls=%s) }}" % (self.expr(), self.lit()),
                    "{% from 'macros.html' import wrap %}{% call wrap() %}" + self.stmts(1) + "{% endcall %}",
                ])
            if k == 14:
                if self.macros and self.r.random() < 0.5:
                    # a caller for a macro that may not read it
                    return "{%% call %s %%}%s{%% endcall %%}" % (self.macro_call(), self.stmts(1))
                return "{# %s #}" % self.choice(["c", "{{ x }}", "-"])
            return "{% raw %}{{ " + self.choice(["x", "y }}", "%}"]) + " }}{% endraw %}"
        finally:
            self.depth -= 1

    def template(self):
        if self.r.random() < 0.1:
            parent = self.choice(["base.html", "mid.html"])
            blocks = ""
            for b in self.r.sample(["head", "body"], self.r.randrange(1, 3)):
                sup = "{{ super() }}" if self.r.random() < 0.5 else ""
                blocks += "{%% block %s %%}%s%s{%% endblock %%}" % (b, sup, self.stmts(2))
            return "{%% extends '%s' %%}%s" % (parent, blocks)
        return self.stmts(self.r.randrange(1, 6))

    def context(self):
        return {
            "n": self.r.randrange(-5, 30),
            "m": self.choice([0, 1, 7, 100, 1024, 123456]),
            "s": self.choice(STRINGS),
            "t": self.choice(STRINGS),
            "xs": [self.r.randrange(10) for _ in range(self.r.randrange(5))],
            "words": self.r.sample(["b", "A", "c", "a", "<d>", "e e"], self.r.randrange(4)),
            "d": {"a": self.r.randrange(5), "b": self.choice(STRINGS), "c": [1, 2]},
        }


def render(templates, main, context, options):
    env = jinja2.Environment(
        loader=jinja2.DictLoader(templates), autoescape=True,
        trim_blocks="trim_blocks" in options, lstrip_blocks="lstrip_blocks" in options,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    try:
        return env.get_template(main).render(context), False
    except Exception:  # any Jinja2 error: Serval must fail too
        return None, True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    errors = 0
    with open(args.out, "w", encoding="utf-8") as f:
        for i in range(args.count):
            g = Gen(rng)
            template = g.template()
            context = g.context()
            options = [o for o in ("trim_blocks", "lstrip_blocks") if rng.random() < 0.2]
            templates = dict(PARTIALS, **{"main.html": template})
            expected, error = render(templates, "main.html", context, options)
            errors += error
            case = {"name": "fuzz-%d-%d" % (args.seed, i), "template": template,
                    "context": context, "options": options, "partials": PARTIALS}
            if error:
                case["error"] = True
            else:
                case["expected"] = expected
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    print("template_fuzz_gen: seed %d, %d cases (%d where Jinja2 raises)" %
          (args.seed, args.count, errors))


if __name__ == "__main__":
    main()
