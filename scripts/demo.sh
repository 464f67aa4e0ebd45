#!/usr/bin/env bash
# demo.sh runs the whole job on the bundled sample: it serves a few
# SIMULATED teams on both tracks, scores each with `scorer run` on the
# generated `sample` suite into results/sample/, and builds the site into
# public/. The same inputs give the same bytes, so a rerun changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# id | team | base model | track | accuracy | port
teams=(
	"aurora-1|Aurora Labs|mistralai/Mistral-7B-v0.1|4090|0.92|18411"
	"basil-qlora|Basil & Co <QLoRA>|meta-llama/Llama-2-7b-hf|4090|0.75|18412"
	"cirrus-7b|Cirrus|Qwen/Qwen-7B|4090|0.55|18413"
	"delta-mistral|Delta Team|mistralai/Mistral-7B-v0.1|a100|0.88|18414"
	"ember-llama|Ember|meta-llama/Llama-2-13b-hf|a100|0.70|18415"
)

for t in "${teams[@]}"; do
	IFS='|' read -r id team model track acc port <<<"$t"
	"$bin/scorer" simulate --suite sample --accuracy "$acc" --seed 1 --listen "127.0.0.1:$port" >/dev/null 2>&1 &
	pids+=($!)
done

for t in "${teams[@]}"; do
	IFS='|' read -r id team model track acc port <<<"$t"
	echo "== scoring $id ($team, track $track, simulated accuracy $acc)"
	"$bin/scorer" run --endpoint "http://127.0.0.1:$port" --suite sample --round sample \
		--track "$track" --submission "$id" --team "$team" --base-model "$model" --seed 1 --root .
done

cleanup
pids=()

# Reproduction: the organizers retrain the top submissions and score the
# retrained servers (simulated here too) into a scratch root; scorer verify
# compares them with the submitted results. Ember moves up on a100 when
# Delta's reproduction falls short.
# id | track | accuracy of the retrained model | port
repros=(
	"aurora-1|4090|0.91|18421"
	"delta-mistral|a100|0.60|18422"
	"ember-llama|a100|0.70|18423"
)
for t in "${repros[@]}"; do
	IFS='|' read -r id track acc port <<<"$t"
	"$bin/scorer" simulate --suite sample --accuracy "$acc" --seed 1 --listen "127.0.0.1:$port" >/dev/null 2>&1 &
	pids+=($!)
done
for t in "${repros[@]}"; do
	IFS='|' read -r id track acc port <<<"$t"
	echo "== reproducing $id"
	"$bin/scorer" run --endpoint "http://127.0.0.1:$port" --suite sample --round sample \
		--track "$track" --submission "$id" --seed 1 --root .cache/demo-reproduction >/dev/null
	"$bin/scorer" verify --round sample --track "$track" --submission "$id" --root . --no-audit \
		--reproduced ".cache/demo-reproduction/results/sample/$track/$id.toml" --tolerance 0.05
done
"$bin/scorer" verify --round sample --track 4090 --submission basil-qlora --root . --pending
cleanup
pids=()

"$bin/podium" build --root . --out public
cat <<MSG

The site is in public/. To view it, run
  bin/podium serve
and open http://127.0.0.1:8080/ (links are site-absolute, so file:// does not work).
MSG
