#include "analyzer/evaluate.h"

#include <utility>

namespace verdict::analyzer {

StatusOr<Evaluation> Evaluate(const rules::Config& config, const rules::Variables& runtime,
                              const MetricSource& source, const StepGrid& grid,
                              std::optional<Clock::TimePoint> deadline) {
  auto rendered = rules::RenderAll(config, runtime);
  if (!rendered.ok()) return rendered.status();
  std::vector<MetricRequest> requests;
  std::vector<MetricContext> contexts;
  requests.reserve(config.metrics.size());
  for (size_t i = 0; i < config.metrics.size(); ++i) {
    requests.emplace_back(&config.metrics[i], &(*rendered)[i], deadline);
    contexts.push_back({(*rendered)[i].expected_weight});
  }
  std::vector<StatusOr<MetricData>> data = source.FetchAll(requests, grid);
  Evaluation out;
  out.verdict = Judge(config, data, contexts);
  out.rendered = std::move(*rendered);
  return out;
}

const MetricResult* DecisiveSourceError(const Verdict& verdict) {
  if (!verdict.source_error_affects_verdict) return nullptr;
  for (const MetricResult& m : verdict.metrics) {
    if (!m.source_status.ok()) return &m;
  }
  return nullptr;
}

}  // namespace verdict::analyzer
