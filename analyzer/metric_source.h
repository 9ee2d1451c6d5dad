// MetricSource: where the judge's data comes from.
//
// A source turns one rendered metric (rules/render.h) and a step grid into
// MetricData (analyzer/metric_data.h): non-overlapping per-step increments for
// counters and histogram buckets, gauge values as they are. Implementations:
//   - the Prometheus source (analyzer/prometheus_source.h): PromQL over HTTP;
//   - the replay source (analyzer/replay_source.h): recorded JSON, for tests and
//     for judging offline. It returns the steps it recorded and ignores `grid`.
//
// Errors (as values, never exceptions):
//   kUnavailable / kDeadlineExceeded  the backend could not be reached (or not
//                                     before the request's deadline); retry later
//   kDataLoss                         the backend answered garbage
//   kInvalidArgument                  the query or the recording is wrong (fix the input)
//   kNotFound                         the recording has no such metric
// "No data" is NOT an error: a metric with no series comes back OK with NaN
// steps (or zero steps) and the judge classifies it as nodata.
//
// Thread safety: implementations must allow concurrent Fetch calls.
#pragma once

#include <optional>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/metric_data.h"
#include "analyzer/prom_types.h"
#include "rules/config.h"
#include "rules/render.h"
#include "stats/status.h"

namespace verdict::analyzer {

// One metric to fetch. The pointers must outlive the call.
struct MetricRequest {
  MetricRequest() = default;
  MetricRequest(const rules::MetricSpec* spec, const rules::RenderedMetric* rendered,
                std::optional<Clock::TimePoint> deadline = std::nullopt)
      : spec(spec), rendered(rendered), deadline(deadline) {}

  const rules::MetricSpec* spec = nullptr;
  const rules::RenderedMetric* rendered = nullptr;
  // When set, a time of the Clock the source was built with: network sources
  // make no attempt, retry or backoff wait that would end past it, and return
  // kDeadlineExceeded for what is not fetched by then. Unset: no overall bound
  // (each attempt still has its own timeout). Sources without I/O ignore it.
  std::optional<Clock::TimePoint> deadline;
};

class MetricSource {
 public:
  virtual ~MetricSource() = default;

  // Data for one metric over `grid`.
  virtual StatusOr<MetricData> Fetch(const MetricRequest& request, const StepGrid& grid) const = 0;

  // Data for several independent metrics; results in request order. The
  // default fetches one after the other; network sources run them
  // concurrently with a bound.
  virtual std::vector<StatusOr<MetricData>> FetchAll(const std::vector<MetricRequest>& requests,
                                                     const StepGrid& grid) const {
    std::vector<StatusOr<MetricData>> out;
    out.reserve(requests.size());
    for (const MetricRequest& r : requests) out.push_back(Fetch(r, grid));
    return out;
  }
};

}  // namespace verdict::analyzer
