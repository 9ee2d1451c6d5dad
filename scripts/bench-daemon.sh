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

SERVE_ARGS=(serve --listen 127.0.0.1:0 --db "$WORK/verdict.db" --prometheus "$PROM_URL" --interval 300s)
"$VERDICT" "${SERVE_ARGS[@]}" >"$WORK/serve.out" 2>"$WORK/serve.out.err" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
SERVE_PORT=$(wait_for_port "$WORK/serve.out" "$SERVE_PID")
SERVE="http://127.0.0.1:$SERVE_PORT"
log "verdict serve (pid $SERVE_PID) at $SERVE, db $WORK/verdict.db, access log in $WORK/serve.out.err"

"$BARE" 0 >"$WORK/bare.out" 2>"$WORK/bare.out.err" &
BARE_PID=$!
PIDS+=("$BARE_PID")
BARE_URL="http://127.0.0.1:$(wait_for_port "$WORK/bare.out" "$BARE_PID")"
log "bare_http_server (pid $BARE_PID) at $BARE_URL"

PAYLOAD='{"name":"api","namespace":"bench","checksum":"c1"}'
code=$(curl -s -o "$OUT/first_webhook.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d "$PAYLOAD" "$SERVE/flagger/rollout")
log "first rollout webhook: HTTP $code $(cat "$OUT/first_webhook.json")"
[ "$code" = 200 ] || { log "the first webhook must answer 200"; exit 1; }
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
def row(name, r):
    errs = []
    if r["non2xx"]: errs.append(f"{r['non2xx']} non-2xx")
    if r["sock"] != "none": errs.append("socket " + r["sock"])
    p(f"| {name} | {r['rps']:.0f} | {r['rps'] / bare['rps']:.2f} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | "
      f"{'; '.join(errs) or 'none'} | {r['load']} |")
row("bare server, GET /", bare)
row("verdict `GET /api/v1/runs/bench/api`", get)
row("verdict `POST /flagger/rollout` (bench/post_rollout.lua)", post)
row("bare server again, after the verdict runs", bare2)
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
