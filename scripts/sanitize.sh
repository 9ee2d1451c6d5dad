#!/usr/bin/env bash
# Runs the test suites under sanitizers (docs/reliability.md "Sanitizers").
#
#   asan  builds the whole project with -DVERDICT_SANITIZE=ON (AddressSanitizer,
#         LeakSanitizer and UndefinedBehaviorSanitizer, which aborts on the
#         first report) in build-asan/ and runs the whole test suite (ctest).
#   tsan  builds with -DVERDICT_TSAN=ON (ThreadSanitizer) in build-tsan/ and
#         runs the daemon's concurrency tests: the suites of
#         tests/server/scheduler/, tests/server/http/ and
#         tests/integration/daemon_*_test.cpp (the daemon processes those
#         tests start are the instrumented `verdict` too).
# Every sanitizer report (also from child processes) is written to
# <build dir>/sanitizer-reports/; the script fails when a test fails or any
# report was written. Default: asan then tsan.
#
# Usage: ./scripts/sanitize.sh [asan] [tsan] [-- extra ctest args]
# Environment: SANITIZE_JOBS (build and ctest jobs, default nproc). On a
# shared machine: nice -n 19 ./scripts/sanitize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { printf 'sanitize.sh: %s\n' "$*" >&2; exit 2; }

MODES=()
CTEST_EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    asan | tsan) MODES+=("$1"); shift ;;
    --) shift; CTEST_EXTRA=("$@"); break ;;
    *) die "unknown argument \"$1\" (expected asan, tsan or --help)" ;;
  esac
done
[ ${#MODES[@]} -gt 0 ] || MODES=(asan tsan)
JOBS="${SANITIZE_JOBS:-$(nproc)}"

ensure_packages "${VERDICT_BUILD_PACKAGES[@]}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# configure_and_build DIR OPTION TARGET... : a RelWithDebInfo build (-O1, asserts on).
configure_and_build() {
  local dir="$1" option="$2"
  shift 2
  log "configuring $dir/ ($option)"
  cmake -S . -B "$dir" "$option" -DVERDICT_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "${launcher[@]}" >/dev/null
  log "building $* in $dir/ with $JOBS jobs"
  cmake --build "$dir" -j"$JOBS" --target "$@"
}

# check_reports DIR : fails when a sanitizer wrote a report.
check_reports() {
  local reports
  reports=$(find "$1" -type f 2>/dev/null | head -20)
  if [ -n "$reports" ]; then
    log "sanitizer reports in $1:"
    for r in $reports; do
      printf -- '--- %s\n' "$r" >&2
      head -30 "$r" >&2
    done
    return 1
  fi
}

status=0
for mode in "${MODES[@]}"; do
  case "$mode" in
    asan)
      dir=build-asan
      configure_and_build "$dir" -DVERDICT_SANITIZE=ON all
      reports="$PWD/$dir/sanitizer-reports"
      rm -rf "$reports" && mkdir -p "$reports"
      log "running the whole test suite under ASan + UBSan"
      start=$(date +%s)
      ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:log_path=$reports/asan" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan" \
        ctest --test-dir "$dir" --output-on-failure -j"$JOBS" "${CTEST_EXTRA[@]}" || status=1
      check_reports "$reports" || status=1
      log "asan: done in $(($(date +%s) - start)) s (status so far: $status)"
      ;;
    tsan)
      dir=build-tsan
      configure_and_build "$dir" -DVERDICT_TSAN=ON verdict verdict_server_tests verdict_integration_tests
      reports="$PWD/$dir/sanitizer-reports"
      rm -rf "$reports" && mkdir -p "$reports"
      # The suites defined in the concurrency tests' files, as a ctest regex.
      suites=$(grep -ho '^TEST\(_F\)\?([A-Za-z0-9_]*' tests/server/scheduler/*.cpp \
        tests/server/http/*.cpp tests/integration/daemon_*_test.cpp | sed 's/.*(//' | sort -u |
        paste -sd'|')
      [ -n "$suites" ] || die "no test suites found for tsan"
      log "running the concurrency tests under TSan: $suites"
      start=$(date +%s)
      # ignore_noninstrumented_modules: memcpy/memcmp called from Debian's
      # uninstrumented libcpp-httplib.so are not checked (its own loads and
      # stores never are, so TSan misses the acquire of its function-local
      # statics' guards and reported their first use as races); every access
      # from Verdict's instrumented code still is.
      TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:ignore_noninstrumented_modules=1:log_path=$reports/tsan" \
        ctest --test-dir "$dir" --output-on-failure -j"$JOBS" -R "^($suites)\\." \
        "${CTEST_EXTRA[@]}" || status=1
      check_reports "$reports" || status=1
      log "tsan: done in $(($(date +%s) - start)) s (status so far: $status)"
      ;;
  esac
done
[ "$status" -eq 0 ] && log "no test failure and no sanitizer report" ||
  log "FAILED: a test failed or a sanitizer reported (see above)"
exit "$status"
