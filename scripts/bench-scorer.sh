#!/bin/sh
# Runs the scorer's speed benchmarks and prints each figure against its
# target (ratio <= 1 meets it), with what this machine allows at best.
set -eu
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench . -benchtime 3x ./scorer/runner)
echo "$out" | awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i += 2) v[$(i+1)] = $i
	if (name == "BenchmarkThroughput")       printf "throughput:         %.3f x ideal time (target <= 1.03), ratio %.3f; back-to-back sleeps alone take %.3f x; %.3f x the time the latency the fake really delivered allows\n", v["x_ideal_time"], v["ratio_to_target"], v["x_ideal_timer_floor"], v["x_delivered_time"]
	if (name == "BenchmarkCallsPerInstance") printf "calls per instance: %.3f (target <= 1.05), ratio %.3f\n", v["calls/instance"], v["ratio_to_target"]
	if (name == "BenchmarkCPUPerRequest")    printf "CPU per request:    %.1f us (target <= 30), ratio %.3f; the HTTP client alone takes %.1f us\n", v["cpu_us/request"], v["ratio_to_target"], v["client_only_us/request"]
	delete v
}'
