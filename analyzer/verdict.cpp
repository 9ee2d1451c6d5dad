#include "analyzer/verdict.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "analyzer/judge_format.h"
#include "analyzer/kayenta_judge.h"

namespace verdict::analyzer {
namespace {

bool NotFailed(const MetricResult& m) { return m.outcome != Outcome::kFail; }

// Weighted percentage of `members` not failed; 100 when they weigh nothing.
double GroupPercent(const std::vector<const MetricResult*>& members) {
  double total = 0, good = 0;
  for (const MetricResult* m : members) {
    total += m->weight;
    if (NotFailed(*m)) good += m->weight;
  }
  return total > 0 ? 100 * good / total : 100;
}

std::string Names(const std::vector<const MetricResult*>& list) {
  std::string out;
  for (const MetricResult* m : list) out += (out.empty() ? "" : ", ") + m->name;
  return out;
}

std::string Line(const MetricResult& m) {
  return m.name + (m.critical ? " (critical)" : "") + ": " + OutcomeName(m.outcome) + ": " +
         m.reason;
}

// The native decision and its reasons (see verdict.h).
Overall DecideNative(const rules::Config& config, const std::vector<MetricResult>& metrics,
                     double score, std::vector<std::string>* reasons) {
  std::vector<const MetricResult*> critical_bad, required_open, failed, passed;
  for (const MetricResult& m : metrics) {
    if (m.critical && (m.outcome == Outcome::kFail || m.outcome == Outcome::kError)) {
      critical_bad.push_back(&m);
    }
    if (m.required && m.outcome != Outcome::kPass) required_open.push_back(&m);
    if (m.outcome == Outcome::kFail) failed.push_back(&m);
    if (m.outcome == Outcome::kPass) passed.push_back(&m);
  }
  // Scores are printed with enough digits to compare truly with the threshold.
  auto score_vs = [score](double threshold) {
    std::string a = FormatShort(std::round(score * 100) / 100), b = FormatShort(threshold);
    if (a == b && score != threshold) std::tie(a, b) = FormatApart(score, threshold, 1, false, 6);
    return std::make_pair("score " + a, b);
  };
  std::vector<std::string> head, detail;
  Overall overall;
  if (!critical_bad.empty()) {
    overall = Overall::kFail;
    head.push_back(
        std::string(critical_bad.size() == 1 ? "a critical metric" : "critical metrics") +
        " failed or could not be judged: " + Names(critical_bad));
    for (const MetricResult* m : critical_bad) detail.push_back(Line(*m));
  } else if (score < config.thresholds.marginal) {
    overall = Overall::kFail;
    const auto [text, threshold] = score_vs(config.thresholds.marginal);
    head.push_back(text + " is below the marginal threshold " + threshold +
                   " (failed: " + Names(failed) + ")");
    for (const MetricResult* m : failed) detail.push_back(Line(*m));
  } else if (required_open.empty() && !passed.empty() && score >= config.thresholds.pass) {
    overall = Overall::kPass;
    const auto [text, threshold] = score_vs(config.thresholds.pass);
    head.push_back("every required metric passed and the " + text + " is at least " + threshold);
    for (const MetricResult* m : passed) detail.push_back(Line(*m));
  } else {
    overall = Overall::kInconclusive;
    if (!required_open.empty()) {
      head.push_back("not decided yet: required metrics without a pass: " + Names(required_open));
      for (const MetricResult* m : required_open) detail.push_back(Line(*m));
    } else if (passed.empty()) {
      head.push_back("not decided yet: no metric has passed");
    } else {
      const auto [text, threshold] = score_vs(config.thresholds.pass);
      head.push_back(text + " is below the pass threshold " + threshold +
                     " (failed: " + Names(failed) + ")");
      for (const MetricResult* m : failed) detail.push_back(Line(*m));
    }
  }
  if (reasons != nullptr) {
    reasons->insert(reasons->end(), head.begin(), head.end());
    reasons->insert(reasons->end(), detail.begin(), detail.end());
    for (const MetricResult& m : metrics) {
      const std::string line = Line(m);
      if (std::find(detail.begin(), detail.end(), line) == detail.end()) reasons->push_back(line);
    }
  }
  return overall;
}

Overall Recompute(const rules::Config& config, std::vector<MetricResult> metrics) {
  if (config.mode == rules::Mode::kKayenta)
    return CombineKayenta(config, std::move(metrics)).verdict;
  const double score = NativeScore(config, metrics, nullptr);
  return DecideNative(config, metrics, score, nullptr);
}

// Whether the verdict would differ had the metrics whose source failed
// passed instead of failed (the verdict is monotone in each outcome).
bool SourceErrorsMatter(const rules::Config& config, const std::vector<MetricResult>& metrics) {
  std::vector<MetricResult> best = metrics, worst = metrics;
  bool any = false;
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (metrics[i].source_status.ok()) continue;
    any = true;
    best[i].outcome = Outcome::kPass;
    best[i].kayenta.reset();
    worst[i].outcome = Outcome::kFail;
    worst[i].kayenta.reset();
  }
  if (!any) return false;
  return Recompute(config, std::move(best)) != Recompute(config, std::move(worst));
}

}  // namespace

const char* OverallName(Overall overall) {
  switch (overall) {
    case Overall::kPass:
      return "pass";
    case Overall::kFail:
      return "fail";
    case Overall::kInconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

double NativeScore(const rules::Config& config, const std::vector<MetricResult>& metrics,
                   std::vector<GroupScore>* groups) {
  if (config.group_weights.empty()) {
    std::vector<const MetricResult*> all;
    for (const MetricResult& m : metrics) all.push_back(&m);
    return GroupPercent(all);
  }
  std::map<std::string, std::vector<const MetricResult*>> members;
  for (const MetricResult& m : metrics) {
    if (m.groups.empty()) members[""].push_back(&m);
    for (const std::string& g : m.groups) members[g].push_back(&m);
  }
  double weighted_sum = 0;
  size_t unweighted = 0;
  for (const auto& [name, list] : members) {
    auto it = config.group_weights.find(name);
    if (it != config.group_weights.end()) {
      weighted_sum += it->second;
    } else {
      ++unweighted;
    }
  }
  const double share = unweighted > 0 ? (100 - weighted_sum) / static_cast<double>(unweighted) : 0;
  double score = 0;
  for (const auto& [name, list] : members) {
    auto it = config.group_weights.find(name);
    const double weight = it != config.group_weights.end() ? it->second : share;
    const double group_score = GroupPercent(list);
    score += group_score * weight / 100;
    if (groups != nullptr) groups->push_back({name, group_score, weight, false});
  }
  return score;
}

Verdict CombineVerdict(const rules::Config& config, std::vector<MetricResult> metrics) {
  if (config.mode == rules::Mode::kKayenta) {
    const bool matters = SourceErrorsMatter(config, metrics);
    Verdict v = CombineKayenta(config, std::move(metrics));
    v.source_error_affects_verdict = matters;
    return v;
  }
  Verdict v;
  v.mode = config.mode;
  v.alpha = config.alpha;
  v.thresholds = config.thresholds;
  v.source_error_affects_verdict = SourceErrorsMatter(config, metrics);
  v.score = NativeScore(config, metrics, config.group_weights.empty() ? nullptr : &v.groups);
  v.verdict = DecideNative(config, metrics, v.score, &v.reasons);
  v.metrics = std::move(metrics);
  return v;
}

Verdict Judge(const rules::Config& config, const std::vector<StatusOr<MetricData>>& data,
              const std::vector<MetricContext>& contexts) {
  std::vector<MetricResult> results;
  results.reserve(config.metrics.size());
  for (size_t i = 0; i < config.metrics.size(); ++i) {
    const MetricContext context = i < contexts.size() ? contexts[i] : MetricContext{};
    if (i < data.size()) {
      results.push_back(JudgeMetric(config.metrics[i], data[i], context));
    } else {
      results.push_back(JudgeMetric(config.metrics[i],
                                    StatusOr<MetricData>(InternalError("no data was fetched for "
                                                                       "this metric")),
                                    context));
    }
  }
  return CombineVerdict(config, std::move(results));
}

}  // namespace verdict::analyzer
