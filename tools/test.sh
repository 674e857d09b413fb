#!/usr/bin/env bash
# tools/test.sh — set up, then run the whole test suite under every config:
#
#   default  clang -c opt           bazel test //...
#   asan     ASan + UBSan           bazel test --config=asan //...
#   tsan     ThreadSanitizer        bazel test --config=tsan //...
#   fuzz     libFuzzer builds       bazel test --config=fuzz //fuzz/...
#
# Every config runs the unit tests, the stress binaries and the replay of
# every fuzz corpus (<fuzzer>_regression). Prints one line per test target
# that did not pass, then a closing line "N passed, N failed" counted over
# (config, test target) pairs from Bazel's results. Exits non-zero if any
# test failed, timed out or did not build.
#
# Usage: tools/test.sh [CONFIG...]     (default: default asan tsan fuzz)
# Extra Bazel flags: SERVAL_BAZEL_FLAGS="--jobs=2" tools/test.sh
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash tools/setup.sh || exit 1

configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(default asan tsan fuzz)

passed=0
failed=0
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/serval-test.XXXXXX")
for config in "${configs[@]}"; do
  case "$config" in
    default) flags=(); targets=(//...) ;;
    asan|tsan) flags=(--config="$config"); targets=(//...) ;;
    fuzz) flags=(--config=fuzz); targets=(//fuzz/...) ;;
    *) echo "test.sh: unknown config '$config'" >&2; exit 2 ;;
  esac
  echo "=== $config: bazel test ${flags[*]} ${targets[*]}"
  log="$log_dir/$config.log"
  t0=$(date +%s)
  # shellcheck disable=SC2086
  bazel test "${flags[@]}" ${SERVAL_BAZEL_FLAGS:-} --keep_going \
    --test_summary=short --test_output=errors "${targets[@]}" >"$log" 2>&1
  status=$?
  # Result lines look like "//src/base:log_test    (cached) PASSED in 0.1s".
  p=$(grep -Ec '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
  f=$(grep -Ec '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|FAILED TO BUILD|INCOMPLETE)' "$log")
  grep -E '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|FAILED TO BUILD|INCOMPLETE)' "$log" |
    sed "s/^/  [$config] /"
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    # Bazel failed without a failing test (analysis or build error).
    echo "  [$config] bazel exited $status without a test result; log: $log"
    tail -n 30 "$log" | sed "s/^/  [$config] | /"
    f=$((f + 1))
  fi
  if [ "$f" -gt 0 ]; then
    # Show what failed (test logs are printed by --test_output=errors).
    grep -E -A40 '^FAIL: |^==[0-9]+==ERROR|WARNING: ThreadSanitizer' "$log" | head -n 200
  fi
  echo "=== $config: $p passed, $f failed ($(( $(date +%s) - t0 ))s)"
  passed=$((passed + p))
  failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
