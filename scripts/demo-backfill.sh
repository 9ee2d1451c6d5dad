#!/usr/bin/env bash
# The offline demo (the live one is scripts/demo.sh): installs what is missing, builds Verdict, loads a
# real Prometheus with generated Istio canaries at a realistic load (a healthy
# v2, a v2 with ten times the 5xx rate, a v2 three times slower, and a v2 that
# receives no traffic) and judges each one with `verdict judge --preset istio`,
# printing the explained verdicts and a summary table.
# No cluster needed: `verdict scenario` writes the data, promtool backfills it,
# and Prometheus runs on a free port of 127.0.0.1 until the script exits.
# Exit status 0 when every verdict is the expected one, 1 otherwise.
# Idempotent. Usage: ./scripts/demo-backfill.sh
# Environment: VERDICT_DEMO_RPS, requests per second per pod (default 30).
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

# Milliseconds since the epoch, for the timings.
now_ms() { local t=${EPOCHREALTIME//[^0-9]/}; echo $(( 10#$t / 1000 )); }
seconds_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%02d s' $(( d / 1000 )) $(( d % 1000 / 10 )); }

# The judged window: the last 30 whole minutes. Each scenario goes to its own
# namespace of service "api", so one Prometheus holds them all.
END=$(( $(date +%s) / 60 * 60 ))
START=$(( END - 1800 ))
RPS=${VERDICT_DEMO_RPS:-30}
# Scenario and the verdict a sound judge must give it at this load.
SCENARIOS=(healthy error-regression latency-regression no-canary-traffic)
declare -A EXPECTED=([healthy]=pass [error-regression]=fail [latency-regression]=fail
  [no-canary-traffic]=inconclusive)
log "generating Istio canaries for service api, v1 = control, v2 = canary, $RPS requests/s per pod, window $(date -u -d "@$START" +%H:%M)-$(date -u -d "@$END" +%H:%M) UTC"
t0=$(now_ms)
: > "$WORK/all.om"
for s in "${SCENARIOS[@]}"; do
  $V scenario "$s" --end "$END" --namespace "demo-$s" --rps-per-pod "$RPS" --out "$WORK/$s.om"
  grep -v '^# EOF$' "$WORK/$s.om" >> "$WORK/all.om"
done
echo '# EOF' >> "$WORK/all.om"
log "generated $(( $(stat -c %s "$WORK/all.om") / 1000000 )) MB of OpenMetrics in $(seconds_since "$t0")"

log "backfilling them into a fresh TSDB with promtool"
t0=$(now_ms)
promtool tsdb create-blocks-from openmetrics "$WORK/all.om" "$WORK/data" >/dev/null
log "backfilled in $(seconds_since "$t0")"
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
t0=$(now_ms)
start_prometheus
log "Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') is ready at $PROM_URL after $(seconds_since "$t0")"

# Judges each scenario; the exit code is the verdict.
declare -A VERDICT CODE JUDGE_TIME
for s in "${SCENARIOS[@]}"; do
  echo
  log "scenario $s: $($V scenario --list | grep -E "^  $s " | sed 's/^  [^ ]* *//;s/ Expected verdict:.*//')"
  log "verdict judge --prometheus $PROM_URL --preset istio --var namespace=demo-$s --var service=api --start $START --end $END"
  t0=$(now_ms)
  rc=0
  $V judge --prometheus "$PROM_URL" --preset istio --var "namespace=demo-$s" --var service=api \
    --start "$START" --end "$END" || rc=$?
  JUDGE_TIME[$s]=$(seconds_since "$t0")
  CODE[$s]=$rc
  case $rc in
    0) VERDICT[$s]=pass ;;
    1) VERDICT[$s]=fail ;;
    3) VERDICT[$s]=inconclusive ;;
    4) VERDICT[$s]="error (data source)" ;;
    *) VERDICT[$s]="error" ;;
  esac
  log "exit code $rc (0 pass, 1 fail, 3 inconclusive, 4 data source error) in ${JUDGE_TIME[$s]}"
done

echo
echo "Summary ($RPS requests/s per pod, window $(date -u -d "@$START" +%H:%M)-$(date -u -d "@$END" +%H:%M) UTC):"
printf '  %-20s %-14s %-20s %-5s %-10s %s\n' scenario expected verdict exit judged result
unexpected=0
for s in "${SCENARIOS[@]}"; do
  mark="ok"
  if [ "${VERDICT[$s]}" != "${EXPECTED[$s]}" ]; then
    mark="UNEXPECTED"
    unexpected=$(( unexpected + 1 ))
  fi
  printf '  %-20s %-14s %-20s %-5s %-10s %s\n' "$s" "${EXPECTED[$s]}" "${VERDICT[$s]}" \
    "${CODE[$s]}" "${JUDGE_TIME[$s]}" "$mark"
done
if [ "$unexpected" -ne 0 ]; then
  log "$unexpected of ${#SCENARIOS[@]} verdicts are not the expected ones"
  exit 1
fi
log "every verdict is the expected one"
