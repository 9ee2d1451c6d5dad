#include "analyzer/study/simulation_peeking.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

#include "analyzer/traffic/random.h"
#include "stats/mann_whitney.h"

namespace verdict::study {
namespace {

double Published(const std::vector<PublishedRate>& table, double parameter) {
  for (const PublishedRate& row : table) {
    if (std::fabs(row.parameter - parameter) < 1e-9) return row.rate;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Status CheckCommon(int64_t runs, double alpha) {
  if (runs < 1) return InvalidArgumentError(fmt::format("runs = {} must be >= 1", runs));
  if (!(alpha > 0 && alpha < 1)) {
    return InvalidArgumentError(fmt::format("alpha = {} must be in (0, 1)", alpha));
  }
  return Status::Ok();
}

CheckRow MakeRow(double parameter, int64_t runs, int64_t rejected, double published) {
  CheckRow row;
  row.parameter = parameter;
  row.runs = runs;
  row.rejected = rejected;
  row.rate = static_cast<double>(rejected) / static_cast<double>(runs);
  row.ci = WilsonInterval(rejected, runs);
  row.published = published;
  return row;
}

// A stationary AR(1) series with unit innovation variance.
void Ar1Series(double phi, SimRng& rng, std::vector<double>* out) {
  double x = rng.Normal() / std::sqrt(1 - phi * phi);
  for (double& v : *out) {
    v = x;
    x = phi * x + rng.Normal();
  }
}

}  // namespace

const std::vector<PublishedRate>& PublishedPeekingTable() {
  static const std::vector<PublishedRate> table = {{2, .083},  {5, .142},  {10, .193},
                                                   {20, .248}, {50, .320}, {100, .375}};
  return table;
}

const std::vector<PublishedRate>& PublishedAutocorrelationTable() {
  static const std::vector<PublishedRate> table = {{0.3, .14}, {0.5, .24}, {0.7, .41}};
  return table;
}

StatusOr<std::vector<CheckRow>> RunPeekingCheck(const std::vector<int>& looks, int64_t runs,
                                                double alpha, uint64_t seed) {
  VERDICT_RETURN_IF_ERROR(CheckCommon(runs, alpha));
  if (looks.empty()) return InvalidArgumentError("the list of looks is empty");
  for (int k : looks) {
    if (k < 1) return InvalidArgumentError(fmt::format("looks = {} must be >= 1", k));
  }
  const int max_looks = *std::max_element(looks.begin(), looks.end());
  // |z| > z_crit  <=>  two-sided normal p-value < alpha.
  const double z_crit = boost::math::quantile(boost::math::normal(), 1 - alpha / 2);
  // rejected_by[k] = runs whose first rejection was at look k.
  std::vector<int64_t> rejected_by(static_cast<std::size_t>(max_looks) + 1, 0);
  for (int64_t r = 0; r < runs; ++r) {
    SimRng rng(RunSeed(seed, kPeekingStream, 0, static_cast<uint64_t>(r)));
    double sum = 0;
    for (int k = 1; k <= max_looks; ++k) {
      sum += rng.Normal();
      if (std::fabs(sum) / std::sqrt(static_cast<double>(k)) > z_crit) {
        ++rejected_by[static_cast<std::size_t>(k)];
        break;
      }
    }
  }
  // Cumulative: rejected at or before look K.
  for (std::size_t k = 1; k < rejected_by.size(); ++k) rejected_by[k] += rejected_by[k - 1];
  std::vector<CheckRow> rows;
  for (int k : looks) {
    rows.push_back(MakeRow(k, runs, rejected_by[static_cast<std::size_t>(k)],
                           Published(PublishedPeekingTable(), k)));
  }
  return rows;
}

StatusOr<std::vector<CheckRow>> RunAutocorrelationCheck(const std::vector<double>& phis, int points,
                                                        int64_t runs, double alpha, uint64_t seed) {
  VERDICT_RETURN_IF_ERROR(CheckCommon(runs, alpha));
  if (points < 2) return InvalidArgumentError(fmt::format("points = {} must be >= 2", points));
  std::vector<CheckRow> rows;
  std::vector<double> x(static_cast<std::size_t>(points)), y(x.size());
  for (std::size_t i = 0; i < phis.size(); ++i) {
    const double phi = phis[i];
    if (!(phi >= 0 && phi < 1)) {
      return InvalidArgumentError(fmt::format("phi = {} must be in [0, 1)", phi));
    }
    stats::MannWhitneyOptions o;  // two-sided, R's defaults
    o.conf_int = false;
    int64_t rejected = 0;
    for (int64_t r = 0; r < runs; ++r) {
      // The run's stream is keyed by phi itself (in thousandths), not its position.
      SimRng rng(RunSeed(seed, kAutocorrelationStream,
                         static_cast<uint64_t>(std::lround(phi * 1000)), static_cast<uint64_t>(r)));
      Ar1Series(phi, rng, &x);
      Ar1Series(phi, rng, &y);
      auto result = stats::MannWhitney(x, y, o);
      if (!result.ok()) return result.status();
      if (result->p_value <= alpha) ++rejected;
    }
    rows.push_back(MakeRow(phi, runs, rejected, Published(PublishedAutocorrelationTable(), phi)));
  }
  return rows;
}

}  // namespace verdict::study
