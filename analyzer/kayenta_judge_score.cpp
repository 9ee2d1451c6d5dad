// Kayenta scoring and verdict (analyzer/kayenta_judge.h): WeightedSumScorer
// and ThresholdScoreClassifier with Verdict's fixes.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "analyzer/judge_format.h"
#include "analyzer/kayenta_judge.h"

namespace verdict::analyzer {
namespace {

struct Tally {
  int pass = 0, failing = 0;  // failing: High, Low, NodataFailMetric, Error
};

std::string Line(const MetricResult& m) {
  return m.name + (m.critical ? " (critical)" : "") + ": " + KayentaLabelOf(m) + ": " + m.reason;
}

bool CriticalFailure(const MetricResult& m) {
  const std::string label = KayentaLabelOf(m);
  if (m.kayenta && m.kayenta->critical) return true;
  if (m.critical && label == "Error") return true;  // Verdict fix: Kayenta ignores errors
  return m.critical && !m.kayenta && m.outcome == Outcome::kFail;
}

}  // namespace

std::string KayentaLabelOf(const MetricResult& metric) {
  if (metric.kayenta) return metric.kayenta->classification;
  switch (metric.outcome) {
    case Outcome::kPass:
      return "Pass";
    case Outcome::kFail:
      return "High";
    case Outcome::kError:
      return "Error";
    default:
      return "Nodata";
  }
}

Verdict CombineKayenta(const rules::Config& config, std::vector<MetricResult> metrics) {
  Verdict v;
  v.mode = rules::Mode::kKayenta;
  v.alpha = config.alpha;
  v.thresholds = config.thresholds;
  std::vector<const MetricResult*> scored;
  for (const MetricResult& m : metrics) {
    if (!m.muted) scored.push_back(&m);
  }
  std::map<std::string, Tally> tallies;
  int nodata = 0;
  std::vector<const MetricResult*> critical_failures, critical_nodata, required_open;
  for (const MetricResult* m : scored) {
    const std::string label = KayentaLabelOf(*m);
    const bool pass = label == "Pass";
    const bool failing =
        label == "High" || label == "Low" || label == "NodataFailMetric" || label == "Error";
    std::vector<std::string> groups = m->groups;
    if (groups.empty()) groups.push_back("");  // Verdict fix: ungrouped metrics are scored
    for (const std::string& g : groups) {
      tallies[g].pass += pass;
      tallies[g].failing += failing;
    }
    nodata += label == "Nodata";
    if (CriticalFailure(*m)) critical_failures.push_back(m);
    if (m->critical && label == "Nodata" && !CriticalFailure(*m)) critical_nodata.push_back(m);
    if (m->required && !pass) required_open.push_back(m);
  }
  double weighted = 0;
  size_t unweighted = 0;
  for (const auto& [name, t] : tallies) {
    auto it = config.group_weights.find(name);
    if (it != config.group_weights.end()) {
      weighted += it->second;
    } else {
      ++unweighted;
    }
  }
  const double share = unweighted > 0 ? (100 - weighted) / static_cast<double>(unweighted) : 0;
  double summary = 0;
  for (const auto& [name, t] : tallies) {
    const int total = t.pass + t.failing;
    const bool no_data = total == 0;
    const double score = no_data ? 0 : 100.0 * t.pass / total;
    auto it = config.group_weights.find(name);
    const double weight = it != config.group_weights.end() ? it->second : share;
    summary += (no_data ? 100 : score) * weight / 100;
    v.groups.push_back({name, score, weight, no_data});
  }
  summary = std::round(summary * 100) / 100;
  const bool too_many_nodata =
      !scored.empty() && 100.0 * nodata / static_cast<double>(scored.size()) >= 50;
  v.score = critical_failures.empty() ? summary : 0;
  const std::string thresholds = " (pass " + FormatShort(config.thresholds.pass) + ", marginal " +
                                 FormatShort(config.thresholds.marginal) + ")";
  std::vector<const MetricResult*> detail;
  if (!critical_failures.empty()) {
    v.verdict = Overall::kFail;
    v.reasons.push_back("Kayenta score 0: a critical metric failed" + thresholds);
    detail = critical_failures;
  } else if (too_many_nodata) {
    v.verdict = Overall::kInconclusive;
    v.reasons.push_back(std::to_string(nodata) + " of " + std::to_string(scored.size()) +
                        " metrics have no data: NetflixACAJudge would fail the canary with "
                        "score 0; Verdict does not fail a canary for missing data");
  } else if (v.score >= config.thresholds.pass) {
    if (!critical_nodata.empty() || !required_open.empty()) {
      v.verdict = Overall::kInconclusive;
      v.reasons.push_back("Kayenta score " + FormatShort(v.score) + thresholds +
                          " would pass, but " +
                          (!critical_nodata.empty() ? "a critical metric has no data"
                                                    : "a required metric did not pass"));
      detail = !critical_nodata.empty() ? critical_nodata : required_open;
    } else {
      v.verdict = Overall::kPass;
      v.reasons.push_back("Kayenta score " + FormatShort(v.score) +
                          " is at least the pass "
                          "threshold" +
                          thresholds);
    }
  } else if (v.score >= config.thresholds.marginal) {
    v.verdict = Overall::kInconclusive;
    v.reasons.push_back("Kayenta score " + FormatShort(v.score) +
                        " is marginal: below the pass threshold but not below the marginal "
                        "one" +
                        thresholds);
  } else {
    v.verdict = Overall::kFail;
    v.reasons.push_back("Kayenta score " + FormatShort(v.score) +
                        " is below the marginal threshold" + thresholds);
  }
  for (const MetricResult* m : detail) v.reasons.push_back(Line(*m));
  for (const MetricResult& m : metrics) {
    bool shown = false;
    for (const MetricResult* d : detail) shown = shown || d == &m;
    if (!shown) v.reasons.push_back(Line(m) + (m.muted ? " (muted)" : ""));
  }
  v.metrics = std::move(metrics);
  return v;
}

}  // namespace verdict::analyzer
