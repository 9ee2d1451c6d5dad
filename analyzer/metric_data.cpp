#include "analyzer/metric_data.h"

#include <string>

namespace verdict::analyzer {
namespace {

Status CheckLength(size_t got, size_t want, const std::string& what) {
  if (got != want) {
    return InvalidArgumentError(what + " has " + std::to_string(got) + " steps, expected " +
                                std::to_string(want));
  }
  return Status::Ok();
}

Status ValidateSide(const SideData& side, size_t steps, const std::string& name) {
  if (!side.counts.bad.empty() || !side.counts.total.empty()) {
    VERDICT_RETURN_IF_ERROR(CheckLength(side.counts.bad.size(), steps, name + ".bad"));
    VERDICT_RETURN_IF_ERROR(CheckLength(side.counts.total.size(), steps, name + ".total"));
  }
  for (const PodCountSteps& pod : side.pods) {
    const std::string at = name + ".pods." + pod.pod;
    VERDICT_RETURN_IF_ERROR(CheckLength(pod.counts.bad.size(), steps, at + ".bad"));
    VERDICT_RETURN_IF_ERROR(CheckLength(pod.counts.total.size(), steps, at + ".total"));
  }
  const HistogramSteps& h = side.histogram;
  if (!h.counts.empty() || !h.upper_bounds.empty()) {
    VERDICT_RETURN_IF_ERROR(CheckLength(h.counts.size(), steps, name + ".histogram"));
    for (size_t b = 1; b < h.upper_bounds.size(); ++b) {
      if (!(h.upper_bounds[b] > h.upper_bounds[b - 1])) {
        return InvalidArgumentError(
            name + ".histogram bucket bounds are not strictly increasing at " + std::to_string(b));
      }
    }
    for (size_t i = 0; i < h.counts.size(); ++i) {
      if (h.counts[i].size() != h.upper_bounds.size()) {
        return InvalidArgumentError(name + ".histogram step " + std::to_string(i) + " has " +
                                    std::to_string(h.counts[i].size()) + " buckets, expected " +
                                    std::to_string(h.upper_bounds.size()));
      }
    }
  }
  if (!side.series.values.empty()) {
    VERDICT_RETURN_IF_ERROR(CheckLength(side.series.values.size(), steps, name + ".series"));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateMetricData(const MetricData& data) {
  const size_t steps = data.step_end_unix.size();
  for (size_t i = 1; i < steps; ++i) {
    if (data.step_end_unix[i] <= data.step_end_unix[i - 1]) {
      return InvalidArgumentError("step times are not ascending at step " + std::to_string(i));
    }
  }
  VERDICT_RETURN_IF_ERROR(ValidateSide(data.canary, steps, "canary"));
  return ValidateSide(data.control, steps, "control");
}

}  // namespace verdict::analyzer
