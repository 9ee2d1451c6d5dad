// Sample-ratio-mismatch (SRM) check: does the canary receive the traffic share
// it was assigned? A broken split (sticky sessions, a misrouted subset, a
// canary that crashes on some requests before they are counted) is reported
// instead of silently judged.
//
// It is the count e-process (stats/count_eprocess.h) applied to request counts:
// at step t the "events" are the canary's and the control's requests and the
// "exposures" are the assigned weights (w_t, 1 - w_t). If routing sends each
// request to the canary independently with probability w_t, the canary's
// requests given the step's total are exactly Binomial(n_t, w_t), so the test
// (two-sided, mixture prior Dirichlet(k w)) is an exact anytime-valid test of
// "the split is as assigned", for assigned weights that move over time too.
//
// The ratio and its confidence sequence are those of (canary requests / w) /
// (control requests / (1 - w)): 1 means on target, 0.8 means the canary gets
// 20% fewer requests than assigned, relative to the control.
//
// Thread safety: none (a value type).
#pragma once

#include <cstdint>
#include <optional>

#include "stats/count_eprocess.h"
#include "stats/status.h"

namespace verdict::stats {

struct SrmOptions {
  double alpha = 0.05;         // in (0, 1)
  double concentration = 100;  // k of the Dirichlet(k w) prior
  double margin = 0;           // tolerated relative deviation of the ratio (two-sided)
};

struct SrmResult {
  double log_e_value = 0;
  double p_value = 1;                                                // anytime-valid
  double observed_share = std::numeric_limits<double>::quiet_NaN();  // canary / all requests
  double expected_share = std::numeric_limits<double>::quiet_NaN();  // request-weighted w
  double ratio = std::numeric_limits<double>::quiet_NaN();           // see above
  double ci_low = 0;
  double ci_high = std::numeric_limits<double>::infinity();
  int64_t steps = 0;
  int64_t skipped_steps = 0;
  std::optional<int64_t> rejected_at;  // 1-based step of the first p <= alpha
  // Requests arrived on a side whose assigned weight is 0: a certain mismatch
  // (p_value = 0), reported at the first such step.
  bool traffic_on_zero_weight = false;
};

class SrmCheck {
 public:
  static StatusOr<SrmCheck> Create(const SrmOptions& options);

  // One step: requests seen by each side and the canary's assigned weight in
  // [0, 1]. NaN anywhere skips the step (counted). kInvalidArgument for
  // negative/infinite counts or a weight outside [0, 1].
  Status Add(double canary_requests, double control_requests, double assigned_canary_share);

  SrmResult Result() const;

 private:
  SrmCheck(const SrmOptions& options, CountEProcess process);
  SrmOptions options_;
  CountEProcess process_;
  double expected_canary_ = 0;  // sum of w_t n_t
  double zero_weight_step_ = 0;
};

}  // namespace verdict::stats
