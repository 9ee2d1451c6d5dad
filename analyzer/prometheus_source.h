// PrometheusSource: the MetricSource (analyzer/metric_source.h) that reads the
// Prometheus HTTP query API through PrometheusClient: Prometheus, Thanos,
// Mimir/Cortex, VictoriaMetrics. docs/prometheus.md "The metric source".
//
// Per metric kind, with the rendered PromQL of each side (rules/render.h):
//   ratio      bad and total, both sides: counters -> CountSteps; when every
//              series carries the pod label (PrometheusSourceOptions::pod_label,
//              as Istio's raw series do), also per pod -> SideData::pods
//              (ToPodCountSteps; the judge's prior and diagnostics of the
//              control's pods, docs/sequential.md)
//   latency    the `_bucket` query, both sides: counters -> HistogramSteps,
//              then AlignHistogramBounds; a side without any bucket series gets
//              the other side's bounds with all-NaN rows (no data, noted)
//   traffic    the request counter, both sides -> CountSteps with total =
//              requests per step and bad = the same values (only total is read)
//   series     the query, both sides: query_range -> SeriesSteps; exactly one
//              series per side, else kInvalidArgument naming metric and side
//   threshold  the canary query only: query_range -> canary SeriesSteps
//
// Counter queries (ratio, latency, traffic) that are a plain series selector
// (`name{matchers}`) are read as raw samples (PrometheusClient::QueryRawSamples,
// with raw_lookback_seconds before the grid for baselines), which sees every
// scrape and so every counter reset exactly. Any other counter expression
// (e.g. `sum by (pod) (...)`), and a raw read that exceeds the response size
// limit, is read with query_range at step resolution instead; both are noted.
//
// New series policy: NewSeriesStart::kFromZero by default. Envoy/Istio create a
// label set on its first event, so a series that appears inside the window
// started at 0 and its first sample holds real events: the first 5xx of every
// canary pod sits entirely in it. Prometheus' rule (kFromFirstSample) drops
// those, which can hide a canary's rare errors altogether and bias the judge
// towards pass. The risk of kFromZero is a series that existed before the
// window but was invisible for longer than the lookback (a scrape outage of
// more than raw_lookback_seconds just before the window): it is counted whole.
// The note "N series appeared mid-window; their first samples (total X) ..."
// makes either case visible.
//
// A request's deadline (MetricRequest::deadline) bounds every query of it,
// the fallback to step resolution included (PrometheusClient: PromQuery::deadline);
// a query still unanswered then fails with kDeadlineExceeded.
//
// Everything noticed (extra series, NaN/Inf, resets, gaps, dropped bounds,
// engine warnings, the fallback to step resolution) goes to MetricData::notes,
// prefixed with the side. Errors carry the metric's name and the side/role:
//   `metric "request-success-rate" canary bad: prometheus /api/v1/query ...`
// with the client's codes (kUnavailable, kDeadlineExceeded, kInvalidArgument,
// kNotFound, kDataLoss, kResourceExhausted). No data (no series) is not an
// error: the steps come back NaN.
//
// Thread safety: Fetch and FetchAll may be called concurrently. The Clock
// passed to the factory must outlive the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/increments.h"
#include "analyzer/metric_source.h"
#include "analyzer/prometheus_client.h"
#include "stats/status.h"

namespace verdict::analyzer {

struct PrometheusSourceOptions {
  size_t max_parallel = 4;  // >= 1: queries in flight at once, across all metrics of a FetchAll
  NewSeriesStart new_series = NewSeriesStart::kFromZero;  // see above
  // Raw samples read before the grid's start to find each counter's baseline;
  // >= 0. Default 10 min: twice Prometheus' staleness lookback.
  int64_t raw_lookback_seconds = 600;
  bool raw_samples = true;  // false: every counter query uses query_range
  // The label that names a series' pod (ratio metrics' SideData::pods); empty:
  // no per-pod counts. Checked by CreatePrometheusSource as a label name.
  std::string pod_label = "pod";
};

// Validates `options` as PrometheusClient::Create does (kInvalidArgument naming
// the field) and max_parallel >= 1. `clock` (null: RealClock::Default()) is
// used for retry backoff.
StatusOr<std::unique_ptr<MetricSource>> CreatePrometheusSource(PrometheusOptions options,
                                                               Clock* clock, size_t max_parallel);
StatusOr<std::unique_ptr<MetricSource>> CreatePrometheusSource(
    PrometheusOptions options, Clock* clock, const PrometheusSourceOptions& source_options);

// --- Exposed for tests: the pure planning and conversion steps. ---

// True when `promql` is a plain instant-vector selector: an optional metric
// name and an optional `{...}` matcher list (at least one of them), nothing
// else (no functions, operators, offset or @).
bool IsPlainSelector(std::string_view promql);

// One query to run for a metric.
struct PlannedQuery {
  std::string side;  // "control" | "canary"
  std::string role;  // "bad" | "total" | "query"
  bool counter = false;
  PromQuery query;
};

// The queries of one metric, in a fixed order per kind. kInvalidArgument when
// the request is incomplete (null pointers, a side's query empty).
StatusOr<std::vector<PlannedQuery>> PlanMetricQueries(const MetricRequest& request,
                                                      const StepGrid& grid,
                                                      const PrometheusSourceOptions& options);

// Converts the results of PlanMetricQueries (same order) into MetricData.
// Errors from `results` are returned with the metric's name, side and role.
StatusOr<MetricData> ConvertMetricResults(const MetricRequest& request, const StepGrid& grid,
                                          const std::vector<PlannedQuery>& plan,
                                          const std::vector<StatusOr<QueryResult>>& results,
                                          const PrometheusSourceOptions& options,
                                          std::vector<std::string> notes = {});

}  // namespace verdict::analyzer
