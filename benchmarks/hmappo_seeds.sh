#!/usr/bin/env bash
# Train the reference hybrid PPO with the `make demo` budget on several seeds, then evaluate all
# of them next to the baselines and the oracle on the same 20 seeded episodes.
# Usage: bash benchmarks/hmappo_seeds.sh [SCENARIO] [SEEDS] [PARALLEL] [EPISODES]
#   e.g. bash benchmarks/hmappo_seeds.sh paper "0 1 2 3 4" 2 20
set -euo pipefail
scenario=${1:-paper}
seeds=${2:-"0 1 2 3 4"}
parallel=${3:-2}
episodes=${4:-20}
bin=${BIN:-.venv/bin}
out=benchmarks/results/hmappo_seeds/$scenario

mkdir -p "$out"
start=$(date +%s)
for seed in $seeds; do
  echo "$seed"
done | xargs -P "$parallel" -I{} "$bin/mec-ea-env" train --algo hmappo --scenario "$scenario" \
  --seed {} --output "runs/hmappo_seeds/$scenario/seed{}" --no-progress
echo "training wall time: $(( $(date +%s) - start )) s for seeds [$seeds], $parallel at a time"

policies=random,all-local,nearest-edge,greedy,best-response,oracle
for seed in $seeds; do
  policies="$policies,hmappo:runs/hmappo_seeds/$scenario/seed$seed/checkpoint.pt"
done
"$bin/mec-ea-env" evaluate --scenario "$scenario" --episodes "$episodes" --seed 0 \
  --output "$out" --policies "$policies"
for seed in $seeds; do
  cp "runs/hmappo_seeds/$scenario/seed$seed/progress.csv" "$out/progress_seed$seed.csv"
done
echo "total wall time: $(( $(date +%s) - start )) s"
