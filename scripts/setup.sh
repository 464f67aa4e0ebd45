#!/usr/bin/env bash
# setup.sh installs what Podium's tests and demo need on a fresh Debian
# machine, skipping what is already there: Go modules and headless Chromium
# (browser tests). The Makefile installs the sample submission's npm
# packages from its lock file. Pass extra Debian packages as arguments
# (make bench passes hugo).
set -euo pipefail
cd "$(dirname "$0")/.."

apt=()
command -v chromium >/dev/null 2>&1 || apt+=(chromium)
for pkg in "$@"; do command -v "$pkg" >/dev/null 2>&1 || apt+=("$pkg"); done
if [ ${#apt[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "setup: installing ${apt[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt[@]}" >/dev/null
	else
		echo "setup: please install ${apt[*]} (sudo apt-get install ${apt[*]}); tests that need them will skip" >&2
	fi
fi

go mod download

