#!/usr/bin/env bash
# Benchmarks `verdict serve` against a minimal cpp-httplib server
# (bench/bare_http_server.cpp: same httplib, same 32 worker threads, a
# constant JSON answer) in the same run, and writes the "Daemon" section of
# docs/benchmarks.md (the other sections, written by scripts/bench.sh, stay).
#
#   1. wrk -t2 -c64 -d20s --latency against (a) the bare server (GET),
#      (b) GET /api/v1/runs/bench/api and (c) POST /flagger/rollout
#      (bench/post_rollout.lua), then (a) again to see how much the machine
#      drifted. Goals: verdict >= 70% of the bare server's requests/s, p99 < 10 ms.
#   2. 1000 active runs (1000 distinct canaries through the rollout webhook),
#      then VmRSS / VmHWM of the daemon from /proc/PID/status. Goal: < 100 MiB.
# Prometheus is real (the Debian binary) with an empty TSDB: every query
# answers at once with no series, so the benchmark measures the daemon; the
# long --interval (300s) keeps the scheduler from re-evaluating during wrk.
# Everything listens on 127.0.0.1 free ports and is killed on exit.
#
# Usage: ./scripts/bench-daemon.sh   (BUILD_DIR=build, DURATION=20s, CONNECTIONS=64, RUNS=1000)
# Needs: wrk, prometheus (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

BUILD_DIR="${BUILD_DIR:-build}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-64}"
RUNS="${RUNS:-1000}"
OUT="$BUILD_DIR/bench-daemon-results"
PY=/usr/bin/python3
ensure_packages wrk prometheus curl

WORK=$(mktemp -d "${TMPDIR:-/tmp}/verdict-bench-daemon.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building verdict and bare_http_server (Release) in $BUILD_DIR/"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DVERDICT_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD_DIR" -j2 --target verdict bare_http_server >/dev/null
VERDICT="$BUILD_DIR/verdict"
BARE="$BUILD_DIR/bench/bare_http_server"
rm -rf "$OUT"
mkdir -p "$OUT"

# wait_for_port FILE PID: prints the port of the "listening on http://HOST:PORT"
# line PID writes to FILE, waiting up to 30 s; fails when PID exits first.
wait_for_port() {
  local file=$1 pid=$2 deadline=$(( $(date +%s) + 30 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -q 'listening on http://' "$file" 2>/dev/null; then
      sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$file" | head -1
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log "no listening line in $file; process output:"
  cat "$file" "$file.err" >&2 2>/dev/null || true
  return 1
}

# Prometheus on a free port (another process may take a port between the
# check and the bind: then Prometheus exits and the next port is tried).
printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"
start_prometheus() {
  local attempt port deadline pid
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 40000 ))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
      --web.listen-address="127.0.0.1:$port" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    deadline=$(( $(date +%s) + 30 ))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
      if curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
        PROM_URL="http://127.0.0.1:$port"
        return 0
      fi
      sleep 0.2
    done
    kill "$pid" 2>/dev/null || true
  done
  log "Prometheus did not start; its log:"
  cat "$WORK/prometheus.log" >&2
  return 1
}
start_prometheus
log "Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') ready at $PROM_URL (empty TSDB)"

# start_server TAG CMD...: starts CMD (which prints its listening line on
# stdout), sets STARTED_PID and STARTED_URL; stop_server PID ends it.
start_server() {
  local tag=$1
  shift
  "$@" >"$WORK/$tag.out" 2>"$WORK/$tag.out.err" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  STARTED_URL="http://127.0.0.1:$(wait_for_port "$WORK/$tag.out" "$STARTED_PID")"
}
stop_server() {
  local pid=$1 kept=() p
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

# The first rows pin the settings the bare server is compared at: 32 worker
# threads and an fsync per recorded webhook (--db-sync full).
SERVE_ARGS=(serve --listen 127.0.0.1:0 --db "$WORK/verdict.db" --prometheus "$PROM_URL" --interval 300s
  --http-threads 32 --db-sync full)
start_server serve "$VERDICT" "${SERVE_ARGS[@]}"
SERVE_PID=$STARTED_PID
SERVE=$STARTED_URL
log "verdict serve (pid $SERVE_PID) at $SERVE, db $WORK/verdict.db, access log in $WORK/serve.out.err"
start_server bare "$BARE" 0
BARE_PID=$STARTED_PID
BARE_URL=$STARTED_URL
log "bare_http_server (pid $BARE_PID) at $BARE_URL"

PAYLOAD='{"name":"api","namespace":"bench","checksum":"c1"}'
# first_webhook URL: the rollout webhook that starts the benchmark's run.
first_webhook() {
  local code
  code=$(curl -s -o "$OUT/first_webhook.json" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -d "$PAYLOAD" "$1/flagger/rollout")
  log "first rollout webhook at $1: HTTP $code $(cat "$OUT/first_webhook.json")"
  [ "$code" = 200 ] || { log "the first webhook must answer 200"; exit 1; }
}
first_webhook "$SERVE"
rss_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
echo "$(rss_kib "$SERVE_PID" VmRSS)" > "$OUT/rss_idle_kib"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "$LOAD_BEFORE" > "$OUT/load_before"
# bench_wrk TAG URL [LUA]: one wrk run, output kept in $OUT/wrk_TAG.txt.
bench_wrk() {
  local tag=$1 url=$2 script=()
  [ $# -ge 3 ] && script=(-s "$3")
  log "wrk -t2 -c$CONNECTIONS -d$DURATION --latency ${script[*]} $url   (load $(cut -d' ' -f1-3 /proc/loadavg))"
  cut -d' ' -f1-3 /proc/loadavg > "$OUT/load_$tag"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "${script[@]}" "$url" > "$OUT/wrk_$tag.txt"
  grep -E 'Requests/sec|99%|Non-2xx|Socket errors' "$OUT/wrk_$tag.txt" | sed 's/^/    /' >&2
}
bench_wrk bare "$BARE_URL/"
bench_wrk get "$SERVE/api/v1/runs/bench/api"
bench_wrk post "$SERVE/flagger/rollout" bench/post_rollout.lua
bench_wrk bare_again "$BARE_URL/"
curl -s -o "$OUT/run_after.json" "$SERVE/api/v1/runs/bench/api"
echo "$(rss_kib "$SERVE_PID" VmRSS)" > "$OUT/rss_after_wrk_kib"

# For information, where the time goes:
#  - 64 worker threads, one per wrk connection, for both servers: httplib
#    serves a kept-alive connection on one worker until the connection closes,
#    so with more connections than workers the others wait in its queue;
#  - the rollout webhook with the database on tmpfs, where fsync returns at
#    once (every acknowledged webhook record is fsynced: synchronous=FULL).
log "for information: both servers with 64 worker threads"
start_server bare64 "$BARE" 0 64
bench_wrk bare_64 "$STARTED_URL/"
stop_server "$STARTED_PID"
# verdict serve's defaults: --http-threads 64 --db-sync normal.
start_server serve64 "$VERDICT" serve --listen 127.0.0.1:0 --db "$WORK/verdict64.db" \
  --prometheus "$PROM_URL" --interval 300s
first_webhook "$STARTED_URL"
bench_wrk get_64 "$STARTED_URL/api/v1/runs/bench/api"
bench_wrk post_64 "$STARTED_URL/flagger/rollout" bench/post_rollout.lua
stop_server "$STARTED_PID"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SHM=$(mktemp -d /dev/shm/verdict-bench-daemon.XXXXXX)
  log "for information: the rollout webhook with --db on tmpfs ($SHM)"
  start_server serveshm "$VERDICT" serve --listen 127.0.0.1:0 --db "$SHM/verdict.db" \
    --prometheus "$PROM_URL" --interval 300s --http-threads 32 --db-sync full
  first_webhook "$STARTED_URL"
  bench_wrk post_tmpfs "$STARTED_URL/flagger/rollout" bench/post_rollout.lua
  stop_server "$STARTED_PID"
  rm -rf "$SHM"
fi

log "starting $RUNS runs (canaries api-1 .. api-$RUNS, 8 webhooks at a time)"
t0=$(date +%s.%N)
seq 1 "$RUNS" | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
  -H 'Content-Type: application/json' \
  -d '{"name":"api-{}","namespace":"bench","checksum":"c1"}' "$SERVE/flagger/rollout" > "$OUT/runs_codes"
t1=$(date +%s.%N)
ok=$(grep -c '^200$' "$OUT/runs_codes" || true)
log "$ok of $RUNS webhooks answered 200 in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s"
echo "$t0 $t1" > "$OUT/runs_time"
curl -s "$SERVE/metrics" | grep -E '^verdict_active_runs' > "$OUT/active_runs" || true
log "$(cat "$OUT/active_runs")"
grep -E '^(VmRSS|VmHWM|Threads)' "/proc/$SERVE_PID/status" > "$OUT/status_1000"
sed 's/^/    /' "$OUT/status_1000" >&2
echo "$(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/load_after"

log "writing the Daemon section of docs/benchmarks.md"
"$PY" - "$OUT" "$RUNS" "$DURATION" "$CONNECTIONS" "$VERDICT ${SERVE_ARGS[*]}" <<'EOF'
import os, re, subprocess, sys
out, runs, duration, conns, serve_cmd = sys.argv[1:6]
serve_cmd = re.sub(r"/tmp/verdict-bench-daemon\.\w+", "$TMP", serve_cmd)
serve_cmd = re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:$PROM_PORT", serve_cmd)
def read(name):
    with open(os.path.join(out, name)) as f:
        return f.read().strip()
def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}
def wrk(tag):
    text = read(f"wrk_{tag}.txt")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    v, unit = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", text).groups()
    p50v, p50u = re.search(r"50%\s+([\d.]+)(us|ms|s|m)\b", text).groups()
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: (.*)", text)
    return dict(rps=rps, p99=float(v) * UNITS[unit], p50=float(p50v) * UNITS[p50u], total=total,
                non2xx=int(non2xx.group(1)) if non2xx else 0, sock=sock.group(1) if sock else "none",
                load=read(f"load_{tag}"))
bare, get, post, bare2 = wrk("bare"), wrk("get"), wrk("post"), wrk("bare_again")
status = dict(l.split(":", 1) for l in read("status_1000").splitlines())
kib = lambda k: int(status[k].split()[0])
rss, hwm = kib("VmRSS") / 1024, kib("VmHWM") / 1024
threads = status["Threads"].strip()
rss_idle = int(read("rss_idle_kib")) / 1024
rss_wrk = int(read("rss_after_wrk_kib")) / 1024
codes = read("runs_codes").split()
t0, t1 = map(float, read("runs_time").split())
active = read("active_runs")
ok = lambda b: "**met**" if b else "**NOT met**"
cpu = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
lines = []
p = lines.append
p("## Daemon\n")
p("Generated by `./scripts/bench-daemon.sh` (do not edit by hand). `verdict serve` against")
p("`bench/bare_http_server.cpp`, a minimal cpp-httplib server answering a constant JSON (same")
p("httplib 0.11.4, same 32 worker threads through `new_task_queue`, same keep-alive limits and")
p("TCP_NODELAY), in the same run, on the same machine; wrk, the servers and Prometheus share it.\n")
wrk_version = sh("wrk --version 2>&1 | head -1 | cut -d' ' -f1-2")
prom_version = sh("prometheus --version 2>&1 | head -1 | cut -d' ' -f3")
p(f"- Machine: {cpu}, {sh('nproc')} cores shared with other work; {wrk_version}; "
  f"Prometheus {prom_version} with an empty TSDB (queries answer at once, no series)")
p(f"- Load average (1, 5, 15 min) before the wrk runs: {read('load_before')}; after the memory step: {read('load_after')}; "
  "each row shows the load when it started. A load above the core count means the figures are "
  "a lower bound for an idle machine; the ratio to the bare server is the steadier figure.\n")
p(f"| target (wrk -t2 -c{conns} -d{duration} --latency) | requests/s | ratio to bare | p50 | p99 | errors | load at start |")
p("|---|---|---|---|---|---|---|")
def row(name, r, base=None):
    base = base or bare
    errs = []
    if r["non2xx"]: errs.append(f"{r['non2xx']} non-2xx")
    if r["sock"] != "none": errs.append("socket " + r["sock"])
    p(f"| {name} | {r['rps']:.0f} | {r['rps'] / base['rps']:.2f} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | "
      f"{'; '.join(errs) or 'none'} | {r['load']} |")
row("bare server, GET /", bare)
row("verdict `GET /api/v1/runs/bench/api`", get)
row("verdict `POST /flagger/rollout` (bench/post_rollout.lua)", post)
row("bare server again, after the verdict runs", bare2)
p("")
p("For information (same run), where the time goes: httplib serves a kept-alive connection on one")
p("worker thread until the connection closes, so with more connections than the 32 workers the")
p("rest wait in its queue (the bare server's p99 above); with 64 workers, one per connection, and")
p("verdict serve's defaults (`--http-threads 64 --db-sync normal`: a commit survives kill -9, no fsync per record):\n")
p(f"| target, 64 worker threads (verdict serve's defaults) | requests/s | ratio to bare (64 threads) | p50 | p99 | errors | load at start |")
p("|---|---|---|---|---|---|---|")
bare64 = wrk("bare_64")
row("bare server, 64 threads", bare64, bare64)
row("verdict `GET /api/v1/runs/bench/api`", wrk("get_64"), bare64)
row("verdict `POST /flagger/rollout`", wrk("post_64"), bare64)
if os.path.exists(os.path.join(out, "wrk_post_tmpfs.txt")):
    tmpfs = wrk("post_tmpfs")
    p("")
    p("Every webhook is recorded, and an acknowledged record is on disk first (SQLite WAL,")
    p("`--db-sync full` in the first rows: one fdatasync per webhook, serialised by the store's one connection).")
    p(f"With `--db` on tmpfs (fsync returns at once), 32 threads: `POST /flagger/rollout` "
      f"{tmpfs['rps']:.0f} requests/s ({tmpfs['rps'] / bare['rps']:.2f} of the bare server above, "
      f"{tmpfs['rps'] / post['rps']:.1f}x the on-disk figure), p50 {tmpfs['p50']:.2f} ms, p99 {tmpfs['p99']:.2f} ms "
      f"(load {tmpfs['load']}).")
p("")
p(f"Memory of the daemon (`/proc/PID/status`): {rss_idle:.1f} MiB resident after the first webhook, "
  f"{rss_wrk:.1f} MiB after the wrk runs; with {runs} more runs started ({codes.count('200')} of {len(codes)} "
  f"webhooks answered 200 in {t1 - t0:.1f} s, 8 at a time; `{active}`): **VmRSS {rss:.1f} MiB**, VmHWM "
  f"(peak over the whole benchmark, wrk included) {hwm:.1f} MiB, {threads} threads.\n")
worst = min(get["rps"], post["rps"]) / bare["rps"]
p("| goal | measured | |")
p("|---|---|---|")
p(f"| verdict >= 70% of the bare server's requests/s | GET {get['rps'] / bare['rps']:.0%}, POST {post['rps'] / bare['rps']:.0%} | "
  f"GET {ok(get['rps'] >= 0.7 * bare['rps'])}, POST {ok(post['rps'] >= 0.7 * bare['rps'])} |")
p(f"| p99 < 10 ms at {conns} connections | GET {get['p99']:.2f} ms, POST {post['p99']:.2f} ms (bare {bare['p99']:.2f} ms) | "
  f"GET {ok(get['p99'] < 10)}, POST {ok(post['p99'] < 10)} |")
p(f"| < 100 MiB with {runs} active runs | VmRSS {rss:.1f} MiB (peak {hwm:.1f} MiB) | {ok(rss < 100)} |")
p("\nCommands:\n")
p("```")
p(f"{serve_cmd}")
p("build/bench/bare_http_server 0")
p(f"curl -X POST -d '{{\"name\":\"api\",\"namespace\":\"bench\",\"checksum\":\"c1\"}}' $VERDICT/flagger/rollout   # the run")
p(f"wrk -t2 -c{conns} -d{duration} --latency $BARE/")
p(f"wrk -t2 -c{conns} -d{duration} --latency $VERDICT/api/v1/runs/bench/api")
p(f"wrk -t2 -c{conns} -d{duration} --latency -s bench/post_rollout.lua $VERDICT/flagger/rollout")
p(f"seq 1 {runs} | xargs -P 8 -I{{}} curl -X POST -d '{{\"name\":\"api-{{}}\",\"namespace\":\"bench\",\"checksum\":\"c1\"}}' $VERDICT/flagger/rollout")
p("grep -E 'VmRSS|VmHWM' /proc/$(pidof verdict)/status")
p("# for information: bare_http_server 0 64; verdict serve ... --http-threads 64; verdict serve ... --db /dev/shm/...")
p("```")
section = "\n".join(lines) + "\n"
doc_path = os.path.join("docs", "benchmarks.md")
doc = open(doc_path).read() if os.path.exists(doc_path) else "# Benchmarks\n"
m = re.search(r"^## Daemon\n.*?(?=^## |\Z)", doc, flags=re.S | re.M)
if m:
    doc = doc[:m.start()] + section + ("\n" + doc[m.end():] if doc[m.end():] else "")
else:
    doc = doc.rstrip("\n") + "\n\n" + section
open(doc_path, "w").write(doc)
print(section)
EOF
log "wrote the Daemon section of docs/benchmarks.md"
