#!/usr/bin/env bash
# The README's first command: installs what is missing, builds Verdict, loads a
# real Prometheus with generated Istio canaries (a healthy v2, a v2 with ten
# times the 5xx rate, a v2 three times slower) and judges each one with
# `verdict judge --preset istio`, printing the explained verdicts.
# No cluster needed: `verdict scenario` writes the data, promtool backfills it,
# and Prometheus runs on a free port of 127.0.0.1 until the script exits.
# Idempotent. Usage: ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

ensure_packages "${VERDICT_BUILD_PACKAGES[@]}"
build_verdict build
V=./build/verdict

WORK=$(mktemp -d "${TMPDIR:-/tmp}/verdict-demo.XXXXXX")
PROM_PID=""
cleanup() {
  if [ -n "$PROM_PID" ] && kill -0 "$PROM_PID" 2>/dev/null; then
    kill "$PROM_PID" 2>/dev/null || true
    wait "$PROM_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The judged window: the last 30 whole minutes. Each scenario goes to its own
# namespace of service "api", so one Prometheus holds them all.
END=$(( $(date +%s) / 60 * 60 ))
START=$(( END - 1800 ))
SCENARIOS=(healthy error-regression latency-regression)
log "generating Istio canaries for service api, v1 = control, v2 = canary, window $(date -u -d "@$START" +%H:%M)-$(date -u -d "@$END" +%H:%M) UTC"
: > "$WORK/all.om"
for s in "${SCENARIOS[@]}"; do
  $V scenario "$s" --end "$END" --namespace "demo-$s" --out "$WORK/$s.om"
  grep -v '^# EOF$' "$WORK/$s.om" >> "$WORK/all.om"
done
echo '# EOF' >> "$WORK/all.om"

log "backfilling them into a fresh TSDB with promtool"
promtool tsdb create-blocks-from openmetrics "$WORK/all.om" "$WORK/data" >/dev/null
printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"

# Starts Prometheus on a free port (another process may take a port between
# the check and the bind: then Prometheus exits and the next port is tried).
start_prometheus() {
  local attempt port deadline
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 40000 ))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
      --storage.tsdb.retention.time=30d --web.listen-address="127.0.0.1:$port" \
      --log.level=warn >"$WORK/prometheus.log" 2>&1 &
    PROM_PID=$!
    deadline=$(( $(date +%s) + 30 ))
    while kill -0 "$PROM_PID" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
      if curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
        PROM_URL="http://127.0.0.1:$port"
        return 0
      fi
      sleep 0.2
    done
    kill "$PROM_PID" 2>/dev/null || true
    wait "$PROM_PID" 2>/dev/null || true
    PROM_PID=""
  done
  log "Prometheus did not start; its log:"
  cat "$WORK/prometheus.log" >&2
  return 1
}
start_prometheus
log "Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') is ready at $PROM_URL"

if $V judge --help 2>/dev/null | grep -q -- '--prometheus'; then
  for s in "${SCENARIOS[@]}"; do
    echo
    log "scenario $s: $($V scenario --list | grep -E "^  $s " | sed 's/^  [^ ]* *//')"
    log "verdict judge --prometheus $PROM_URL --preset istio --var namespace=demo-$s --var service=api --start $START --end $END"
    rc=0
    $V judge --prometheus "$PROM_URL" --preset istio --var "namespace=demo-$s" --var service=api \
      --start "$START" --end "$END" || rc=$?
    log "exit code $rc (0 pass, 1 fail, 3 inconclusive, 4 data source error)"
  done
else
  # This build's judge cannot read Prometheus yet: show the 5xx counts of the
  # window straight from Prometheus and compare them at a fixed horizon.
  log "this build's 'verdict judge' cannot read Prometheus yet; comparing the window's 5xx counts instead"
  instant() {
    curl -sf "$PROM_URL/api/v1/query" --data-urlencode "query=$1" --data-urlencode "time=$END" |
      sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p' | xargs printf '%.0f'
  }
  for s in "${SCENARIOS[@]}"; do
    counts=()
    p99=()
    for version in v2 v1; do
      sel="reporter=\"destination\",destination_workload_namespace=\"demo-$s\",destination_service_name=\"api\",destination_version=\"$version\""
      bad=$(instant "sum(increase(istio_requests_total{$sel,response_code=~\"5..\"}[30m]))")
      total=$(instant "sum(increase(istio_requests_total{$sel}[30m]))")
      counts+=("$bad/$total")
      p99+=("$(instant "histogram_quantile(0.99, sum by (le) (increase(istio_request_duration_milliseconds_bucket{$sel}[30m])))")")
    done
    echo
    log "scenario $s: p99 latency canary v2 ${p99[0]} ms, control v1 ${p99[1]} ms; 5xx canary ${counts[0]}, control ${counts[1]}"
    $V compare proportions --canary "${counts[0]}" --control "${counts[1]}" --alternative greater
  done
fi
