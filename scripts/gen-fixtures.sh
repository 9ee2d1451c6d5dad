#!/usr/bin/env bash
# Regenerates every oracle fixture in tests/fixtures from R and SciPy.
# Each generator is scripts/fixtures/gen_*.R (run with Rscript) or gen_*.py
# (run with /usr/bin/python3, Debian's python3-scipy). Fixtures are committed,
# so the test suite itself needs neither R nor SciPy.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
ensure_packages r-base-core r-cran-jsonlite python3-scipy python3-numpy
for g in scripts/fixtures/gen_*.R scripts/fixtures/gen_*.py; do
  [ -e "$g" ] || continue
  log "running $g"
  case "$g" in
    *.R) Rscript --vanilla "$g" ;;
    *.py) /usr/bin/python3 "$g" ;;
  esac
done
log "fixtures written to tests/fixtures/"
