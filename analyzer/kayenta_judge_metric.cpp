// Kayenta mode for one metric: per-step series from the metric's data, then
// ClassifyKayentaValues (analyzer/kayenta_judge.h).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "analyzer/judge_bounds.h"
#include "analyzer/judge_format.h"
#include "analyzer/judge_internal.h"
#include "analyzer/kayenta_judge.h"
#include "stats/quantile_test.h"

namespace verdict::analyzer {
namespace {

using judge_detail::StartResult;

struct NamedSeries {
  std::string name;  // check name: "kayenta", "p99", "above 500 ms"
  std::vector<double> canary, control;
};

std::vector<double> Rates(const CountSteps& s) {
  std::vector<double> out;
  for (size_t i = 0; i < s.total.size(); ++i) {
    const double t = s.total[i], b = s.bad[i];
    out.push_back(std::isnan(t) || std::isnan(b) || !(t > 0) ? kNaN : b / t);
  }
  return out;
}

// Per-step values of a histogram: a quantile (ms) or the share above a bound.
std::vector<double> HistogramSeries(const HistogramSteps& h, double q, double slo_le,
                                    double to_ms) {
  std::vector<double> out;
  for (const std::vector<double>& counts : h.counts) {
    bool nan = counts.empty();
    for (double v : counts) nan = nan || std::isnan(v);
    if (nan || !(counts.back() > 0)) {
      out.push_back(kNaN);
      continue;
    }
    if (q > 0) {
      out.push_back(InterpolatedQuantile(h.upper_bounds, counts, q) * to_ms);
      continue;
    }
    double below = kNaN;
    for (size_t b = 0; b < h.upper_bounds.size(); ++b) {
      if (std::fabs(h.upper_bounds[b] - slo_le) <= 1e-9 * std::fabs(slo_le)) below = counts[b];
    }
    out.push_back(std::isnan(below) ? kNaN : (counts.back() - below) / counts.back());
  }
  return out;
}

std::vector<NamedSeries> SeriesOf(const rules::MetricSpec& spec, const MetricData& d) {
  std::vector<NamedSeries> out;
  switch (spec.kind) {
    case rules::MetricKind::kRatio:
      out.push_back({"rate", Rates(d.canary.counts), Rates(d.control.counts)});
      break;
    case rules::MetricKind::kLatency: {
      const double to_ms = spec.unit == rules::LatencyUnit::kSeconds ? 1000 : 1;
      for (double q : spec.quantiles) {
        out.push_back({"p" + FormatShort(q * 100), HistogramSeries(d.canary.histogram, q, 0, to_ms),
                       HistogramSeries(d.control.histogram, q, 0, to_ms)});
      }
      if (spec.slo_ms) {
        const double le = rules::SloInLeUnits(spec);
        out.push_back({"above " + FormatShort(*spec.slo_ms) + " ms",
                       HistogramSeries(d.canary.histogram, 0, le, to_ms),
                       HistogramSeries(d.control.histogram, 0, le, to_ms)});
      }
      break;
    }
    default:
      out.push_back({"kayenta", d.canary.series.values, d.control.series.values});
      break;
  }
  return out;
}

int Severity(const KayentaClassification& c) {
  if (c.label == "High" || c.label == "Low") return c.critical ? 4 : 3;
  if (c.label == "NodataFailMetric") return 2;
  if (c.label == "Nodata") return 1;
  return 0;
}

Outcome OutcomeOf(const std::string& label) {
  if (label == "Pass") return Outcome::kPass;
  if (label == "High" || label == "Low" || label == "NodataFailMetric") return Outcome::kFail;
  if (label == "Error") return Outcome::kError;
  return Outcome::kNodata;
}

// The checks of the native classifiers on counts (negative, infinite, bad >
// total, beyond 2^53) and histograms (cumulative, finite, non-negative), so
// that malformed data is an Error here too and never a Pass.
Status ValidateCounts(const rules::MetricSpec& spec, const MetricData& d) {
  if (spec.kind == rules::MetricKind::kRatio) {
    return judge_detail::CollectRates(d.canary.counts, d.control.counts, "bad events").status();
  }
  if (spec.kind == rules::MetricKind::kSeries) {
    for (const auto& [side, values] : {std::make_pair("canary", &d.canary.series.values),
                                       std::make_pair("control", &d.control.series.values)}) {
      for (size_t s = 0; s < values->size(); ++s) {
        if (std::isinf((*values)[s])) {
          return InvalidArgumentError(std::string("an infinite ") + side + " value at step " +
                                      std::to_string(s + 1) + " (+Inf/-Inf from the query)");
        }
      }
    }
  }
  if (spec.kind != rules::MetricKind::kLatency) return Status::Ok();
  for (const HistogramSteps* h : {&d.canary.histogram, &d.control.histogram}) {
    if (!h->upper_bounds.empty() && !std::isinf(h->upper_bounds.back())) {
      return InvalidArgumentError("a histogram without a +Inf bucket: the total count of "
                                  "observations is unknown");
    }
  }
  for (const auto& [side, h] : {std::make_pair("canary", &d.canary.histogram),
                                std::make_pair("control", &d.control.histogram)}) {
    for (size_t s = 0; s < h->counts.size(); ++s) {
      const std::vector<double>& counts = h->counts[s];
      if (counts.empty() ||
          std::any_of(counts.begin(), counts.end(), [](double v) { return std::isnan(v); })) {
        continue;
      }
      Status st = stats::ValidateBucketCounts(h->upper_bounds, counts);
      if (!st.ok()) {
        return InvalidArgumentError(std::string(side) + " histogram at step " +
                                    std::to_string(s + 1) + ": " + st.message());
      }
    }
  }
  return Status::Ok();
}

}  // namespace

MetricResult ClassifyKayenta(const rules::MetricSpec& spec, const MetricData& data) {
  MetricResult result = StartResult(spec);
  result.muted = spec.kayenta.muted;
  result.data.unit = "values";
  result.data.steps = static_cast<int64_t>(data.step_end_unix.size());
  KayentaClassifyOptions options;
  options.direction = spec.direction;
  options.kayenta = spec.kayenta;
  options.critical = spec.critical;
  options.min_data = spec.min_data;
  if (Status valid = ValidateCounts(spec, data); !valid.ok()) {
    return judge_detail::SetError(result, "malformed data: " + valid.message());
  }
  const std::vector<NamedSeries> series = SeriesOf(spec, data);
  const KayentaClassification* worst = nullptr;
  std::vector<KayentaClassification> all;
  all.reserve(series.size());
  for (const NamedSeries& s : series) {
    for (double v : s.canary) result.data.canary_missing_steps += std::isnan(v);
    for (double v : s.control) result.data.control_missing_steps += std::isnan(v);
    all.push_back(ClassifyKayentaValues(s.canary, s.control, options));
  }
  for (size_t i = 0; i < all.size(); ++i) {
    const KayentaClassification& k = all[i];
    if (worst == nullptr || Severity(k) > Severity(*worst)) worst = &k;
    Check c;
    c.name = series[i].name;
    c.outcome = OutcomeOf(k.label);
    c.reason = k.reason;
    c.measure = "shift";
    c.estimate = k.estimate;
    c.low = k.ci_low;
    c.high = k.ci_high;
    c.confidence = options.confidence;
    c.interval = std::isnan(k.ci_low) ? "" : "confidence interval";
    if (!std::isnan(k.tolerance)) {
      c.limit_low = -k.tolerance;
      c.limit_high = k.tolerance;
    }
    c.test = k.method.empty() ? "Kayenta classifier"
                              : "Mann-Whitney (" + k.method + "), Kayenta classifier";
    c.p_value = k.p_value;
    c.null_hypothesis = "no shift";
    c.canary.samples = static_cast<int64_t>(k.canary_values);
    c.control.samples = static_cast<int64_t>(k.control_values);
    c.canary.mean = k.canary_mean;
    c.control.mean = k.control_mean;
    result.checks.push_back(std::move(c));
  }
  if (worst == nullptr) {
    return judge_detail::SetNodata(result, "no data to classify");
  }
  // Every series of a metric comes from the same steps: count them once.
  result.data.canary_missing_steps /= static_cast<int64_t>(series.size());
  result.data.control_missing_steps /= static_cast<int64_t>(series.size());
  result.data.canary_amount = static_cast<double>(worst->canary_values);
  result.data.control_amount = static_cast<double>(worst->control_values);
  result.data.steps_used = static_cast<int64_t>(worst->canary_values);
  KayentaDetail detail;
  detail.classification = worst->label;
  detail.kayenta_classification = worst->kayenta_label;
  detail.critical = worst->critical;
  detail.deviation = worst->deviation;
  detail.effect_size = worst->effect_size;
  detail.tolerance = worst->tolerance;
  detail.canary_values = static_cast<double>(worst->canary_values);
  detail.control_values = static_cast<double>(worst->control_values);
  for (const KayentaClassification& k : all) {
    for (const std::string& f : k.fixes) {
      if (std::find(detail.fixes.begin(), detail.fixes.end(), f) == detail.fixes.end()) {
        detail.fixes.push_back(f);
      }
    }
  }
  result.outcome = OutcomeOf(worst->label);
  result.reason = worst->reason;
  result.kayenta = std::move(detail);
  return result;
}

}  // namespace verdict::analyzer
