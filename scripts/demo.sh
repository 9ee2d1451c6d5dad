#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds Verdict and runs
# its main job on data that needs no cluster. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

ensure_packages "${VERDICT_BUILD_PACKAGES[@]}"
build_verdict build
V=./build/verdict

log "latency of canary v2 vs control v1 (examples/*.txt): Mann-Whitney U with Hodges-Lehmann 95% CI"
$V compare mann-whitney --canary examples/canary_latency_ms.txt --control examples/control_latency_ms.txt
log "5xx responses: canary 42/2000 vs control 51/8000"
$V compare proportions --canary 42/2000 --control 51/8000 --alternative greater
