#!/usr/bin/env bash
# setup.sh installs what Podium needs on a fresh Debian machine, skipping
# what is already there: Go modules, and the Debian packages named as
# arguments (make test passes chromium for the browser tests, make bench
# hugo). The Makefile installs the sample submission's npm packages from
# its lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

apt=()
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

