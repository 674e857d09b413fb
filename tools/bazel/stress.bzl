"""serval_stress_test: a TSan-friendly stress binary run as a cc_test.

    serval_stress_test(name = "atomic_write_stress", srcs = [...], deps = [...])

The test links //stress:harness, which parses the common flags
  --seed=N        (default: random, always printed)
  --threads=N     --iterations=N     --duration=DURATION (e.g. 5s)
and prints the seed again on failure so a run can be reproduced:
  bazel run --config=tsan //stress:atomic_write_stress -- --seed=1234
Tagged "stress" so `bazel test --test_tag_filters=stress //...` selects
them (and `-stress` skips them).
"""

load("//tools/bazel:copts.bzl", "SERVAL_COPTS")

def serval_stress_test(name, srcs, deps = [], size = "medium", tags = [], **kwargs):
    native.cc_test(
        name = name,
        srcs = srcs,
        size = size,
        copts = SERVAL_COPTS,
        deps = deps + ["//stress:harness"],
        tags = tags + ["stress"],
        **kwargs
    )
