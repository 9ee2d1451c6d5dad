// Threshold metrics: an absolute bound on the canary alone (Flagger's
// thresholdRange).
//
// Rule: like Flagger, judge the canary's value at the latest step (the
// latest complete step of the window). It must lie within [min, max]:
//   pass          the latest step has a value inside the bounds;
//   fail          the latest step has a value outside them;
//   inconclusive  the latest step has no value (NaN: e.g. no traffic, so a
//                 rate is 0/0) - never a pass and, unlike Flagger (#1035,
//                 #1330), never a fail: the last value seen is reported;
//   nodata        fewer than min_data steps have a value.
#include <cmath>
#include <string>

#include "analyzer/judge_format.h"
#include "analyzer/judge_internal.h"

namespace verdict::analyzer::judge_detail {
namespace {

std::string RangeText(const rules::MetricSpec& spec) {
  if (spec.min && spec.max) {
    return "[" + FormatShort(*spec.min) + ", " + FormatShort(*spec.max) + "]";
  }
  if (spec.min) return "at least " + FormatShort(*spec.min);
  return "at most " + FormatShort(*spec.max);
}

}  // namespace

MetricResult ClassifyThreshold(const rules::MetricSpec& spec, const MetricData& data) {
  MetricResult result = StartResult(spec);
  result.data.unit = "values";
  const std::vector<double>& values = data.canary.series.values;
  const size_t steps = values.size();
  result.data.steps = static_cast<int64_t>(data.step_end_unix.size());
  int64_t present = 0;
  size_t last_index = steps;
  for (size_t i = 0; i < steps; ++i) {
    if (std::isnan(values[i])) {
      ++result.data.canary_missing_steps;
      continue;
    }
    ++present;
    last_index = i;
  }
  result.data.canary_amount = static_cast<double>(present);
  result.data.steps_used = steps == 0 ? 0 : 1;
  if (present == 0 || present < spec.min_data)
    return SetNodata(result, NotEnoughDataReason(result.data, false));
  Check c;
  c.name = "value";
  c.measure = "value";
  c.test = "threshold on the latest step";
  c.limit_low = spec.min ? *spec.min : -kInf;
  c.limit_high = spec.max ? *spec.max : kInf;
  c.canary.samples = present;
  const double last = values[last_index];
  c.canary.last = last;
  c.estimate = last;
  if (last_index + 1 != steps) {
    const size_t gap = steps - 1 - last_index;
    c.outcome = Outcome::kInconclusive;
    c.reason = "the latest step has no canary value (the last value, " + FormatShort(last) +
               ", is " + std::to_string(gap) + (gap == 1 ? " step" : " steps") +
               " old); the bound " + RangeText(spec) + " is not judged on missing data";
  } else if (std::isinf(last)) {
    return SetError(result, "malformed data: the latest canary value is infinite");
  } else if (spec.min && last < *spec.min) {
    const auto [v, b] = FormatShortApart(last, *spec.min);
    c.outcome = Outcome::kFail;
    c.reason = "canary value " + v + " at the latest step is below the minimum " + b;
  } else if (spec.max && last > *spec.max) {
    const auto [v, b] = FormatShortApart(last, *spec.max);
    c.outcome = Outcome::kFail;
    c.reason = "canary value " + v + " at the latest step is above the maximum " + b;
  } else {
    c.outcome = Outcome::kPass;
    c.reason =
        "canary value " + FormatShort(last) + " at the latest step is within " + RangeText(spec);
  }
  result.checks.push_back(c);
  FinishFromChecks(result);
  return result;
}

}  // namespace verdict::analyzer::judge_detail
