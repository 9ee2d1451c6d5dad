#include "analyzer/prometheus_source.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <utility>

namespace verdict::analyzer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool IsLabelName(const std::string& s) {
  if (s.empty() || s[0] == ':' || !IsNameStart(s[0])) return false;
  for (char c : s) {
    if (c == ':' || !IsNameChar(c)) return false;
  }
  return true;
}

std::string MetricContext(const std::string& name, std::string_view side, std::string_view role) {
  return fmt::format("metric \"{}\" {} {}", name, side, role);
}

CounterOptions CounterOptionsFor(const PrometheusSourceOptions& o) {
  CounterOptions c;
  c.new_series = o.new_series;
  // No reset groups: raw samples see every scrape, and sharing a reset between
  // series that did not all restart would count a whole counter as new events.
  return c;
}

// A side without any bucket series takes the other side's bounds with all-NaN
// rows, so "no data" keeps the shape the judge expects.
void FillMissingHistogram(const HistogramSteps& from, HistogramSteps* to, std::string_view side,
                          size_t steps, std::vector<std::string>* notes) {
  if (!to->upper_bounds.empty() || from.upper_bounds.empty()) return;
  to->upper_bounds = from.upper_bounds;
  to->counts.assign(steps, std::vector<double>(from.upper_bounds.size(), kNaN));
  notes->push_back(fmt::format("{} buckets: no data; every step is missing (NaN)", side));
}

class PrometheusSource final : public MetricSource {
 public:
  PrometheusSource(std::unique_ptr<PrometheusClient> client, PrometheusSourceOptions options)
      : client_(std::move(client)), options_(std::move(options)) {}

  StatusOr<MetricData> Fetch(const MetricRequest& request, const StepGrid& grid) const override {
    return std::move(FetchAll({request}, grid)[0]);
  }

  std::vector<StatusOr<MetricData>> FetchAll(const std::vector<MetricRequest>& requests,
                                             const StepGrid& grid) const override;

 private:
  std::unique_ptr<PrometheusClient> client_;
  const PrometheusSourceOptions options_;
};

std::vector<StatusOr<MetricData>> PrometheusSource::FetchAll(
    const std::vector<MetricRequest>& requests, const StepGrid& grid) const {
  // Plan every metric, run all queries as one bounded batch, convert.
  std::vector<StatusOr<std::vector<PlannedQuery>>> plans;
  std::vector<std::vector<std::string>> notes(requests.size());
  std::vector<PromQuery> flat;
  std::vector<std::pair<size_t, size_t>> origin;  // flat index -> (request, plan index)
  for (size_t i = 0; i < requests.size(); ++i) {
    plans.push_back(PlanMetricQueries(requests[i], grid, options_));
    if (!plans.back().ok()) continue;
    for (size_t j = 0; j < plans.back()->size(); ++j) {
      flat.push_back((*plans.back())[j].query);
      flat.back().deadline = requests[i].deadline;
      origin.emplace_back(i, j);
    }
  }
  std::vector<StatusOr<QueryResult>> results = client_->RunBatch(flat, options_.max_parallel);

  // Raw samples larger than the response limit: read those at step resolution.
  std::vector<size_t> retry;
  std::vector<PromQuery> retry_queries;
  for (size_t k = 0; k < flat.size(); ++k) {
    if (flat[k].kind == PromQuery::Kind::kRawSamples && !results[k].ok() &&
        results[k].status().code() == StatusCode::kResourceExhausted) {
      const auto [i, j] = origin[k];
      PlannedQuery& p = (*plans[i])[j];
      p.query = PromQuery::Range(p.query.promql, grid);
      p.query.deadline = requests[i].deadline;
      notes[i].push_back(fmt::format(
          "{} {}: raw samples exceed the response size limit; read with query_range at step "
          "resolution instead (counter resets inside a step are not seen)",
          p.side, p.role));
      retry.push_back(k);
      retry_queries.push_back(p.query);
    }
  }
  if (!retry.empty()) {
    std::vector<StatusOr<QueryResult>> again =
        client_->RunBatch(retry_queries, options_.max_parallel);
    for (size_t m = 0; m < retry.size(); ++m) results[retry[m]] = std::move(again[m]);
  }

  std::vector<std::vector<StatusOr<QueryResult>>> per_request(requests.size());
  for (size_t k = 0; k < flat.size(); ++k) {
    per_request[origin[k].first].push_back(std::move(results[k]));
  }
  std::vector<StatusOr<MetricData>> out;
  out.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!plans[i].ok()) {
      out.push_back(plans[i].status());
      continue;
    }
    out.push_back(ConvertMetricResults(requests[i], grid, *plans[i], per_request[i], options_,
                                       std::move(notes[i])));
  }
  return out;
}

}  // namespace

bool IsPlainSelector(std::string_view q) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < q.size() && IsSpace(q[i])) ++i;
  };
  skip_space();
  bool has_name = false;
  if (i < q.size() && IsNameStart(q[i])) {
    while (i < q.size() && IsNameChar(q[i])) ++i;
    has_name = true;
  }
  skip_space();
  bool has_matchers = false;
  if (i < q.size() && q[i] == '{') {
    ++i;
    char quote = 0;
    for (; i < q.size(); ++i) {
      const char c = q[i];
      if (quote != 0) {
        if (c == '\\' && quote != '`') {
          ++i;  // skip the escaped character
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'' || c == '`') {
        quote = c;
      } else if (c == '{' || c == '(' || c == '[') {
        return false;
      } else if (c == '}') {
        break;
      }
    }
    if (i >= q.size()) return false;  // unterminated
    ++i;
    has_matchers = true;
  }
  skip_space();
  return i == q.size() && (has_name || has_matchers);
}

StatusOr<std::vector<PlannedQuery>> PlanMetricQueries(const MetricRequest& request,
                                                      const StepGrid& grid,
                                                      const PrometheusSourceOptions& options) {
  if (request.spec == nullptr || request.rendered == nullptr) {
    return InvalidArgumentError("metric request without its spec or rendered queries");
  }
  if (grid.steps == 0 || grid.step_seconds <= 0) {
    return InvalidArgumentError(fmt::format("metric \"{}\": empty step grid ({} steps of {} s)",
                                            request.rendered->name, grid.steps, grid.step_seconds));
  }
  const rules::RenderedMetric& r = *request.rendered;
  std::vector<PlannedQuery> plan;
  Status status;
  auto add = [&](const char* side, const char* role, const std::string& promql, bool counter) {
    if (!status.ok()) return;
    if (promql.empty()) {
      status = InvalidArgumentError(MetricContext(r.name, side, role) + ": no query rendered");
      return;
    }
    PlannedQuery p;
    p.side = side;
    p.role = role;
    p.counter = counter;
    p.query = counter && options.raw_samples && IsPlainSelector(promql)
                  ? PromQuery::RawSamples(promql, grid, options.raw_lookback_seconds)
                  : PromQuery::Range(promql, grid);
    plan.push_back(std::move(p));
  };
  switch (r.kind) {
    case rules::MetricKind::kRatio:
      add("control", "bad", r.bad.control, true);
      add("canary", "bad", r.bad.canary, true);
      add("control", "total", r.total.control, true);
      add("canary", "total", r.total.canary, true);
      break;
    case rules::MetricKind::kLatency:
    case rules::MetricKind::kTraffic:
      add("control", "query", r.query.control, true);
      add("canary", "query", r.query.canary, true);
      break;
    case rules::MetricKind::kSeries:
      add("control", "query", r.query.control, false);
      add("canary", "query", r.query.canary, false);
      break;
    case rules::MetricKind::kThreshold:
      add("canary", "query", r.query.canary, false);
      break;
  }
  if (!status.ok()) return status;
  return plan;
}

StatusOr<MetricData> ConvertMetricResults(const MetricRequest& request, const StepGrid& grid,
                                          const std::vector<PlannedQuery>& plan,
                                          const std::vector<StatusOr<QueryResult>>& results,
                                          const PrometheusSourceOptions& options,
                                          std::vector<std::string> notes) {
  const rules::RenderedMetric& r = *request.rendered;
  if (plan.size() != results.size()) {
    return InternalError(fmt::format("metric \"{}\": {} results for {} queries", r.name,
                                     results.size(), plan.size()));
  }
  // First error wins, in plan order (control before canary).
  for (size_t k = 0; k < plan.size(); ++k) {
    if (!results[k].ok()) {
      return results[k].status().WithContext(MetricContext(r.name, plan[k].side, plan[k].role));
    }
  }
  for (size_t k = 0; k < plan.size(); ++k) {
    const PlannedQuery& p = plan[k];
    for (const std::string& w : results[k]->warnings) {
      notes.push_back(fmt::format("{} {}: engine warning: {}", p.side, p.role, w));
    }
    if (p.counter && options.raw_samples && !IsPlainSelector(p.query.promql)) {
      notes.push_back(fmt::format(
          "{} {}: not a plain series selector, so read with query_range at step resolution "
          "(counter resets inside a step are not seen)",
          p.side, p.role));
    }
  }
  auto series_of = [&](std::string_view side, std::string_view role) -> const std::vector<Series>& {
    for (size_t k = 0; k < plan.size(); ++k) {
      if (plan[k].side == side && plan[k].role == role) return results[k]->series;
    }
    static const std::vector<Series> kNone;
    return kNone;
  };
  const CounterOptions copts = CounterOptionsFor(options);
  MetricData data;
  data.step_end_unix = grid.StepEnds();
  data.step_seconds = grid.step_seconds;
  auto side_data = [&](std::string_view side) -> SideData& {
    return side == "canary" ? data.canary : data.control;
  };
  auto wrap = [&](const Status& s, std::string_view side) {
    return s.WithContext(fmt::format("metric \"{}\" {}", r.name, side));
  };
  switch (r.kind) {
    case rules::MetricKind::kRatio:
      for (const char* side : {"control", "canary"}) {
        auto counts = ToCountSteps(series_of(side, "bad"), series_of(side, "total"), grid, copts,
                                   side, &notes);
        if (!counts.ok()) return wrap(counts.status(), side);
        side_data(side).counts = std::move(*counts);
        auto pods = ToPodCountSteps(series_of(side, "bad"), series_of(side, "total"), grid,
                                    copts, options.pod_label, side, &notes);
        if (!pods.ok()) return wrap(pods.status(), side);
        side_data(side).pods = std::move(*pods);
      }
      break;
    case rules::MetricKind::kTraffic:
      for (const char* side : {"control", "canary"}) {
        auto total = CounterIncrements(series_of(side, "query"), grid, copts,
                                       fmt::format("{} requests", side), &notes);
        if (!total.ok()) return wrap(total.status(), side);
        side_data(side).counts.bad = *total;
        side_data(side).counts.total = std::move(*total);
      }
      break;
    case rules::MetricKind::kLatency: {
      for (const char* side : {"control", "canary"}) {
        auto h = ToHistogramSteps(series_of(side, "query"), grid, copts, side, &notes);
        if (!h.ok()) return wrap(h.status(), side);
        side_data(side).histogram = std::move(*h);
      }
      FillMissingHistogram(data.control.histogram, &data.canary.histogram, "canary", grid.steps,
                           &notes);
      FillMissingHistogram(data.canary.histogram, &data.control.histogram, "control", grid.steps,
                           &notes);
      Status aligned =
          AlignHistogramBounds(&data.canary.histogram, &data.control.histogram, &notes);
      if (!aligned.ok()) return aligned.WithContext(fmt::format("metric \"{}\"", r.name));
      break;
    }
    case rules::MetricKind::kSeries:
    case rules::MetricKind::kThreshold:
      for (const char* side : {"control", "canary"}) {
        if (r.kind == rules::MetricKind::kThreshold && std::string_view(side) == "control") {
          continue;
        }
        auto s = ToSeriesSteps(series_of(side, "query"), grid, GaugeAggregation::kRequireSingle,
                               side, &notes);
        if (!s.ok()) return s.status().WithContext(fmt::format("metric \"{}\"", r.name));
        side_data(side).series = std::move(*s);
      }
      break;
  }
  data.notes = std::move(notes);
  Status valid = ValidateMetricData(data);
  if (!valid.ok()) return InternalError(fmt::format("metric \"{}\": {}", r.name, valid.message()));
  return data;
}

StatusOr<std::unique_ptr<MetricSource>> CreatePrometheusSource(
    PrometheusOptions options, Clock* clock, const PrometheusSourceOptions& source_options) {
  if (source_options.max_parallel < 1) {
    return InvalidArgumentError("max_parallel must be >= 1");
  }
  if (source_options.raw_lookback_seconds < 0) {
    return InvalidArgumentError("raw_lookback_seconds must be >= 0");
  }
  if (!source_options.pod_label.empty() && !IsLabelName(source_options.pod_label)) {
    return InvalidArgumentError(fmt::format(
        "pod label \"{}\" is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)",
        source_options.pod_label));
  }
  auto client = PrometheusClient::Create(std::move(options), clock);
  if (!client.ok()) return client.status();
  return std::unique_ptr<MetricSource>(new PrometheusSource(std::move(*client), source_options));
}

StatusOr<std::unique_ptr<MetricSource>> CreatePrometheusSource(PrometheusOptions options,
                                                               Clock* clock, size_t max_parallel) {
  PrometheusSourceOptions source_options;
  source_options.max_parallel = max_parallel;
  return CreatePrometheusSource(std::move(options), clock, source_options);
}

}  // namespace verdict::analyzer
