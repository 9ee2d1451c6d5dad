#!/usr/bin/env bash
# The measurable parts of docs/reliability.md "Security" against the real
# `verdict serve` (issue 12), printed as Markdown tables (also in
# $BUILD_DIR/security-results/tables.md):
#   1. request limits: what the daemon answers an oversized body, too many
#      headers, a too-long header line, too many header bytes, a too-long
#      URI or request line, a malformed request line (raw sockets);
#   2. on-call tokens: every bad Authorization form against each on-call
#      route (the answer code; the run must stay unchanged);
#   3. slow clients: bench/slow_clients.py holds TRICKLE connections that
#      send a header byte every 2 s and never finish, and SLOW_BODY
#      connections that send a body slower than its Content-Length, while a
#      normal client asks GET /healthz and POST /flagger/rollout for
#      SLOW_SECONDS: its latencies and failures, and when the server cut the
#      slow connections. The trickling ones come from 127.0.0.1, more than
#      the daemon's --http-max-connections-per-address (256), so the ones over
#      it are answered 429 at once; the slow bodies from 127.0.0.3 (under the
#      cap: cut at the request timeout) and the normal client from 127.0.0.2.
# Everything listens on 127.0.0.1 (free ports) and is stopped at the end.
# Exit 1 when an answer is not the expected one or a normal request failed.
#
# Usage: ./scripts/security.sh [--help]
# Environment: BUILD_DIR=build TRICKLE=400 SLOW_BODY=100 SLOW_SECONDS=30
# Needs prometheus and curl (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/common.sh
no_args_but_help "$@"

BUILD_DIR="${BUILD_DIR:-build}"
TRICKLE="${TRICKLE:-400}"
SLOW_BODY="${SLOW_BODY:-100}"
SLOW_SECONDS="${SLOW_SECONDS:-30}"
OUT="$BUILD_DIR/security-results"
ensure_packages "${VERDICT_LOAD_PACKAGES[@]}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/verdict-security.XXXXXX")
PIDS=()
cleanup() {
  stop_processes "${PIDS[@]}"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_verdict "$BUILD_DIR" verdict >/dev/null
V="$BUILD_DIR/verdict"
rm -rf "$OUT"
mkdir -p "$OUT"

printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"
start_prometheus "$WORK/prometheus.yml" "$WORK/prom-data" "$WORK/prometheus.log"
PIDS+=("$PROM_PID")
TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
echo "$TOKEN" > "$WORK/token"
start_listening "verdict serve" "$WORK/serve.log" "$V" serve --listen 127.0.0.1:0 \
  --prometheus "$PROM_URL" --db "$WORK/verdict.db" --token-file "$WORK/token" --log-level warn
PIDS+=("$STARTED_PID")
SERVE_PID=$STARTED_PID
PORT=${URL##*:}
log "verdict serve (pid $SERVE_PID) at $URL, Prometheus at $PROM_URL (empty)"
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"name":"api","namespace":"sec","checksum":"c1"}' "$URL/flagger/confirm-rollout"

log "1/3 request limits and 2/3 on-call tokens"
limits_rc=0
/usr/bin/python3 - "$PORT" "$TOKEN" > "$OUT/limits.md" <<'EOF' || limits_rc=$?
import json, socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]

def exchange(raw):
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    t0 = time.monotonic()
    try:
        s.sendall(raw)
    except OSError:
        pass  # the server may close before reading everything
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    ms = (time.monotonic() - t0) * 1000
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1].decode() if head.startswith(b"HTTP/") else "(no answer)"
    try:
        err = json.loads(body).get("error", "")
    except ValueError:
        err = body[:60].decode("latin-1").strip()
    return status, err, ms

def get(target, headers=b""):
    return (b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"Connection: close\r\n\r\n")

many = b"".join(b"X-H%d: v\r\n" % i for i in range(101))
fewer = b"".join(b"X-H%d: v\r\n" % i for i in range(98))
big_headers = b"".join(b"X-B%d: %s\r\n" % (i, b"b" * 8000) for i in range(9))
body = b'{"name":"' + b"a" * (2 << 20) + b'"}'
cases = [
    ("98 headers (100 with Host and Connection)", get(b"/healthz", fewer), "200"),
    ("101 headers", get(b"/healthz", many), "431"),
    ("one header line of 9000 bytes", get(b"/healthz", b"X-Long: " + b"a" * 9000 + b"\r\n"), "431"),
    ("9 header lines of 8000 bytes (72 KiB)", get(b"/healthz", big_headers), "431"),
    ("URI of 9000 bytes", get(b"/healthz?q=" + b"q" * 9000), "414"),
    ("request line of 70000 bytes", get(b"/healthz?q=" + b"q" * 70000), "414"),
    ("malformed request line", b"HELLO\r\n\r\n", "400"),
    ("body of 2 MiB (limit 1 MiB)", b"POST /flagger/rollout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body, "413"),
]
failed = False
print("| request | answer | expected | JSON error | ms |")
print("|---|---|---|---|---:|")
for what, raw, expected in cases:
    status, err, ms = exchange(raw)
    failed = failed or status != expected
    print(f"| {what} | {status} | {expected} | {err[:110]} | {ms:.1f} |")

forms = [("missing", None), ("empty", ""), ("`Bearer`", "Bearer"), ("`Bearer ` (no token)", "Bearer "),
         ("wrong token", "Bearer wrong"), ("prefix of the token", "Bearer " + token[:-1]),
         ("token and one more byte", "Bearer " + token + "x"), ("token, a space and more", "Bearer " + token + " x"),
         ("token without `Bearer `", token), ("lower-case `bearer`", "bearer " + token),
         ("two spaces after `Bearer`", "Bearer  " + token), ("`Basic` scheme", "Basic " + token),
         ("the right token", "Bearer " + token)]
routes = ["/api/v1/runs/sec/api/hold", "/api/v1/runs/sec/api/resume", "/api/v1/runs/sec/api/rollback", "/api/v1/runs"]
print()
print("| Authorization | " + " | ".join(f"`POST {r}`" for r in routes) + " |")
print("|---|" + "---|" * len(routes))
for what, header in forms:
    cells = []
    for route in routes:
        if header == "Bearer " + token and route.endswith("rollback"):
            cells.append("(not sent)")
            continue
        payload = (b'{"reason":"security.sh","namespace":"sec","name":"new-run"}')
        h = b"" if header is None else b"Authorization: " + header.encode() + b"\r\n"
        raw = (b"POST " + route.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + h +
               b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(payload) + payload)
        status, err, _ = exchange(raw)
        good = status in ("200", "201") if header == "Bearer " + token else status == "401"
        failed = failed or not good
        cells.append(status if header == "Bearer " + token else f"{status} {err}")
    print(f"| {what} | " + " | ".join(cells) + " |")
sys.exit(1 if failed else 0)
EOF
cat "$OUT/limits.md"

log "3/3 slow clients: $TRICKLE trickling headers, $SLOW_BODY slow bodies, a normal client for ${SLOW_SECONDS}s (load $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/python3 bench/slow_clients.py --port "$PORT" --trickle "$TRICKLE" --slow-body "$SLOW_BODY" \
  --duration "$SLOW_SECONDS" --post /flagger/rollout \
  --body '{"name":"api","namespace":"sec","checksum":"c1"}' > "$OUT/slow.json"
grep -E '^(VmRSS|VmHWM|Threads)' "/proc/$SERVE_PID/status" | tr -s ' \t' ' ' | paste -sd' ' > "$OUT/status"
slow_rc=0
/usr/bin/python3 - "$OUT" "$TRICKLE" "$SLOW_BODY" "$SLOW_SECONDS" >> "$OUT/limits.md" <<'EOF' || slow_rc=$?
import json, os, sys
out, trickle, slow_body, seconds = sys.argv[1:5]
r = json.load(open(os.path.join(out, "slow.json")))
status = open(os.path.join(out, "status")).read().strip()
print()
print(f"Slow clients ({trickle} trickling headers from 127.0.0.1, {slow_body} slow bodies from "
      f"127.0.0.3, a byte every 2 s; a normal client from 127.0.0.2 for {seconds} s; daemon "
      f"afterwards: {status}):")
print()
print("| normal requests | answered 200/412 | answers | p50 ms | p99 ms | max ms |")
print("|---:|---:|---|---:|---:|---:|")
print(f"| {r['normal_requests']} | {r['normal_ok']} | {', '.join(f'{k}: {v}' for k, v in sorted(r['normal_answers'].items()))} | "
      f"{r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} |")
print()
print("| slow connections | opened | cut by the server | after (median / max s) | answers |")
print("|---|---:|---:|---|---|")
for kind in ("trickle", "slow_body"):
    k = r[kind]
    print(f"| {kind} | {k['connections'] - k['refused']} | {k['cut_by_server']} | "
          f"{k['cut_after_s_median']} / {k['cut_after_s_max']} | {', '.join(f'{a}: {n}' for a, n in k['answers'].items())} |")
ok = r["normal_requests"] > 0 and r["normal_ok"] == r["normal_requests"]
sys.exit(0 if ok else 1)
EOF
tail -n 9 "$OUT/limits.md"
cp "$OUT/limits.md" "$OUT/tables.md"
[ "$limits_rc" -eq 0 ] && [ "$slow_rc" -eq 0 ]
