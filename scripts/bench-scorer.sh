#!/bin/sh
# Runs the scorer's speed benchmarks and prints each figure against its
# target (ratio <= 1 meets it).
set -eu
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench 'Throughput|CallsPerInstance' -benchtime 5x ./scorer/runner
	go test -run '^$' -bench 'CPUPerRequest' -benchtime 21x ./scorer/runner)
echo "$out" | awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i += 2) v[$(i+1)] = $i
	if (name == "BenchmarkThroughput")       printf "throughput:         %.3f x ideal time, median of 5 runs (target <= 1.03), ratio %.3f; worst run %.3f; %.3f x the time the latency the fake delivered allows; the scorer turns a response into the next request in %.0f us on average\n", v["x_ideal_time"], v["ratio_to_target"], v["worst_x_ideal_time"], v["x_delivered_time"], v["turnaround_us"]
	if (name == "BenchmarkCallsPerInstance") printf "calls per instance: %.3f (target <= 1.05), ratio %.3f\n", v["calls/instance"], v["ratio_to_target"]
	if (name == "BenchmarkCPUPerRequest")    printf "CPU per request:    %.1f us, median of 21 runs (target <= 30), ratio %.3f; best run %.1f us; the HTTP client alone takes %.1f us (best %.1f)\n", v["cpu_us/request"], v["ratio_to_target"], v["best_cpu_us/request"], v["client_only_us/request"], v["best_client_only_us/request"]
	delete v
}'
