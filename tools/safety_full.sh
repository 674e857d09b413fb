#!/usr/bin/env bash
# tools/safety_full.sh — the whole-build safety tests at large counts, on
# demand (CI runs them sampled; see docs/content/reliability.md):
#   //src/build:fault_build_test  every call index of every write-site
#                                 operation (SERVAL_FAULT_STRIDE=1) and a
#                                 crash at every call (SERVAL_CRASH_STRIDE=1)
#   //stress:build_process_stress 20 processes x 100 rounds
# Usage: tools/safety_full.sh [BAZEL FLAGS...]   e.g. --config=tsan
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bazel test "$@" //src/build:fault_build_test \
  --test_env=SERVAL_FAULT_STRIDE=1 --test_env=SERVAL_CRASH_STRIDE=1 \
  --test_timeout=3600 --test_output=all
bazel run "$@" //stress:build_process_stress -- --threads=20 --iterations=100
