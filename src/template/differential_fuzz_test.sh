#!/usr/bin/env bash
# Differential fuzzer: tools/template_fuzz_gen.py writes random templates
# with Jinja2's output, differential_fuzz_test renders them with Serval.
#
#   SERVAL_TEMPLATE_FUZZ_CASES  number of cases (default 2000)
#   SERVAL_TEMPLATE_FUZZ_SEED   seed (default 1: CI always runs the same set)
# e.g. bazel test //src/template:differential_fuzz_test \
#        --test_env=SERVAL_TEMPLATE_FUZZ_CASES=50000 --test_env=SERVAL_TEMPLATE_FUZZ_SEED=7
set -euo pipefail
if ! /usr/bin/python3 -c 'import jinja2' 2>/dev/null; then
  echo "python3-jinja2 is not installed: run tools/setup.sh" >&2
  exit 1
fi
cases="${TEST_TMPDIR:-/tmp}/template_fuzz_cases.jsonl"
/usr/bin/python3 tools/template_fuzz_gen.py \
  --seed "${SERVAL_TEMPLATE_FUZZ_SEED:-1}" \
  --count "${SERVAL_TEMPLATE_FUZZ_CASES:-2000}" --out "$cases"
exec src/template/differential_fuzz_runner "$cases"
