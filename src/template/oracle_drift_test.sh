#!/usr/bin/env bash
# Re-renders every differential case with Jinja2 (the oracle) and fails if
# any committed .out file differs from what Jinja2 renders today.
set -euo pipefail
if ! /usr/bin/python3 -c 'import jinja2' 2>/dev/null; then
  echo "python3-jinja2 is not installed: run tools/setup.sh" >&2
  exit 1
fi
exec /usr/bin/python3 tools/template_oracle.py --check
