// The tail test of a latency quantile check (`test: betting`, the default):
// the step-betting e-process (stats/count_betting.h) on the share of
// observations above the bucket bound nearest the control's p-quantile.
//
// Before step t the bound u_t is chosen from the control's buckets of steps
// 1..t-1 (predictable): the finite bound whose share of control observations
// above it is nearest 1 - p on a log scale. Step 1, and steps before the
// control has an observation above a finite bound, place no bet.
//   increase: the canary's count above u'_t, the smallest bound >= (1+m) u_t
//     (relative margin) or >= u_t + m (absolute, ms), against the control's
//     count above u_t; a greater test with margin 0.
//   decrease: the canary's count above u''_t, the largest bound <= (1-m) u_t
//     (or <= u_t - m), against the control's above u_t; a less test.
//   either: both, each at alpha/2.
// Validity: if the canary's latency is stochastically at most (1+m) x the
// control's (increase), P_canary(L > u') <= P_control(L > u), so the canary's
// rate of such events is at most the control's at every step, which is the
// null of the greater test (under the betting test's assumption (A)). A
// canary with the control's latency distribution meets it exactly. The null
// is thus stochastic order in the tail at the bound, stronger than "the
// p-quantile is within the margin"; a fail means the canary's tail at the
// control's p-quantile is heavier, which is what a p99 regression looks like.
#include <cmath>
#include <optional>

#include "analyzer/judge_bounds.h"
#include "analyzer/judge_internal.h"
#include "stats/count_betting.h"

namespace verdict::analyzer::judge_detail {
namespace {

// The canary's bound for control bound `b`: up = the smallest finite bound
// >= the shifted value, down = the largest finite bound <= it.
std::optional<size_t> ShiftedBound(const std::vector<double>& bounds, size_t b, bool up,
                                   const rules::Margin& margin, double to_ms) {
  const double u = bounds[b];
  const double m = margin.value;
  const double target =
      margin.relative() ? (up ? u * (1 + m) : u * (1 - m)) : (up ? u + m / to_ms : u - m / to_ms);
  if (up) {
    for (size_t k = b; k + 1 < bounds.size(); ++k) {
      if (bounds[k] >= target * (1 - 1e-12)) return k;
    }
    return std::nullopt;
  }
  for (size_t k = b + 1; k-- > 0;) {
    if (bounds[k] <= target * (1 + 1e-12)) return k;
  }
  return std::nullopt;
}

}  // namespace

StatusOr<TailTestResult> RunQuantileTailTest(const std::vector<double>& bounds,
                                             const std::vector<std::vector<double>>& canary,
                                             const std::vector<std::vector<double>>& control,
                                             double q, double alpha, rules::Direction direction,
                                             const rules::Margin& margin, double to_ms) {
  const bool up = direction != rules::Direction::kDecrease;
  const bool down = direction != rules::Direction::kIncrease;
  const double a = up && down ? alpha / 2 : alpha;
  stats::CountBettingOptions options;
  options.alpha = a;
  options.compute_ci = false;
  options.alternative = stats::Alternative::kGreater;
  auto greater = stats::CountBettingProcess::Create(options);
  options.alternative = stats::Alternative::kLess;
  auto less = stats::CountBettingProcess::Create(options);
  if (!greater.ok()) return greater.status();
  if (!less.ok()) return less.status();
  TailTestResult out;
  std::vector<double> past(bounds.size(), 0);
  for (size_t s = 0; s < canary.size(); ++s) {
    const std::optional<size_t> b = BoundNearQuantile(q, bounds, past);
    if (b) {
      out.bound = bounds[*b];
      const double ct = canary[s].back(), bt = control[s].back();
      const double control_above = bt - control[s][*b];
      for (bool side_up : {true, false}) {
        if ((side_up && !up) || (!side_up && !down)) continue;
        const std::optional<size_t> k = ShiftedBound(bounds, *b, side_up, margin, to_ms);
        if (!k) continue;
        stats::CountBettingProcess& p = side_up ? *greater : *less;
        Status st = p.Add({ct - canary[s][*k], ct, control_above, bt});
        if (!st.ok()) return st.WithContext("step " + std::to_string(s + 1));
      }
    }
    for (size_t k = 0; k < past.size(); ++k) past[k] += control[s][k];
  }
  const double pg = greater->Result().p_value, pl = less->Result().p_value;
  double p = up && down ? std::min(1.0, 2 * std::min(pg, pl)) : (up ? pg : pl);
  out.p_value = p;
  out.log_e_value =
      up && down
          ? std::max(greater->Result().log_e_value, less->Result().log_e_value) - std::log(2.0)
          : (up ? greater->Result().log_e_value : less->Result().log_e_value);
  out.fail = p <= alpha;
  return out;
}

}  // namespace verdict::analyzer::judge_detail
