// version.h — Serval's version, reported by `serval version` and recorded
// in the build cache (a cache written by another version is discarded).
#ifndef SERVAL_BASE_VERSION_H_
#define SERVAL_BASE_VERSION_H_

namespace serval::base {
inline constexpr char kVersion[] = "0.1.0";
}  // namespace serval::base

#endif  // SERVAL_BASE_VERSION_H_
