#!/usr/bin/python3
"""Differential oracle for //src/template: renders test cases with Jinja2.

Test oracle only, never part of serval. Uses Debian's python3-jinja2
(run with /usr/bin/python3: a pyenv python3 on PATH may lack it).

A case file (src/template/testdata/differential/NAME.case) is a sequence of
sections, each starting with a header line:

    === template main.html      (the first template is the one rendered)
    === template base.html
    === context                 (JSON object; optional)
    === options                 (words: trim_blocks lstrip_blocks strict)

A section's text is everything up to the newline before the next header.
Jinja2 settings: autoescape=True, keep_trailing_newline=False (Jinja2's
default: one trailing newline of each template is dropped), Undefined, or
StrictUndefined with `strict`. The expected output is written to NAME.out;
when Jinja2 raises, NAME.out holds the single line "!ERROR".

    /usr/bin/python3 tools/template_oracle.py            # (re)write .out files
    /usr/bin/python3 tools/template_oracle.py --check    # fail on any drift
"""
import glob
import json
import os
import sys

import jinja2

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src",
                     "template", "testdata", "differential")


def parse_case(text):
    sections = []
    for chunk in ("\n" + text).split("\n=== ")[1:]:
        header, _, body = chunk.partition("\n")
        sections.append((header.strip(), body))
    templates, context, options, main = {}, {}, set(), None
    for header, body in sections:
        kind, _, arg = header.partition(" ")
        if kind == "template":
            templates[arg] = body
            main = main or arg
        elif kind == "context":
            context = json.loads(body) if body.strip() else {}
        elif kind == "options":
            options = set(body.split())
    return main, templates, context, options


def render(path):
    with open(path, encoding="utf-8") as f:
        main, templates, context, options = parse_case(f.read())
    env = jinja2.Environment(
        loader=jinja2.DictLoader(templates),
        autoescape=True,
        trim_blocks="trim_blocks" in options,
        lstrip_blocks="lstrip_blocks" in options,
        undefined=jinja2.StrictUndefined if "strict" in options
        else jinja2.Undefined,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
    )
    try:
        return env.get_template(main).render(context)
    except Exception:  # any Jinja2 error: the case expects an error
        return "!ERROR\n"


def main():
    check = "--check" in sys.argv
    drift = 0
    cases = sorted(glob.glob(os.path.join(CASES, "*.case")))
    for path in cases:
        out = render(path)
        expected_path = path[:-len(".case")] + ".out"
        if check:
            try:
                with open(expected_path, encoding="utf-8", newline="") as f:
                    if f.read() != out:
                        print("drift:", os.path.basename(path))
                        drift += 1
            except FileNotFoundError:
                print("missing:", os.path.basename(expected_path))
                drift += 1
        else:
            with open(expected_path, "w", encoding="utf-8", newline="") as f:
                f.write(out)
    print("%d passed, %d failed" % (len(cases) - drift, drift))
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
