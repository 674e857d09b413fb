#!/usr/bin/env bash
# tools/setup.sh — everything a fresh Debian 12 machine needs to build Serval.
#
# 1. Installs the Debian packages the build uses (Bazel 4.2.3 from
#    bazel-bootstrap and its offline rule sets, clang 14 with its sanitizer
#    and libFuzzer runtimes, header-only and small C libraries, and headless
#    Chromium with its WebDriver for the dev server's browser test).
# 2. Adds deb-src entries derived from the machine's own apt sources (no host
#    name is written into the repo) so `apt-get source` works.
# 3. Fetches the *source* packages listed in tools/deps.lock, checks every
#    file's sha256, unpacks them with Debian's patches outside git
#    (SERVAL_DEPS_DIR, default ~/.cache/serval/deps) and links them into
#    .deps/ where the WORKSPACE finds them.
#
# Idempotent: a second run that finds everything in place prints nothing.
# Exit status: 0 when ready, 1 with a message saying what could not be had.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps_dir=${SERVAL_DEPS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/serval/deps}

die() { echo "setup: error: $*" >&2; exit 1; }
say() { echo "setup: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

# --- 1. Debian packages ----------------------------------------------------
packages=(
  bazel-bootstrap bazel-platforms bazel-rules-java bazel-skylib
  clang-14 libclang-rt-14-dev
  dpkg-dev patch perl python3 python3-six unicode-data
  rapidjson-dev libcli11-dev libtomlplusplus-dev libxxhash-dev
  # //src/base:fast_malloc: the allocator of Serval's binaries.
  libmimalloc-dev
  python3-pygments cmark-gfm
  # //src/template tests: Jinja2 is the differential test oracle.
  python3-jinja2
  # tools/bench: Hugo to compare against, GNU time for peak memory.
  hugo time
  # src/serve:browser_test: headless Chromium driven over WebDriver.
  chromium chromium-driver
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    as_root apt-get update -qq >/dev/null 2>&1 || say "warning: apt-get update reported errors"
    apt_updated=1
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
fi

# --- 2. deb-src entries ----------------------------------------------------
src_list=/etc/apt/sources.list.d/serval-deb-src.sources
has_deb_src() {
  grep -Eqs '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}
if ! has_deb_src; then
  say "adding deb-src entries derived from the machine's apt sources"
  tmp=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/' "$f" >>"$tmp"
    echo >>"$tmp"
  done
  # One-line "deb URI SUITE COMPONENTS" entries become "deb-src" lines.
  list_tmp=$(mktemp)
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    grep -E '^[[:space:]]*deb[[:space:]]' "$f" | sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' >>"$list_tmp" || true
  done
  [ -s "$tmp" ] && as_root install -m 0644 "$tmp" "$src_list"
  [ -s "$list_tmp" ] && as_root install -m 0644 "$list_tmp" /etc/apt/sources.list.d/serval-deb-src.list
  rm -f "$tmp" "$list_tmp"
  has_deb_src || die "no apt sources to derive deb-src entries from"
  apt_updated=0
  apt_update
fi

# --- 3. third-party source packages ---------------------------------------
mkdir -p "$deps_dir/downloads" "$root/.deps"

# Reads tools/deps.lock into "repo pkg version" triples and per-file checksums.
declare -A want_version want_pkg
declare -a lock_files lock_sums lock_repos
while read -r repo pkg version file sum; do
  case "$repo" in ''|'#'*) continue ;; esac
  want_version[$repo]=$version
  want_pkg[$repo]=$pkg
  lock_repos+=("$repo"); lock_files+=("$file"); lock_sums+=("$sum")
done <"$root/tools/deps.lock"

# A repo whose lock lines name no .dsc is "orig only": the archive lacks its
# Debian diff, so setup checks the upstream tarball and unpacks it with tar.
declare -A has_dsc orig_only
for i in "${!lock_repos[@]}"; do
  case "${lock_files[$i]}" in *.dsc) has_dsc[${lock_repos[$i]}]=1 ;; esac
done
for i in "${!lock_repos[@]}"; do
  case "${lock_files[$i]}" in
    *.orig.tar.*) [ -n "${has_dsc[${lock_repos[$i]}]:-}" ] || orig_only[${lock_repos[$i]}]=${lock_files[$i]} ;;
  esac
done

verify_file() {  # file sha256 -> 0 if present and matching
  [ -f "$deps_dir/downloads/$1" ] &&
    [ "$(sha256sum "$deps_dir/downloads/$1" | cut -d' ' -f1)" = "$2" ]
}

# RE2's Debian source lacks three generated tables; RE2's own Makefile
# regenerates them from Debian's unicode-data (debian-unicode-data.patch
# points unicode.py at /usr/share/unicode).
post_unpack_re2() {
  (cd "$1" && PATH=/usr/bin:$PATH make -s REBUILD_TABLES=1 \
      re2/perl_groups.cc re2/unicode_casefold.cc re2/unicode_groups.cc >/dev/null) \
    || die "regenerating RE2's Unicode tables failed in $1"
}

for repo in "${!want_version[@]}"; do
  version=${want_version[$repo]}
  pkg=${want_pkg[$repo]}
  dest="$deps_dir/$repo-$version"
  if [ ! -f "$dest/.serval-ready" ]; then
    # Download whatever is missing or does not match its checksum.
    need_fetch=0
    for i in "${!lock_repos[@]}"; do
      [ "${lock_repos[$i]}" = "$repo" ] || continue
      verify_file "${lock_files[$i]}" "${lock_sums[$i]}" || need_fetch=1
    done
    if [ "$need_fetch" = 1 ]; then
      say "fetching Debian source package $pkg=$version"
      if [ -n "${orig_only[$repo]:-}" ]; then
        # The archive lacks this package's Debian diff: apt-get downloads the
        # .dsc and the orig tarball, then fails on the diff. The checksums
        # below decide whether what we need arrived.
        (cd "$deps_dir/downloads" && apt-get source --download-only -qq "$pkg=$version" >/dev/null 2>&1) \
          || { apt_update; (cd "$deps_dir/downloads" && apt-get source --download-only -qq "$pkg=$version" >/dev/null 2>&1); } \
          || true
      else
      (cd "$deps_dir/downloads" && apt-get source --download-only -qq "$pkg=$version" >/dev/null 2>&1) \
        || { apt_update; (cd "$deps_dir/downloads" && apt-get source --download-only -qq "$pkg=$version" >/dev/null); } \
        || die "cannot fetch source package $pkg=$version (is the Debian archive reachable?)"
      fi
    fi
    for i in "${!lock_repos[@]}"; do
      [ "${lock_repos[$i]}" = "$repo" ] || continue
      verify_file "${lock_files[$i]}" "${lock_sums[$i]}" ||
        die "checksum mismatch for ${lock_files[$i]} (expected ${lock_sums[$i]})"
    done
    say "unpacking $pkg=$version into $dest"
    rm -rf "$dest" "$dest.tmp"
    if [ -n "${orig_only[$repo]:-}" ]; then
      mkdir -p "$dest.tmp"
      tar -xf "$deps_dir/downloads/${orig_only[$repo]}" -C "$dest.tmp" --strip-components=1 \
        || die "unpacking ${orig_only[$repo]} failed"
    else
    dsc=$(ls "$deps_dir/downloads/${pkg}_${version#*:}.dsc")
    dpkg-source --no-check -x "$dsc" "$dest.tmp" >/dev/null || die "dpkg-source failed for $dsc"
    fi
    if [ "$repo" = re2 ]; then post_unpack_re2 "$dest.tmp"; fi
    touch "$dest.tmp/.serval-ready"
    mv "$dest.tmp" "$dest"
  fi
  link="$root/.deps/$repo"
  if [ "$(readlink "$link" 2>/dev/null)" != "$dest" ]; then
    ln -sfn "$dest" "$link"
  fi
done

# toml++ is header-only (Debian's libtomlplusplus-dev; its source package is
# missing from this archive snapshot). Serval builds against a patched copy:
# tools/patches/ fixes an unreachable-code UB that hostile TOML reaches.
toml_version=$(dpkg-query -W -f='${Version}' libtomlplusplus-dev)
toml_dest="$deps_dir/tomlplusplus-$toml_version"
if [ ! -f "$toml_dest/.serval-ready" ]; then
  rm -rf "$toml_dest" "$toml_dest.tmp"
  mkdir -p "$toml_dest.tmp"
  cp -r /usr/include/toml++ "$toml_dest.tmp/toml++"
  for p in "$root"/tools/patches/tomlplusplus-*.patch; do
    patch -s -d "$toml_dest.tmp/toml++" -p1 <"$p" || die "cannot apply $p to toml++ $toml_version"
  done
  touch "$toml_dest.tmp/.serval-ready"
  mv "$toml_dest.tmp" "$toml_dest"
fi
if [ "$(readlink "$root/.deps/tomlplusplus" 2>/dev/null)" != "$toml_dest" ]; then
  ln -sfn "$toml_dest" "$root/.deps/tomlplusplus"
fi

# Bazel 4.2.3 from bazel-bootstrap is the only Bazel this project supports.
command -v bazel >/dev/null || die "bazel not on PATH after installing bazel-bootstrap"
