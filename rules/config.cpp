#include "rules/config.h"

#include <cstdio>
#include <utility>

namespace verdict::rules {
namespace {

// A name table shared by the enum <-> string helpers.
template <typename E, size_t N>
struct NameTable {
  std::pair<E, const char*> entries[N];

  const char* Name(E e) const {
    for (const auto& [v, n] : entries) {
      if (v == e) return n;
    }
    return "?";
  }
  std::optional<E> Parse(std::string_view name) const {
    for (const auto& [v, n] : entries) {
      if (name == n) return v;
    }
    return std::nullopt;
  }
};

constexpr NameTable<Mode, 3> kModes{
    {{Mode::kSequential, "sequential"}, {Mode::kFixed, "fixed"}, {Mode::kKayenta, "kayenta"}}};
constexpr NameTable<CountTest, 2> kCountTests{
    {{CountTest::kBetting, "betting"}, {CountTest::kExact, "exact"}}};
constexpr NameTable<MetricKind, 5> kKinds{{{MetricKind::kRatio, "ratio"},
                                           {MetricKind::kLatency, "latency"},
                                           {MetricKind::kSeries, "series"},
                                           {MetricKind::kThreshold, "threshold"},
                                           {MetricKind::kTraffic, "traffic"}}};
constexpr NameTable<Direction, 3> kDirections{{{Direction::kIncrease, "increase"},
                                               {Direction::kDecrease, "decrease"},
                                               {Direction::kEither, "either"}}};
constexpr NameTable<LatencyUnit, 2> kUnits{
    {{LatencyUnit::kMilliseconds, "ms"}, {LatencyUnit::kSeconds, "s"}}};
constexpr NameTable<NanStrategy, 2> kNan{
    {{NanStrategy::kRemove, "remove"}, {NanStrategy::kReplace, "replace"}}};
constexpr NameTable<EffectMeasure, 2> kMeasures{
    {{EffectMeasure::kMeanRatio, "meanRatio"}, {EffectMeasure::kCles, "cles"}}};
constexpr NameTable<OutlierStrategy, 2> kOutliers{
    {{OutlierStrategy::kKeep, "keep"}, {OutlierStrategy::kRemove, "remove"}}};

}  // namespace

std::string Margin::ToString() const {
  char buf[64];
  if (relative()) {
    std::snprintf(buf, sizeof(buf), "%.15g%%", value * 100.0);
  } else {
    std::snprintf(buf, sizeof(buf), "%.15g", value);
  }
  return buf;
}

const MetricSpec* Config::FindMetric(std::string_view name) const {
  for (const MetricSpec& m : metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const char* ModeName(Mode mode) { return kModes.Name(mode); }
const char* CountTestName(CountTest test) { return kCountTests.Name(test); }
const char* MetricKindName(MetricKind kind) { return kKinds.Name(kind); }
const char* DirectionName(Direction direction) { return kDirections.Name(direction); }
const char* LatencyUnitName(LatencyUnit unit) { return kUnits.Name(unit); }
const char* NanStrategyName(NanStrategy s) { return kNan.Name(s); }
const char* EffectMeasureName(EffectMeasure m) { return kMeasures.Name(m); }
const char* OutlierStrategyName(OutlierStrategy s) { return kOutliers.Name(s); }

std::optional<Mode> ParseMode(std::string_view name) { return kModes.Parse(name); }
std::optional<CountTest> ParseCountTest(std::string_view name) { return kCountTests.Parse(name); }
std::optional<MetricKind> ParseMetricKind(std::string_view name) { return kKinds.Parse(name); }
std::optional<Direction> ParseDirection(std::string_view name) { return kDirections.Parse(name); }
std::optional<LatencyUnit> ParseLatencyUnit(std::string_view name) { return kUnits.Parse(name); }
std::optional<NanStrategy> ParseNanStrategy(std::string_view name) { return kNan.Parse(name); }
std::optional<EffectMeasure> ParseEffectMeasure(std::string_view name) {
  return kMeasures.Parse(name);
}
std::optional<OutlierStrategy> ParseOutlierStrategy(std::string_view name) {
  return kOutliers.Parse(name);
}

Direction DefaultDirection(MetricKind kind) {
  return kind == MetricKind::kTraffic ? Direction::kEither : Direction::kIncrease;
}

Margin DefaultMargin(MetricKind kind) {
  Margin m;
  m.type = Margin::Type::kRelative;
  m.value = kind == MetricKind::kTraffic ? 0.20 : 0.10;
  return m;
}

int64_t DefaultMinData(MetricKind kind) {
  switch (kind) {
    case MetricKind::kRatio:
    case MetricKind::kLatency:
    case MetricKind::kTraffic:
      return 100;
    case MetricKind::kSeries:
      return 10;
    case MetricKind::kThreshold:
      return 1;
  }
  return 1;
}

double SloInLeUnits(const MetricSpec& spec) {
  const double ms = spec.slo_ms.value_or(0.0);
  return spec.unit == LatencyUnit::kSeconds ? ms / 1000.0 : ms;
}

}  // namespace verdict::rules
