# Shared by scripts/*.sh: install missing Debian packages, configure and build.
# Sourced, not run.

# Packages needed to build Verdict and run its whole test suite.
VERDICT_BUILD_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates curl
  libeigen3-dev libboost-math-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libyaml-cpp-dev libcli11-dev libcurl4-openssl-dev libcpp-httplib-dev libssl-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus victoria-metrics
)

# Packages for scripts/fuzz.sh (libFuzzer) on top of the build packages. With
# Debian's clang 14, -fsanitize=fuzzer links libclang_rt.fuzzer from
# libclang-rt-14-dev (libfuzzer-14-dev only adds a standalone libFuzzer.a).
VERDICT_FUZZ_PACKAGES=(clang libclang-rt-14-dev)
# scripts/faults.sh: the checks read the daemon's database (sqlite3) and its
# JSON answers (jq) next to a real Prometheus.
VERDICT_FAULTS_PACKAGES=(jq sqlite3 prometheus curl)

# scripts/load.sh, scripts/security.sh and scripts/bench-daemon.sh (wrk, a
# real Prometheus, curl).
VERDICT_LOAD_PACKAGES=(wrk prometheus curl)
# The browser tests of the report pages (tests/browser): a real headless
# Chromium driven by playwright-core from npm (no browser download).
VERDICT_BROWSER_PACKAGES=(chromium)

log() { printf '==> %s\n' "$*" >&2; }

# no_args_but_help "$@" : for scripts that take no arguments. --help (-h) prints
# the script's header comment (line 2 up to `set -euo`) and exits 0; any other
# argument is an error naming it (exit 2).
no_args_but_help() {
  if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d;s/^# \{0,1\}//'
    exit 0
  fi
  if [ $# -gt 0 ]; then
    echo "$(basename "$0"): unknown argument '$1' (try --help)" >&2
    exit 2
  fi
}

# ensure_packages PKG... : apt-get installs whichever of PKG are not installed yet.
ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all ${#@} required Debian packages are installed"
    return 0
  fi
  log "installing missing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # The prometheus package may try to start its service; nothing here relies on that,
  # and the tests start their own instances on free ports.
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "installed: ${missing[*]}"
}

# write_scrape_config FILE TARGET... : a Prometheus config that scrapes the
# TARGETs (host:port) every second as job "api".
write_scrape_config() {
  local file=$1 targets
  shift
  targets=$(printf "'%s', " "$@")
  cat >"$file" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: api
    static_configs:
      - targets: [${targets%, }]
YAML
}

# start_prometheus CONFIG DATA_DIR LOG : starts Prometheus with CONFIG on a
# free port of 127.0.0.1 (another process may take a port between the check
# and the bind: then Prometheus exits and the next port is tried), waits until
# it is ready, and sets PROM_URL and PROM_PID. The caller stops PROM_PID.
start_prometheus() {
  local config=$1 data=$2 logf=$3 attempt port deadline pid
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 40000 ))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    prometheus --config.file="$config" --storage.tsdb.path="$data" \
      --web.listen-address="127.0.0.1:$port" --log.level=warn >"$logf" 2>&1 &
    pid=$!
    deadline=$(( $(date +%s) + 30 ))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
      if curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
        PROM_URL="http://127.0.0.1:$port"
        PROM_PID=$pid
        return 0
      fi
      sleep 0.2
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  log "Prometheus did not start; its log:"
  cat "$logf" >&2
  return 1
}

# start_listening NAME LOG CMD... : starts CMD in the background (stdout to
# LOG.out, stderr to LOG), waits up to 30 s for its "NAME: listening on
# http://HOST:PORT" line and sets URL and STARTED_PID. When the line does not
# come, the process is stopped, its log printed, and the status is 1.
start_listening() {
  local name=$1 logf=$2 deadline
  shift 2
  "$@" >"$logf.out" 2>"$logf" &
  STARTED_PID=$!
  deadline=$(( $(date +%s) + 30 ))
  URL=""
  while [ "$(date +%s)" -lt "$deadline" ]; do
    URL=$(sed -n "s/^$name: listening on \(http:[^ ]*\).*/\1/p" "$logf.out" | head -1)
    [ -n "$URL" ] && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "$name did not start; its log:"
  cat "$logf" >&2
  stop_processes "$STARTED_PID"
  return 1
}

# ensure_kubectl : the deploy/ tests run `kubectl kustomize`. Any kubectl will
# do; only when none is on PATH, Debian's kubernetes-client (kubectl 1.20, whose
# built-in kustomize v2.0.3 deploy/kustomization.yaml stays compatible with).
ensure_kubectl() {
  if command -v kubectl >/dev/null 2>&1; then
    log "kubectl found: $(command -v kubectl)"
    return 0
  fi
  ensure_packages kubernetes-client
}

# ensure_node : Node.js and npm (20 or later for playwright-core); Debian's
# nodejs and npm when there is no node at all.
ensure_node() {
  if command -v node >/dev/null && command -v npm >/dev/null; then
    log "node $(node --version) and npm $(npm --version) are installed"
    return 0
  fi
  ensure_packages nodejs npm
}

# ensure_browser_tests : the browser tests' node project (tests/browser), from
# its package-lock.json, when node_modules is missing.
ensure_browser_tests() {
  if [ -d tests/browser/node_modules/playwright-core ]; then
    log "tests/browser/node_modules is installed"
    return 0
  fi
  log "installing the browser tests' node modules (npm ci in tests/browser)"
  npm ci --prefix tests/browser --no-audit --no-fund >/dev/null
}

# build_verdict [BUILD_DIR [TARGET...]] : configures (once) and builds the
# TARGETs (everything when none is named).
build_verdict() {
  local dir="${1:-build}"
  shift $(( $# > 0 ? 1 : 0 ))
  local targets=()
  [ $# -eq 0 ] || targets=(--target "$@")
  log "configuring CMake in ${dir}/"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  log "building ${*:-everything} with $(nproc) jobs (first build takes a few minutes)"
  cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
}

# stop_processes PID... : stops each process (SIGCONT first, so a stopped one
# gets the SIGTERM too) and waits for those that are this shell's children.
stop_processes() {
  local pid
  for pid in "$@"; do
    kill -CONT "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
