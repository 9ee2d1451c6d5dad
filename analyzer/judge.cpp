#include "analyzer/judge.h"

#include <cmath>
#include <string>

#include "analyzer/judge_internal.h"
#include "analyzer/kayenta_judge.h"

namespace verdict::analyzer {
namespace {

using judge_detail::SetError;
using judge_detail::StartResult;

// A side a source left empty (no series at all) becomes all-NaN steps, so
// that every classifier sees one entry per step.
void FillMissing(std::vector<double>& values, size_t steps) {
  if (values.empty() && steps > 0) values.assign(steps, kNaN);
}

void Normalize(const rules::MetricSpec& spec, MetricData& d) {
  const size_t steps = d.step_end_unix.size();
  for (SideData* side : {&d.canary, &d.control}) {
    switch (spec.kind) {
      case rules::MetricKind::kRatio:
        FillMissing(side->counts.bad, steps);
        FillMissing(side->counts.total, steps);
        break;
      case rules::MetricKind::kTraffic:
        FillMissing(side->counts.total, steps);
        side->counts.bad = side->counts.total;  // mirrors total; unused
        break;
      case rules::MetricKind::kSeries:
      case rules::MetricKind::kThreshold:
        FillMissing(side->series.values, steps);
        break;
      case rules::MetricKind::kLatency:
        break;
    }
  }
}

std::string StepsNote(int64_t missing, int64_t steps, const char* side) {
  return std::to_string(missing) + " of " + std::to_string(steps) + " steps had no " + side +
         " value and were skipped";
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kInconclusive:
      return "inconclusive";
    case Outcome::kNodata:
      return "nodata";
    case Outcome::kError:
      return "error";
  }
  return "error";
}

MetricResult JudgeMetric(const rules::MetricSpec& spec, const StatusOr<MetricData>& data,
                         const MetricContext& context) {
  if (!data.ok()) {
    MetricResult result = StartResult(spec);
    result.source_status = data.status();
    return SetError(result, "the data source failed: " + data.status().ToString());
  }
  MetricData d = *data;
  Normalize(spec, d);
  if (Status valid = ValidateMetricData(d); !valid.ok()) {
    MetricResult result = StartResult(spec);
    result.notes = d.notes;
    return SetError(result, "malformed data: " + valid.message());
  }
  const bool kayenta = spec.effective_mode == rules::Mode::kKayenta &&
                       spec.kind != rules::MetricKind::kThreshold &&
                       spec.kind != rules::MetricKind::kTraffic;
  MetricResult result;
  if (kayenta) {
    result = ClassifyKayenta(spec, d);
  } else {
    switch (spec.kind) {
      case rules::MetricKind::kRatio:
        result = judge_detail::ClassifyRatio(spec, d);
        break;
      case rules::MetricKind::kLatency:
        result = judge_detail::ClassifyLatency(spec, d);
        break;
      case rules::MetricKind::kSeries:
        result = judge_detail::ClassifySeries(spec, d);
        break;
      case rules::MetricKind::kThreshold:
        result = judge_detail::ClassifyThreshold(spec, d);
        break;
      case rules::MetricKind::kTraffic:
        result = judge_detail::ClassifyTraffic(spec, d, context);
        break;
    }
  }
  std::vector<std::string> notes = d.notes;
  if (result.data.canary_missing_steps > 0 &&
      result.data.canary_missing_steps < result.data.steps) {
    notes.push_back(StepsNote(result.data.canary_missing_steps, result.data.steps, "canary"));
  }
  if (result.data.control_missing_steps > 0 &&
      result.data.control_missing_steps < result.data.steps &&
      spec.kind != rules::MetricKind::kThreshold) {
    notes.push_back(StepsNote(result.data.control_missing_steps, result.data.steps, "control"));
  }
  notes.insert(notes.end(), result.notes.begin(), result.notes.end());
  result.notes = std::move(notes);
  return result;
}

}  // namespace verdict::analyzer
