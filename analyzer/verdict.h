// The overall verdict of a canary from its metric results.
//
// Sequential and fixed modes (config.mode != kayenta):
//   score  = weighted percentage of the scored metrics that did NOT fail:
//            100 * sum(weight of metrics whose outcome is not fail) / sum(weight).
//            pass, inconclusive, nodata and error count as "not failed": only
//            evidence of a degradation lowers the score, so an early rollout
//            whose metrics are all still inconclusive scores 100 and is not
//            failed. With group_weights the score is Kayenta's weighted sum of
//            group scores (each group: the weighted percentage of its metrics
//            not failed; groups without a weight share 100 - sum(weights)
//            equally; metrics without a group form one more unweighted group).
//   fail          a critical metric fails or errors, or score < thresholds.marginal
//   pass          every required metric passes, at least one metric passes, no
//                 critical metric errors, and score >= thresholds.pass
//   inconclusive  otherwise (in particular while metrics have no data yet, or
//                 a required metric errors)
// Kayenta mode (config.mode == kayenta): analyzer/kayenta_judge.h.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "analyzer/judge.h"
#include "analyzer/metric_data.h"
#include "rules/config.h"
#include "stats/status.h"

namespace verdict::analyzer {

enum class Overall { kPass, kFail, kInconclusive };
// "pass", "fail", "inconclusive".
const char* OverallName(Overall overall);

struct GroupScore {
  std::string name;      // "" = the metrics without a group
  double score = 0;      // 0-100
  double weight = 0;     // percent of the summary score
  bool no_data = false;  // Kayenta: no metric of the group was classified
};

struct Verdict {
  Overall verdict = Overall::kInconclusive;
  double score = 0;  // 0-100
  // Sentences explaining the verdict, the deciding ones first, each naming
  // its metric ("request-success-rate: canary rate ...").
  std::vector<std::string> reasons;
  std::vector<MetricResult> metrics;            // config order
  std::vector<GroupScore> groups;               // only with group weights or in Kayenta mode
  rules::Mode mode = rules::Mode::kSequential;  // the config's mode (decides the scoring)
  double alpha = 0.05;
  rules::Thresholds thresholds;  // the config's pass / marginal score thresholds
  // True when a metric whose source failed could change the verdict: the
  // verdict is not the same whether that metric had passed or failed. Callers
  // then report the source error instead of a verdict (CLI exit 4).
  bool source_error_affects_verdict = false;
};

// Judges every metric of `config` with its data (same order and size as
// config.metrics; a missing entry is judged as an internal error) and
// combines them. `contexts` may be empty or have one entry per metric.
Verdict Judge(const rules::Config& config, const std::vector<StatusOr<MetricData>>& data,
              const std::vector<MetricContext>& contexts = {});

// Combines metric results (config order) into the verdict, as described above
// (or as analyzer/kayenta_judge.h in Kayenta mode).
Verdict CombineVerdict(const rules::Config& config, std::vector<MetricResult> metrics);

// The native score of `metrics` (see above), and the group scores when the
// config has group weights.
double NativeScore(const rules::Config& config, const std::vector<MetricResult>& metrics,
                   std::vector<GroupScore>* groups);

}  // namespace verdict::analyzer
