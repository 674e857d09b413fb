#!/usr/bin/python3
"""Jinja2's render throughput on the same templates and data as template_bench.

  /usr/bin/python3 tools/bench/template_bench_jinja.py tools/bench/template_bench [RUNS]

Loads DIR/page.html (extends, include, import, macros, call blocks,
recursive loop, filters) with autoescape on, compiles it once, then renders
it with DIR/data.json for about a second per run; prints
"output_bytes N" (one render's size, which template_bench compares with its
own) and "median_renders_per_second N"; each run's figure goes to stderr
(Debian python3-jinja2).

TEMPLATE_BENCH_RENDERS=N renders exactly N times after the first render and
stops, like template_bench (for CPU time or callgrind instruction counts).
"""
import json
import os
import statistics
import sys
import time

import jinja2


def main():
    directory = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(directory),
                             autoescape=True,
                             extensions=["jinja2.ext.loopcontrols"])
    with open(os.path.join(directory, "data.json"), encoding="utf-8") as f:
        context = json.load(f)
    template = env.get_template("page.html")
    html = template.render(context)
    fixed = os.environ.get("TEMPLATE_BENCH_RENDERS")
    if fixed is not None:
        # A fixed count (for CPU time or instruction counts), no timing.
        for _ in range(int(fixed)):
            template.render(context)
        print("jinja2: %s renders, %d bytes each" % (fixed, len(html.encode("utf-8"))))
        return
    rates = []
    for _ in range(runs):
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < 1.0:
            template.render(context)
            n += 1
        rates.append(n / (time.perf_counter() - start))
        print("jinja2 run: %.0f renders/s" % rates[-1], file=sys.stderr)
    print("output_bytes %d" % len(html.encode("utf-8")))
    print("median_renders_per_second %.1f" % statistics.median(rates))


if __name__ == "__main__":
    main()
