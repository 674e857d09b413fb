"""Compiler options for Serval's own code (not applied to dependencies)."""

# -Werror only on our code: a new compiler warning in Abseil must not break
# the build, one in Serval must.
SERVAL_COPTS = [
    "-Werror",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
    "-Wthread-safety",
    "-Wthread-safety-beta",
]
