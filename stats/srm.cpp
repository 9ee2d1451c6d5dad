#include "stats/srm.h"

#include <cmath>
#include <string>

namespace verdict::stats {

StatusOr<SrmCheck> SrmCheck::Create(const SrmOptions& options) {
  CountTestOptions count;
  count.alternative = Alternative::kTwoSided;
  count.alpha = options.alpha;
  count.concentration = options.concentration;
  count.margin = options.margin;
  auto process = CountEProcess::Create(count);
  if (!process.ok()) return process.status();
  return SrmCheck(options, std::move(process).value());
}

SrmCheck::SrmCheck(const SrmOptions& options, CountEProcess process)
    : options_(options), process_(std::move(process)) {}

Status SrmCheck::Add(double canary_requests, double control_requests, double w) {
  if (std::isnan(canary_requests) || std::isnan(control_requests) || std::isnan(w)) {
    return process_.Add({NAN, NAN, NAN, NAN});
  }
  if (!(w >= 0 && w <= 1)) {
    return InvalidArgumentError("assigned_canary_share must be in [0, 1], got " +
                                std::to_string(w));
  }
  for (double v : {canary_requests, control_requests}) {
    if (!(v >= 0) || std::isinf(v)) {
      return InvalidArgumentError("request counts must be finite and >= 0, got " +
                                  std::to_string(v));
    }
  }
  if ((w == 0 && canary_requests > 0) || (w == 1 && control_requests > 0)) {
    // Traffic where none was assigned: certain mismatch. Record an empty step.
    VERDICT_RETURN_IF_ERROR(process_.Add({0, 0, 0, 0}, Look::kNo));
    if (zero_weight_step_ == 0) zero_weight_step_ = static_cast<double>(process_.Result().steps);
    return Status::Ok();
  }
  VERDICT_RETURN_IF_ERROR(process_.Add({canary_requests, w, control_requests, 1 - w}));
  if (w > 0 && w < 1) expected_canary_ += w * (canary_requests + control_requests);
  return Status::Ok();
}

SrmResult SrmCheck::Result() const {
  const CountTestResult& c = process_.Result();
  SrmResult r;
  r.log_e_value = c.log_e_value;
  r.p_value = c.p_value;
  const double total = c.canary_events + c.control_events;
  if (total > 0) {
    r.observed_share = c.canary_events / total;
    r.expected_share = expected_canary_ / total;
  }
  r.ratio = c.ratio;
  r.ci_low = c.ci_low;
  r.ci_high = c.ci_high;
  r.steps = c.steps;
  r.skipped_steps = c.skipped_steps;
  r.rejected_at = c.rejected_at;
  if (zero_weight_step_ > 0) {
    r.traffic_on_zero_weight = true;
    r.p_value = 0;
    const auto at = static_cast<int64_t>(zero_weight_step_);
    if (!r.rejected_at || *r.rejected_at > at) r.rejected_at = at;
  }
  return r;
}

}  // namespace verdict::stats
