#include "analyzer/traffic/live_render.h"

#include <fmt/format.h>

#include <cmath>

namespace verdict::traffic {
namespace {

// Counts are whole numbers below 2^53 ("123"); sums and bounds the shortest
// round-trip spelling ("0.5", "1800000", "12345.678").
std::string Number(double v) { return fmt::format("{}", v); }
std::string Bound(double le) { return std::isinf(le) ? "+Inf" : fmt::format("{}", le); }

std::string PodLabels(const TrafficSnapshot& s, const SubsetCounters& subset,
                      const PodCounters& pod) {
  return fmt::format(
      "reporter=\"destination\",destination_workload_namespace=\"{}\","
      "destination_service_name=\"{}\",destination_workload=\"{}\",destination_version=\"{}\","
      "pod=\"{}\"",
      s.namespace_name, s.service, subset.workload, subset.version, pod.pod);
}

}  // namespace

std::string RenderExposition(const TrafficSnapshot& snapshot) {
  return RenderExposition(std::vector<TrafficSnapshot>{snapshot});
}

std::string RenderExposition(const std::vector<TrafficSnapshot>& snapshots) {
  std::string requests =
      "# HELP istio_requests_total Requests served (simulated by verdict traffic).\n"
      "# TYPE istio_requests_total counter\n";
  std::string duration =
      "# HELP istio_request_duration_milliseconds Request duration in milliseconds (simulated by "
      "verdict traffic).\n"
      "# TYPE istio_request_duration_milliseconds histogram\n";
  std::string attempts =
      "# HELP checkout_attempts_total Checkouts attempted (simulated by verdict traffic).\n"
      "# TYPE checkout_attempts_total counter\n";
  std::string failures =
      "# HELP checkout_failures_total Checkouts failed (simulated by verdict traffic).\n"
      "# TYPE checkout_failures_total counter\n";
  for (const TrafficSnapshot& s : snapshots) {
    const std::vector<double>& bounds = s.bounds_ms;  // each service its own
    for (const SubsetCounters& subset : s.subsets) {
      for (const PodCounters& pod : subset.pods) {
        const std::string labels = PodLabels(s, subset, pod);
        for (const CodeCounters& c : pod.codes) {
          const std::string with_code = labels + ",response_code=\"" + c.code + "\"";
          requests += fmt::format("istio_requests_total{{{}}} {}\n", with_code, Number(c.requests));
          for (std::size_t b = 0; b < bounds.size() && b < c.buckets.size(); ++b) {
            duration +=
                fmt::format("istio_request_duration_milliseconds_bucket{{{},le=\"{}\"}} {}\n",
                            with_code, Bound(bounds[b]), Number(c.buckets[b]));
          }
          duration += fmt::format("istio_request_duration_milliseconds_sum{{{}}} {}\n", with_code,
                                  Number(c.sum_ms));
          duration += fmt::format("istio_request_duration_milliseconds_count{{{}}} {}\n", with_code,
                                  Number(c.requests));
        }
        attempts += fmt::format("checkout_attempts_total{{{}}} {}\n", labels,
                                Number(pod.checkout_attempts));
        failures += fmt::format("checkout_failures_total{{{}}} {}\n", labels,
                                Number(pod.checkout_failures));
      }
    }
  }
  return requests + duration + attempts + failures;
}

}  // namespace verdict::traffic
