#!/usr/bin/env bash
# Faults against the real binaries (docs/reliability.md "Faults"): kill -9 at
# random moments, Prometheus down, hanging, flapping and answering garbage,
# the disk full and the database locked, during runs driven through Flagger's
# webhooks and the on-call API.
#
# Starts on 127.0.0.1: two `verdict traffic` simulators (faults/api healthy,
# faults-bad/api with an error spike), a real Prometheus scraping them every
# second, verdict-fault-proxy in front of Prometheus (tests/tools/), and
# `verdict serve --db` through the proxy. Every answer the daemon gives with a
# 2xx is an acknowledged record (webhook calls, on-call holds, resumes and
# rollbacks, webhook-created runs); each is checked afterwards in the SQLite
# database. Scenarios:
#   kill        kill -9 the daemon at seeded random moments (some while it
#               starts), restart it on the same --db each time: no acknowledged
#               record lost, runs resume (new evaluations, holds, fail latches
#               and rollback requests kept), no 5xx, no pass on an error
#   prometheus  per fault (down: killed; hang: the proxy holds requests;
#               stopped: SIGSTOP; flap: 503 for 4 s, then 4 s of answers, and again; garbage: HTML
#               instead of JSON; truncated: half a body): webhooks answer only
#               200 or 412, confirm-promotion refuses once the fault outlasts
#               an interval and names the error, every pass answered cites an
#               evaluation without a source error, and the run passes again
#               after the fault
#   disk        the --db on a small tmpfs that is filled up, then freed
#   lock        another process holds the database's write lock (sqlite3 CLI,
#               BEGIN EXCLUSIVE), then lets go
#   (disk and lock: writes that cannot be made are refused, webhooks with 412,
#   on-call with 503, naming the error; never a 2xx for an unsaved record;
#   writes succeed again once space or lock is back)
# Prints progress, then a table of scenario / check / result and the figures;
# exit status 1 if any check failed, 2 for a usage error.
#
# Usage: ./scripts/faults.sh [--seed N] [--kills N] [--only LIST] [--help]
#   --seed N     seeds the kill moments and the driver's choices (default 12)
#   --kills N    kill -9 count of the kill scenario (default 50)
#   --only LIST  comma-separated scenarios (default kill,prometheus,disk,lock)
# Environment:
#   VERDICT_FAULTS_BIN        a built verdict (default: build it in build/)
#   VERDICT_FAULTS_PROXY_BIN  verdict-fault-proxy (default: next to the build)
#   VERDICT_FAULTS_FAULT_S    seconds each Prometheus/disk/lock fault lasts (default 10)
#   VERDICT_FAULTS_DEADLINE   the daemon's --deadline (default 10s: a loaded machine
#                             answers slowly even when nothing is broken)
#   VERDICT_FAULTS_REPORT     also write the table (markdown) to this file
#   VERDICT_FAULTS_KEEP=1     keep the work directory (logs, databases)
set -euo pipefail
cd "$(dirname "$0")/.."

SEED=12
KILLS=50
ONLY=kill,prometheus,disk,lock
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d;s/^# \{0,1\}//'; }
die() { echo "faults.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --help | -h) usage; exit 0 ;;
    --seed) [ $# -ge 2 ] || die "--seed needs a value"; SEED=$2; shift 2 ;;
    --kills) [ $# -ge 2 ] || die "--kills needs a value"; KILLS=$2; shift 2 ;;
    --only) [ $# -ge 2 ] || die "--only needs a value"; ONLY=$2; shift 2 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
case $SEED in '' | *[!0-9]*) die "--seed must be a whole number, got '$SEED'" ;; esac
case $KILLS in '' | *[!0-9]*) die "--kills must be a whole number, got '$KILLS'" ;; esac
FAULT_S=${VERDICT_FAULTS_FAULT_S:-10}
DEADLINE=${VERDICT_FAULTS_DEADLINE:-10s}
case $DEADLINE in [1-9]*s) ;; *) die "VERDICT_FAULTS_DEADLINE must be seconds like 10s, got '$DEADLINE'" ;; esac
case $FAULT_S in '' | *[!0-9]* | 0) die "VERDICT_FAULTS_FAULT_S must be a whole number >= 1, got '$FAULT_S'" ;; esac
for s in ${ONLY//,/ }; do
  case $s in kill | prometheus | disk | lock) ;; *) die "--only: unknown scenario '$s' (kill, prometheus, disk, lock)" ;; esac
done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

. scripts/common.sh
ensure_packages "${VERDICT_FAULTS_PACKAGES[@]}"
if [ -n "${VERDICT_FAULTS_BIN:-}" ]; then
  V=$VERDICT_FAULTS_BIN
  PROXY_BIN=${VERDICT_FAULTS_PROXY_BIN:-$(dirname "$V")/tests/verdict-fault-proxy}
else
  ensure_packages "${VERDICT_BUILD_PACKAGES[@]}"
  build_verdict build
  V=./build/verdict
  PROXY_BIN=${VERDICT_FAULTS_PROXY_BIN:-./build/tests/verdict-fault-proxy}
fi
[ -x "$V" ] || die "no verdict binary at $V"
[ -x "$PROXY_BIN" ] || die "no verdict-fault-proxy at $PROXY_BIN (set VERDICT_FAULTS_PROXY_BIN)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/verdict-faults.XXXXXX")
PIDS=()
DAEMON_PID=""
TMPFS=""
cleanup() {
  [ -f "$WORK/daemon.pid" ] && kill -9 "$(cat "$WORK/daemon.pid")" 2>/dev/null || true
  [ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null || true
  touch "$WORK/unlock"
  stop_processes "${PIDS[@]}"
  [ -n "$TMPFS" ] && umount "$TMPFS" 2>/dev/null || true
  if [ "${VERDICT_FAULTS_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo; log "interrupted: stopping everything"; exit 130' INT TERM

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
# wait_url URL SECONDS : polls until URL answers 200.
wait_url() {
  local deadline=$(($(date +%s) + $2))
  until curl -sf --max-time 2 "$1" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}
# listening_url NAME OUTFILE PID : waits for "NAME: listening on http://..." and prints the URL.
listening_url() {
  local deadline=$(($(date +%s) + 30)) url
  while [ "$(date +%s)" -lt "$deadline" ]; do
    url=$(sed -n "s/^$1: listening on \(http:[^ ]*\).*/\1/p" "$2" | head -1)
    [ -n "$url" ] && { echo "$url"; return 0; }
    kill -0 "$3" 2>/dev/null || break
    sleep 0.05
  done
  return 1
}

# ---------------------------------------------------------------- checks ---
declare -A CODES=() VIOL=() VIOL_EXAMPLE=()
ROWS=()
FAILED=0
# row SCENARIO CHECK RESULT(ok|FAIL) DETAIL
row() {
  ROWS+=("$1"$'\x1f'"$2"$'\x1f'"$3"$'\x1f'"$4")
  [ "$3" = ok ] || FAILED=1
}
violation() {  # violation SCENARIO WHAT DETAIL
  VIOL["$1|$2"]=$((${VIOL["$1|$2"]:-0} + 1))
  [ -n "${VIOL_EXAMPLE["$1|$2"]:-}" ] || VIOL_EXAMPLE["$1|$2"]=${3:0:300}
  log "VIOLATION [$1] $2: ${3:0:300}"
}
viol_row() {  # viol_row SCENARIO WHAT CHECK-TEXT : a row from the violation counter
  local n=${VIOL["$1|$2"]:-0}
  if [ "$n" -eq 0 ]; then row "$1" "$3" ok "0 violations"; else row "$1" "$3" FAIL "$n violations, e.g. ${VIOL_EXAMPLE["$1|$2"]}"; fi
}
codes_of() {  # codes_of SCENARIO : "200 x41, 412 x7"
  local k out=""
  while read -r k; do
    [ -n "$k" ] && out+="${out:+, }${k#* } x${CODES[$k]}"
  done < <(printf '%s\n' "${!CODES[@]}" | grep "^$1 " | sort)
  echo "${out:-none}"
}

TOKEN=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
echo "$TOKEN" >"$WORK/token"
SEQ=0
# post PATH DATA [auth] : POST to the daemon; sets CODE (000: no answer), BODY and ANSWER_MS.
post() {
  local args=(-s -o "$WORK/body" -w '%{http_code} %{time_total}' --max-time 20 -X POST -H 'Content-Type: application/json')
  [ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
  if [ "${2:0:1}" = @ ]; then args+=(--data-binary "$2"); else args+=(-d "$2"); fi
  local out
  out=$(curl "${args[@]}" "http://127.0.0.1:$DPORT$1" 2>/dev/null) || true
  CODE=${out%% *}
  [ -n "$CODE" ] || CODE=000
  ANSWER_MS=$(awk -v t="${out#* }" 'BEGIN {printf "%d", t * 1000}')
  BODY=$(cat "$WORK/body" 2>/dev/null || true)
  rm -f "$WORK/body"
}
field() { jq -r "$1 // empty" <<<"$BODY" 2>/dev/null || true; }
# hook SCENARIO TYPE NS CHECKSUM [PHASE] [PAD_BYTES] : one Flagger webhook for NS/api.
# Tallies the code; a 2xx is an acknowledged record; a 5xx a violation.
hook() {
  local scen=$1 type=$2 ns=$3 sum=$4 phase=${5:-Progressing} pad=${6:-0}
  SEQ=$((SEQ + 1))
  NONCE="$scen-$SEQ"
  local data="{\"name\":\"api\",\"namespace\":\"$ns\",\"checksum\":\"$sum\",\"phase\":\"$phase\",\"nonce\":\"$NONCE\""
  if [ "$pad" -gt 0 ]; then
    printf '%s,"padding":"%s"}' "$data" "$(head -c "$pad" /dev/zero | tr '\0' x)" >"$WORK/payload"
    post "/flagger/$type" "@$WORK/payload"
  else
    post "/flagger/$type" "$data}"
  fi
  CODES["$scen $CODE"]=$((${CODES["$scen $CODE"]:-0} + 1))
  case $CODE in
    2??) printf '%s\twebhook\t%s\t%s\n' "$scen" "$NONCE" "$CODE" >>"$ACKS" ;;
    5??) violation "$scen" 5xx "$type answered $CODE: $BODY" ;;
  esac
  VERDICT=$(field .verdict)
  EVAL=$(field .evaluation)
  REASON=$(field .reason)
  # Every pass the daemon answered with is checked later against the database.
  if [[ $CODE == 2?? && $VERDICT == pass ]]; then printf '%s\t%s\t%s\t%s\n' "$scen" "$ns" "$sum" "$EVAL" >>"$WORK/cited.tsv"; fi
}
# oncall SCENARIO ACTION NS : hold, resume or rollback of NS/api, reason unique.
oncall() {
  SEQ=$((SEQ + 1))
  local reason="faults $1 $2 #$SEQ"
  post "/api/v1/runs/$3/api/$2" "{\"reason\":\"$reason\",\"who\":\"faults.sh\"}" auth
  CODES["$1 $CODE"]=$((${CODES["$1 $CODE"]:-0} + 1))
  [[ $CODE == 2?? ]] && printf '%s\taction\t%s\t200\n' "$1" "$reason" >>"$ACKS"
  return 0
}
# new_run SCENARIO NS CHECKSUM : confirm-rollout of a new checksum starts a run (acknowledged on 2xx).
new_run() {
  hook "$1" confirm-rollout "$2" "$3"
  [[ $CODE == 2?? ]] && printf '%s\trun\t%s/api/%s\t200\n' "$1" "$2" "$3" >>"$ACKS"
  return 0
}
run_json() { curl -s --max-time 10 "http://127.0.0.1:$DPORT/api/v1/runs/$1/api" 2>/dev/null || true; }

# check_acks SCENARIO-REGEX DB : every acknowledged record of those scenarios is in DB
# (webhooks with the status answered). Sets ACKED and LOST.
check_acks() {
  sqlite3 -separator $'\t' "$2" "
    SELECT 'webhook', json_extract(payload, '\$.nonce'), status FROM webhooks
      WHERE json_valid(payload) AND json_extract(payload, '\$.nonce') IS NOT NULL;
    SELECT 'action', reason, 200 FROM actions;
    SELECT 'run', ns || '/' || name || '/' || checksum, 200 FROM runs;" | sort -u >"$WORK/stored.tsv"
  grep -E "^($1)	" "$ACKS" | cut -f2- | sort -u >"$WORK/acked.tsv" || true
  ACKED=$(wc -l <"$WORK/acked.tsv")
  LOST=$(comm -23 "$WORK/acked.tsv" "$WORK/stored.tsv" | wc -l)
  comm -23 "$WORK/acked.tsv" "$WORK/stored.tsv" | head -5 | sed 's/^/    lost: /' >&2
}
# check_cited SCENARIO DB : every pass answered cites an evaluation of its run that
# is a pass without a source error. Sets CITED and BAD_CITED.
check_cited() {
  CITED=0 BAD_CITED=0
  local scen ns sum seq got
  while IFS=$'\t' read -r scen ns sum seq; do
    [ "$scen" = "$1" ] || continue
    CITED=$((CITED + 1))
    got=$(sqlite3 "$2" "SELECT e.verdict || '|' || e.source_error FROM evaluations e JOIN runs r ON r.id = e.run_id
      WHERE r.ns = '$ns' AND r.name = 'api' AND r.checksum = '$sum' AND e.seq = ${seq:-0};")
    if [ "$got" != "pass|" ]; then
      BAD_CITED=$((BAD_CITED + 1))
      violation "$1" cited "pass answered for $ns/$sum cites evaluation ${seq:-none}: '${got:-not in the database}'"
    fi
  done <"$WORK/cited.tsv"
}
# pass_on_error DB : evaluations that are pass with a source error (must be 0).
pass_on_error() { sqlite3 "$1" "SELECT count(*) FROM evaluations WHERE verdict = 'pass' AND source_error != '';"; }

# --------------------------------------------------------------- processes ---
ACKS=$WORK/acks.tsv
: >"$ACKS"
: >"$WORK/cited.tsv"
log "work directory $WORK, seed $SEED"

start_traffic() {  # start_traffic NS V2_ERROR_RATE : sets TRAFFIC_TARGET
  "$V" traffic --listen 127.0.0.1:0 --namespace "$1" --service api --rps 20000 --canary-weight 50 \
    --v1-pods 1 --v2-pods 1 --v2-error-rate "$2" --noise none >"$WORK/traffic-$1.out" 2>"$WORK/traffic-$1.log" &
  PIDS+=($!)
  local url
  url=$(listening_url "verdict traffic" "$WORK/traffic-$1.out" $!) || { cat "$WORK/traffic-$1.log" >&2; exit 1; }
  TRAFFIC_TARGET=${url#http://}
}
start_traffic faults 0.005
T1=$TRAFFIC_TARGET
start_traffic faults-bad 0.05
T2=$TRAFFIC_TARGET

write_scrape_config "$WORK/prometheus.yml" "$T1" "$T2"
PROM_PORT=$(free_port)
PROM_PID=""
start_prometheus() {
  prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >>"$WORK/prometheus.log" 2>&1 &
  PROM_PID=$!
  PIDS+=($PROM_PID)
  wait_url "http://127.0.0.1:$PROM_PORT/-/ready" 60 || { log "Prometheus did not start"; cat "$WORK/prometheus.log" >&2; exit 1; }
}
start_prometheus
log "Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') on 127.0.0.1:$PROM_PORT scrapes faults/api and faults-bad/api"

"$PROXY_BIN" --backend-port "$PROM_PORT" >"$WORK/proxy.out" 2>"$WORK/proxy.log" &
PROXY_PID=$!
PIDS+=($PROXY_PID)
PROXY_URL=$(listening_url verdict-fault-proxy "$WORK/proxy.out" $!) || { cat "$WORK/proxy.log" >&2; exit 1; }
sleep 0.2
CONTROL_URL=$(sed -n 's/^verdict-fault-proxy: control on \(http:[^ ]*\).*/\1/p' "$WORK/proxy.out")
fault() { curl -sf -X PUT -d '' "$CONTROL_URL/$1" >/dev/null || { log "proxy control $1 failed"; exit 1; }; }
log "fault proxy at $PROXY_URL (control $CONTROL_URL)"

cp examples/demo/api-analysis.yaml "$WORK/api-analysis.yaml"
cat >"$WORK/serve.yaml" <<YAML
analyses:
  api:
    config: api-analysis.yaml
default: api
YAML
DPORT=$(free_port)
DB=$WORK/verdict.db
# spawn_daemon DB [ulimit prefix] : starts verdict serve on DPORT (DAEMON_PID), not waiting.
spawn_daemon() {
  "$V" serve --prometheus "$PROXY_URL" --listen "127.0.0.1:$DPORT" --config "$WORK/serve.yaml" \
    --db "$1" --token-file "$WORK/token" --interval 1s --step 1s --answer-within 3s --deadline "$DEADLINE" \
    >>"$WORK/serve.out" 2>>"$WORK/serve.log" &
  DAEMON_PID=$!
  echo "$DAEMON_PID" >"$WORK/daemon.pid"
}
ready_ms() {  # ready_ms : waits (30 s) for /readyz; prints the ms it took
  local t0
  t0=$(now_ms)
  wait_url "http://127.0.0.1:$DPORT/readyz" 30 || { log "verdict serve is not ready; its log:"; tail -20 "$WORK/serve.log" >&2; exit 1; }
  echo $(($(now_ms) - t0))
}
stop_daemon() {  # kill -9, and wait until it is gone
  [ -n "$DAEMON_PID" ] || return 0
  kill -9 "$DAEMON_PID" 2>/dev/null || true
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=""
}

# ------------------------------------------------------------------- kill ---
# The daemon's owner is the killer (a background subshell, so it can wait for
# each daemon it kills); the driver plays Flagger and on-call meanwhile.
killer() {
  RANDOM=$((SEED * 7 + 1))
  local k delay early pre rid t_spawn t_ready t_eval cur
  for k in $(seq 1 "$KILLS"); do
    kill -0 $$ 2>/dev/null || exit 0  # the script is gone
    t_spawn=$(now_ms)
    spawn_daemon "$DB"
    early=$((RANDOM % 8 == 0))
    if [ "$early" -eq 1 ]; then
      delay=$((RANDOM % 400))
      sleep_ms "$delay"
      printf 'kill\t%d\tstarting\t%d\t-\t-\n' "$k" "$delay" >>"$WORK/kills.tsv"
    else
      wait_url "http://127.0.0.1:$DPORT/readyz" 30 || { echo "kill $k: not ready" >>"$WORK/kills.err"; }
      t_ready=$(($(now_ms) - t_spawn))
      # Resume: the newest active run of faults/api gets an evaluation after the restart.
      t_eval=-
      rid=$(sqlite3 "$DB" "SELECT id FROM runs WHERE ns = 'faults' AND state = 'active' ORDER BY id DESC LIMIT 1;" 2>/dev/null || true)
      if [ -n "$rid" ]; then
        pre=$(cat "$WORK/maxseq.$rid" 2>/dev/null || echo 0)
        local deadline=$(($(now_ms) + 20000))
        while [ "$(now_ms)" -lt "$deadline" ]; do
          cur=$(sqlite3 "$DB" "SELECT coalesce(max(seq), 0) FROM evaluations WHERE run_id = $rid;" 2>/dev/null || echo 0)
          if [ "${cur:-0}" -gt "$pre" ]; then t_eval=$(($(now_ms) - t_spawn)); break; fi
          sleep 0.05
        done
        if [ "$t_eval" = - ]; then
          # The driver may have ended the run meanwhile (a promotion, a rollback).
          if [ "$(sqlite3 "$DB" "SELECT state FROM runs WHERE id = $rid;" 2>/dev/null)" = active ]; then
            echo "kill $k: run $rid got no evaluation after seq $pre within 20 s" >>"$WORK/kills.err"
          else
            t_eval=ended
          fi
        fi
      fi
      delay=$((200 + RANDOM % 2500))
      sleep_ms "$delay"
      printf 'kill\t%d\trunning\t%d\t%s\t%s\n' "$k" "$delay" "$t_ready" "$t_eval" >>"$WORK/kills.tsv"
    fi
    kill -9 "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
    # What the dead daemon had written: the next one must go beyond it.
    sqlite3 "$DB" "SELECT run_id, max(seq) FROM evaluations GROUP BY run_id;" 2>/dev/null |
      while IFS='|' read -r r s; do echo "$s" >"$WORK/maxseq.$r"; done
    [ $((k % 10)) -eq 0 ] && log "kill: $k of $KILLS kills done"
  done
  touch "$WORK/killer.done"
}

# drive_kill : Flagger and on-call against the daemon while the killer works.
# Tracks what was acknowledged and checks the answers stay consistent with it.
drive_kill() {
  local n=0 run_ok=0 bad_n=0 held=0 rollback=0 latched=0 sum bad_sum op
  sum="kill-1"
  bad_sum="kill-bad-1"
  local started=0 bad_started=0
  while [ ! -e "$WORK/killer.done" ]; do
    n=$((n + 1))
    if [ "$started" -eq 0 ]; then
      new_run kill faults "$sum"
      [[ $CODE == 2?? ]] && { started=1; held=0; rollback=0; hook kill pre-rollout faults "$sum"; }
      continue
    fi
    if [ "$bad_started" -eq 0 ]; then
      new_run kill faults-bad "$bad_sum"
      [[ $CODE == 2?? ]] && { bad_started=1; latched=0; }
      continue
    fi
    op=$((RANDOM % 20))
    case $op in
      0 | 1 | 2 | 3)
        hook kill rollout faults "$sum"
        if [ "$rollback" -eq 1 ] && [[ $CODE == 2?? ]]; then violation kill rollback-lost "rollout 200 after an acknowledged on-call rollback of $sum: $BODY"; fi ;;
      4 | 5 | 6)
        hook kill confirm-traffic-increase faults "$sum"
        if [ "$held" = 1 ] && [[ $CODE == 2?? ]]; then violation kill hold-lost "confirm-traffic-increase 200 while $sum is held: $BODY"; fi ;;
      7)
        hook kill confirm-promotion faults "$sum"
        if [[ $CODE == 2?? ]]; then
          [ "$held" = 1 ] && violation kill hold-lost "confirm-promotion 200 while $sum is held: $BODY"
          run_ok=$((run_ok + 1)); sum="kill-$((run_ok + 1))"; started=0
        fi ;;
      8 | 9)
        if [ "$held" = 0 ]; then oncall kill hold faults; [[ $CODE == 2?? ]] && held=1; [ "$CODE" = 000 ] && held=unknown
        else oncall kill resume faults; [[ $CODE == 2?? ]] && held=0; [ "$CODE" = 000 ] && held=unknown; fi ;;
      10)
        if [ $((RANDOM % 16)) -eq 0 ]; then
          oncall kill rollback faults
          [[ $CODE == 2?? ]] && rollback=1
          [ "$CODE" = 000 ] && rollback=unknown
        fi ;;
      11)
        hook kill rollback faults "$sum"
        if [[ $CODE == 2?? ]]; then
          [ "$rollback" != 0 ] || violation kill rollback "rollback 200 for $sum without a failure or a request: $BODY"
          run_ok=$((run_ok + 1)); sum="kill-$((run_ok + 1))"; started=0
        fi ;;
      12 | 13 | 14)
        hook kill rollout faults-bad "$bad_sum"
        if [ "$CODE" = 412 ] && [ "$VERDICT" = fail ]; then latched=1; fi
        if [ "$latched" = 1 ] && [[ $CODE == 2?? ]]; then violation kill latch-lost "rollout 200 after $bad_sum failed: $BODY"; fi ;;
      15)
        hook kill confirm-promotion faults-bad "$bad_sum"
        [[ $CODE == 2?? ]] && violation kill bad-promoted "confirm-promotion 200 for the erroring canary: $BODY" ;;
      16)
        hook kill rollback faults-bad "$bad_sum"
        if [[ $CODE == 2?? ]]; then bad_n=$((bad_n + 1)); bad_sum="kill-bad-$((bad_n + 1))"; bad_started=0; fi ;;
      17) hook kill event faults "$sum" ;;
      *) hook kill confirm-rollout faults "$sum" ;;
    esac
    # An on-call answer lost to a kill leaves the state unknown: read it back
    # once the daemon answers.
    if [ "$held" = unknown ] || [ "$rollback" = unknown ]; then
      local h r
      h="" r=""
      read -r h r < <(run_json faults | jq -r 'if .checksum == "'"$sum"'" then "\(.held) \(.rollback_requested)" else empty end' 2>/dev/null || true) || true
      if [ -n "${h:-}" ]; then
        [ "$held" = unknown ] && { [ "$h" = true ] && held=1 || held=0; }
        [ "$rollback" = unknown ] && { [ "$r" = true ] && rollback=1 || rollback=0; }
      fi
    fi
    sleep_ms $((RANDOM % 60))
  done
  KILL_RUNS=$((run_ok + bad_n))
  KILL_SUM=$sum
  KILL_BAD_SUM=$bad_sum
}

scenario_kill() {
  log "kill: $KILLS kill -9 at random moments (seed $SEED) while Flagger and on-call drive faults/api and faults-bad/api"
  : >"$WORK/kills.tsv"
  RANDOM=$SEED
  killer &
  local killer_pid=$! t0
  PIDS+=($killer_pid)
  t0=$(now_ms)
  drive_kill
  wait "$killer_pid"
  local took=$(($(now_ms) - t0))
  spawn_daemon "$DB"
  local ready
  ready=$(ready_ms)
  # Flagger ends both rollouts, so the next scenarios start with no run.
  hook kill post-rollout faults "$KILL_SUM" Succeeded
  hook kill post-rollout faults-bad "$KILL_BAD_SUM" Failed
  local kills starting ready_med ready_max eval_med eval_max checked
  kills=$(wc -l <"$WORK/kills.tsv")
  starting=$(awk -F'\t' '$3 == "starting"' "$WORK/kills.tsv" | wc -l)
  read -r ready_med ready_max < <(awk -F'\t' '$5 != "-" {print $5}' "$WORK/kills.tsv" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[NR]}')
  read -r eval_med eval_max < <(awk -F'\t' '$6 ~ /^[0-9]+$/ {print $6}' "$WORK/kills.tsv" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[NR]}')
  checked=$(awk -F'\t' '$6 ~ /^[0-9]+$/' "$WORK/kills.tsv" | wc -l)
  row kill "kill -9 at random moments" "$([ "$kills" -ge "$KILLS" ] && echo ok || echo FAIL)" \
    "$kills kills ($starting while starting) in $((took / 1000)) s; $KILL_RUNS runs ended through webhooks"
  check_acks kill "$DB"
  row kill "acknowledged records kept" "$([ "$LOST" -eq 0 ] && echo ok || echo FAIL)" "$ACKED records checked, $LOST lost"
  if [ -s "$WORK/kills.err" ]; then
    row kill "runs resume after each restart" FAIL "$(head -1 "$WORK/kills.err")"
  else
    row kill "runs resume after each restart" ok "$checked restarts checked: ready in ${ready_med:-?} ms median (max ${ready_max:-?}), first new evaluation ${eval_med:-?} ms median (max ${eval_max:-?}) after the restart"
  fi
  viol_row kill hold-lost "hold kept across kills"
  viol_row kill rollback-lost "on-call rollback kept across kills"
  viol_row kill latch-lost "fail latch kept across kills"
  viol_row kill bad-promoted "erroring canary never promoted"
  viol_row kill 5xx "no 5xx ($(codes_of kill))"
  check_cited kill "$DB"
  row kill "every pass answered is a pass on good data" "$([ "$BAD_CITED" -eq 0 ] && echo ok || echo FAIL)" "$CITED passes checked, $BAD_CITED bad; $(pass_on_error "$DB") evaluations pass with a source error"
}

# ------------------------------------------------------------- prometheus ---
# wait_pass SCENARIO CHECKSUM SECONDS : rollout hooks until the verdict is pass; prints ms.
wait_pass() {
  local t0 deadline
  t0=$(now_ms)
  deadline=$((t0 + $3 * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    hook "$1" rollout faults "$2"
    [ "$CODE" = 200 ] && [ "$VERDICT" = pass ] && { echo $(($(now_ms) - t0)); return 0; }
    sleep 0.3
  done
  echo -1
}

# prom_phase NAME ON-CMD OFF-CMD ERROR-REGEX : one Prometheus fault during a run
# that passed before it.
prom_phase() {
  local name=$1 on=$2 off=$3 pattern=$4 scen="prom-$1" sum="prom-$1-$SEED"
  log "prometheus: $name for $FAULT_S s"
  new_run "$scen" faults "$sum"
  hook "$scen" pre-rollout faults "$sum"
  local base
  base=$(wait_pass "$scen" "$sum" 90)
  eval "$on"
  local t0 first_refusal=- promo=- named=0 promos=0 reasons=""
  t0=$(now_ms)
  while [ $(($(now_ms) - t0)) -lt $((FAULT_S * 1000)) ]; do
    hook "$scen" rollout faults "$sum"
    [ "$CODE" = 412 ] && [ "$first_refusal" = - ] && first_refusal=$(($(now_ms) - t0))
    [[ $CODE =~ ^(200|412)$ ]] || violation "$scen" code "rollout answered $CODE: $BODY"
    hook "$scen" confirm-traffic-increase faults "$sum"
    [[ $CODE =~ ^(200|412)$ ]] || violation "$scen" code "confirm-traffic-increase answered $CODE: $BODY"
    # Past one interval + --answer-within (+2 s slack), a constant fault must refuse the promotion.
    if [ "$name" != flap ] && [ $(($(now_ms) - t0)) -ge 6000 ] && [ "$promo" = - ]; then
      hook "$scen" confirm-promotion faults "$sum"
      promo=$CODE
      reasons=$REASON
      [ "$CODE" = 412 ] || violation "$scen" promoted "confirm-promotion $CODE during the fault: $BODY"
      [[ $REASON =~ $pattern ]] && named=1
      [ "$CODE" = 200 ] && break
    fi
    if [ "$name" = flap ] && [ $((RANDOM % 3)) -eq 0 ]; then
      hook "$scen" confirm-promotion faults "$sum"
      [[ $CODE == 2?? ]] && { promos=$((promos + 1)); sum="$sum-x$promos"; new_run "$scen" faults "$sum"; }
      [[ $REASON =~ $pattern ]] && named=1 && reasons=$REASON
    fi
    sleep 0.2
  done
  eval "$off"
  local rec
  rec=$(wait_pass "$scen" "$sum" 90)
  hook "$scen" confirm-promotion faults "$sum"
  local final=$CODE
  local detail="baseline pass after ${base} ms; first 412 ${first_refusal} ms into the fault"
  [ "$name" = flap ] && detail+="; $promos promotions during the flapping (each on a good evaluation)"
  row "$scen" "answers only 200 or 412 ($(codes_of "$scen"))" "$([ "${VIOL["$scen|code"]:-0}" -eq 0 ] && [ "${VIOL["$scen|5xx"]:-0}" -eq 0 ] && echo ok || echo FAIL)" "$detail"
  if [ "$name" != flap ]; then
    row "$scen" "no promotion during the fault, error named" "$([ "$promo" = 412 ] && [ "$named" = 1 ] && echo ok || echo FAIL)" "confirm-promotion $promo: ${reasons:0:140}"
  else
    # The evaluations that met the 503s are errors naming them.
    local errs named_errs
    errs=$(sqlite3 "$DB" "SELECT count(*) FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE r.checksum LIKE 'prom-flap-%' AND e.source_error != '';")
    named_errs=$(sqlite3 "$DB" "SELECT count(*) FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE r.checksum LIKE 'prom-flap-%' AND e.source_error LIKE '%unavailable%' AND e.verdict = 'error';")
    row "$scen" "evaluations meeting the 503s are errors naming them" "$([ "$errs" -gt 0 ] && [ "$errs" = "$named_errs" ] && echo ok || echo FAIL)" \
      "$errs evaluations in error, $named_errs of them verdict error naming 503/unavailable; ${named} refusal(s) naming it: ${reasons:0:100}"
  fi
  check_cited "$scen" "$DB"
  row "$scen" "every pass answered is a pass on good data" "$([ "$BAD_CITED" -eq 0 ] && echo ok || echo FAIL)" "$CITED passes checked, $BAD_CITED bad"
  row "$scen" "recovers after the fault" "$([ "$rec" -ge 0 ] && [ "$final" = 200 ] && echo ok || echo FAIL)" "pass again ${rec} ms after the fault ended; confirm-promotion then $final"
  [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null || row "$scen" "daemon alive" FAIL "verdict serve exited"
}

scenario_prometheus() {
  [ -n "$DAEMON_PID" ] || { spawn_daemon "$DB"; ready_ms >/dev/null; }
  prom_phase down 'kill -9 $PROM_PID; wait $PROM_PID 2>/dev/null || true' 'start_prometheus' \
    'refused|connect|unreachable|502|unavailable'
  prom_phase hang 'fault "fault?kind=hang"' 'fault "fault?kind=none"' 'deadline|timed? ?out|not answered|hang'
  prom_phase stopped 'kill -STOP $PROM_PID' 'kill -CONT $PROM_PID' 'deadline|timed? ?out|not answered'
  prom_phase flap 'fault "flap?kind=unavailable&period_ms=4000"' 'fault "fault?kind=none"' '503|unavailable'
  prom_phase garbage 'fault "fault?kind=non-json"' 'fault "fault?kind=none"' 'JSON|json|parse|html'
  prom_phase truncated 'fault "fault?kind=truncated"' 'fault "fault?kind=none"' 'JSON|json|parse|truncat|body|connection|read'
  row prometheus "pass on an error in the database" "$([ "$(pass_on_error "$DB")" -eq 0 ] && echo ok || echo FAIL)" "$(pass_on_error "$DB") evaluations pass with a source error"
}

# ------------------------------------------------------------ disk / lock ---
# store_phase SCENARIO ON-CMD OFF-CMD ERROR-REGEX : writes while the store cannot take them.
store_phase() {
  local scen=$1 on=$2 off=$3 pattern=$4 sum="$1-$SEED"
  new_run "$scen" faults "$sum"
  hook "$scen" pre-rollout faults "$sum"
  oncall "$scen" hold faults
  local before_ok=$CODE
  eval "$on"
  local t0 refused=0 other=0 acked_during=0 example="" i=0 newsum slowest=0
  t0=$(now_ms)
  while [ $(($(now_ms) - t0)) -lt $((FAULT_S * 1000)) ]; do
    i=$((i + 1))
    case $((i % 5)) in
      1) hook "$scen" event faults "$sum" Progressing 60000 ;;
      2) oncall "$scen" hold faults ;;
      3) hook "$scen" rollout faults "$sum" Progressing 30000 ;;
      4) newsum="$sum-new$i"; new_run "$scen" faults-bad "$newsum" ;;
      0) hook "$scen" confirm-promotion faults "$sum"
         [[ $CODE == 2?? ]] && violation "$scen" promoted "confirm-promotion $CODE on a held run: $BODY" ;;
    esac
    [ "$ANSWER_MS" -gt "$slowest" ] && slowest=$ANSWER_MS
    local msg
    msg=$(field .reason)
    [ -n "$msg" ] || msg=$(field .error)
    if [[ $CODE == 2?? ]]; then
      acked_during=$((acked_during + 1))
    elif [[ $msg =~ $pattern ]]; then
      refused=$((refused + 1))
      example=$msg
    else
      other=$((other + 1))
    fi
    # Webhooks never 5xx (hook counts those); on-call may say 503 (try again).
    [[ $CODE == 5?? && $CODE != 503 ]] && violation "$scen" code "answered $CODE: $BODY"
  done
  eval "$off"
  local tr rec=-1
  tr=$(now_ms)
  while [ $(($(now_ms) - tr)) -lt 30000 ]; do
    hook "$scen" event faults "$sum" Progressing 60000
    [ "$CODE" = 200 ] && { rec=$(($(now_ms) - tr)); break; }
    sleep 0.1
  done
  oncall "$scen" resume faults
  local after=$CODE
  row "$scen" "writes refused while the store is down ($(codes_of "$scen"))" \
    "$([ "$refused" -gt 0 ] && [ "${VIOL["$scen|code"]:-0}" -eq 0 ] && [ "${VIOL["$scen|5xx"]:-0}" -eq 0 ] && echo ok || echo FAIL)" \
    "$refused refused naming the store error (e.g. \"${example:0:110}\"), $other refused for other reasons (hold, data source), $acked_during acknowledged (saved) during the fault, slowest answer $slowest ms; webhook 5xx: ${VIOL["$scen|5xx"]:-0}"
  viol_row "$scen" promoted "held run never promoted"
  row "$scen" "writes succeed again" "$([ "$rec" -ge 0 ] && [ "$after" = 200 ] && [ "$before_ok" = 200 ] && echo ok || echo FAIL)" "a 60 KB webhook saved ${rec} ms after the fault ended; on-call resume $after"
}

scenario_disk() {
  stop_daemon
  TMPFS=$WORK/tmpfs
  mkdir -p "$TMPFS"
  if ! mount -t tmpfs -o size=8m tmpfs "$TMPFS" 2>"$WORK/mount.err"; then
    TMPFS=""
    row disk "tmpfs for a full disk" FAIL "mount failed (root needed): $(head -1 "$WORK/mount.err")"
    return
  fi
  log "disk: --db on an 8 MiB tmpfs, filled for $FAULT_S s"
  local db2=$TMPFS/verdict.db
  spawn_daemon "$db2"
  ready_ms >/dev/null
  store_phase disk 'dd if=/dev/zero of="$TMPFS/filler" bs=16k 2>/dev/null || true' 'rm -f "$TMPFS/filler"' 'is full'
  # Every acknowledged record of the phase is in the file after a kill -9.
  stop_daemon
  check_acks disk "$db2"
  row disk "acknowledged records kept (after kill -9)" "$([ "$LOST" -eq 0 ] && echo ok || echo FAIL)" "$ACKED records checked, $LOST lost"
  row disk "pass on an error in the database" "$([ "$(pass_on_error "$db2")" -eq 0 ] && echo ok || echo FAIL)" "$(pass_on_error "$db2") evaluations pass with a source error"
  umount "$TMPFS" && TMPFS=""
}

scenario_lock() {
  stop_daemon
  spawn_daemon "$DB"
  ready_ms >/dev/null
  log "lock: sqlite3 holds BEGIN EXCLUSIVE on the daemon's database for $FAULT_S s"
  rm -f "$WORK/unlock" "$WORK/locked" "$WORK/lock.out"
  local lock_pid
  store_phase lock \
    '{ echo "BEGIN EXCLUSIVE;"; echo ".shell touch \"$WORK/locked\""; while [ ! -e "$WORK/unlock" ]; do sleep 0.1; done; echo "COMMIT;"; } | sqlite3 "$DB" >"$WORK/lock.out" 2>&1 & lock_pid=$!; until [ -e "$WORK/locked" ]; do sleep 0.05; done' \
    'touch "$WORK/unlock"; wait $lock_pid || true' 'locked|busy'
  stop_daemon
  check_acks lock "$DB"
  row lock "acknowledged records kept (after kill -9)" "$([ "$LOST" -eq 0 ] && echo ok || echo FAIL)" "$ACKED records checked, $LOST lost"
}

# --------------------------------------------------------------------- run ---
T_START=$(date +%s)
wants kill && scenario_kill
wants prometheus && scenario_prometheus
wants disk && scenario_disk
wants lock && scenario_lock
stop_daemon
kill -0 "$PROXY_PID" 2>/dev/null || row all "fault proxy alive" FAIL "verdict-fault-proxy exited: $(cat "$WORK/proxy.log")"
# Everything acknowledged on the main database, once more at the end.
check_acks 'kill|prom-.*|lock' "$DB"
row all "acknowledged records on the main database" "$([ "$LOST" -eq 0 ] && echo ok || echo FAIL)" "$ACKED records checked, $LOST lost"

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo
  echo "| scenario | check | result | figures |"
  echo "|---|---|---|---|"
  for r in "${ROWS[@]}"; do
    IFS=$'\x1f' read -r a b c d <<<"$r"
    echo "| $a | $b | $c | $d |"
  done
  echo
  echo "seed $SEED, $KILLS kills asked, fault length $FAULT_S s, $(($(date +%s) - T_START)) s in all, $(nproc) cores, load average $LOAD at the end, $(date -u +%Y-%m-%d)"
} | tee "${VERDICT_FAULTS_REPORT:-/dev/null}"
[ "$FAILED" -eq 0 ] || { log "some checks failed"; exit 1; }
log "every check passed"
