#!/usr/bin/env bash
# Benchmarks `verdict compare mann-whitney` against SciPy and R on identical
# data, runs the Google Benchmark suite (bench/stats_bench.cpp), and writes
# the figures to docs/benchmarks.md.
#
#   1. verdict, whole process (read two files, U, p-value, exact Hodges-Lehmann
#      estimate and 95% CI, JSON out) at n = m = 1e6, timed with hyperfine,
#      vs SciPy mannwhitneyu (p-value only, data already in memory) at 1e6.
#      Target: verdict <= 0.5 x SciPy.
#   2. verdict (same) vs R wilcox.test(conf.int = TRUE) (data in memory) at
#      n = m = 1e5. Target: verdict >= 50x faster.
# Data: seeded log-normal latencies in ms rounded to 0.1 ms (heavy ties, like
# real latency data), generated once into $BUILD_DIR/bench-data; a continuous
# (untied) 1e6 pair is timed too, for information.
#
# Usage: ./scripts/bench.sh                (BUILD_DIR=build by default)
#        ./scripts/bench.sh --report-only  (rewrite the doc from the last results)
# Needs: hyperfine, R (r-base-core), SciPy for /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

BUILD_DIR="${BUILD_DIR:-build}"
DATA="$BUILD_DIR/bench-data"
OUT="$BUILD_DIR/bench-results"
PY=/usr/bin/python3
ensure_packages hyperfine r-base-core python3-scipy python3-numpy libbenchmark-dev

REPORT_ONLY=0
[ "${1:-}" = "--report-only" ] && REPORT_ONLY=1
if [ "$REPORT_ONLY" = 0 ]; then
log "building verdict and stats_bench (Release) in $BUILD_DIR/"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j2 --target verdict stats_bench >/dev/null
VERDICT="$BUILD_DIR/verdict"
mkdir -p "$DATA" "$OUT"

if [ ! -s "$DATA/control_1e6_continuous.txt" ]; then
  log "generating benchmark data (seeded) in $DATA/"
  "$PY" - "$DATA" <<'EOF'
import sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(20240611)
for n, tag in [(1_000_000, "1e6"), (100_000, "1e5")]:
    # Latencies in ms, canary 1% slower, rounded to 0.1 ms: heavy ties.
    np.savetxt(f"{d}/canary_{tag}.txt", np.round(rng.lognormal(3.01, 0.5, n), 1), fmt="%.1f")
    np.savetxt(f"{d}/control_{tag}.txt", np.round(rng.lognormal(3.0, 0.5, n), 1), fmt="%.1f")
n = 1_000_000
np.savetxt(f"{d}/canary_1e6_continuous.txt", rng.lognormal(3.01, 0.5, n), fmt="%.9g")
np.savetxt(f"{d}/control_1e6_continuous.txt", rng.lognormal(3.0, 0.5, n), fmt="%.9g")
EOF
fi

log "load before timing: $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

verdict_cmd() {  # verdict_cmd TAG
  echo "$VERDICT compare mann-whitney --canary $DATA/canary_$1.txt --control $DATA/control_$1.txt --json"
}

for tag in 1e6 1e5 1e6_continuous; do
  log "verdict at $tag: result"
  $(verdict_cmd "$tag") > "$OUT/verdict_$tag.json"
  cat "$OUT/verdict_$tag.json" >&2
  log "verdict at $tag: hyperfine"
  hyperfine --warmup 2 --runs 15 --export-json "$OUT/hyperfine_$tag.json" "$(verdict_cmd "$tag")" >&2
done

scipy_time() {  # scipy_time TAG: SciPy mannwhitneyu on the TAG files, data in memory
"$PY" - "$DATA/canary_$1.txt" "$DATA/control_$1.txt" > "$OUT/scipy_$1.json" <<'EOF'
import json, sys, time
import numpy as np
import scipy
from scipy.stats import mannwhitneyu
x = np.loadtxt(sys.argv[1])
y = np.loadtxt(sys.argv[2])
mannwhitneyu(x, y, alternative="two-sided")  # warm-up
times = []
for _ in range(7):
    t = time.perf_counter()
    r = mannwhitneyu(x, y, alternative="two-sided")
    times.append(time.perf_counter() - t)
print(json.dumps({"version": scipy.__version__, "p_value": float(r.pvalue), "u": float(r.statistic),
                  "times": times, "median": float(np.median(times)), "min": min(times)}))
EOF
cat "$OUT/scipy_$1.json" >&2
}
for tag in 1e6 1e6_continuous; do
  log "SciPy mannwhitneyu at $tag (p-value only, data in memory)"
  scipy_time "$tag"
done

log "R wilcox.test(conf.int = TRUE) at 1e5 (data in memory)"
Rscript --vanilla - "$DATA/canary_1e5.txt" "$DATA/control_1e5.txt" > "$OUT/r_1e5.json" <<'EOF'
args <- commandArgs(trailingOnly = TRUE)
x <- scan(args[1], quiet = TRUE)
y <- scan(args[2], quiet = TRUE)
times <- numeric(0)
for (i in 1:3) {
  times <- c(times, system.time(r <- wilcox.test(x, y, conf.int = TRUE))[["elapsed"]])
}
cat(sprintf('{"version": "%s", "p_value": %.17g, "u": %.17g, "estimate": %.17g, "ci": [%.17g, %.17g], "times": [%s], "median": %.6f}\n',
            R.version.string, r$p.value, r$statistic, r$estimate, r$conf.int[1], r$conf.int[2],
            paste(sprintf("%.4f", times), collapse = ", "), median(times)))
EOF
cat "$OUT/r_1e5.json" >&2

log "Google Benchmark: $BUILD_DIR/bench/stats_bench"
"$BUILD_DIR/bench/stats_bench" --benchmark_min_time=0.3 --benchmark_format=json \
  --benchmark_out="$OUT/stats_bench.json" --benchmark_out_format=json >/dev/null
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "$LOAD_BEFORE" > "$OUT/load_before"
echo "$LOAD_AFTER" > "$OUT/load_after"
fi  # REPORT_ONLY
LOAD_BEFORE="$(cat "$OUT/load_before")"
LOAD_AFTER="$(cat "$OUT/load_after")"

log "writing docs/benchmarks.md"
mkdir -p docs
# The "## Daemon" section belongs to scripts/bench-daemon.sh: keep it, at the end.
DAEMON_SECTION=""
[ -f docs/benchmarks.md ] && DAEMON_SECTION="$(sed -n '/^## Daemon$/,/^## /{/^## /{/^## Daemon$/!d};p}' docs/benchmarks.md)"
"$PY" - "$OUT" "$LOAD_BEFORE" "$LOAD_AFTER" > docs/benchmarks.md <<'EOF'
import json, platform, subprocess, sys
out, load_before, load_after = sys.argv[1:4]
def load(name):
    with open(f"{out}/{name}") as f:
        return json.load(f)
def hf(tag):
    r = load(f"hyperfine_{tag}.json")["results"][0]
    return r
v6, v5, vc = hf("1e6"), hf("1e5"), hf("1e6_continuous")
r6, r5, rc = load("verdict_1e6.json"), load("verdict_1e5.json"), load("verdict_1e6_continuous.json")
sp, spc, rr = load("scipy_1e6.json"), load("scipy_1e6_continuous.json"), load("r_1e5.json")
gb = load("stats_bench.json")
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"
cpu = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
cores = sh("nproc")
mem = sh("free -g | awk '/Mem:/ {print $2}'")
compiler = sh("c++ --version | head -1")
ratio_scipy = v6["median"] / sp["median"]
ratio_r = rr["median"] / v5["median"]
ok = lambda b: "**met**" if b else "**NOT met**"
ms = lambda s: f"{1000 * s:.1f} ms"
print("# Benchmarks\n")
print("Generated by `./scripts/bench.sh` (do not edit by hand). All tools run on the same files.\n")
print("## Machine\n")
print(f"- CPU: {cpu}, {cores} cores available; {mem} GB RAM")
print(f"- OS: {platform.platform()}; compiler: {compiler}; Release build (-O3 via CMake Release)")
print(f"- SciPy {sp['version']} (/usr/bin/python3); {rr['version']}")
print(f"- Load average before / after the run: {load_before} / {load_after} "
      "(other work on the machine inflates every figure)\n")
print("## Data\n")
print("Seeded log-normal latencies in ms (`lognormal(3.0, 0.5)`, canary `lognormal(3.01, 0.5)`),")
print("rounded to 0.1 ms, so there are heavy ties, as in real latency data; one value per line.")
print("Generated once into `build/bench-data/`. A continuous (9 significant digits, few ties) 1e6 pair")
print("is timed as well, for information.\n")
print("## Headline figures\n")
print("| comparison | Verdict (whole process) | peer | ratio | target |")
print("|---|---|---|---|---|")
print(f"| n = m = 1e6, ties: verdict (U, p, exact HL estimate + 95% CI, files to JSON) vs SciPy `mannwhitneyu` (p-value only, data in memory) "
      f"| {ms(v6['median'])} (median of {len(v6['times'])}; min {ms(v6['min'])}) "
      f"| {ms(sp['median'])} (median of {len(sp['times'])}; min {ms(sp['min'])}) "
      f"| verdict = {ratio_scipy:.2f} x SciPy | <= 0.5 x: {ok(ratio_scipy <= 0.5)} |")
print(f"| n = m = 1e5, ties: verdict (same) vs R `wilcox.test(conf.int = TRUE)` (data in memory) "
      f"| {ms(v5['median'])} (median of {len(v5['times'])}; min {ms(v5['min'])}) "
      f"| {ms(rr['median'])} (median of {len(rr['times'])}) "
      f"| verdict {ratio_r:.0f}x faster | >= 50x: {ok(ratio_r >= 50)} |")
print(f"| n = m = 1e6, continuous (9 significant digits, few ties), same comparison, for information "
      f"| {ms(vc['median'])} (median of {len(vc['times'])}; min {ms(vc['min'])}) "
      f"| {ms(spc['median'])} (median of {len(spc['times'])}; min {ms(spc['min'])}) "
      f"| verdict = {vc['median'] / spc['median']:.2f} x SciPy | |")
print("\n## Same answers\n")
print("| | U | p-value | estimate | 95% CI |")
print("|---|---|---|---|---|")
fmt_ci = lambda ci: "[" + ", ".join("inf" if c is None else f"{c:.10g}" for c in ci) + "]"
print(f"| verdict 1e6 | {r6['u']:.0f} | {r6['p_value']:.12g} | {r6['estimate']:.10g} | {fmt_ci(r6['ci'])} |")
print(f"| SciPy 1e6 | {sp['u']:.0f} | {sp['p_value']:.12g} | | |")
print(f"| verdict 1e5 | {r5['u']:.0f} | {r5['p_value']:.12g} | {r5['estimate']:.10g} | {fmt_ci(r5['ci'])} |")
print(f"| R 1e5 | {rr['u']:.0f} | {rr['p_value']:.12g} | {rr['estimate']:.10g} | {fmt_ci(rr['ci'])} |")
print(f"| verdict 1e6 continuous | {rc['u']:.0f} | {rc['p_value']:.12g} | {rc['estimate']:.10g} | {fmt_ci(rc['ci'])} |")
print(f"| SciPy 1e6 continuous | {spc['u']:.0f} | {spc['p_value']:.12g} | | |")
rel = lambda a, b: abs(a - b) / abs(b)
print(f"\nRelative p-value differences: verdict vs SciPy {rel(r6['p_value'], sp['p_value']):.1e} (tied 1e6), "
      f"{rel(rc['p_value'], spc['p_value']):.1e} (continuous 1e6); verdict vs R {rel(r5['p_value'], rr['p_value']):.1e} (1e5). "
      f"Largest |verdict - R| over the 1e5 estimate and CI ends: "
      f"{max(abs(r5['estimate'] - rr['estimate']), abs(r5['ci'][0] - rr['ci'][0]), abs(r5['ci'][1] - rr['ci'][1])):.1e}.")
print("\nR's estimate and asymptotic CI come from `uniroot(tol = 1e-4)`; Verdict's are the exact")
print("order statistics R's root finder approximates, so they agree to about 1e-4.\n")
print("## Commands\n")
print("```")
print("verdict compare mann-whitney --canary build/bench-data/canary_1e6.txt \\")
print("    --control build/bench-data/control_1e6.txt --json        # hyperfine --warmup 2 --runs 15")
print("python3: mannwhitneyu(x, y, alternative='two-sided')        # 1 warm-up + 7 timed, time.perf_counter")
print("R: system.time(wilcox.test(x, y, conf.int = TRUE))           # 3 timed runs, elapsed")
print("build/bench/stats_bench --benchmark_min_time=0.3")
print("```\n")
print("## Google Benchmark (`bench/stats_bench.cpp`)\n")
print("In-process, data in memory; `rounded:1` is the tied data, `rounded:0` continuous.")
print("Time is wall-clock; CPU is the benchmark thread's own CPU time (the full test sorts and")
print("selects on a second thread as well for large inputs).")
print("`MannWhitneyU` is the p-value only (sort, merge ranks); `MannWhitneyWithHodgesLehmannCi`")
print("adds the exact estimate and 95% CI; `HodgesLehmannSelection` is the selection alone on sorted data.\n")
print("| benchmark | time (ms) | CPU (ms) | iterations |")
print("|---|---|---|---|")
for b in gb["benchmarks"]:
    print(f"| {b['name']} | {b['real_time']:.3f} | {b['cpu_time']:.3f} | {b['iterations']} |")
EOF
[ -n "$DAEMON_SECTION" ] && printf '\n%s\n' "$DAEMON_SECTION" >> docs/benchmarks.md
cat docs/benchmarks.md >&2
log "wrote docs/benchmarks.md"
