#!/usr/bin/env bash
# Builds a copy of the docs site with the serval binary ($1) and checks it.
set -euo pipefail
serval=$1
site="$TEST_TMPDIR/docs"
rm -rf "$site"
mkdir -p "$site"
cp -rL docs/serval.toml docs/content "$site/"
"$serval" check "$site"
for page in architecture building templates markdown cache_format \
            reliability thread_safety development; do
  test -s "$site/public/$page/index.html" || { echo "missing page: $page"; exit 1; }
done
grep -q 'href="/building/"' "$site/public/index.html" || { echo "home lacks the guide's links"; exit 1; }
echo "docs site: built and checked"
