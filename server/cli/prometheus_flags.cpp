// Placeholder until the Prometheus-backed MetricSource lands (issue 5).
#include "server/cli/prometheus_flags.h"

namespace verdict::cli {

void AddPrometheusFlags(CLI::App& cmd, PrometheusFlags& flags) {
  cmd.add_option("--prometheus", flags.url, "Prometheus base URL, e.g. http://127.0.0.1:9090");
}

StatusOr<std::unique_ptr<analyzer::MetricSource>> MakePrometheusSource(const PrometheusFlags&,
                                                                       analyzer::Clock&) {
  return UnavailableError("--prometheus: the Prometheus source is not built yet");
}

StatusOr<int64_t> ParseTimeFlag(const std::string& flag, const std::string& value, int64_t) {
  return InvalidArgumentError(flag + ": cannot parse time \"" + value + "\" yet");
}

}  // namespace verdict::cli
