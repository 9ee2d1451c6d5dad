#!/usr/bin/env bash
# Load test of `verdict serve` (issue 12, docs/reliability.md "Load"): wrk
# against the daemon while Prometheus is healthy, slow, then down.
#
# Starts on 127.0.0.1 (free ports; everything is stopped at the end):
#   - `verdict traffic`: live Istio metrics of load/api (v1 primary, v2 canary,
#     half the traffic each, no noise), scraped every second by
#   - a real Prometheus, and
#   - `verdict serve --interval 10s --step 1s` against it.
# Creates CANARIES active runs through the Flagger webhooks (load/api, which
# has data, and load/api-1 .. which have none), waits until load/api's verdict
# is pass, then runs wrk -c$CONNECTIONS -d$DURATION with bench/load_mix.lua (a
# mix of rollout and confirm-traffic-increase webhooks, GET /api/v1/runs and
# /api/v1/runs/load/NAME, the report pages / and /runs/load/NAME, /metrics),
# one round at a time:
#   healthy   twice (the second shows whether memory still grows)
#   slow      Prometheus SIGSTOPped 3 s, SIGCONTed 1 s, over and over
#   down      Prometheus killed
# After the slow round (Prometheus SIGSTOPped for longer than --interval) and
# with Prometheus down for longer than --interval, it asks confirm-promotion
# and confirm-traffic-increase for load/api, whose earlier evaluations
# passed: both must be refused (no pass on stale data).
# Each round records requests, answers by status code, wrk's socket errors,
# p50/p99/max latency (wrk's, from the client), how many webhooks the daemon
# itself took over 1 s and 5 s to handle (its request-duration histogram), and
# the daemon's VmRSS/VmHWM after it. Any 5xx,
# socket error or a 200 on stale data makes the script exit 1; 412 is a verdict.
# Prints a Markdown table (also in $BUILD_DIR/load-results/table.md).
#
# Usage: ./scripts/load.sh [--help]
# Environment: BUILD_DIR=build DURATION=60s CONNECTIONS=64 THREADS=2
#   CANARIES=20 STATES="healthy healthy slow down" WRK_TIMEOUT=10s
#   PASS_WITHIN=240 (seconds to wait for load/api's pass)
# Needs wrk and prometheus (installed when missing). CPU heavy: run it alone.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/common.sh
no_args_but_help "$@"

BUILD_DIR="${BUILD_DIR:-build}"
DURATION="${DURATION:-60s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
CANARIES="${CANARIES:-20}"
STATES="${STATES:-healthy healthy slow down}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10s}"
PASS_WITHIN="${PASS_WITHIN:-240}"
INTERVAL=10
OUT="$BUILD_DIR/load-results"
for s in $STATES; do
  case $s in healthy|slow|down) ;; *) echo "load.sh: STATES: unknown state '$s' (healthy, slow, down)" >&2; exit 2 ;; esac
done
ensure_packages "${VERDICT_LOAD_PACKAGES[@]}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/verdict-load.XXXXXX")
PIDS=()
CYCLER=""
cleanup() {
  [ -n "$CYCLER" ] && kill "$CYCLER" 2>/dev/null || true
  stop_processes "${PIDS[@]}"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_verdict "$BUILD_DIR" verdict >/dev/null
V="$BUILD_DIR/verdict"
rm -rf "$OUT"
mkdir -p "$OUT"

start_listening "verdict traffic" "$WORK/traffic.log" "$V" traffic --listen 127.0.0.1:0 \
  --namespace load --service api --rps 20000 --canary-weight 50 --noise none
PIDS+=("$STARTED_PID")
TRAFFIC_URL=$URL
write_scrape_config "$WORK/prometheus.yml" "${TRAFFIC_URL#http://}"
start_prometheus "$WORK/prometheus.yml" "$WORK/prom-data" "$WORK/prometheus.log"
PIDS+=("$PROM_PID")
log "Prometheus at $PROM_URL (pid $PROM_PID) scrapes verdict traffic at $TRAFFIC_URL every second"

head -c 24 /dev/urandom | base64 > "$WORK/token"
start_listening "verdict serve" "$WORK/serve.log" "$V" serve --listen 127.0.0.1:0 \
  --prometheus "$PROM_URL" --db "$WORK/verdict.db" --token-file "$WORK/token" \
  --interval "${INTERVAL}s" --step 1s --log-level warn
SERVE_PID=$STARTED_PID
PIDS+=("$SERVE_PID")
SERVE=$URL
log "verdict serve (pid $SERVE_PID) at $SERVE"

hook() {  # hook TYPE NAME -> prints "CODE SECONDS"
  curl -s -o "$WORK/hook.json" -w '%{http_code} %{time_total}' -X POST \
    -H 'Content-Type: application/json' \
    -d "{\"name\":\"$2\",\"namespace\":\"load\",\"checksum\":\"rev-load\"}" "$SERVE/flagger/$1"
}
for i in $(seq 0 $(( CANARIES - 1 ))); do
  name=api
  [ "$i" -gt 0 ] && name="api-$i"
  hook confirm-rollout "$name" >/dev/null
done
log "$(curl -s "$SERVE/metrics" | grep -E '^verdict_active_runs')"

log "waiting up to ${PASS_WITHIN}s for load/api's verdict to be pass (live data)"
verdict_of() {
  curl -s "$SERVE/api/v1/runs/load/api" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin).get("verdict") or "none")' 2>/dev/null || echo none
}
deadline=$(( $(date +%s) + PASS_WITHIN ))
PASSED=no
while [ "$(date +%s)" -lt "$deadline" ]; do
  hook rollout api >/dev/null  # keeps the run's webhook time fresh
  if [ "$(verdict_of)" = pass ]; then PASSED=yes; break; fi
  sleep 2
done
log "load/api verdict: $(verdict_of) (passed: $PASSED)"

mem() { awk '$1 == "VmRSS:" {r=$2} $1 == "VmHWM:" {h=$2} $1 == "Threads:" {t=$2} END {printf "%.1f %.1f %d", r/1024, h/1024, t}' "/proc/$SERVE_PID/status"; }
echo "start $(mem) $(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/mem"
log "daemon before the rounds: VmRSS/VmHWM MiB, threads: $(mem)"

round=0
curl -s -m 10 "$SERVE/metrics" > "$OUT/metrics_0.txt" || true  # the baseline of round 1's deltas
for state in $STATES; do
  round=$(( round + 1 ))
  case $state in
    slow)
      ( while kill -0 "$PROM_PID" 2>/dev/null; do
          kill -STOP "$PROM_PID"; sleep 3; kill -CONT "$PROM_PID"; sleep 1
        done ) &
      CYCLER=$! ;;
    down)
      kill -CONT "$PROM_PID" 2>/dev/null || true
      kill "$PROM_PID" 2>/dev/null || true
      wait "$PROM_PID" 2>/dev/null || true
      DOWN_AT=$(date +%s) ;;
  esac
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  log "round $round: Prometheus $state; wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $WRK_TIMEOUT (load $load)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout "$WRK_TIMEOUT" --latency \
    -s bench/load_mix.lua "$SERVE" -- "$CANARIES" > "$OUT/wrk_$round.txt"
  if [ -n "$CYCLER" ]; then
    kill "$CYCLER" 2>/dev/null || true
    wait "$CYCLER" 2>/dev/null || true
    CYCLER=""
    kill -CONT "$PROM_PID" 2>/dev/null || true
  fi
  curl -s -m 10 "$SERVE/metrics" > "$OUT/metrics_$round.txt" || true  # per-route latency histograms
  line=$(grep '^LOAD_RESULT' "$OUT/wrk_$round.txt")
  echo "$round $state $load $(mem) ${line#LOAD_RESULT }" >> "$OUT/rounds"
  log "  ${line#LOAD_RESULT }; daemon VmRSS/VmHWM MiB, threads: $(mem)"
  if [ "$state" = slow ] && [ "$PASSED" = yes ] && [ ! -s "$OUT/stale_hung" ]; then
    # Prometheus hung (SIGSTOP) for longer than the interval: refused too.
    kill -STOP "$PROM_PID"
    sleep $(( INTERVAL + 7 ))
    h1=$(hook confirm-traffic-increase api)
    h2=$(hook confirm-promotion api)
    kill -CONT "$PROM_PID"
    log "Prometheus hung $(( INTERVAL + 7 ))s: confirm-traffic-increase $h1, confirm-promotion $h2 $(cat "$WORK/hook.json" | cut -c1-200)"
    if [ "${h1%% *}" = 412 ] && [ "${h2%% *}" = 412 ]; then
      echo "refused: confirm-traffic-increase ${h1%% *} in ${h1#* } s, confirm-promotion ${h2%% *} in ${h2#* } s" > "$OUT/stale_hung"
    else
      echo "FAILED: confirm-traffic-increase ${h1%% *}, confirm-promotion ${h2%% *}" > "$OUT/stale_hung"
    fi
  fi
done

STALE="not checked (load/api never passed)"
if [ "$PASSED" = yes ]; then
  if [ -z "${DOWN_AT:-}" ]; then
    kill "$PROM_PID" 2>/dev/null || true
    wait "$PROM_PID" 2>/dev/null || true
    DOWN_AT=$(date +%s)
  fi
  wait_s=$(( DOWN_AT + INTERVAL + 7 - $(date +%s) ))
  [ "$wait_s" -gt 0 ] && { log "waiting ${wait_s}s: Prometheus down for longer than the interval"; sleep "$wait_s"; }
  cti=$(hook confirm-traffic-increase api); cti_body=$(cat "$WORK/hook.json")
  cp_=$(hook confirm-promotion api); cp_body=$(cat "$WORK/hook.json")
  log "stale data: confirm-traffic-increase $cti $cti_body"
  log "stale data: confirm-promotion $cp_ $cp_body"
  echo "$cti|$cti_body" > "$OUT/stale_cti"
  echo "$cp_|$cp_body" > "$OUT/stale_cp"
  if [ "${cti%% *}" = 412 ] && [ "${cp_%% *}" = 412 ]; then
    STALE="refused: confirm-traffic-increase ${cti%% *} in ${cti#* } s, confirm-promotion ${cp_%% *} in ${cp_#* } s"
  else
    STALE="FAILED: confirm-traffic-increase ${cti%% *}, confirm-promotion ${cp_%% *}"
  fi
fi
echo "$STALE" > "$OUT/stale"

/usr/bin/python3 - "$OUT" "$CONNECTIONS" "$DURATION" "$THREADS" "$CANARIES" <<'EOF'
import os, sys
out, conns, duration, threads, canaries = sys.argv[1:6]
start = open(os.path.join(out, "mem")).read().split()
rows, failed = [], False
def webhook_buckets(n):
    """le -> count of the daemon's /flagger/:type handling-time histogram after round n."""
    got = {}
    try:
        for l in open(os.path.join(out, f"metrics_{n}.txt")):
            if l.startswith('verdict_http_request_duration_seconds_bucket{route="/flagger/:type"'):
                got[l.split('le="')[1].split('"')[0]] = float(l.split()[-1])
    except OSError:
        pass
    return got
def slow_webhooks(n):
    """'over 1 s / over 5 s' of the webhooks the daemon handled in round n."""
    a, b = webhook_buckets(n - 1), webhook_buckets(n)
    if "+Inf" not in b:
        return "?"
    total = b["+Inf"] - a.get("+Inf", 0)
    over = lambda le: int(total - (b.get(le, 0) - a.get(le, 0)))
    return f"{over('1')} / {over('5')} of {int(total)}"
for line in open(os.path.join(out, "rounds")):
    f = line.split()
    rnd, state, l1, l5, l15, rss, hwm, nthreads = f[:8]
    kv = dict(x.split("=", 1) for x in f[8:])
    codes = dict(c.split(":") for c in kv["codes"].split(",") if c)
    sock = sum(int(kv[k]) for k in ("connect", "read", "write", "timeout"))
    bad = {c: n for c, n in codes.items() if int(c) >= 500}
    other = {c: n for c, n in codes.items() if c not in ("200", "412")}
    failed = failed or bad or sock
    rows.append(f"| {rnd} | {state} | {int(kv['requests'])} | {int(kv['requests']) / float(kv['duration_s']):.0f} | "
                f"{codes.get('200', '0')} | {codes.get('412', '0')} | "
                f"{', '.join(f'{c}: {n}' for c, n in sorted(other.items())) or 'none'} | "
                f"{sock} (connect {kv['connect']}, read {kv['read']}, write {kv['write']}, timeout {kv['timeout']}) | "
                f"{float(kv['p50_ms']):.1f} | {float(kv['p99_ms']):.1f} | {float(kv['max_ms']):.0f} | "
                f"{slow_webhooks(int(rnd))} | "
                f"{rss} / {hwm} | {nthreads} | {l1} {l5} {l15} |")
stale = open(os.path.join(out, "stale")).read().strip()
hung_path = os.path.join(out, "stale_hung")
hung = open(hung_path).read().strip() if os.path.exists(hung_path) else "not checked"
failed = failed or stale.startswith("FAILED") or hung.startswith("FAILED")
table = [f"wrk -t{threads} -c{conns} -d{duration} --latency -s bench/load_mix.lua ({canaries} active runs); "
         f"daemon before the rounds: VmRSS {start[1]} MiB, VmHWM {start[2]} MiB, {start[3]} threads, "
         f"load average {' '.join(start[4:7])}.", "",
         "| round | Prometheus | requests | req/s | 200 | 412 | other codes | socket errors | p50 ms | p99 ms | max ms | daemon: webhooks handled in over 1 s / 5 s | VmRSS / VmHWM MiB after | threads | load average at start |",
         "|---|---|---:|---:|---:|---:|---|---|---:|---:|---:|---|---|---:|---|"] + rows + [
         "", f"No pass on stale data (load/api had passed; Prometheus down longer than the 10 s interval): {stale}.",
         f"Prometheus hung (SIGSTOP) longer than the interval: {hung}."]
text = "\n".join(table) + "\n"
open(os.path.join(out, "table.md"), "w").write(text)
print(text)
sys.exit(1 if failed else 0)
EOF
