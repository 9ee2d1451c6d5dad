#include "stats/multiple_testing.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <string>

namespace verdict::stats {
namespace {

Status Validate(const std::vector<double>& p, std::size_t m) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p[i]) || p[i] < 0 || p[i] > 1) {
      std::ostringstream msg;
      msg << "p-value at index " << i << " is " << p[i] << ", not in [0, 1]";
      return InvalidArgumentError(msg.str());
    }
  }
  if (m < p.size()) {
    return InvalidArgumentError("number of hypotheses " + std::to_string(m) +
                                " is smaller than the " + std::to_string(p.size()) +
                                " p-values given");
  }
  return Status::Ok();
}

// Indices of p in ascending order of p (stable, like R's order()).
std::vector<std::size_t> AscendingOrder(const std::vector<double>& p) {
  std::vector<std::size_t> order(p.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&p](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  return order;
}

}  // namespace

const char* PAdjustMethodName(PAdjustMethod method) {
  switch (method) {
    case PAdjustMethod::kBonferroni:
      return "bonferroni";
    case PAdjustMethod::kHolm:
      return "holm";
    case PAdjustMethod::kBenjaminiHochberg:
      return "BH";
  }
  return "bonferroni";
}

StatusOr<std::vector<double>> AdjustPValues(const std::vector<double>& p, PAdjustMethod method,
                                            std::size_t num_hypotheses) {
  const std::size_t m = num_hypotheses == 0 ? p.size() : num_hypotheses;
  VERDICT_RETURN_IF_ERROR(Validate(p, m));
  if (m <= 1) return p;
  const double md = static_cast<double>(m);
  std::vector<double> adj(p.size());
  switch (method) {
    case PAdjustMethod::kBonferroni:
      for (std::size_t i = 0; i < p.size(); ++i) adj[i] = std::min(1.0, md * p[i]);
      break;
    case PAdjustMethod::kHolm: {
      const std::vector<std::size_t> order = AscendingOrder(p);
      double running_max = 0;
      for (std::size_t r = 0; r < order.size(); ++r) {
        // rank r + 1 among k: multiplier m - (r + 1) + 1 = m - r.
        running_max = std::max(running_max, (md - static_cast<double>(r)) * p[order[r]]);
        adj[order[r]] = std::min(1.0, running_max);
      }
      break;
    }
    case PAdjustMethod::kBenjaminiHochberg: {
      const std::vector<std::size_t> order = AscendingOrder(p);
      double running_min = 1.0;
      for (std::size_t r = order.size(); r-- > 0;) {
        running_min = std::min(running_min, md / static_cast<double>(r + 1) * p[order[r]]);
        adj[order[r]] = running_min;
      }
      break;
    }
  }
  return adj;
}

StatusOr<std::vector<double>> Bonferroni(const std::vector<double>& p, std::size_t num_hypotheses) {
  return AdjustPValues(p, PAdjustMethod::kBonferroni, num_hypotheses);
}

StatusOr<std::vector<double>> Holm(const std::vector<double>& p, std::size_t num_hypotheses) {
  return AdjustPValues(p, PAdjustMethod::kHolm, num_hypotheses);
}

StatusOr<std::vector<double>> BenjaminiHochberg(const std::vector<double>& p,
                                                std::size_t num_hypotheses) {
  return AdjustPValues(p, PAdjustMethod::kBenjaminiHochberg, num_hypotheses);
}

}  // namespace verdict::stats
