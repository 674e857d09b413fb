#!/usr/bin/python3
"""Differential check of Serval's lexers against Pygments.

For every sample src/highlight/testdata/<language>.sample this script
  1. tokenizes it with Pygments (Debian python3-pygments, /usr/bin/python3)
     and writes the dump to src/highlight/testdata/<language>.pygments
     (--regenerate), the oracle that //src/highlight:pygments_agreement_test
     checks against when Pygments is not at hand;
  2. tokenizes it with Serval (bazel-bin/src/highlight/dump_tokens, built by
     `bazel build //src/highlight:dump_tokens`) and prints, per language, the
     share of characters that get the same token type: over non-whitespace
     characters (what a reader sees styled) and over all characters.

Usage:
  bazel build //src/highlight:dump_tokens
  /usr/bin/python3 tools/highlight_diff.py [--regenerate] [--show-diffs N]

Dump format, one token per line: the Pygments token name without the
"Token." prefix, a tab, the text with backslash, newline and tab escaped.
"""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(ROOT, "src", "highlight", "testdata")


def escape(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def unescape(text):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def pygments_dump(language, text):
    from pygments.lexers import get_lexer_by_name
    lexer = get_lexer_by_name(language, stripnl=False, ensurenl=True)
    lines = []
    for ttype, value in lexer.get_tokens(text):
        if not value:
            continue
        name = str(ttype)
        name = name[len("Token."):] if name.startswith("Token.") else name
        lines.append("%s\t%s\n" % (name, escape(value)))
    return "".join(lines)


def parse_dump(dump):
    """Per-character token names (the text is rebuilt from the dump)."""
    chars, types = [], []
    for line in dump.splitlines():
        if not line:
            continue
        name, _, value = line.partition("\t")
        value = unescape(value)
        chars.append(value)
        types.extend([name] * len(value))
    return "".join(chars), types


def agreement(text, ours, theirs):
    same_all = same_vis = vis = 0
    n = min(len(ours), len(theirs))
    for i in range(n):
        eq = ours[i] == theirs[i]
        same_all += eq
        if not text[i].isspace():
            vis += 1
            same_vis += eq
    total = max(len(ours), len(theirs))
    return (100.0 * same_vis / max(vis, 1), 100.0 * same_all / max(total, 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regenerate", action="store_true",
                    help="rewrite the .pygments oracle dumps")
    ap.add_argument("--show-diffs", type=int, default=0,
                    help="print up to N differing tokens per language")
    ap.add_argument("--dump-tokens",
                    default=os.path.join(ROOT, "bazel-bin/src/highlight/dump_tokens"))
    args = ap.parse_args()
    samples = sorted(f for f in os.listdir(TESTDATA) if f.endswith(".sample"))
    worst = 100.0
    print("%-12s %8s %10s %8s" % ("language", "chars", "visible%", "all%"))
    for sample in samples:
        language = sample[: -len(".sample")]
        path = os.path.join(TESTDATA, sample)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if not text.endswith("\n"):
            text += "\n"
        oracle_path = os.path.join(TESTDATA, language + ".pygments")
        if args.regenerate:
            with open(oracle_path, "w", encoding="utf-8") as f:
                f.write(pygments_dump(language, text))
        with open(oracle_path, encoding="utf-8") as f:
            theirs_text, theirs = parse_dump(f.read())
        ours_dump = subprocess.run([args.dump_tokens, language, path], check=True,
                                   capture_output=True, text=True).stdout
        ours_text, ours = parse_dump(ours_dump)
        if ours_text != text or theirs_text != text:
            print("%s: token text does not rebuild the sample" % language,
                  file=sys.stderr)
            return 1
        vis, all_ = agreement(text, ours, theirs)
        worst = min(worst, vis)
        print("%-12s %8d %9.1f%% %7.1f%%" % (language, len(text), vis, all_))
        if args.show_diffs:
            shown, i = 0, 0
            while i < len(text) and shown < args.show_diffs:
                if ours[i] != theirs[i] and not text[i].isspace():
                    j = i
                    while j < len(text) and ours[j] != theirs[j]:
                        j += 1
                    print("    %r: ours %s, pygments %s" % (text[i:j], ours[i], theirs[i]))
                    shown += 1
                    i = j
                else:
                    i += 1
    print("lowest visible agreement: %.1f%%" % worst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
