#include "analyzer/study/simulation_methods.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <utility>

#include "analyzer/judge_bounds.h"
#include "stats/count_betting.h"
#include "stats/count_eprocess.h"
#include "stats/mann_whitney.h"
#include "stats/pod_dispersion.h"
#include "stats/proportions.h"
#include "stats/quantile_test.h"
#include "stats/stratified_binomial.h"

namespace verdict::study {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int Index(Method m) { return static_cast<int>(m); }

StatusOr<stats::CountBettingProcess> MakeBetting(const MethodOptions& o) {
  stats::CountBettingOptions b;
  b.alternative = stats::Alternative::kGreater;
  b.alpha = o.alpha;
  b.compute_ci = false;
  return stats::CountBettingProcess::Create(b);
}

// A Kayenta-style comparison of two per-step series, repeated at every look:
// both the level-alpha Mann-Whitney test and NetflixACAJudge's rule.
class SeriesComparison {
 public:
  explicit SeriesComparison(const MethodOptions& o) : options_(o) {}

  void Append(double canary, double control) {
    if (!std::isnan(canary)) canary_.push_back(canary);
    if (!std::isnan(control)) control_.push_back(control);
  }

  // Mann-Whitney, greater, R's defaults, p <= alpha.
  StatusOr<bool> MannWhitneyRejects() const {
    if (canary_.empty() || control_.empty()) return false;
    stats::MannWhitneyOptions o;
    o.alternative = stats::Alternative::kGreater;
    o.conf_int = false;
    auto r = stats::MannWhitney(canary_, control_, o);
    if (!r.ok()) return r.status();
    return r->p_value <= options_.alpha;
  }

  StatusOr<bool> KayentaHigh() const { return KayentaClassifiesHigh(canary_, control_, options_); }

 private:
  MethodOptions options_;  // a copy: small, and safe to move
  std::vector<double> canary_, control_;
};

double Rate(double events, double requests) { return requests > 0 ? events / requests : kNaN; }

// Marks `method` as rejected at `look` unless it already was.
void Mark(RunOutcome* out, Method method, int32_t look) {
  int32_t& at = out->rejected_at[static_cast<std::size_t>(Index(method))];
  if (at == 0) at = look;
}

bool Rejected(const RunOutcome& out, Method method) {
  return out.rejected_at[static_cast<std::size_t>(Index(method))] != 0;
}

// Applies the two Kayenta-style methods of `series` at one look.
Status SeriesLook(const SeriesComparison& series, Method mw, Method kayenta, int32_t look,
                  RunOutcome* out) {
  if (!Rejected(*out, mw)) {
    auto r = series.MannWhitneyRejects();
    if (!r.ok()) return r.status();
    if (*r) Mark(out, mw, look);
  }
  if (!Rejected(*out, kayenta)) {
    auto r = series.KayentaHigh();
    if (!r.ok()) return r.status();
    if (*r) Mark(out, kayenta, look);
  }
  return Status::Ok();
}

// Evaluates the error-rate methods at one look.
class ErrorMethods {
 public:
  static StatusOr<ErrorMethods> Create(const MethodOptions& o) {
    stats::CountTestOptions c;
    c.alternative = stats::Alternative::kGreater;
    c.alpha = o.alpha;
    c.concentration = o.concentration;
    c.compute_ci = false;  // only the p-value decides; the interval costs time
    auto process = stats::CountEProcess::Create(c);
    if (!process.ok()) return process.status();
    auto betting = MakeBetting(o);
    if (!betting.ok()) return betting.status();
    auto with_pods = MakeBetting(o);
    if (!with_pods.ok()) return with_pods.status();
    return ErrorMethods(o, std::move(*process), std::move(*betting), std::move(*with_pods));
  }

  Status Look(const RolloutStep& s, int32_t look, bool last, RunOutcome* out) {
    if (options_.last_look) {
      steps_.push_back({s.canary.errors, s.canary.requests, s.control.errors, s.control.requests});
    }
    canary_errors_ += static_cast<int64_t>(s.canary.errors);
    canary_requests_ += static_cast<int64_t>(s.canary.requests);
    control_errors_ += static_cast<int64_t>(s.control.errors);
    control_requests_ += static_cast<int64_t>(s.control.requests);
    series_.Append(Rate(s.canary.errors, s.canary.requests),
                   Rate(s.control.errors, s.control.requests));
    if (!Rejected(*out, Method::kCountEProcess)) {
      VERDICT_RETURN_IF_ERROR(
          process_.Add({s.canary.errors, s.canary.requests, s.control.errors, s.control.requests}));
      if (process_.Result().p_value <= options_.alpha) Mark(out, Method::kCountEProcess, look);
    }
    if (!Rejected(*out, Method::kCountBetting)) {
      VERDICT_RETURN_IF_ERROR(
          betting_.Add({s.canary.errors, s.canary.requests, s.control.errors, s.control.requests}));
      if (betting_.Result().p_value <= options_.alpha) Mark(out, Method::kCountBetting, look);
    }
    if (!Rejected(*out, Method::kCountBettingPods)) {
      const double exposure = s.canary.requests + s.control.requests;
      if (exposure > 0) {
        with_pods_.SetDispersionPrior(pods_.KappaForShare(s.canary.requests / exposure),
                                      pods_.degrees());
      }
      VERDICT_RETURN_IF_ERROR(with_pods_.Add(
          {s.canary.errors, s.canary.requests, s.control.errors, s.control.requests}));
      if (with_pods_.Result().p_value <= options_.alpha) Mark(out, Method::kCountBettingPods, look);
    }
    if (!s.control_pods.empty()) {
      std::vector<double> events, requests;
      for (const PodStep& p : s.control_pods) {
        events.push_back(p.errors);
        requests.push_back(p.requests);
      }
      VERDICT_RETURN_IF_ERROR(pods_.Add(events, requests));  // after the step: predictable
    }
    const bool traffic = canary_requests_ > 0 && control_requests_ > 0;
    if (traffic && !Rejected(*out, Method::kFisherRepeated)) {
      auto p = stats::FisherExact(canary_errors_, canary_requests_, control_errors_,
                                  control_requests_, stats::Alternative::kGreater);
      if (!p.ok()) return p.status();
      if (*p <= options_.alpha) Mark(out, Method::kFisherRepeated, look);
    }
    if (traffic && !Rejected(*out, Method::kZRepeated)) {
      auto z = stats::TwoProportionZ(canary_errors_, canary_requests_, control_errors_,
                                     control_requests_, stats::Alternative::kGreater);
      if (!z.ok()) return z.status();
      if (z->p_value <= options_.alpha) Mark(out, Method::kZRepeated, look);
    }
    if (last && options_.last_look && traffic) {
      auto p = stats::FisherExact(canary_errors_, canary_requests_, control_errors_,
                                  control_requests_, stats::Alternative::kGreater);
      if (!p.ok()) return p.status();
      if (*p <= options_.alpha) Mark(out, Method::kFisherLast, look);
    }
    if (last && options_.last_look) {
      auto p = stats::StratifiedBinomialGreaterPValue(steps_);
      if (!p.ok()) return p.status();
      if (*p <= options_.alpha) Mark(out, Method::kConditionalLast, look);
    }
    return SeriesLook(series_, Method::kMannWhitneyRates, Method::kKayentaRates, look, out);
  }

 private:
  ErrorMethods(const MethodOptions& o, stats::CountEProcess p, stats::CountBettingProcess b,
               stats::CountBettingProcess with_pods)
      : options_(o),
        process_(std::move(p)),
        betting_(std::move(b)),
        with_pods_(std::move(with_pods)),
        series_(o) {}

  MethodOptions options_;  // a copy: small, and safe to move
  stats::CountEProcess process_;
  stats::CountBettingProcess betting_;
  stats::CountBettingProcess with_pods_;
  stats::PodDispersion pods_;  // the control's pods of the steps so far
  SeriesComparison series_;
  std::vector<stats::CountStep> steps_;  // every step so far (the last-look test)
  int64_t canary_errors_ = 0, canary_requests_ = 0, control_errors_ = 0, control_requests_ = 0;
};

// Evaluates the latency methods at one look.
class LatencyMethods {
 public:
  static StatusOr<LatencyMethods> Create(const MethodOptions& o) {
    auto bound = stats::FindBucketBound(IstioDurationBucketsMs(), o.slo_ms);
    if (!bound.ok()) return bound.status().WithContext("slo_ms");
    stats::CountTestOptions c;
    c.alternative = stats::Alternative::kGreater;
    c.alpha = o.alpha;
    c.concentration = o.concentration;
    c.compute_ci = false;
    auto slo = stats::CountEProcess::Create(c);
    if (!slo.ok()) return slo.status();
    stats::QuantileTestOptions q;
    q.quantile = o.quantile;
    q.alternative = stats::Alternative::kGreater;
    q.alpha = o.alpha;
    q.concentration = o.concentration;
    auto test = stats::QuantileTest::Create(IstioDurationBucketsMs(), q);
    if (!test.ok()) return test.status();
    auto slo_betting = MakeBetting(o);
    if (!slo_betting.ok()) return slo_betting.status();
    auto tail = MakeBetting(o);
    if (!tail.ok()) return tail.status();
    return LatencyMethods(o, std::move(*test), *bound, std::move(*slo), std::move(*slo_betting),
                          std::move(*tail));
  }

  Status Look(const RolloutStep& s, int32_t look, RunOutcome* out) {
    const std::vector<double>& bounds = IstioDurationBucketsMs();
    series_.Append(HistogramQuantile(options_.quantile, bounds, s.canary.buckets),
                   HistogramQuantile(options_.quantile, bounds, s.control.buckets));
    if (!Rejected(*out, Method::kQuantileTest)) {
      VERDICT_RETURN_IF_ERROR(test_.Add(s.canary.buckets, s.control.buckets));
      if (test_.Result().p_value <= options_.alpha) Mark(out, Method::kQuantileTest, look);
    }
    if (!Rejected(*out, Method::kSloShare)) {
      VERDICT_RETURN_IF_ERROR(
          slo_.Add(stats::SlowRequestStep(slo_bound_, s.canary.buckets, s.control.buckets)));
      if (slo_.Result().p_value <= options_.alpha) Mark(out, Method::kSloShare, look);
    }
    if (!Rejected(*out, Method::kSloBetting)) {
      VERDICT_RETURN_IF_ERROR(slo_betting_.Add(
          stats::SlowRequestStep(slo_bound_, s.canary.buckets, s.control.buckets)));
      if (slo_betting_.Result().p_value <= options_.alpha) Mark(out, Method::kSloBetting, look);
    }
    if (!Rejected(*out, Method::kP99TailBetting)) {
      // The bound is chosen from the earlier steps only (predictable).
      const auto tail_bound = analyzer::BoundNearQuantile(options_.quantile, bounds, control_past_);
      if (tail_bound) {
        VERDICT_RETURN_IF_ERROR(
            tail_.Add(stats::SlowRequestStep(*tail_bound, s.canary.buckets, s.control.buckets)));
        if (tail_.Result().p_value <= options_.alpha) Mark(out, Method::kP99TailBetting, look);
      }
    }
    if (control_past_.size() != s.control.buckets.size()) {
      control_past_.assign(s.control.buckets.size(), 0);
    }
    for (std::size_t b = 0; b < control_past_.size(); ++b) control_past_[b] += s.control.buckets[b];
    return SeriesLook(series_, Method::kMannWhitneyP99, Method::kKayentaP99, look, out);
  }

 private:
  LatencyMethods(const MethodOptions& o, stats::QuantileTest t, std::size_t slo_bound,
                 stats::CountEProcess slo, stats::CountBettingProcess slo_betting,
                 stats::CountBettingProcess tail)
      : options_(o),
        test_(std::move(t)),
        slo_bound_(slo_bound),
        slo_(std::move(slo)),
        slo_betting_(std::move(slo_betting)),
        tail_(std::move(tail)),
        series_(o) {}

  MethodOptions options_;  // a copy: small, and safe to move
  stats::QuantileTest test_;
  std::size_t slo_bound_;
  stats::CountEProcess slo_;
  stats::CountBettingProcess slo_betting_;
  stats::CountBettingProcess tail_;
  std::vector<double> control_past_;  // the control's cumulative buckets of the earlier steps
  SeriesComparison series_;
};

bool AllRejected(const RunOutcome& out, bool errors, bool latency, bool last_look) {
  for (const MethodInfo& m : Methods()) {
    // The last-look tests decide only at the last step: never stop before it.
    if (m.method == Method::kFisherLast || m.method == Method::kConditionalLast) {
      if (errors && last_look) return false;
      continue;
    }
    const bool evaluated = m.family == MetricFamily::kErrors ? errors : latency;
    if (evaluated && !Rejected(out, m.method)) return false;
  }
  return true;
}

}  // namespace

const std::vector<MethodInfo>& Methods() {
  static const std::vector<MethodInfo> methods = {
      {Method::kCountEProcess, "count_eprocess", "Verdict exact count test (test: exact)",
       MetricFamily::kErrors, true},
      {Method::kFisherRepeated, "fisher_repeated", "Fisher exact, every look",
       MetricFamily::kErrors, false},
      {Method::kZRepeated, "z_repeated", "two-proportion z, every look", MetricFamily::kErrors,
       false},
      {Method::kMannWhitneyRates, "mann_whitney_rates", "Mann-Whitney on step rates, every look",
       MetricFamily::kErrors, false},
      {Method::kKayentaRates, "kayenta_rates", "Kayenta rule on step rates, every look",
       MetricFamily::kErrors, false},
      {Method::kQuantileTest, "quantile_test", "Verdict bucket quantile test",
       MetricFamily::kLatency, true},
      {Method::kSloShare, "slo_share", "Verdict slow-request share (> SLO), exact test",
       MetricFamily::kLatency, true},
      {Method::kMannWhitneyP99, "mann_whitney_p99", "Mann-Whitney on step p99, every look",
       MetricFamily::kLatency, false},
      {Method::kKayentaP99, "kayenta_p99", "Kayenta rule on step p99, every look",
       MetricFamily::kLatency, false},
      {Method::kCountBetting, "count_betting", "Verdict step-betting test (default)",
       MetricFamily::kErrors, true},
      {Method::kSloBetting, "slo_betting", "Verdict slow-request share (> SLO), betting (default)",
       MetricFamily::kLatency, true},
      {Method::kP99TailBetting, "p99_tail_betting",
       "Verdict p99 tail share (bound nearest control p99), betting", MetricFamily::kLatency, true},
      {Method::kFisherLast, "fisher_last", "Fisher exact, last look only (fixed sample)",
       MetricFamily::kErrors, false},
      {Method::kConditionalLast, "conditional_last",
       "exact conditional binomial, last look only (fixed sample)", MetricFamily::kErrors, true},
      {Method::kCountBettingPods, "count_betting_pods",
       "Verdict step-betting test with the control's pods (judge, pod label)",
       MetricFamily::kErrors, true},
  };
  return methods;
}

const MethodInfo& Info(Method method) { return Methods()[static_cast<std::size_t>(Index(method))]; }

const char* FamilyName(MetricFamily family) {
  return family == MetricFamily::kErrors ? "errors" : "latency";
}

Status ValidateMethodOptions(const MethodOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 1)) {
    return InvalidArgumentError(fmt::format("alpha = {} must be in (0, 1)", o.alpha));
  }
  if (!(o.quantile > 0 && o.quantile < 1)) {
    return InvalidArgumentError(fmt::format("quantile = {} must be in (0, 1)", o.quantile));
  }
  if (!stats::FindBucketBound(IstioDurationBucketsMs(), o.slo_ms).ok()) {
    return InvalidArgumentError(
        fmt::format("slo_ms = {} is not a finite bound of Istio's default buckets", o.slo_ms));
  }
  if (!(o.concentration > 0) || std::isinf(o.concentration)) {
    return InvalidArgumentError(fmt::format("concentration = {} must be > 0", o.concentration));
  }
  if (!(o.kayenta_confidence > 0 && o.kayenta_confidence < 1)) {
    return InvalidArgumentError(
        fmt::format("kayenta_confidence = {} must be in (0, 1)", o.kayenta_confidence));
  }
  if (!(o.kayenta_tolerance >= 0) || std::isinf(o.kayenta_tolerance)) {
    return InvalidArgumentError(
        fmt::format("kayenta_tolerance = {} must be >= 0", o.kayenta_tolerance));
  }
  return Status::Ok();
}

StatusOr<RunOutcome> EvaluateRollout(const Rollout& rollout, const MethodOptions& options,
                                     const std::vector<MetricFamily>& families) {
  VERDICT_RETURN_IF_ERROR(ValidateMethodOptions(options));
  const bool errors =
      std::find(families.begin(), families.end(), MetricFamily::kErrors) != families.end();
  const bool latency =
      std::find(families.begin(), families.end(), MetricFamily::kLatency) != families.end();
  auto error_methods = ErrorMethods::Create(options);
  if (!error_methods.ok()) return error_methods.status();
  auto latency_methods = LatencyMethods::Create(options);
  if (!latency_methods.ok()) return latency_methods.status();
  RunOutcome out;
  if (!errors && !latency) return out;
  for (std::size_t t = 0; t < rollout.steps.size(); ++t) {
    const RolloutStep& step = rollout.steps[t];
    const auto look = static_cast<int32_t>(t + 1);
    if (errors) {
      VERDICT_RETURN_IF_ERROR(error_methods->Look(step, look, t + 1 == rollout.steps.size(), &out)
                                  .WithContext(fmt::format("step {}", look)));
    }
    if (latency) {
      VERDICT_RETURN_IF_ERROR(
          latency_methods->Look(step, look, &out).WithContext(fmt::format("step {}", look)));
    }
    if (AllRejected(out, errors, latency, options.last_look)) break;
  }
  return out;
}

StatusOr<bool> KayentaClassifiesHigh(const std::vector<double>& canary,
                                     const std::vector<double>& control,
                                     const MethodOptions& options) {
  if (canary.empty() || control.empty()) return false;  // Nodata, not High
  // One value per side: R's uniroot fails (sigma = 0 at the shifted ends), so
  // Kayenta's classifier throws and the metric is an Error, not High.
  if (canary.size() == 1 && control.size() == 1) return false;
  std::vector<double> c = canary, b = control;
  std::sort(c.begin(), c.end());
  std::sort(b.begin(), b.end());
  if (c == b) return false;  // identical data pass
  if (c.front() == c.back() && b.front() == b.back() && c.front() == b.front()) {
    return false;  // a single distinct value overall: pass
  }
  stats::MannWhitneyOptions o;
  o.alternative = stats::Alternative::kTwoSided;
  o.confidence = options.kayenta_confidence;
  o.method = stats::MannWhitneyOptions::Method::kAsymptotic;  // Kayenta's port always is
  o.conf_int = true;
  auto r = stats::MannWhitneyInPlace(&c, &b, o);
  if (!r.ok()) return r.status();
  if (std::isnan(r->ci_low) || std::isnan(r->estimate)) return false;
  // The effect-size gate with its default allowedIncrease = 1.0: the mean
  // ratio canary / control (1 when the control's mean is 0) must be >= 1.
  double canary_sum = 0, control_sum = 0;
  for (double v : c) canary_sum += v;
  for (double v : b) control_sum += v;
  const double control_mean = control_sum / static_cast<double>(b.size());
  const double mean_ratio =
      control_mean == 0 ? 1.0 : (canary_sum / static_cast<double>(c.size())) / control_mean;
  return r->ci_low > options.kayenta_tolerance * std::fabs(r->estimate) && mean_ratio >= 1.0;
}

double HistogramQuantile(double q, const std::vector<double>& bounds,
                         const std::vector<double>& cumulative) {
  if (cumulative.empty() || cumulative.size() != bounds.size()) return kNaN;
  const double total = cumulative.back();
  if (!(total > 0)) return kNaN;
  const double rank = q * total;
  std::size_t b = 0;
  while (b + 1 < cumulative.size() && cumulative[b] < rank) ++b;
  if (b + 1 == cumulative.size()) return bounds[bounds.size() - 2];  // in the +Inf bucket
  const double lower_bound = b == 0 ? 0.0 : bounds[b - 1];
  const double below = b == 0 ? 0.0 : cumulative[b - 1];
  const double in_bucket = cumulative[b] - below;
  if (!(in_bucket > 0)) return bounds[b];
  return lower_bound + (bounds[b] - lower_bound) * (rank - below) / in_bucket;
}

}  // namespace verdict::study
