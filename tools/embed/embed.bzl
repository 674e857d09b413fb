"""embedded_files: a cc_library holding files as byte arrays.

    embedded_files(
        name = "default_theme_files",
        srcs = glob(["default/**"]),
        strip_prefix = "default/",
        namespace = "serval::theme::internal",
    )

The library defines `namespace::kEmbeddedFiles[]` and
`namespace::kEmbeddedFileCount` (src/base/embedded_file.h), sorted by the
file's path with `strip_prefix` removed.
"""

def embedded_files(name, srcs, strip_prefix, namespace, **kwargs):
    args = []
    for src in srcs:
        logical = src[len(strip_prefix):] if src.startswith(strip_prefix) else src
        args.append("%s=$(location %s)" % (logical, src))
    native.genrule(
        name = name + "_cc",
        srcs = srcs,
        outs = [name + ".cc"],
        cmd = "$(location //tools/embed:embed_files) $@ %s %s" % (namespace, " ".join(args)),
        tools = ["//tools/embed:embed_files"],
    )
    native.cc_library(
        name = name,
        srcs = [name + ".cc"],
        deps = ["//src/base:embedded_file"],
        **kwargs
    )
