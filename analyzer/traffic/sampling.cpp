#include "analyzer/traffic/sampling.h"

namespace verdict::traffic {

void SampleCells(double mean_requests, const std::vector<double>& class_shares,
                 const std::vector<double>& cell_probs, SimRng* rng,
                 std::vector<std::vector<double>>* counts) {
  const std::size_t classes = class_shares.size(), cells = cell_probs.size();
  counts->resize(classes);
  for (auto& row : *counts) row.assign(cells, 0);
  for (std::size_t j = 0; j < cells; ++j) {
    const double cell_mean = mean_requests * cell_probs[j];
    for (std::size_t k = 0; k < classes; ++k) {
      (*counts)[k][j] = SampleCount(cell_mean * class_shares[k], rng);
    }
  }
}

double SampleCount(double mean, SimRng* rng) {
  if (rng == nullptr) return mean > 0 ? mean : 0;
  return static_cast<double>(rng->Poisson(mean));
}

}  // namespace verdict::traffic
