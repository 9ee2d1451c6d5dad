#!/usr/bin/env bash
# Fuzzes Verdict's parsers with libFuzzer (docs/reliability.md "Fuzzing").
#
# Installs what is missing (Debian: the build packages and VERDICT_FUZZ_PACKAGES),
# configures build-fuzz/ with clang and -DVERDICT_FUZZ=ON (ASan + UBSan +
# coverage), builds the targets of fuzz/ and runs each one for a set number
# of executions, starting from its seed corpus fuzz/corpus/<target>/ (read
# only; new units go to build-fuzz/corpus/<target>/) with its dictionary.
# Unless --no-report, the figures replace the targets' rows of the table in
# docs/reliability.md. A crash, hang (-timeout), leak or sanitizer report
# stops that target; its input is saved as build-fuzz/artifacts/<target>/
# crash-* (or timeout-*, leak-*, oom-*), the script goes on with the other
# targets and exits 1 at the end.
#
# Usage: ./scripts/fuzz.sh [--runs N] [--max-time S] [--target NAME]... [--no-report]
#        ./scripts/fuzz.sh --merge-corpus [--target NAME]...
#   --runs N       executions per target (default 10000000)
#   --max-time S   also stop each target after S seconds (default 0: no limit)
#   --target NAME  only this target (repeatable; fuzz_config_yaml or config_yaml)
#   --parallel N   run N targets at a time (default 1; each target is one process
#                  on one core)
#   --no-report    do not write docs/reliability.md
#   --merge-corpus do not fuzz: add to the committed corpus fuzz/corpus/<target>/
#                  the units of build-fuzz/corpus/<target>/ that reach code edges
#                  it lacks (libFuzzer -merge=1 -use_counters=0: edges, not hit
#                  counts, so a fraction of the files; new files are named by
#                  their SHA-1), so that ctest's replay (fuzz_corpus.<target>)
#                  and the CI pass run them
#   --list         print the targets and exit
# Several runs may share FUZZ_BUILD_DIR for different targets (e.g. one
# campaign per core): the build and the report are serialised with flock on
# $FUZZ_BUILD_DIR/.lock, rows are kept per target. Never run the same target
# twice at once: the runs would share its log and corpus.
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (build jobs,
# default nproc), ASAN_OPTIONS (default malloc_context_size=0: reports lose the
# allocation stacks, which re-running the saved input with
# ASAN_OPTIONS=malloc_context_size=30 gives back, for about 10% more
# executions per second; detection is the same). Run it niced on a shared
# machine: nice -n 19 ./scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

TARGETS_ALL=(fuzz_config_yaml fuzz_config_json fuzz_flagger_payload fuzz_prom_json fuzz_replay
  fuzz_kayenta_import fuzz_serve_config)
RUNS=10000000
MAX_TIME=0
PARALLEL=1
REPORT=1
MERGE=0
TARGETS=()
BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}"
DOC=docs/reliability.md

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS="$2"; shift 2 ;;
    --max-time) [ $# -ge 2 ] || die "--max-time needs seconds"; MAX_TIME="$2"; shift 2 ;;
    --target) [ $# -ge 2 ] || die "--target needs a name"; TARGETS+=("fuzz_${2#fuzz_}"); shift 2 ;;
    --parallel) [ $# -ge 2 ] || die "--parallel needs a number"; PARALLEL="$2"; shift 2 ;;
    --no-report) REPORT=0; shift ;;
    --merge-corpus) MERGE=1; shift ;;
    --list) printf '%s\n' "${TARGETS_ALL[@]}"; exit 0 ;;
    *) die "unknown argument \"$1\" (see --help)" ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs: \"$RUNS\" is not a positive whole number"
[[ "$PARALLEL" =~ ^[1-9][0-9]*$ ]] || die "--parallel: \"$PARALLEL\" is not a positive whole number"
[[ "$MAX_TIME" =~ ^[0-9]+$ ]] || die "--max-time: \"$MAX_TIME\" is not a whole number of seconds"
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${TARGETS_ALL[@]}")
for t in "${TARGETS[@]}"; do
  [[ " ${TARGETS_ALL[*]} " == *" $t "* ]] || die "--target: unknown target \"$t\" (targets: ${TARGETS_ALL[*]})"
done

# Longest input per target: the recordings' seeds are up to ~15 kB.
max_len_of() {
  case "$1" in
    fuzz_replay) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

ensure_packages "${VERDICT_BUILD_PACKAGES[@]}" "${VERDICT_FUZZ_PACKAGES[@]}"

mkdir -p "$BUILD_DIR"
exec 9>"$BUILD_DIR/.lock"
flock 9  # one configure and build at a time in $BUILD_DIR
log "configuring $BUILD_DIR/ (clang, -DVERDICT_FUZZ=ON)"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O1 and no NDEBUG: asserts stay on; ASan and UBSan come with VERDICT_FUZZ.
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DVERDICT_FUZZ=ON -DVERDICT_BUILD_TESTS=OFF \
  -DVERDICT_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "${launcher[@]}" >/dev/null
log "building ${TARGETS[*]}"
build_start=$(date +%s)
cmake --build "$BUILD_DIR" -j"${FUZZ_JOBS:-$(nproc)}" --target "${TARGETS[@]}" >"$BUILD_DIR/build.log" 2>&1 ||
  { tail -40 "$BUILD_DIR/build.log" >&2; die "the build failed (log: $BUILD_DIR/build.log)"; }
log "built in $(($(date +%s) - build_start)) s"
flock -u 9

export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0}"

if [ "$MERGE" = 1 ]; then
  for t in "${TARGETS[@]}"; do
    work="$BUILD_DIR/corpus/$t"
    [ -d "$work" ] || { log "$t: no $work/ to merge from; skipped"; continue; }
    mkdir -p "$BUILD_DIR/logs"
    merged=$(mktemp -d "${TMPDIR:-/tmp}/verdict-fuzz-merge.XXXXXX")
    cp "fuzz/corpus/$t"/* "$merged"/
    before=$(ls "$merged" | wc -l)
    "$BUILD_DIR/fuzz/$t" -merge=1 -use_counters=0 -use_value_profile=0 \
      -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2560 \
      "$merged" "$work" >"$BUILD_DIR/logs/$t.merge.log" 2>&1 ||
      { tail -5 "$BUILD_DIR/logs/$t.merge.log" >&2; rm -rf "$merged"; die "$t: the merge failed"; }
    cp -n "$merged"/* "fuzz/corpus/$t"/
    log "$t: fuzz/corpus/$t/ has $(ls "fuzz/corpus/$t" | wc -l) units ($(($(ls "$merged" | wc -l) - before)) added from $(ls "$work" | wc -l) in $work/)"
    rm -rf "$merged"
  done
  exit 0
fi
# This run's rows; other runs of fuzz.sh may share $BUILD_DIR at the same time
# (for other targets), so only this run's targets' rows are touched.
ROWS=$(mktemp "${TMPDIR:-/tmp}/verdict-fuzz-rows.XXXXXX")
trap 'rm -f "$ROWS"' EXIT
count_artifacts() {
  find "$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'leak-*' \
    -o -name 'oom-*' \) | wc -l
}
# fuzz_target T : runs target T; its table row goes to $BUILD_DIR/rows/T.md.
# Exit status 1 when it found something.
fuzz_target() {
  local t="$1" name work artifacts out args before start rc wall execs rate status cov ft corp crashes
  name="${t#fuzz_}"
  work="$BUILD_DIR/corpus/$t"
  artifacts="$BUILD_DIR/artifacts/$t"
  out="$BUILD_DIR/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$out")"
  args=(-runs="$RUNS" -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2560
    -print_final_stats=1 -artifact_prefix="$artifacts/")
  [ "$MAX_TIME" -gt 0 ] && args+=(-max_total_time="$MAX_TIME")
  [ -f "fuzz/$name.dict" ] && args+=(-dict="fuzz/$name.dict")
  log "fuzzing $t: ${args[*]} (log: $out)"
  before=$(count_artifacts "$artifacts")
  start=$(date +%s.%N)
  rc=0
  "$BUILD_DIR/fuzz/$t" "${args[@]}" "$work" "fuzz/corpus/$t" >"$out" 2>&1 || rc=$?
  wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" | tail -1)
  # The last status line: "#N  DONE  cov: C ft: F corp: U/Sb ..." (or pulse/NEW lines).
  status=$(grep -E '^#[0-9]+' "$out" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[kKMG]*b\).*/\1/p' <<<"$status")
  crashes=$(($(count_artifacts "$artifacts") - before))
  if [ "$rc" -ne 0 ]; then
    [ "${crashes:-0}" -gt 0 ] || crashes=1
    log "$t FAILED (exit $rc): $(grep -E 'ERROR|invariant failed|==[0-9]+==' "$out" | head -3 | tr '\n' ' ')"
    log "  log: $out; input: $(ls -t "$artifacts" | head -1)"
  else
    log "$t: ${execs:-?} executions in ${wall} s (${rate:-?}/s), cov ${cov:-?}, corpus ${corp:-?}"
  fi
  printf '| %s | %s | %s s | %s | %s | %s (ft %s) | %s | %s |\n' "$t" "${execs:-?}" "$wall" \
    "${rate:-?}" "${corp:-?}" "${cov:-?}" "${ft:-?}" "$crashes" "$(date -u +%Y-%m-%d)" \
    >"$BUILD_DIR/rows/$t.md"
  [ "$rc" -eq 0 ]
}

mkdir -p "$BUILD_DIR/rows"
for t in "${TARGETS[@]}"; do rm -f "$BUILD_DIR/rows/$t.md"; done
failed=()
if [ "$PARALLEL" -le 1 ]; then
  for t in "${TARGETS[@]}"; do fuzz_target "$t" || failed+=("$t"); done
else
  # Up to PARALLEL targets at a time; each one's outcome is read from its pid.
  declare -A pid_of=()
  for t in "${TARGETS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n || true; done
    fuzz_target "$t" &
    pid_of[$t]=$!
  done
  for t in "${TARGETS[@]}"; do wait "${pid_of[$t]}" || failed+=("$t"); done
fi
for t in "${TARGETS[@]}"; do cat "$BUILD_DIR/rows/$t.md"; done >"$ROWS"

if [ "$REPORT" = 1 ]; then
  # Replace the rows of the targets just run (others keep their last figures), in
  # TARGETS_ALL order, between the fuzz-table markers of docs/reliability.md.
  flock 9  # one report at a time
  [ -f "$DOC" ] && grep -q '<!-- fuzz-table:begin -->' "$DOC" || die "$DOC has no fuzz-table markers"
  awk -v rows="$ROWS" -v order="${TARGETS_ALL[*]}" '
    BEGIN {
      while ((getline line < rows) > 0) { split(line, f, " *\\| *"); fresh[f[2]] = line }
      n = split(order, names, " ")
    }
    /<!-- fuzz-table:begin -->/ { print; inside = 1; next }
    /<!-- fuzz-table:end -->/ {
      print "| target | executions | wall time | exec/s | corpus (units/bytes) | coverage (cov) | crashes | date |"
      print "|---|---:|---:|---:|---:|---:|---:|---|"
      for (i = 1; i <= n; i++) {
        if (names[i] in fresh) print fresh[names[i]]; else if (names[i] in old) print old[names[i]]
      }
      inside = 0; print; next
    }
    inside { if ($0 ~ /^\| fuzz_/) { split($0, f, " *\\| *"); old[f[2]] = $0 } next }
    { print }' "$DOC" >"$DOC.tmp"
  mv "$DOC.tmp" "$DOC"
  flock -u 9
  log "wrote the figures to $DOC"
fi
cat "$ROWS"
if [ ${#failed[@]} -gt 0 ]; then
  log "targets with a crash, hang or sanitizer report: ${failed[*]} (inputs in $BUILD_DIR/artifacts/)"
  exit 1
fi
log "no crash, hang or sanitizer report"
