#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian), builds Verdict
# and runs the whole test suite (unit, oracle, CLI and integration tests against
# a real Prometheus and VictoriaMetrics started by the tests on 127.0.0.1, and
# the report pages in a headless Chromium).
# Idempotent. Usage: ./scripts/test.sh [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

ensure_packages "${VERDICT_BUILD_PACKAGES[@]}" "${VERDICT_BROWSER_PACKAGES[@]}"
ensure_kubectl
ensure_node
ensure_browser_tests
build_verdict build
log "running the test suite"
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
