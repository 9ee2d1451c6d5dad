#!/usr/bin/env bash
# The README's first command: the live demo, no cluster needed.
#
# Installs what is missing, builds Verdict, and starts on 127.0.0.1:
#   - `verdict traffic`: the seed's `api` service, live Istio metrics for the
#     primary (v1, 3 pods) and the canary (v2, 1 pod), with a traffic split
#     the rollout moves;
#   - a real Prometheus scraping it every second;
#   - `verdict serve`: the daemon Flagger calls.
# Then `verdict rollout` plays Flagger with the seed's Canary
# (deploy/flagger/canary.yaml: threshold 5, stepWeight 10, maxWeight 50), one
# interval every few seconds instead of a minute, twice:
#   1. a healthy v2, which is promoted once the evidence says it is no worse;
#   2. a v2 with an error spike, which is rolled back.
# Each rollout prints a live table (tick, weight, hook, answer, verdict, key
# numbers, reason). About a minute in all. Ctrl-C or the end stops every
# process the script started. The load is a busy service's (20000 requests/s
# in total): a p99 needs many requests before it is shown to be within 20%.
# Exit status 0 when the first rollout is promoted and the second rolled back.
#
# Usage: ./scripts/demo.sh [--help]
# Environment:
#   VERDICT_DEMO_INTERVAL  seconds per Flagger interval (default 3)
#   VERDICT_DEMO_RPS       requests per second to the service (default 20000)
#   VERDICT_DEMO_KEEP=1    keep everything running at the end until Ctrl-C,
#                          to browse the report pages and the verdict API
#   VERDICT_DEMO_NOISE     the simulator's counts: poisson (default, seeded)
#                          or none (the expected counts: deterministic)
#   VERDICT_DEMO_BIN       a built verdict binary: then nothing is installed
#                          or built (the test suite runs the demo this way)
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/common.sh
no_args_but_help "$@"

INTERVAL=${VERDICT_DEMO_INTERVAL:-3}
RPS=${VERDICT_DEMO_RPS:-20000}
case $INTERVAL in ''|*[!0-9]*|0) echo "demo.sh: VERDICT_DEMO_INTERVAL must be a whole number of seconds >= 1, got '$INTERVAL'" >&2; exit 2 ;; esac
case $RPS in ''|*[!0-9]*|0) echo "demo.sh: VERDICT_DEMO_RPS must be a positive whole number, got '$RPS'" >&2; exit 2 ;; esac

NOISE=${VERDICT_DEMO_NOISE:-poisson}
case $NOISE in poisson|none) ;; *) echo "demo.sh: VERDICT_DEMO_NOISE must be poisson or none, got '$NOISE'" >&2; exit 2 ;; esac

if [ -n "${VERDICT_DEMO_BIN:-}" ]; then
  V=$VERDICT_DEMO_BIN
  [ -x "$V" ] || { echo "demo.sh: VERDICT_DEMO_BIN=$V is not an executable" >&2; exit 2; }
else
  ensure_packages "${VERDICT_BUILD_PACKAGES[@]}"
  build_verdict build
  V=./build/verdict
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/verdict-demo.XXXXXX")
PIDS=()
cleanup() {
  stop_processes "${PIDS[@]}"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo; log "interrupted: stopping everything"; exit 130' INT TERM

# wait_ready URL : polls until URL answers 200.
wait_ready() {
  local deadline=$(( $(date +%s) + 30 ))
  until curl -sf "$1" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

log "starting the traffic simulator: service api in namespace prod, $RPS requests/s, v1 (primary) 3 pods, v2 (canary) 1 pod"
start_listening "verdict traffic" "$WORK/traffic.log" \
  $V traffic --listen 127.0.0.1:0 --namespace prod --service api --rps "$RPS" --noise "$NOISE" --seed 20261203
PIDS+=("$STARTED_PID")
TRAFFIC_URL=$URL

# Prometheus scrapes the simulator every second, on a free port.
write_scrape_config "$WORK/prometheus.yml" "${TRAFFIC_URL#http://}"
start_prometheus "$WORK/prometheus.yml" "$WORK/prometheus" "$WORK/prometheus.log" || exit 1
PIDS+=("$PROM_PID")
log "Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') at $PROM_URL scrapes the simulator every second"

# The daemon, with the analysis of deploy/'s ConfigMap for prod/api.
cp examples/demo/api-analysis.yaml "$WORK/api-analysis.yaml"
cat > "$WORK/serve.yaml" <<YAML
analyses:
  api:
    config: api-analysis.yaml
canaries:
  - namespace: prod
    name: api
    analysis: api
default: flagger-istio
YAML
head -c 24 /dev/urandom | base64 > "$WORK/token"
start_listening "verdict serve" "$WORK/serve.log" \
  $V serve --prometheus "$PROM_URL" --listen 127.0.0.1:0 --config "$WORK/serve.yaml" \
  --db "$WORK/verdict.db" --token-file "$WORK/token" --interval "${INTERVAL}s" --step 1s
PIDS+=("$STARTED_PID")
VERDICT_URL=$URL
wait_ready "$VERDICT_URL/readyz" || { log "verdict serve is not ready; its log:"; cat "$WORK/serve.log" >&2; exit 1; }
log "verdict serve at $VERDICT_URL"
log "  report pages: $VERDICT_URL/   and   $VERDICT_URL/runs/prod/api"
log "  verdict API:  $VERDICT_URL/api/v1/runs   and   $VERDICT_URL/api/v1/runs/prod/api"
log "  its metrics:  $VERDICT_URL/metrics"

rollout() {
  local checksum=$1
  $V rollout --canary deploy/flagger/canary.yaml --verdict-url "$VERDICT_URL" \
    --traffic-url "$TRAFFIC_URL" --interval "${INTERVAL}s" --checksum "$checksum"
}

echo
log "rollout 1 of 2: api v2 is healthy (0.5% errors, like v1)"
t0=$(date +%s)
rc1=0
rollout rev-healthy || rc1=$?
log "rollout 1 ended with exit code $rc1 (0 promoted, 1 rolled back) after $(( $(date +%s) - t0 )) s"

echo
log "rollout 2 of 2: the next api v2 has an error spike (5% of requests fail)"
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"error_rate":0.05}' \
  "$TRAFFIC_URL/control/subsets/v2" >/dev/null
t0=$(date +%s)
rc2=0
rollout rev-error-spike || rc2=$?
log "rollout 2 ended with exit code $rc2 (0 promoted, 1 rolled back) after $(( $(date +%s) - t0 )) s"

echo
ok=1
[ "$rc1" -eq 0 ] && r1="promoted (expected)" || { r1="NOT promoted (exit $rc1)"; ok=0; }
[ "$rc2" -eq 1 ] && r2="rolled back (expected)" || { r2="NOT rolled back (exit $rc2)"; ok=0; }
echo "Summary:"
echo "  rollout 1, healthy v2:      $r1"
echo "  rollout 2, error spike v2:  $r2"
echo "  every verdict and its reason: $VERDICT_URL/runs/prod/api (report page),"
echo "    $VERDICT_URL/api/v1/runs/prod/api/history (JSON); VERDICT_DEMO_KEEP=1 keeps them up"
if [ "${VERDICT_DEMO_KEEP:-0}" = 1 ]; then
  log "VERDICT_DEMO_KEEP=1: everything keeps running; Ctrl-C to stop"
  while :; do sleep 3600; done
fi
[ "$ok" -eq 1 ] || { log "the demo did not end as expected"; exit 1; }
log "the healthy canary was promoted and the bad one rolled back"
