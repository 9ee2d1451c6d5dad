#!/usr/bin/env bash
# Runs the full simulation study of `verdict simulate` and writes its tables,
# with the exact command that produced them, into the "Simulation study"
# section at the end of docs/sequential.md (everything above that section is
# kept; the section itself is regenerated).
#
# The study: 10000 healthy rollouts per K (95% intervals of about +-0.01 at
# rates up to 0.5) and 10000 per regression scenario and K, for K = 10, 50 and
# 100 looks, plus the peeking and autocorrelation checks against the published
# tables. It is seeded: the same command prints the same tables, whatever the
# thread count. It takes about 5-10 minutes on 2 cores (less than 15); it is
# not part of CI.
#
# Usage: ./scripts/simulate.sh                 (BUILD_DIR=build, THREADS=2)
#        ./scripts/simulate.sh --report-only   (rewrite the doc from the last run)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

BUILD_DIR="${BUILD_DIR:-build}"
THREADS="${THREADS:-2}"
OUT="$BUILD_DIR/simulation-results"
DOC=docs/sequential.md
MARKER="## Simulation study"
# The study's flags. Changing them changes the tables; the doc records them.
STUDY_ARGS=(--runs 10000 --power-runs 10000 --looks 10,50,100 --seed 20240611
            --peeking-runs 200000 --autocorrelation-runs 20000)
# The same healthy rollouts without the shared fluctuations of the error rate
# and latency: shows what the fluctuation does to the pooled fixed tests.
ABLATION_ARGS=(--scenario h0 --runs 4000 --looks 10,50,100 --seed 20240611
               --error-fluctuation 0 --latency-fluctuation 0 --peeking-runs 0
               --autocorrelation-runs 0)

# run_study NAME ARGS... : runs verdict simulate, saving tables, seconds, exit code.
run_study() {
  local name="$1"
  shift
  local start end status=0
  start=$(date +%s)
  "$BUILD_DIR/verdict" simulate "$@" --threads "$THREADS" --markdown >"$OUT/$name.md" ||
    status=$?
  end=$(date +%s)
  # Exit 1 = a Verdict method's false-alarm rate was significantly above
  # alpha: the tables still show it (and the doc says so); 2 = usage error.
  if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    log "verdict simulate $* failed (exit $status)"
    exit "$status"
  fi
  echo "$status" >"$OUT/$name.exit_code"
  echo "$((end - start))" >"$OUT/$name.seconds"
}

REPORT_ONLY=0
[ "${1:-}" = "--report-only" ] && REPORT_ONLY=1
mkdir -p "$OUT"
if [ "$REPORT_ONLY" = 0 ]; then
  log "building verdict (Release) in $BUILD_DIR/"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target verdict >/dev/null
  log "running the study on $THREADS threads (progress below)"
  run_study study "${STUDY_ARGS[@]}"
  log "running the ablation (no shared fluctuations)"
  run_study ablation "${ABLATION_ARGS[@]}"
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
    >"$OUT/machine"
fi
for f in study.md ablation.md study.seconds ablation.seconds machine; do
  [ -s "$OUT/$f" ] || { log "no $OUT/$f; run without --report-only"; exit 1; }
done
STUDY_SECONDS=$(cat "$OUT/study.seconds")
ABLATION_SECONDS=$(cat "$OUT/ablation.seconds")
MACHINE=$(cat "$OUT/machine")
EXIT_CODE=$(( $(cat "$OUT/study.exit_code") | $(cat "$OUT/ablation.exit_code") ))

# The reading of the tables. The study is deterministic for its seed, so the
# figures quoted here are the ones in the tables above them.
discussion() {
  cat <<'EOF'
### Reading the tables

(discussion to be written)
EOF
}

log "writing the \"$MARKER\" section of $DOC"
section="$OUT/section.md"
{
  cat <<EOF
$MARKER

Does Verdict keep its promise on realistic rollouts, and what does it cost? \`verdict simulate\`
(\`analyzer/simulation*.h\`, \`server/cli/simulate.cpp\`) simulates canary rollouts, applies Verdict's
tests and the peers' ways of judging at every look, and counts how often each fails a healthy
canary and how fast each catches a regression. These tables were produced by
\`scripts/simulate.sh\`, which ran

\`\`\`
verdict simulate ${STUDY_ARGS[*]} --threads $THREADS --markdown
\`\`\`

in ${STUDY_SECONDS} s on ${MACHINE} (and the ablation below in ${ABLATION_SECONDS} s). The study is seeded (every run's seed derives from
\`--seed\`, the scenario, K and the run's index), so this command prints exactly these tables again,
with any thread count.

**The rollouts.** A run is one rollout of K steps of 30 s with one look per step (K = 10, 50, 100:
5, 25 and 50 minutes). The canary's weight moves 10 → 20 → 30 → 40 → 50% in equal stages. The load
follows a diurnal curve between 10 and 1000 requests per second (each rollout starts at a random time
of day) with per-step noise; requests are Poisson. The control fails 1% of requests, times a
fluctuation shared by both sides (a log-AR(1) factor, sd 0.3, φ = 0.7: a downstream blip hits both);
each request fails independently. Latency is a mixture of two lognormals (97% with median 40 ms and
log-sd 0.5, 3% at 6× that median with log-sd 0.8: p99 ≈ 339 ms), its median multiplied per rollout by
a log-uniform factor in [½, 2] (so the p99 falls anywhere between Istio's bucket bounds) and per step
by a shared load-dependent slowdown; latencies are counted into Istio's default buckets (0.5, 1, 5,
10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, … ms, +Inf). The counts are exact Poisson
thinnings, so a side's errors given its requests are binomial per request and its bucket counts
multinomial. Regressions: the canary's error rate 1.5×, 2× or 5× the control's; every canary latency
1.1× or 1.5× the control's (p99 +10%, +50%).

**The methods**, all applied at every look and all testing "the canary is worse" (one-sided) at
α = 0.05:

| method | what it does at look t |
|---|---|
| Verdict count e-process | the anytime-valid e-process for the error-rate ratio, each step's request counts as exposures (the moving split included); fails when the anytime-valid p-value ≤ α |
| Fisher exact / two-proportion z, every look | the fixed-horizon test on the cumulative counts of steps 1..t, repeated at every look |
| Mann-Whitney on step rates, every look | R's \`wilcox.test\` (exact below 50 values without ties) on the t per-step error rates of each side: a Kayenta-style judge at the comparison's α |
| Kayenta rule, every look | Kayenta's NetflixACAJudge as shipped (\`MannWhitneyClassifier(tolerance = 0.25, confLevel = 0.98)\`): normal approximation always, fails ("High") when the lower end of the two-sided 98% Hodges-Lehmann interval exceeds 0.25 × \|estimate\| |
| Verdict bucket quantile test | the anytime-valid p99 comparison from the bucket increments |
| Verdict slow-request share | the count e-process on the share of requests slower than 500 ms (Flagger's usual latency threshold), from the same buckets |
| Mann-Whitney / Kayenta rule on step p99 | as above, on each side's per-step \`histogram_quantile(0.99, …)\` (Prometheus' interpolation within the bucket) |

Kayenta's own level is a 98% two-sided interval plus the tolerance (about α = 0.01 per direction
before the tolerance); the Mann-Whitney rows use α = 0.05 so that every method spends the same α.
Not reproduced from Kayenta: its IQR outlier filter (values beyond 3 interquartile ranges are
dropped before the test) and its replacement of missing values by 0 (steps without requests are
dropped here instead; they are rare). With one value per side R's interval cannot be computed, so
Kayenta reports an error, not a failure; the rule does the same.

### Results

EOF
  cat "$OUT/study.md"
  cat <<'EOF'

Cells: the rate over the runs; for healthy canaries, its 95% Wilson interval and, in parentheses, the
median look of the false alarms; for regressions, the power (the rate of ever failing the canary)
and, in parentheses, the median look of detection among the detected runs (a look is 30 s).

EOF
  cat <<EOF
### Without the shared fluctuations (ablation)

The same healthy rollouts with a constant 1% error rate and no shared slowdown:

\`\`\`
verdict simulate ${ABLATION_ARGS[*]} --threads $THREADS --markdown
\`\`\`

EOF
  sed -n '/^#### Healthy/,$p' "$OUT/ablation.md"
  echo
  discussion
  if [ "$EXIT_CODE" != 0 ]; then
    echo
    echo "**Warning: \`verdict simulate\` exited with $EXIT_CODE: a Verdict method failed healthy"
    echo "canaries significantly more often than α.**"
  fi
} >"$section"

tmp="$OUT/sequential.md.new"
if grep -q "^$MARKER\$" "$DOC"; then
  sed "/^$MARKER\$/,\$d" "$DOC" >"$tmp"
else
  cp "$DOC" "$tmp"
  echo >>"$tmp"
fi
cat "$section" >>"$tmp"
mv "$tmp" "$DOC"
log "wrote $DOC (study took ${STUDY_SECONDS} s, ablation ${ABLATION_SECONDS} s, exit code $EXIT_CODE)"
[ "$EXIT_CODE" = 0 ]
