#!/usr/bin/env bash
# bench-site.sh prints the site build's figures: a synthetic round of 2,000
# submissions × 2 tracks × 40 metrics (time, peak RSS) and Podium's time ÷
# Hugo's on one corpus of 1,000 markdown pages. Needs hugo for the ratio
# (apt-get install -y hugo). Extra arguments go to internal/benchsite.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/podium .
go run ./internal/benchsite -podium bin/podium "$@"
