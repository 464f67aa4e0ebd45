#!/usr/bin/env bash
# gpu-check.sh: check Podium's GPU features on a host with an NVIDIA GPU, in
# about two minutes. It prints what it saw:
#   1. scorer gpu --json (driver, devices, eligibility for the 2023 tracks)
#   2. a measured scorer run against a simulated submission while a GPU load
#      runs (python3 + torch, when present; otherwise no load, and it says so)
#   3. a 60-second command audited with a 30-second limit (it must be stopped
#      and fail its audit)
# It ends with CHECKS PASSED (exit 0) or CHECKS FAILED (exit 1).
# Usage: scripts/gpu-check.sh [GPU_INDEX]   (SCORER=path/to/scorer to use a
# prebuilt binary; default bin/scorer, built with go when missing;
# AUDIT_SECONDS=60 and AUDIT_LIMIT=30s change the audit's command and limit)
set -u
cd "$(dirname "$0")/.."
GPU=${1:-0}
SCORER=${SCORER:-bin/scorer}
PORT=${PORT:-18437}
WORK=$(mktemp -d /tmp/podium-gpu-check.XXXXXX)
AUDIT_SECONDS=${AUDIT_SECONDS:-60}
AUDIT_LIMIT=${AUDIT_LIMIT:-30s}
SIM_PID=""
LOAD_PID=""
FAILED=""
check() { # check DESCRIPTION COMMAND...: record whether COMMAND succeeds
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok:   $what"; else echo "FAIL: $what"; FAILED=1; fi
}
cleanup() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
}
trap cleanup EXIT
say() { printf '\n=== %s\n' "$*"; }

if [ ! -x "$SCORER" ]; then
  if ! command -v go >/dev/null; then
    echo "no $SCORER and no go to build it: build it elsewhere (go build -o bin/scorer ./scorer) and copy it" >&2
    exit 1
  fi
  say "building $SCORER"
  CGO_CFLAGS="-O2 -g -Wno-deprecated-declarations" go build -o "$SCORER" ./scorer || exit 1
fi

say "1. scorer gpu --json"
"$SCORER" gpu --json
status=$?
echo "exit status: $status"
if [ "$status" -ne 0 ]; then
  echo "no usable GPU here (3 = no driver, 4 = no device); nothing more to check"
  exit "$status"
fi
"$SCORER" gpu

# A GPU load that needs no download: a half-precision matmul loop in torch.
LOAD=""
if command -v python3 >/dev/null && python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  cat > "$WORK/load.py" <<'PY'
import sys, time, torch
secs = float(sys.argv[1])
x = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
end = time.time() + secs
n = 0
while time.time() < end:
    y = x @ x
    torch.cuda.synchronize()
    n += 1
print(f"load: {n} matmuls of 8192x8192 in {secs:.0f}s on {torch.cuda.get_device_name(0)}")
PY
  LOAD="python3 $WORK/load.py"
  echo "GPU load: python3 + torch ($(python3 -c 'import torch; print(torch.__version__)'))"
else
  echo "GPU load: none (python3 with CUDA torch not found); the measured run will see an idle GPU"
fi
UUID=$("$SCORER" gpu --json | python3 -c "import json,sys; print(json.load(sys.stdin)['devices'][$GPU]['uuid'])" 2>/dev/null || echo "$GPU")

say "2. measured scorer run (simulated submission, --gpu $GPU)"
"$SCORER" simulate --suite sample --accuracy 0.7 --latency 100ms --listen "127.0.0.1:$PORT" >"$WORK/simulate.log" 2>&1 &
SIM_PID=$!
if [ -n "$LOAD" ]; then
  CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=$UUID $LOAD 25 &
  LOAD_PID=$!
  sleep 5 # let the load start
fi
"$SCORER" run --endpoint "http://127.0.0.1:$PORT" --suite sample --round gpucheck --track a100 \
  --submission check --root "$WORK" --max-instances 100 --concurrency 4 --no-cache \
  --gpu "$GPU" --sample-interval 200ms
run_status=$?
echo "exit status: $run_status"
kill "$SIM_PID" 2>/dev/null; SIM_PID=""
[ -n "$LOAD_PID" ] && wait "$LOAD_PID"; LOAD_PID=""
echo "--- [hardware] and [efficiency] recorded:"
awk '/^ *\[/{p=($1=="[hardware]"||$1=="[efficiency]")} p' "$WORK/results/gpucheck/a100/check.toml"

say "3. audit: a ${AUDIT_SECONDS}-second command with a $AUDIT_LIMIT limit"
if [ -n "$LOAD" ]; then CMD="$LOAD $AUDIT_SECONDS"; else CMD="sleep $AUDIT_SECONDS"; fi
echo "command: $CMD"
"$SCORER" audit --root "$WORK" --round gpucheck --track a100 --submission check \
  --limit "$AUDIT_LIMIT" --grace 10s --interval 1s --gpu "$GPU" -- $CMD
audit_status=$?
echo "exit status: $audit_status (1 expected: the command overran its limit)"
echo "--- audit TOML:"
cat "$WORK/results/gpucheck/a100/check.audit.toml"
echo "--- command's stderr (tail):"
tail -5 "$WORK/results/gpucheck/a100/check.audit.stderr.log"

RES="$WORK/results/gpucheck/a100/check.toml"
AUD="$WORK/results/gpucheck/a100/check.audit.toml"
say "checks"
check "scorer run exited 0" test "$run_status" -eq 0
check "results have [hardware]" grep -q '^ *\[hardware\]' "$RES"
check "results have [efficiency] with an energy source" grep -Eq '^ *energy_source = "(counter|power-samples)"' "$RES"
check "scorer audit exited 1 (verdict fail)" test "$audit_status" -eq 1
check "audit: verdict fail" grep -q '^verdict = "fail"' "$AUD"
check "audit: timed out" grep -q '^ *timed_out = true' "$AUD"
check "audit: stopped with SIGTERM" grep -q '^ *stopped = "SIGTERM"' "$AUD"
check "audit: the GPU was sampled" grep -Eq '^ *samples = [1-9]' "$AUD"
check "audit: no other GPU used" bash -c "! grep -q other_devices '$AUD'"
echo "files in $WORK"
if [ -n "$FAILED" ]; then echo "CHECKS FAILED"; exit 1; fi
echo "CHECKS PASSED"
