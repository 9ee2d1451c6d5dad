// Traffic metrics: the traffic-split sanity check. The source fills
// counts.total with each side's requests per step (counts.bad is ignored).
//
//   no canary requests at all -> nodata (a canary without traffic has not
//     shown anything; never a fail);
//   fewer than min_data requests on a side -> nodata;
//   expected weight unknown -> pass: the canary receives traffic;
//   expected weight w known -> the sample-ratio-mismatch check
//     (stats/srm.h, anytime-valid, at the metric's alpha): its confidence
//     sequence for R = (canary/w) / (control/(1-w)) maps monotonically to
//     the canary's share s = w R / (1 - w + w R), so to the share ratio s / w
//     (relative margin: pass when within [1 - m, 1 + m], by direction) or to
//     the share difference s - w (absolute margin, as a fraction: 0.05 = five
//     percentage points).
#include <cmath>
#include <string>

#include "analyzer/judge_format.h"
#include "analyzer/judge_internal.h"
#include "stats/srm.h"

namespace verdict::analyzer::judge_detail {
namespace {

// The canary share for a value of R (see above).
double ShareOf(double r, double w) {
  if (std::isinf(r)) return 1;
  return w * r / (1 - w + w * r);
}

}  // namespace

MetricResult ClassifyTraffic(const rules::MetricSpec& spec, const MetricData& data,
                             const MetricContext& context) {
  MetricResult result = StartResult(spec);
  result.data.unit = "requests";
  const std::vector<double>& cr = data.canary.counts.total;
  const std::vector<double>& br = data.control.counts.total;
  result.data.steps = static_cast<int64_t>(data.step_end_unix.size());
  std::vector<double> canary, control;
  for (size_t i = 0; i < cr.size() && i < br.size(); ++i) {
    const bool c_nan = std::isnan(cr[i]), b_nan = std::isnan(br[i]);
    result.data.canary_missing_steps += c_nan;
    result.data.control_missing_steps += b_nan;
    for (double v : {cr[i], br[i]}) {
      if (!std::isnan(v) && (!std::isfinite(v) || v < 0)) {
        return SetError(result, "malformed data: request count " + FormatNumber(v) + " at step " +
                                    std::to_string(i + 1) + " is not a finite non-negative number");
      }
    }
    if (c_nan || b_nan) continue;
    canary.push_back(cr[i]);
    control.push_back(br[i]);
    result.data.canary_amount += cr[i];
    result.data.control_amount += br[i];
  }
  result.data.steps_used = static_cast<int64_t>(canary.size());
  const double nc = result.data.canary_amount, nb = result.data.control_amount;
  if (nc > kMaxExactCount || nb > kMaxExactCount) {
    return SetError(result, "malformed data: requests (canary " + FormatCount(nc) + ", control " +
                                FormatCount(nb) + ") exceed 2^53 and cannot be counted exactly");
  }
  if (!(nc > 0) || nc < static_cast<double>(spec.min_data) ||
      nb < static_cast<double>(spec.min_data)) {
    return SetNodata(result, NotEnoughDataReason(result.data, true));
  }
  const std::optional<double> weight =
      context.expected_weight ? context.expected_weight : spec.expected_weight;
  Check c;
  c.name = "share";
  c.canary.total = nc;
  c.control.total = nb;
  c.canary.rate = nc / (nc + nb);
  c.control.rate = nb / (nc + nb);
  const std::string head = "canary received " + FormatPercent(c.canary.rate) + " of requests (" +
                           FormatCount(nc) + " of " + FormatCount(nc + nb) + ")";
  if (!weight) {
    c.measure = "traffic_share";
    c.estimate = c.canary.rate;
    c.test = "presence of canary traffic";
    c.outcome = Outcome::kPass;
    c.reason = head +
               "; no expected weight is set, so only the presence of canary traffic "
               "is checked";
    result.checks.push_back(c);
    FinishFromChecks(result);
    return result;
  }
  const double w = *weight / 100;
  stats::SrmOptions options;
  options.alpha = spec.alpha;
  auto srm = stats::SrmCheck::Create(options);
  if (!srm.ok()) return SetError(result, "the SRM check cannot run: " + srm.status().message());
  for (size_t i = 0; i < canary.size(); ++i) {
    Status s = srm->Add(canary[i], control[i], w);
    if (!s.ok()) {
      return SetError(result,
                      "the SRM check failed at step " + std::to_string(i + 1) + ": " + s.message());
    }
  }
  const stats::SrmResult r = srm->Result();
  const bool relative = spec.margin.relative();
  const Limits limits = relative ? RatioLimits(spec.direction, spec.margin.value)
                                 : DifferenceLimits(spec.direction, spec.margin.value);
  c.measure = relative ? "traffic_share_ratio" : "traffic_share_difference";
  c.test = "sample ratio mismatch (count e-process on requests)";
  c.interval = "confidence sequence";
  c.confidence = 1 - spec.alpha;
  c.limit_low = limits.low;
  c.limit_high = limits.high;
  c.p_value = r.p_value;
  c.e_value = std::exp(r.log_e_value);
  c.null_hypothesis = "the split is as assigned (canary share " + FormatPercent(w) + ")";
  const double s_low = ShareOf(r.ci_low, w), s_high = ShareOf(r.ci_high, w);
  c.estimate = relative ? c.canary.rate / w : c.canary.rate - w;
  c.low = relative ? s_low / w : s_low - w;
  c.high = relative ? s_high / w : s_high - w;
  const Evidence evidence = Decide(limits, c.low, c.high);
  c.outcome = ToOutcome(evidence);
  c.reason = head + " against the expected " + FormatPercent(w) + ": " +
             ComparisonClause(relative ? "share ratio" : "share difference", c.estimate, c.low,
                              c.high, c.confidence, "CS", limits, evidence, spec.direction,
                              spec.margin, relative ? Units::kRatio : Units::kPoints);
  result.checks.push_back(c);
  FinishFromChecks(result);
  return result;
}

}  // namespace verdict::analyzer::judge_detail
