#include "rules/config.h"

#include <gtest/gtest.h>

namespace verdict::rules {
namespace {

TEST(Config, EnumNamesRoundTrip) {
  for (Mode m : {Mode::kSequential, Mode::kFixed, Mode::kKayenta}) {
    EXPECT_EQ(ParseMode(ModeName(m)), m);
  }
  for (MetricKind k : {MetricKind::kRatio, MetricKind::kLatency, MetricKind::kSeries,
                       MetricKind::kThreshold, MetricKind::kTraffic}) {
    EXPECT_EQ(ParseMetricKind(MetricKindName(k)), k);
  }
  for (Direction d : {Direction::kIncrease, Direction::kDecrease, Direction::kEither}) {
    EXPECT_EQ(ParseDirection(DirectionName(d)), d);
  }
  EXPECT_EQ(ParseEffectMeasure("meanRatio"), EffectMeasure::kMeanRatio);
  EXPECT_EQ(ParseNanStrategy("replace"), NanStrategy::kReplace);
  EXPECT_EQ(ParseOutlierStrategy("remove"), OutlierStrategy::kRemove);
  EXPECT_EQ(ParseLatencyUnit("s"), LatencyUnit::kSeconds);
  EXPECT_FALSE(ParseMode("Sequential").has_value());  // exact, case-sensitive
  EXPECT_FALSE(ParseMetricKind("gauge").has_value());
}

TEST(Config, KindDefaultsAreDocumentedValues) {
  EXPECT_EQ(DefaultDirection(MetricKind::kRatio), Direction::kIncrease);
  EXPECT_EQ(DefaultDirection(MetricKind::kTraffic), Direction::kEither);
  EXPECT_DOUBLE_EQ(DefaultMargin(MetricKind::kSeries).value, 0.10);
  EXPECT_DOUBLE_EQ(DefaultMargin(MetricKind::kTraffic).value, 0.20);
  EXPECT_EQ(DefaultMinData(MetricKind::kRatio), 100);
  EXPECT_EQ(DefaultMinData(MetricKind::kLatency), 100);
  EXPECT_EQ(DefaultMinData(MetricKind::kSeries), 10);
  EXPECT_EQ(DefaultMinData(MetricKind::kThreshold), 1);
}

TEST(Config, MarginPrintsInSchemaSyntax) {
  EXPECT_EQ((Margin{Margin::Type::kRelative, 0.1}).ToString(), "10%");
  EXPECT_EQ((Margin{Margin::Type::kRelative, 0.125}).ToString(), "12.5%");
  EXPECT_EQ((Margin{Margin::Type::kAbsolute, 0.005}).ToString(), "0.005");
}

TEST(Config, FindMetricByName) {
  Config c;
  c.metrics.resize(2);
  c.metrics[0].name = "a";
  c.metrics[1].name = "b";
  EXPECT_EQ(c.FindMetric("b"), &c.metrics[1]);
  EXPECT_EQ(c.FindMetric("c"), nullptr);
}

}  // namespace
}  // namespace verdict::rules
