// Confidence bounds the judge needs besides the engines in stats/: an
// anytime-valid confidence sequence for one side's event rate (for absolute
// margins on rates and shares), the t confidence sequence for paired gauge
// series, fixed-horizon intervals (Wilson / Newcombe, the exact conditional
// rate-ratio interval, binomial bucket bounds of a quantile) and the
// interpolated histogram quantile.
//
// Thread safety: pure functions and value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace verdict::analyzer {

struct Interval {
  double low = 0;
  double high = 0;
};

// ---------------------------------------------------------------------------
// Anytime-valid confidence sequence for a Bernoulli rate p (one side's share
// of bad requests). Model: each request is bad independently with the same
// probability p. With S bad out of n requests so far, the conjugate mixture
//   M_n(p) = B(a + S, b + n - S) / B(a, b) / (p^S (1 - p)^(n - S)),
// (prior Beta(a, b) on the rate, fixed in advance; Jeffreys a = b = 1/2) is a
// nonnegative martingale with mean 1 under p, so by Ville's inequality
// CS_n = {p : M_n(p) < 1/alpha} covers p at every n at once with probability
// >= 1 - alpha. log M_n is convex in p with its minimum at S/n, so CS_n is an
// interval [low, high] found by bisection. S = 0 gives low = 0 and
// high ~ log(sqrt(pi n)/alpha)/n: a side with no errors bounds its rate.
// Batches of requests (steps) may be added at once: the bound only depends
// on the cumulative counts. Real-valued counts are accepted.
Interval BernoulliRateSequence(double events, double trials, double alpha);

// ---------------------------------------------------------------------------
// Anytime-valid t confidence sequence (Lai 1976; Wang & Ramdas 2023) for the
// mean mu of i.i.d. normal observations with unknown variance:
//   e_n(mu) = sqrt(rho / (n + rho)) * (1 - S^2 / ((n + rho) V))^(-n/2),
//   S = sum (y_i - mu), V = sum (y_i - mu)^2,
// the Bayes factor of N(theta sigma, sigma^2), theta ~ N(0, 1/rho), against
// N(0, sigma^2) with the scale-invariant prior d sigma / sigma on sigma. It is
// a nonnegative martingale under any sigma (for the scale-invariant
// filtration), so {mu : e_n(mu) < 1/alpha} covers mu at every n with
// probability >= 1 - alpha. In closed form it is
//   mean +- s_n sqrt(c_n / (n - c_n)),  c_n = (n + rho)(1 - (rho/(n+rho))^(1/n) alpha^(2/n)),
// with s_n the standard deviation with denominator n (the whole line while
// c_n >= n). TSequenceRho(t_opt, alpha) tunes rho as the normal mixture does.
double TSequenceRho(double t_opt, double alpha);
// The multiplier sqrt(c_n / (n - c_n)); +inf while unbounded (n < 2 included).
double TSequenceRadiusFactor(double n, double rho, double alpha);
// log e_n(mu0) for observations with sum `sum`, sum of squares `sum_sq`.
double TSequenceLogE(double n, double sum, double sum_sq, double mu0, double rho);

// Running sums of paired observations (canary c_t, control b_t), from which
// the t confidence sequence of y_t = c_t - r b_t follows for any r.
struct PairedSums {
  double n = 0;
  double c = 0, b = 0, cc = 0, bb = 0, cb = 0;
  void Add(double canary, double control);
  double MeanCanary() const { return c / n; }
  double MeanControl() const { return b / n; }
  // Sum and sum of squares of y = c - r b.
  double SumY(double r) const { return c - r * b; }
  double SumSqY(double r) const { return cc - 2 * r * cb + r * r * bb; }
};

// CS for the mean difference mean(c - b) at level 1 - alpha.
Interval PairedDifferenceSequence(const PairedSums& sums, double rho, double alpha);

// CS for the ratio of means mean(c) / mean(b): the set of r whose series
// c - r b has 0 in its t confidence sequence (a sequential Fieller set). When
// that set is not a bounded interval (the control's mean is not yet bounded
// away from 0) the result is [-inf, inf]; when it is empty (no ratio fits)
// `*empty` is set and the result is [NaN, NaN].
Interval PairedRatioSequence(const PairedSums& sums, double rho, double alpha, bool* empty);

// ---------------------------------------------------------------------------
// Fixed-horizon intervals, two-sided at `confidence`.

// Wilson score interval for x of n (R: prop.test(x, n, correct = FALSE)$conf.int).
Interval WilsonInterval(double x, double n, double confidence);

// Newcombe's hybrid score interval (method 10) for p1 - p2 from Wilson intervals.
Interval NewcombeDifference(double x1, double n1, double x2, double n2, double confidence);

// Exact conditional interval for the rate ratio (x1/t1) / (x2/t2) given
// x1 + x2 (R: poisson.test(c(x1, x2), c(t1, t2))$conf.int): Clopper-Pearson on
// the canary's share of the events. [0, inf] without events.
Interval ExactRateRatio(int64_t x1, double t1, int64_t x2, double t2, double confidence);

// ---------------------------------------------------------------------------
// Histograms.

// The q-quantile of cumulative bucket counts (counts[b] = observations <=
// bounds[b], last bound +Inf), interpolated linearly within its bucket as
// Prometheus' histogram_quantile does: the first bucket starts at 0 (when its
// bound is positive), and a quantile in the +Inf bucket is the largest finite
// bound. NaN without observations.
double InterpolatedQuantile(const std::vector<double>& bounds, const std::vector<double>& counts,
                            double q);

// Fixed-horizon bucket bounds of one side's q-quantile from N observations
// with K(u) <= u at each bound: (lower, upper] where lower is the largest
// bound u with P(Binomial(N, q) <= K(u)) <= alpha_each (so F(u) < q: the
// quantile is above u) and upper the smallest bound with
// P(Binomial(N, q) >= K(u)) <= alpha_each (F(u) >= q). lower = -inf and
// upper = +inf when no bound qualifies.
Interval BinomialQuantileBounds(const std::vector<double>& bounds,
                                const std::vector<double>& counts, double q, double alpha_each);

// Bounds of one side's q-quantile under linear interpolation within buckets
// (the model behind Prometheus' histogram_quantile: the CDF is linear between
// bucket bounds, and 0 at 0 when the first bound is positive). At each finite
// bound the share of observations above it gets a confidence set at
// alpha / (number of finite bounds) - BernoulliRateSequence when `sequential`
// (anytime-valid), else a Wilson interval - so all of them hold at once with
// probability >= 1 - alpha. The CDF then lies between the piecewise-linear
// envelopes through those sets (tightened by monotonicity), and the quantile
// between their inverses at q: [low, high], high = +inf when the lower
// envelope stays below q up to the largest finite bound. [NaN, NaN] without
// observations.
Interval InterpolatedQuantileBounds(const std::vector<double>& bounds,
                                    const std::vector<double>& counts, double q, double alpha,
                                    bool sequential);

// The finite bound of `bounds` whose share of observations above it, in the
// cumulative counts `cumulative` (bounds order, +Inf last), is nearest to
// 1 - q on a log scale, among bounds with a positive share above; nullopt
// when there are no observations, none lies above a finite bound, or the
// sizes differ. The tail test's bound (classify_latency_tail.cpp), also used
// by the simulation study's betting method.
std::optional<std::size_t> BoundNearQuantile(double q, const std::vector<double>& bounds,
                                             const std::vector<double>& cumulative);

}  // namespace verdict::analyzer
