"""serval_fuzzer: a libFuzzer target plus a corpus-replay regression test.

    serval_fuzzer(name = "log_line_fuzzer", srcs = [...], deps = [...])

defines
  <name>             under --config=fuzz, a libFuzzer binary
                     (bazel run --config=fuzz //fuzz:<name> -- -max_total_time=10);
                     under any other config, the replay driver, so
                     `bazel build //...` always builds it.
  <name>_regression  a cc_test that feeds every file of fuzz/corpus/<name>/
                     to the target once, under whatever config is active;
                     plain `bazel test //...` therefore replays every corpus.

The source defines LLVMFuzzerTestOneInput (and may define
LLVMFuzzerInitialize). Fuzzers bound their own input size and work.
"""

load("//tools/bazel:copts.bzl", "SERVAL_COPTS")

def serval_fuzzer(name, srcs, deps = [], size = "small", **kwargs):
    corpus = native.glob(["corpus/%s/**" % name])
    if not corpus:
        fail("serval_fuzzer %s: fuzz/corpus/%s/ must hold a seed corpus" % (name, name))

    native.cc_library(
        name = name + "_lib",
        srcs = srcs,
        copts = SERVAL_COPTS,
        deps = deps,
        alwayslink = True,
        testonly = True,
    )

    native.cc_binary(
        name = name,
        deps = [":" + name + "_lib"] + select({
            "//tools/bazel:fuzzing": [],
            "//conditions:default": ["//fuzz:replay_main"],
        }),
        linkopts = select({
            "//tools/bazel:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        testonly = True,
        **kwargs
    )

    native.cc_test(
        name = name + "_regression",
        size = size,
        deps = [":" + name + "_lib", "//fuzz:replay_main"],
        data = corpus,
        args = ["fuzz/corpus/" + name],
        tags = ["fuzz_regression"],
        **kwargs
    )
