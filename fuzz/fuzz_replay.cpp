// Fuzz target: the recorded-data format (analyzer/replay_source.h,
// docs/recorded-data.md) and the judge behind it: `verdict judge --data`
// reads such files, so their content reaches every classifier.
//
// Invariants: FromJson returns a Status (kInvalidArgument when it rejects);
// an accepted recording has a grid with step_seconds > 0 and >= 1 step; every
// Fetch for every kind returns data whose step ends ascend, or a Status; the
// judge (analyzer/judge.h JudgeMetric, every kind, every mode) never throws,
// returns the metric's name, and judges a failed fetch as error (never pass).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/judge.h"
#include "analyzer/replay_source.h"
#include "fuzz/fuzz_check.h"
#include "rules/config.h"

namespace {

using verdict::fuzz::FuzzCheck;
namespace analyzer = verdict::analyzer;
namespace rules = verdict::rules;

// Judging is the slow part: only small recordings are judged.
constexpr size_t kMaxJudgedSteps = 256;
constexpr size_t kMaxJudgedMetrics = 4;

// A metric of `kind` with the kind's defaults (rules/config.h).
rules::MetricSpec SpecFor(const std::string& name, rules::MetricKind kind, rules::Mode mode) {
  rules::MetricSpec spec;
  spec.name = name;
  spec.kind = kind;
  spec.direction = rules::DefaultDirection(kind);
  spec.margin = rules::DefaultMargin(kind);
  spec.min_data = rules::DefaultMinData(kind);
  spec.effective_mode = mode;
  if (kind == rules::MetricKind::kLatency) {
    spec.quantiles = {0.5, 0.99};
    spec.slo_ms = 250;
  }
  if (kind == rules::MetricKind::kThreshold) {
    spec.min = 0;
    spec.max = 500;
  }
  return spec;
}

void Check(std::string_view text) {
  auto replay = analyzer::ReplaySource::FromJson(text, "fuzz.json");
  if (!replay.ok()) {
    FuzzCheck(replay.status().code() == verdict::StatusCode::kInvalidArgument,
              "a rejected recording is kInvalidArgument", replay.status().ToString());
    return;
  }
  const analyzer::StepGrid grid = (*replay)->grid();
  FuzzCheck(grid.step_seconds > 0 && grid.steps >= 1, "the recording's grid has steps");
  const bool judge = grid.steps <= kMaxJudgedSteps;
  size_t judged = 0;
  for (const std::string& name : (*replay)->MetricNames()) {
    if (++judged > kMaxJudgedMetrics) break;
    for (rules::MetricKind kind :
         {rules::MetricKind::kRatio, rules::MetricKind::kLatency, rules::MetricKind::kSeries,
          rules::MetricKind::kThreshold, rules::MetricKind::kTraffic}) {
      for (rules::Mode mode :
           {rules::Mode::kSequential, rules::Mode::kFixed, rules::Mode::kKayenta}) {
        const rules::MetricSpec spec = SpecFor(name, kind, mode);
        const analyzer::MetricRequest request(&spec, nullptr);
        auto data = (*replay)->Fetch(request, grid);
        if (data.ok()) {
          for (size_t i = 1; i < data->step_end_unix.size(); ++i) {
            FuzzCheck(data->step_end_unix[i] > data->step_end_unix[i - 1],
                      "fetched step ends ascend");
          }
        }
        if (!judge) continue;
        const analyzer::MetricResult result = analyzer::JudgeMetric(spec, data);
        FuzzCheck(result.name == name, "the judge names the metric it judged");
        if (!data.ok()) {
          FuzzCheck(result.outcome == analyzer::Outcome::kError,
                    "a failed fetch is judged as error", analyzer::OutcomeName(result.outcome));
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verdict::fuzz::RunGuarded(data, size, Check);
}
