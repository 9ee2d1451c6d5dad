// Fixed-horizon comparison of two event rates (e.g. 5xx per request): canary
// against control.
//
// Three complementary answers to "is the canary's rate different?":
//   - the pooled two-proportion z test, identical to R's
//     prop.test(c(x1, x2), c(n1, n2), correct = FALSE) (z = sign * sqrt(X-squared));
//   - Fisher's exact test on the 2x2 table
//         canary:  events  non-events
//         control: events  non-events
//     with R's fisher.test semantics: one-sided p-values are hypergeometric tails,
//     and the two-sided p-value sums P(table) over every table with
//     P(table) <= P(observed) * (1 + 1e-7);
//   - the Bayesian posterior probability that the canary's rate is higher than the
//     control's, with independent Beta(1, 1) priors, computed exactly by a finite
//     closed-form sum (no simulation, no numerical integration).
//
// Convention (stats/alternative.h): the canary is group 1, and Alternative::kGreater
// means "the canary's rate is higher than the control's".
//
// Cost: Fisher's test walks the hypergeometric pmf outward from its mode with a
// ratio recurrence, so it costs O(sd) steps (about 40 standard deviations at most),
// never O(total); at 10^6 requests per side it takes well under a millisecond. The
// Bayesian sum is evaluated outward from its largest term and stops once the
// remaining terms are provably negligible, so it too costs O(sd), not O(events).
//
// Errors (all functions):
//   kInvalidArgument    a negative count, events greater than total, or a total
//                       above 2^50 (counts must be exact in a double); the message
//                       names the offending value.
//   kFailedPrecondition a total of 0 where a rate is needed (no traffic yet): the
//                       canary has shown nothing, so callers should treat this as
//                       "no data", never as a failure.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "stats/alternative.h"
#include "stats/status.h"

namespace verdict::stats {

struct ZTestResult {
  double z = 0;        // (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2)); 0 when p is 0 or 1.
  double p_value = 1;  // normal tail for the requested alternative.
};

struct ProportionsResult {
  Alternative alternative = Alternative::kTwoSided;
  double rate_canary = 0;           // canary_events / canary_total
  double rate_control = 0;          // control_events / control_total
  double z = 0;                     // pooled two-proportion z statistic
  double p_value_z = 1;             // its p-value for `alternative`
  double p_value_fisher = 1;        // Fisher's exact p-value for `alternative`
  double prob_canary_higher = 0.5;  // P(rate_canary > rate_control | data), Beta(1,1) priors
};

// Pooled two-proportion z test (R prop.test(correct = FALSE)). When nobody or
// everybody had an event on both sides (pooled rate 0 or 1), the two observed
// rates are equal and the statistic 0/0 is defined here as z = 0, p = 1 (R gives
// NaN). Needs both totals > 0 (kFailedPrecondition otherwise).
StatusOr<ZTestResult> TwoProportionZ(std::int64_t canary_events, std::int64_t canary_total,
                                     std::int64_t control_events, std::int64_t control_total,
                                     Alternative alternative);

// Fisher's exact test p-value (R fisher.test on
// matrix(c(canary_events, control_events, canary_total - canary_events,
//          control_total - control_events), 2)). kGreater is the upper tail of the
// canary's event count (odds ratio > 1). Tables with a zero margin (for example a
// total of 0, or no events anywhere) have a single possible table: p = 1.
StatusOr<double> FisherExact(std::int64_t canary_events, std::int64_t canary_total,
                             std::int64_t control_events, std::int64_t control_total,
                             Alternative alternative);

// P(p_canary > p_control) where p_canary ~ Beta(1 + canary_events, 1 + canary
// non-events) and p_control likewise: the posterior under independent uniform
// priors. Exact closed form (Evan Miller's sum, evaluated outward from its
// largest term; the shorter of its two direct forms). With no traffic at all the
// posterior is the prior and the answer is 0.5.
StatusOr<double> ProbCanaryHigher(std::int64_t canary_events, std::int64_t canary_total,
                                  std::int64_t control_events, std::int64_t control_total);

// All of the above at once. Needs both totals > 0 (kFailedPrecondition otherwise).
StatusOr<ProportionsResult> CompareProportions(std::int64_t canary_events,
                                               std::int64_t canary_total,
                                               std::int64_t control_events,
                                               std::int64_t control_total, Alternative alternative);

}  // namespace verdict::stats
