#!/usr/bin/python3
"""Pygments' highlighting throughput on the same inputs as highlight_bench.

  /usr/bin/python3 tools/bench/highlight_bench_pygments.py src/highlight/testdata [RUNS]

Each DIR/<language>.sample is repeated to at least 1 MB and highlighted with
pygments.highlight(..., HtmlFormatter(nowrap=True)); prints the median MB/s
per language and overall (Debian python3-pygments).
"""
import os
import statistics
import sys
import time

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name


def main():
    directory = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    total_bytes = total_seconds = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".sample"):
            continue
        language = name[: -len(".sample")]
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            text = f.read()
        big = text * (1000000 // max(len(text.encode()), 1) + 1)
        size = len(big.encode())
        lexer = get_lexer_by_name(language)
        formatter = HtmlFormatter(nowrap=True)
        secs = []
        for _ in range(runs):
            start = time.perf_counter()
            highlight(big, lexer, formatter)
            secs.append(time.perf_counter() - start)
        s = statistics.median(secs)
        total_bytes += size
        total_seconds += s
        print("%-12s %8.2f MB/s" % (language, size / 1e6 / s))
    print("%-12s %8.2f MB/s" % ("all", total_bytes / 1e6 / total_seconds))


if __name__ == "__main__":
    main()
