#include "analyzer/prom_types.h"

#include <fmt/format.h>

namespace verdict::analyzer {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

std::string FormatLabels(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (name == "__name__" && labels.size() > 1) continue;
    if (!first) out += ", ";
    first = false;
    out += name + "=\"" + value + "\"";
  }
  return out + "}";
}

std::vector<int64_t> StepGrid::StepEnds() const {
  std::vector<int64_t> ends;
  ends.reserve(steps);
  for (size_t i = 0; i < steps; ++i) ends.push_back(End(i));
  return ends;
}

StatusOr<StepGrid> AlignStepGrid(int64_t start_unix, int64_t end_unix, int64_t step_seconds) {
  if (step_seconds <= 0) {
    return InvalidArgumentError(fmt::format("step must be > 0 seconds, got {}", step_seconds));
  }
  if (end_unix < start_unix) {
    return InvalidArgumentError(fmt::format("end {} is before start {}", end_unix, start_unix));
  }
  const int64_t first = -FloorDiv(-start_unix, step_seconds) * step_seconds;  // ceil
  const int64_t last = FloorDiv(end_unix, step_seconds) * step_seconds;
  if (last - first < step_seconds) {
    return FailedPreconditionError(fmt::format("window [{}, {}] holds no complete {} s step yet",
                                               start_unix, end_unix, step_seconds));
  }
  StepGrid grid;
  grid.start_unix = first;
  grid.step_seconds = step_seconds;
  grid.steps = static_cast<size_t>((last - first) / step_seconds);
  if (grid.steps + 1 > kMaxPointsPerSeries) {
    return InvalidArgumentError(fmt::format(
        "window of {} steps of {} s exceeds the {} points a range query may return; use a "
        "larger step",
        grid.steps, step_seconds, kMaxPointsPerSeries));
  }
  return grid;
}

}  // namespace verdict::analyzer
