#!/usr/bin/env python3
"""Save-to-reload latency of `serval serve` (a benchmark, not a test).

Generates a site with ../shared/bench/gen_site.py (or uses --site), starts
`serval serve` on it, listens on /__serval/events like a browser, then
RUNS times appends a sentence to one page's Markdown and measures the time
from the write to the `reload` event (watcher debounce + rebuild + event).
Prints each run, the median and the 90th percentile.

Usage:
  tools/bench/serve_latency.py [--pages 1000] [--runs 15]
      [--serval bazel-bin/src/cli/serval] [--site DIR]
"""
import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN_SITE = os.environ.get(
    "SERVAL_GEN_SITE", os.path.join(ROOT, "..", "shared", "bench", "gen_site.py"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Events:
    """Reads the SSE stream; records (monotonic time, event name)."""

    def __init__(self, port):
        self.events = []
        self.cond = threading.Condition()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", "/__serval/events")
        self.resp = conn.getresponse()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            line = self.resp.fp.readline()
            if not line:
                return
            line = line.decode("utf-8", "replace").strip()
            if line.startswith("event:"):
                with self.cond:
                    self.events.append((time.monotonic(), line[6:].strip()))
                    self.cond.notify_all()

    def wait_for(self, name, after, timeout=60):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, n in self.events:
                    if n == name and t >= after:
                        return t
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--serval", default=os.path.join(ROOT, "bazel-bin", "src", "cli", "serval"))
    ap.add_argument("--site")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="serval-serve-bench-")
    try:
        site = args.site
        if not site:
            site = os.path.join(work, "site")
            subprocess.run([sys.executable, GEN_SITE, site, "--pages", str(args.pages)],
                           check=True, stdout=subprocess.DEVNULL)
        page = None
        for dirpath, _, files in sorted(os.walk(os.path.join(site, "content"))):
            for f in sorted(files):
                if f.endswith(".md") and not f.startswith("_"):
                    page = os.path.join(dirpath, f)
                    break
            if page:
                break
        port = free_port()
        server = subprocess.Popen([args.serval, "serve", site, "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while True:  # the initial build runs before the port opens
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit("serve_latency: serval serve did not start")
                    time.sleep(0.05)
            events = Events(port)
            time.sleep(1.0)  # let the watcher settle
            latencies = []
            for i in range(args.runs):
                start = time.monotonic()
                with open(page, "a", encoding="utf-8") as f:
                    f.write("\nEdit number %d for the latency benchmark.\n" % i)
                t = events.wait_for("reload", start)
                if t is None:
                    sys.exit("serve_latency: no reload event within 60 s")
                latencies.append((t - start) * 1000)
                print("run %2d: %7.1f ms" % (i + 1, latencies[-1]))
                time.sleep(0.5)
            latencies.sort()
            p90 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.9))]
            print("save-to-reload over %d runs: median %.1f ms, p90 %.1f ms"
                  % (len(latencies), statistics.median(latencies), p90))
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
