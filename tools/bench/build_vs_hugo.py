#!/usr/bin/env python3
"""Build benchmark: Serval against Hugo on the same generated sites.

For each size, generates a site with ../shared/bench/gen_site.py (content,
serval.toml + templates/ for Serval, hugo.toml + layouts/ for Hugo), then
runs clean builds of both, alternating, RUNS times each, and prints the
median wall time, the ratio and the median peak RSS of each.

Beside them it times `cp -r` of Serval's output tree into a new directory:
what merely creating those directories and files costs on this filesystem
(no fsync, no rendering), the floor under any generator's clean build. On
the ext4 of these sandboxes it is several seconds for 10,000 pages, and
over a tenth of Hugo's time; `--workdir /dev/shm` shows the same builds on
tmpfs.

Then, unless --no-incremental, times Serval's rebuilds from its .serval/
state (no change at all, then one page body edited before each run, then
templates/term.html edited before each run, checking by `--explain` that
exactly the term pages were re-rendered) and Hugo's rebuild into its
existing output, and prints their medians.

Usage:
  tools/bench/build_vs_hugo.py [--pages 1000 10000] [--runs 5]
      [--serval bazel-bin/src/cli/serval] [--jobs N] [--no-incremental]
      [--workdir DIR]

Needs Debian's `hugo` and `time` packages (GNU time measures peak RSS).
A benchmark, not a test: run it on a quiet machine and read the medians.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN_SITE = os.environ.get(
    "SERVAL_GEN_SITE", os.path.join(ROOT, "..", "shared", "bench", "gen_site.py"))


def timed(cmd, cwd=None, output=None):
    """Runs cmd under GNU time; returns (seconds, peak RSS in MiB).

    With output (a list), its standard output and error are appended to it.
    """
    with tempfile.NamedTemporaryFile("r") as report:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", report.name] + cmd,
                              cwd=cwd, stderr=subprocess.PIPE, text=True,
                              stdout=subprocess.DEVNULL if output is None else subprocess.PIPE)
        if proc.returncode != 0:
            sys.exit("benchmark: %s failed (%d):\n%s" % (" ".join(cmd), proc.returncode,
                                                       proc.stderr[-2000:]))
        if output is not None:
            output.append(proc.stdout + proc.stderr)
        seconds, kib = report.read().split()
        return float(seconds), int(kib) / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--serval", default=os.path.join(ROOT, "bazel-bin", "src", "cli", "serval"))
    ap.add_argument("--hugo", default=shutil.which("hugo") or "hugo")
    ap.add_argument("--jobs", type=int, default=0, help="serval --jobs (0: default)")
    ap.add_argument("--keep", action="store_true", help="keep the generated sites")
    ap.add_argument("--workdir", default=None,
                    help="where sites and outputs are made (default: the temp dir)")
    ap.add_argument("--no-incremental", dest="incremental", action="store_false",
                    help="skip the rebuild measurements")
    args = ap.parse_args()
    for tool in (args.serval, args.hugo, "/usr/bin/time", GEN_SITE):
        if not os.path.exists(tool) and not shutil.which(tool):
            sys.exit("benchmark: %s not found (apt-get install hugo time; "
                     "bazel build -c opt //:serval)" % tool)

    rows = []
    incremental_rows = []
    for pages in args.pages:
        work = tempfile.mkdtemp(prefix="serval-bench-%d-" % pages, dir=args.workdir)
        site = os.path.join(work, "site")
        subprocess.run([sys.executable, GEN_SITE, site, "--pages", str(pages)], check=True)
        serval_out, hugo_out = os.path.join(work, "serval-out"), os.path.join(work, "hugo-out")
        serval_cmd = [args.serval, "build", site, "-o", serval_out, "--clean", "--quiet"]
        if args.jobs:
            serval_cmd += ["--jobs", str(args.jobs)]
        hugo_cmd = [args.hugo, "--source", site, "--destination", hugo_out, "--quiet",
                    "--config", os.path.join(site, "hugo.toml")]
        floor_out = os.path.join(work, "copy-out")
        times = {"serval": [], "hugo": [], "copy": []}
        rss = {"serval": [], "hugo": [], "copy": []}
        for _ in range(args.runs):
            for name, cmd, out in (("hugo", hugo_cmd, hugo_out), ("serval", serval_cmd, serval_out),
                                   ("copy", ["cp", "-r", serval_out, floor_out], floor_out)):
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(os.path.join(site, "resources"), ignore_errors=True)
                seconds, mib = timed(cmd)
                times[name].append(seconds)
                rss[name].append(mib)
        shutil.rmtree(floor_out, ignore_errors=True)
        if args.incremental:
            incremental_rows.append((pages,) + rebuilds(args, site, serval_cmd, hugo_cmd))
        s_t, h_t = statistics.median(times["serval"]), statistics.median(times["hugo"])
        s_m, h_m = statistics.median(rss["serval"]), statistics.median(rss["hugo"])
        rows.append((pages, s_t, h_t, h_t / s_t if s_t else float("inf"), s_m, h_m,
                     statistics.median(times["copy"])))
        if not args.keep:
            shutil.rmtree(work)
        else:
            print("kept", work)

    print("| pages | serval s | hugo s | speed-up | serval MiB | hugo MiB | memory ratio "
          "| cp -r of output s | hugo s / cp s |")
    print("|------:|---------:|-------:|---------:|-----------:|---------:|-------------:"
          "|------------------:|--------------:|")
    for pages, s_t, h_t, ratio, s_m, h_m, c_t in rows:
        print("| %d | %.3f | %.3f | %.1fx | %.0f | %.0f | %.2f | %.3f | %.1fx |"
              % (pages, s_t, h_t, ratio, s_m, h_m, s_m / h_m if h_m else 0, c_t,
                 h_t / c_t if c_t else float("inf")))
    print("(medians of %d alternating clean builds each; the last two columns: copying "
          "Serval's output tree, the most any generator could beat Hugo by here)" % args.runs)
    if incremental_rows:
        print()
        print("| pages | serval no-op s | serval one edit s | serval term.html edit s "
              "| pages it re-rendered | hugo rebuild s |")
        print("|------:|---------------:|------------------:|------------------------:"
              "|---------------------:|---------------:|")
        for pages, noop, edit, hugo, template, rendered, terms in incremental_rows:
            print("| %d | %.3f | %.3f | %.3f | %d (the %d term pages) | %.3f |"
                  % (pages, noop, edit, template, rendered, terms, hugo))
        print("(medians of %d runs each; Serval incremental from .serval/, Hugo "
              "rebuilding into its existing output; a term.html edit must re-render "
              "exactly the pages that use it, checked by --explain)" % args.runs)


def rebuilds(args, site, serval_cmd, hugo_cmd):
    """Medians of Serval's no-op and one-body-edit rebuilds, and Hugo's rebuild."""
    incremental = [c for c in serval_cmd if c != "--clean"]
    timed(incremental)
    # Inputs changed less than 2 s before a build are not trusted by the
    # next one (git's racy rule): let the generated files age, then let one
    # build record a snapshot that the timed no-op builds can trust.
    time.sleep(2.2)
    timed(incremental)
    noop, edit, hugo = [], [], []
    page = None
    for root, _, files in os.walk(os.path.join(site, "content")):
        for name in sorted(files):
            if name.endswith(".md") and not name.startswith("_"):
                page = os.path.join(root, name)
                break
        if page:
            break
    for i in range(args.runs):
        noop.append(timed(incremental)[0])
        hugo.append(timed(hugo_cmd)[0])
    for i in range(args.runs):
        with open(page, "a") as f:
            f.write("\nOne more sentence, edit %d.\n" % i)
        edit.append(timed(incremental)[0])
    return (statistics.median(noop), statistics.median(edit), statistics.median(hugo)) + \
        template_edits(args, site, incremental)


def template_edits(args, site, incremental):
    """Edits templates/term.html (which only the taxonomy term pages use)
    before each of RUNS rebuilds; returns (median seconds, re-rendered pages,
    term pages). Exits if a rebuild re-rendered a page that does not use the
    template, or missed one that does, by `--explain` and the output tree."""
    template = os.path.join(site, "templates", "term.html")
    out = incremental[incremental.index("-o") + 1]
    terms = sorted(
        os.path.relpath(root, out) for taxonomy in ("tags", "categories")
        for root, _, files in os.walk(os.path.join(out, taxonomy))
        if "index.html" in files and os.path.dirname(os.path.relpath(root, out)) == taxonomy)
    explain = [c for c in incremental if c != "--quiet"] + ["--explain"]
    seconds, rendered = [], None
    for i in range(args.runs):
        with open(template) as f:
            text = f.read()
        marker = "{% block content %}"
        if marker not in text:
            sys.exit("benchmark: %s has no %s to edit after" % (template, marker))
        with open(template, "w") as f:
            f.write(text.replace(marker, marker + "<!-- template edit %d -->" % i, 1))
        output = []
        seconds.append(timed(explain, output=output)[0])
        reasons = {}
        for line in output[0].splitlines():
            url, sep, reason = line.partition(": ")
            if sep and url.startswith("/") and " " not in url:
                reasons[url.strip("/")] = reason
        wrong = sorted(u for u, r in reasons.items() if "templates/term.html" not in r)
        missed = sorted(set(terms) - set(reasons))
        if wrong or missed or len(reasons) != len(terms):
            sys.exit("benchmark: the term.html edit re-rendered %d pages for %d term pages; "
                     "not for the template: %s; missed: %s"
                     % (len(reasons), len(terms), wrong[:5], missed[:5]))
        rendered = len(reasons)
    return statistics.median(seconds), rendered, len(terms)


if __name__ == "__main__":
    main()
