#!/usr/bin/env bash
# The inbound benchmark: installs what it needs (wrk, the Bolt-JS app's packages),
# then loads `upward serve` and a minimal Bolt-JS app with the same signed commands,
# each server on core 1 and wrk on core 0. Figures: bench/results/inbound.json.
#   bench/inbound/run.sh [--seconds 10] [--latency-ms 80]
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk
fi
(cd bench/inbound/bolt && npm ci --no-audit --no-fund --silent)
cargo run --release -- bench inbound "$@"
