#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian), builds Verdict
# and runs the whole test suite (unit, oracle, CLI and integration tests against
# a real Prometheus and VictoriaMetrics started by the tests on 127.0.0.1, and
# the report pages in a headless Chromium), then a short bounded libFuzzer pass
# of every fuzz target (scripts/fuzz.sh: clang, ASan, UBSan; about 3 minutes
# on 2 cores, most of it the instrumented build in build-fuzz-pass/, apart
# from the campaigns' build-fuzz/).
# Idempotent. Usage: ./scripts/test.sh [extra ctest args]
# With extra ctest args (a filtered run, e.g. -R Flagger) the fuzz pass is
# skipped; VERDICT_FUZZ_PASS=0 skips it too. VERDICT_FUZZ_PASS_SECONDS (10) is
# each target's time; FUZZ_BUILD_DIR moves its build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 0
fi
. scripts/common.sh

ensure_packages "${VERDICT_BUILD_PACKAGES[@]}" "${VERDICT_BROWSER_PACKAGES[@]}"
ensure_kubectl
ensure_node
ensure_browser_tests
build_verdict build
log "running the test suite"
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
if [ $# -eq 0 ] && [ "${VERDICT_FUZZ_PASS:-1}" != 0 ]; then
  log "a bounded libFuzzer pass of every fuzz target (docs/reliability.md \"In CI\")"
  FUZZ_BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz-pass}" ./scripts/fuzz.sh --runs 100000 \
    --max-time "${VERDICT_FUZZ_PASS_SECONDS:-10}" --parallel "$(nproc)" --no-report
fi
