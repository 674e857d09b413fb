#!/usr/bin/env bash
# tools/safety_full.sh — the whole-build safety tests at large counts, on
# demand (CI runs them sampled; see docs/content/reliability.md):
#   //src/build:fault_build_test   every call index of every write-site
#                                  operation (SERVAL_FAULT_STRIDE=1) and a
#                                  crash at every call (SERVAL_CRASH_STRIDE=1)
#                                  in every crash mode (process crash; power
#                                  loss dropping data and entries, data only,
#                                  entries only; batch and strict)
#   //stress:build_process_stress  20 processes x 100 rounds (with the lock)
#   //stress:serval_nolock_stress  20 real `serval build` processes x 100
#                                  rounds without the lock
#   //stress:serval_reader_stress  a reader during 100 rebuilds
#   //stress:serval_kill_stress    1,000 SIGKILLs of real builds
# Usage: tools/safety_full.sh [BAZEL FLAGS...]   e.g. --config=tsan
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bazel test "$@" //src/build:fault_build_test \
  --test_env=SERVAL_FAULT_STRIDE=1 --test_env=SERVAL_CRASH_STRIDE=1 \
  --test_timeout=3600 --test_output=all
bazel run "$@" //stress:build_process_stress -- --threads=20 --iterations=100
bazel run "$@" //stress:serval_nolock_stress -- --threads=20 --iterations=100
bazel run "$@" //stress:serval_reader_stress -- --iterations=100
bazel run "$@" //stress:serval_kill_stress -- --kills=1000
