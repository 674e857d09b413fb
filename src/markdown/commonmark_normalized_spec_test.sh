#!/usr/bin/env bash
# commonmark_normalized_spec_test MD2HTML SPEC RUNNER_FILES...
# Runs the CommonMark spec runner (with the spec's HTML normalization) on
# serval_md2html --commonmark and requires every example to pass.
set -euo pipefail
md2html=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
spec=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
shift 2
runner=""
for f in "$@"; do
  case "$f" in */spec_tests.py) runner=$(cd "$(dirname "$f")" && pwd)/spec_tests.py ;; esac
done
[ -n "$runner" ] || { echo "spec_tests.py not among the runner files" >&2; exit 1; }
cd "$(dirname "$runner")"
out=$(python3 spec_tests.py --spec "$spec" --program "$md2html --commonmark" 2>&1) || true
summary=$(printf '%s\n' "$out" | tail -n 1)
echo "CommonMark spec (normalized): $summary"
case "$summary" in
  *" passed, 0 failed, 0 errored"*) exit 0 ;;
  *) printf '%s\n' "$out" | grep -E '^Example [0-9]+' | head -n 200 >&2 || true
     exit 1 ;;
esac
