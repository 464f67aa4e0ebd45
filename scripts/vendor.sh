#!/usr/bin/env bash
# vendor.sh copies the front-end files the site serves (ECharts, KaTeX) from
# node_modules/ (installed by `npm ci` from package-lock.json) into
# themes/default/static/vendor/, which is committed so that `podium build`
# needs no npm. site's TestVendoredAssetsMatchLockfile checks the copies.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/echarts ] && [ -d node_modules/katex ] || npm ci --no-audit --no-fund
dst=themes/default/static/vendor
rm -rf "$dst"
mkdir -p "$dst/echarts" "$dst/katex/contrib" "$dst/katex/fonts"
cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE "$dst/echarts/"
cp node_modules/katex/dist/katex.min.css node_modules/katex/dist/katex.min.js node_modules/katex/LICENSE "$dst/katex/"
cp node_modules/katex/dist/contrib/auto-render.min.js "$dst/katex/contrib/"
cp node_modules/katex/dist/fonts/* "$dst/katex/fonts/"
echo "vendored into $dst:"
(cd "$dst" && find . -type f | sort)
