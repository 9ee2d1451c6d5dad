// Conversions from raw PromQL series to per-step data, on hand-built series
// whose increments are worked out by hand in the comments.
#include "analyzer/increments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace verdict::analyzer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Grid: baseline 1000 s, steps of 60 s: (1000,1060], (1060,1120], ...
StepGrid Grid(size_t steps) { return StepGrid{1000, 60, steps}; }

// Samples as (unix seconds, value) pairs.
Series S(Labels labels, std::vector<std::pair<double, double>> points) {
  Series s;
  s.labels = std::move(labels);
  for (auto [t, v] : points) s.samples.push_back({static_cast<int64_t>(t * 1000), v});
  return s;
}

// NaN-aware comparison of step vectors.
void ExpectSteps(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "step " << i << " = " << got[i];
    } else {
      EXPECT_DOUBLE_EQ(got[i], want[i]) << "step " << i;
    }
  }
}

bool AnyNoteHas(const std::vector<std::string>& notes, const std::string& text) {
  for (const auto& n : notes) {
    if (n.find(text) != std::string::npos) return true;
  }
  return false;
}

// ---------------------------------------------------------------- step grid

TEST(AlignStepGrid, RoundsStartUpAndEndDownToWholeSteps) {
  auto grid = AlignStepGrid(1010, 1250, 60);
  ASSERT_TRUE(grid.ok());
  EXPECT_EQ(grid->start_unix, 1020);
  EXPECT_EQ(grid->steps, 3u);  // (1020,1080], (1080,1140], (1140,1200]
  EXPECT_EQ(grid->end_unix(), 1200);
  EXPECT_THAT(grid->StepEnds(), ElementsAre(1080, 1140, 1200));
}

TEST(AlignStepGrid, KeepsAlignedBoundsAsTheyAre) {
  auto grid = AlignStepGrid(1200, 1800, 300);
  ASSERT_TRUE(grid.ok());
  EXPECT_EQ(grid->start_unix, 1200);
  EXPECT_EQ(grid->steps, 2u);
}

TEST(AlignStepGrid, RejectsBadStepAndReversedWindow) {
  EXPECT_EQ(AlignStepGrid(0, 600, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AlignStepGrid(600, 0, 60).status().code(), StatusCode::kInvalidArgument);
}

TEST(AlignStepGrid, WindowWithoutACompleteStepIsNotReadyYet) {
  auto grid = AlignStepGrid(1010, 1100, 60);  // (1020, 1080] is the one whole step
  ASSERT_TRUE(grid.ok());
  EXPECT_EQ(grid->steps, 1u);
  // [1030, 1130] rounds to [1080, 1080]: no whole step yet.
  EXPECT_EQ(AlignStepGrid(1030, 1130, 60).status().code(), StatusCode::kFailedPrecondition);
}

TEST(AlignStepGrid, RejectsMoreThanElevenThousandPoints) {
  EXPECT_TRUE(AlignStepGrid(0, 10999, 1).ok());  // 10999 steps + baseline = 11000 points
  EXPECT_EQ(AlignStepGrid(0, 11000, 1).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------- counters

TEST(CounterIncrements, RangeQueryPointsGiveStepDifferences) {
  std::vector<std::string> notes;
  auto inc = CounterIncrements({S({{"pod", "a"}}, {{1000, 0}, {1060, 10}, {1120, 25}, {1180, 25}})},
                               Grid(3), {}, "total", &notes);
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  ExpectSteps(*inc, {10, 15, 0});
  EXPECT_TRUE(notes.empty()) << notes[0];
}

TEST(CounterIncrements, SumsTheIncrementsOfAllSeries) {
  std::vector<std::string> notes;
  auto inc = CounterIncrements({S({{"pod", "a"}}, {{1000, 5}, {1060, 10}, {1120, 20}}),
                                S({{"pod", "b"}}, {{1000, 100}, {1060, 101}, {1120, 103}})},
                               Grid(2), {}, "total", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {5 + 1, 10 + 2});
  EXPECT_TRUE(notes.empty()) << notes[0];  // summing several series is routine, not a note
}

TEST(CounterIncrements, DropCountsAsRestartFromZero) {
  // 100 -> 120 (+20), 120 -> 5 (restart: +5), 5 -> 15 (+10).
  std::vector<std::string> notes;
  auto inc =
      CounterIncrements({S({{"pod", "a"}}, {{1000, 100}, {1060, 120}, {1120, 5}, {1180, 15}})},
                        Grid(3), {}, "canary total", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {20, 5, 10});
  ASSERT_EQ(notes.size(), 1u);
  // A single series: no labels tell it apart from others, so none are shown.
  EXPECT_EQ(notes[0], "canary total: 1 counter reset(s) counted as restarts from 0 (in 1 series)");
}

TEST(CounterIncrements, ResetNoteNamesOneSeriesByTheLabelsThatDifferOnly) {
  // Pods a and b restart (a twice); c does not. Every series has the same
  // job, so only pod and code tell them apart.
  auto L = [](const std::string& pod, const std::string& code) {
    return Labels{{"job", "api"}, {"namespace", "prod"}, {"pod", pod}, {"code", code}};
  };
  std::vector<std::string> notes;
  auto inc = CounterIncrements({S(L("a", "200"), {{1000, 9}, {1060, 2}, {1120, 1}}),
                                S(L("b", "200"), {{1000, 9}, {1060, 3}, {1120, 4}}),
                                S(L("c", "500"), {{1000, 0}, {1060, 1}, {1120, 2}})},
                               Grid(2), {}, "canary total", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {2 + 3 + 1, 1 + 1 + 1});
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0],
            "canary total: 3 counter reset(s) counted as restarts from 0 (in 2 series, e.g. "
            "{code=\"200\", pod=\"a\"})");
}

TEST(CounterIncrements, RawSamplesCatchAResetInsideAStep) {
  // Baseline 100; +10, +10, restart to 3 (+3), +5: step 0 holds 28.
  // A range query sees only 100 -> 8 at the step ends and would report 8.
  auto inc = CounterIncrements(
      {S({{"pod", "a"}}, {{990, 100}, {1015, 110}, {1030, 120}, {1045, 3}, {1060, 8}})}, Grid(1),
      {}, "t", nullptr);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {28});
  auto coarse =
      CounterIncrements({S({{"pod", "a"}}, {{1000, 100}, {1060, 8}})}, Grid(1), {}, "t", nullptr);
  ExpectSteps(*coarse, {8});
}

TEST(CounterIncrements, BaselineIsTheLastSampleAtOrBeforeTheGridStart) {
  // Samples before the baseline only matter through the last of them (995: 7).
  auto inc = CounterIncrements({S({}, {{900, 1}, {995, 7}, {1030, 9}, {1060, 12}})}, Grid(1), {},
                               "t", nullptr);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {5});
}

TEST(CounterIncrements, SeriesAppearingMidWindowStartsFromItsFirstSampleByDefault) {
  // A 5xx series created at 1120 with value 4 (4 errors since creation).
  const std::vector<Series> series = {S({{"code", "503"}}, {{1120, 4}, {1180, 6}})};
  std::vector<std::string> notes;
  auto inc = CounterIncrements(series, Grid(3), {}, "bad", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {kNaN, 0, 2});
  EXPECT_TRUE(AnyNoteHas(notes,
                         "1 series appeared mid-window; their first samples (total 4) only "
                         "set their baselines"));

  CounterOptions from_zero;
  from_zero.new_series = NewSeriesStart::kFromZero;
  notes.clear();
  inc = CounterIncrements(series, Grid(3), from_zero, "bad", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {kNaN, 4, 2});
  EXPECT_TRUE(AnyNoteHas(notes, "(total 4) were counted as increases from 0"));
}

TEST(CounterIncrements, GapMovesTheIncreaseToTheStepAfterItAndEmptyStepsAreNaN) {
  // No sample at 1120: the step is missing; 10 -> 30 lands in the step after.
  std::vector<std::string> notes;
  auto inc =
      CounterIncrements({S({}, {{1000, 0}, {1060, 10}, {1180, 30}})}, Grid(3), {}, "t", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {10, kNaN, 20});
  EXPECT_TRUE(AnyNoteHas(notes, "1 series had gaps (1 step(s) without samples)"));
  EXPECT_TRUE(AnyNoteHas(notes, "1 of 3 steps have no samples"));
}

TEST(CounterIncrements, GapInOneSeriesKeepsTheStepFromTheOthers) {
  auto inc = CounterIncrements({S({{"pod", "a"}}, {{1000, 0}, {1060, 1}, {1180, 3}}),
                                S({{"pod", "b"}}, {{1000, 0}, {1060, 10}, {1120, 20}, {1180, 30}})},
                               Grid(3), {}, "t", nullptr);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {11, 10, 12});
}

TEST(CounterIncrements, NaNInfAndNegativeSamplesAreDroppedAndNoted) {
  std::vector<std::string> notes;
  auto inc = CounterIncrements(
      {S({}, {{1000, 0}, {1060, kNaN}, {1120, 10}, {1180, kInf}, {1240, 20}, {1300, -1}})}, Grid(5),
      {}, "t", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {kNaN, 10, kNaN, 10, kNaN});
  EXPECT_TRUE(AnyNoteHas(notes, "1 NaN, 1 +Inf, 0 -Inf, 1 negative"));
}

TEST(CounterIncrements, RepeatedLabelSetKeepsTheFirstSeries) {
  std::vector<std::string> notes;
  auto inc = CounterIncrements(
      {S({{"pod", "a"}}, {{1000, 0}, {1060, 5}}), S({{"pod", "a"}}, {{1000, 0}, {1060, 500}})},
      Grid(1), {}, "t", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {5});
  EXPECT_TRUE(AnyNoteHas(notes, "dropped 1 series repeating an earlier label set"));
}

TEST(CounterIncrements, RepeatedTimestampKeepsTheLastSample) {
  std::vector<std::string> notes;
  auto inc =
      CounterIncrements({S({}, {{1000, 0}, {1060, 5}, {1060, 6}})}, Grid(1), {}, "t", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {6});
  EXPECT_TRUE(AnyNoteHas(notes, "1 samples repeated a timestamp"));
}

TEST(CounterIncrements, SamplesOutOfTimeOrderAreDataLoss) {
  auto inc =
      CounterIncrements({S({}, {{1060, 5}, {1000, 0}})}, Grid(1), {}, "canary total", nullptr);
  ASSERT_FALSE(inc.ok());
  EXPECT_EQ(inc.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(inc.status().message(), HasSubstr("canary total"));
}

TEST(CounterIncrements, SamplesAfterTheGridEndAreIgnored) {
  auto inc =
      CounterIncrements({S({}, {{1000, 0}, {1060, 5}, {1120, 50}})}, Grid(1), {}, "t", nullptr);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {5});
}

TEST(CounterIncrements, NoSeriesGivesAllStepsMissing) {
  std::vector<std::string> notes;
  auto inc = CounterIncrements({}, Grid(2), {}, "total", &notes);
  ASSERT_TRUE(inc.ok());
  ExpectSteps(*inc, {kNaN, kNaN});
  EXPECT_THAT(notes, ElementsAre("total: no series returned"));
}

TEST(CounterIncrements, EmptyGridIsInvalid) {
  EXPECT_EQ(CounterIncrements({}, StepGrid{}, {}, "t", nullptr).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CounterIncrements, ResetGroupAppliesARestartToSiblingsThatGrewBackPastTheirOldValue) {
  // Pod a restarts between 1060 and 1120. Its 200-series drops (520 -> 10), but
  // its 503-series went 6 -> 7: on its own that looks like +1, yet the process
  // restarted, so the 503-series counted 7 new errors.
  const std::vector<Series> series = {
      S({{"pod", "a"}, {"code", "200"}}, {{1000, 500}, {1060, 520}, {1120, 10}, {1180, 30}}),
      S({{"pod", "a"}, {"code", "503"}}, {{1000, 5}, {1060, 6}, {1120, 7}, {1180, 8}}),
      S({{"pod", "b"}, {"code", "503"}}, {{1000, 1}, {1060, 2}, {1120, 3}, {1180, 4}})};
  auto alone = CounterIncrements({series[1], series[2]}, Grid(3), {}, "bad", nullptr);
  ASSERT_TRUE(alone.ok());
  ExpectSteps(*alone, {2, 2, 2});

  // The bad query alone cannot see the 200-series' drop; the grouping has to
  // see it, so it runs over all three series here (as the total query would).
  CounterOptions grouped;
  grouped.reset_group_labels = {"pod"};
  std::vector<std::string> notes;
  auto all = CounterIncrements(series, Grid(3), grouped, "total", &notes);
  ASSERT_TRUE(all.ok());
  ExpectSteps(*all, {20 + 1 + 1, 10 + 7 + 1, 20 + 1 + 1});
  EXPECT_TRUE(AnyNoteHas(notes, "1 reset(s) applied from sibling series"));
}

// ---------------------------------------------------------------- counts

TEST(ToCountSteps, MissingBadSeriesMeansNoBadEventsWhereTotalHasData) {
  std::vector<std::string> notes;
  auto counts =
      ToCountSteps({}, {S({}, {{1000, 0}, {1060, 10}, {1180, 30}})}, Grid(3), {}, "canary", &notes);
  ASSERT_TRUE(counts.ok());
  ExpectSteps(counts->total, {10, kNaN, 20});
  ExpectSteps(counts->bad, {0, kNaN, 0});
  EXPECT_TRUE(AnyNoteHas(notes,
                         "canary bad: no samples at 2 step(s) where total has data; counted "
                         "as 0"));
  EXPECT_FALSE(AnyNoteHas(notes, "canary bad: no series returned"));
}

TEST(ToCountSteps, BadSeriesStartingLateIsZeroBeforeItsFirstSample) {
  auto counts = ToCountSteps({S({{"code", "503"}}, {{1120, 1}, {1180, 3}})},
                             {S({}, {{1000, 0}, {1060, 10}, {1120, 20}, {1180, 30}})}, Grid(3), {},
                             "canary", nullptr);
  ASSERT_TRUE(counts.ok());
  ExpectSteps(counts->bad, {0, 0, 2});
  ExpectSteps(counts->total, {10, 10, 10});
}

TEST(ToCountSteps, BadWithoutTotalIsMissingAndBadAboveTotalIsNotedNotClamped) {
  std::vector<std::string> notes;
  auto counts =
      ToCountSteps({S({}, {{1000, 0}, {1060, 50}, {1120, 60}, {1180, 61}})},
                   {S({}, {{1000, 0}, {1060, 10}, {1180, 30}})}, Grid(3), {}, "control", &notes);
  ASSERT_TRUE(counts.ok());
  ExpectSteps(counts->total, {10, kNaN, 20});
  ExpectSteps(counts->bad, {50, kNaN, 1});
  EXPECT_TRUE(AnyNoteHas(notes, "control bad: 1 step(s) have bad events but no total"));
  EXPECT_TRUE(AnyNoteHas(notes, "control bad: exceeds total at 1 step(s)"));
}

TEST(ToCountSteps, AssembledMetricDataPassesValidation) {
  MetricData data;
  const StepGrid grid = Grid(2);
  data.step_end_unix = grid.StepEnds();
  data.step_seconds = grid.step_seconds;
  auto canary =
      ToCountSteps({}, {S({}, {{1000, 0}, {1060, 1}, {1120, 2}})}, grid, {}, "canary", &data.notes);
  auto control = ToCountSteps({}, {S({}, {{1000, 0}, {1060, 3}, {1120, 4}})}, grid, {}, "control",
                              &data.notes);
  ASSERT_TRUE(canary.ok() && control.ok());
  data.canary.counts = *canary;
  data.control.counts = *control;
  EXPECT_TRUE(ValidateMetricData(data).ok());
}

TEST(ToPodCountSteps, GroupsSeriesByPodSortedByNameAndZeroFillsAPodWithoutErrors) {
  // Pod b: two total series (codes 200, 503) and one bad series (503); pod a:
  // one total series and no bad series (no error yet).
  const std::vector<Series> bad = {S({{"pod", "b"}, {"code", "503"}}, {{1000, 0}, {1060, 2}, {1120, 5}})};
  const std::vector<Series> total = {
      S({{"pod", "b"}, {"code", "200"}}, {{1000, 0}, {1060, 8}, {1120, 18}}),
      S({{"pod", "b"}, {"code", "503"}}, {{1000, 0}, {1060, 2}, {1120, 5}}),
      S({{"pod", "a"}, {"code", "200"}}, {{1000, 10}, {1060, 17}, {1120, 30}})};
  std::vector<std::string> notes;
  auto pods = ToPodCountSteps(bad, total, Grid(2), {}, "pod", "control", &notes);
  ASSERT_TRUE(pods.ok()) << pods.status().ToString();
  ASSERT_EQ(pods->size(), 2u);
  EXPECT_EQ((*pods)[0].pod, "a");
  ExpectSteps((*pods)[0].counts.total, {7, 13});
  ExpectSteps((*pods)[0].counts.bad, {0, 0});
  EXPECT_EQ((*pods)[1].pod, "b");
  ExpectSteps((*pods)[1].counts.total, {10, 13});
  ExpectSteps((*pods)[1].counts.bad, {2, 3});
  EXPECT_TRUE(notes.empty()) << notes[0];  // the side's own conversion reports the rest
}

TEST(ToPodCountSteps, NoPodsWhenTheLabelIsOffAbsentOrOnlyOnSomeSeries) {
  const std::vector<Series> labelled = {S({{"pod", "a"}}, {{1000, 0}, {1060, 5}})};
  std::vector<std::string> notes;
  // Off, or no total series at all.
  auto off = ToPodCountSteps({}, labelled, Grid(1), {}, "", "control", &notes);
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->empty());
  auto none = ToPodCountSteps({}, {}, Grid(1), {}, "pod", "control", &notes);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // An aggregated query (no series has the label): nothing to say.
  auto aggregated =
      ToPodCountSteps({S({}, {{1000, 0}, {1060, 1}})}, {S({}, {{1000, 0}, {1060, 5}})}, Grid(1),
                      {}, "pod", "control", &notes);
  ASSERT_TRUE(aggregated.ok());
  EXPECT_TRUE(aggregated->empty());
  EXPECT_TRUE(notes.empty());
  // A bad series without the label would leave its errors out of every pod.
  auto partial = ToPodCountSteps({S({{"code", "503"}}, {{1000, 0}, {1060, 1}})}, labelled, Grid(1),
                                 {}, "pod", "control", &notes);
  ASSERT_TRUE(partial.ok());
  EXPECT_TRUE(partial->empty());
  EXPECT_THAT(notes, ElementsAre("control pods: 1 of 2 series have no \"pod\" label; per-pod "
                                 "counts not used"));
}

TEST(ToPodCountSteps, OutOfOrderSamplesAreTheSidesError) {
  auto pods = ToPodCountSteps({}, {S({{"pod", "a"}}, {{1060, 5}, {1000, 0}})}, Grid(1), {}, "pod",
                              "control", nullptr);
  EXPECT_FALSE(pods.ok());
}

// ---------------------------------------------------------------- histograms

Labels B(const std::string& pod, const std::string& le) { return {{"pod", pod}, {"le", le}}; }

TEST(ParseLe, ReadsNumbersAndInfinity) {
  EXPECT_DOUBLE_EQ(*ParseLe("0.005"), 0.005);
  EXPECT_DOUBLE_EQ(*ParseLe("1e+06"), 1e6);
  EXPECT_DOUBLE_EQ(*ParseLe("250"), 250);
  EXPECT_TRUE(std::isinf(*ParseLe("+Inf")));
  EXPECT_TRUE(std::isinf(*ParseLe("Inf")));
  EXPECT_EQ(ParseLe("").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseLe("ten").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseLe("NaN").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseLe("5ms").status().code(), StatusCode::kDataLoss);
}

TEST(ToHistogramSteps, SumsEachBucketOverSeriesWithTheSameLe) {
  // Two pods, buckets le=10, le=+Inf. Increments per step:
  // pod a: le10 +3,+1  le+Inf +5,+4;  pod b: le10 +2,+0  le+Inf +2,+6.
  const std::vector<Series> buckets = {S(B("a", "10"), {{1000, 10}, {1060, 13}, {1120, 14}}),
                                       S(B("a", "+Inf"), {{1000, 20}, {1060, 25}, {1120, 29}}),
                                       S(B("b", "10"), {{1000, 0}, {1060, 2}, {1120, 2}}),
                                       S(B("b", "+Inf"), {{1000, 0}, {1060, 2}, {1120, 8}})};
  std::vector<std::string> notes;
  auto h = ToHistogramSteps(buckets, Grid(2), {}, "canary", &notes);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->upper_bounds.size(), 2u);
  EXPECT_DOUBLE_EQ(h->upper_bounds[0], 10);
  EXPECT_TRUE(std::isinf(h->upper_bounds[1]));
  EXPECT_THAT(h->counts, ElementsAre(ElementsAre(5, 7), ElementsAre(1, 10)));
}

TEST(ToHistogramSteps, BucketsOfOneHistogramResetTogether) {
  // The pod restarts before 1120. le=+Inf drops (100 -> 9); le=50 went 4 -> 6,
  // which alone looks like +2, but the process restarted: it counted 6.
  const std::vector<Series> buckets = {S(B("a", "50"), {{1000, 3}, {1060, 4}, {1120, 6}}),
                                       S(B("a", "+Inf"), {{1000, 90}, {1060, 100}, {1120, 9}})};
  std::vector<std::string> notes;
  auto h = ToHistogramSteps(buckets, Grid(2), {}, "canary", &notes);
  ASSERT_TRUE(h.ok());
  EXPECT_THAT(h->counts, ElementsAre(ElementsAre(1, 10), ElementsAre(6, 9)));
  EXPECT_TRUE(AnyNoteHas(notes, "1 reset(s) applied from sibling series"));
  // The example series is told apart from its siblings by le alone.
  EXPECT_TRUE(AnyNoteHas(notes,
                         "canary buckets: 1 counter reset(s) counted as restarts from 0 (in 1 "
                         "series, e.g. {le=\"+Inf\"})"));
}

TEST(ToHistogramSteps, KeepsOnlyBoundsEveryHistogramHas) {
  // Pod b has an extra le=50 bucket; summing it would miss pod a's requests.
  const std::vector<Series> buckets = {
      S(B("a", "100"), {{1000, 0}, {1060, 4}}), S(B("a", "+Inf"), {{1000, 0}, {1060, 5}}),
      S(B("b", "50"), {{1000, 0}, {1060, 1}}), S(B("b", "100"), {{1000, 0}, {1060, 2}}),
      S(B("b", "+Inf"), {{1000, 0}, {1060, 3}})};
  std::vector<std::string> notes;
  auto h = ToHistogramSteps(buckets, Grid(1), {}, "canary", &notes);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->upper_bounds.size(), 2u);
  EXPECT_DOUBLE_EQ(h->upper_bounds[0], 100);
  EXPECT_THAT(h->counts, ElementsAre(ElementsAre(6, 8)));
  EXPECT_TRUE(AnyNoteHas(notes, "dropped bucket bound(s) 50 not present in all 2 histograms"));
}

TEST(ToHistogramSteps, NotesAMissingInfBucket) {
  std::vector<std::string> notes;
  auto h = ToHistogramSteps({S(B("a", "100"), {{1000, 0}, {1060, 4}})}, Grid(1), {}, "c", &notes);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(AnyNoteHas(notes, "no +Inf bucket"));
}

TEST(ToHistogramSteps, StepWithSomeBucketsMissingIsAllNaN) {
  const std::vector<Series> buckets = {S(B("a", "10"), {{1000, 0}, {1060, 1}, {1120, 2}}),
                                       S(B("a", "+Inf"), {{1000, 0}, {1120, 9}})};
  std::vector<std::string> notes;
  auto h = ToHistogramSteps(buckets, Grid(2), {}, "c", &notes);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(std::isnan(h->counts[0][0]) && std::isnan(h->counts[0][1]));
  EXPECT_THAT(h->counts[1], ElementsAre(1, 9));
  EXPECT_TRUE(AnyNoteHas(notes, "1 step(s) have data for only some buckets"));
}

TEST(ToHistogramSteps, CountsDecreasingWithLeAreMadeMonotone) {
  const std::vector<Series> buckets = {S(B("a", "10"), {{1000, 0}, {1060, 5}}),
                                       S(B("a", "20"), {{1000, 0}, {1060, 4}}),
                                       S(B("a", "+Inf"), {{1000, 0}, {1060, 6}})};
  std::vector<std::string> notes;
  auto h = ToHistogramSteps(buckets, Grid(1), {}, "c", &notes);
  ASSERT_TRUE(h.ok());
  EXPECT_THAT(h->counts[0], ElementsAre(5, 5, 6));
  EXPECT_TRUE(AnyNoteHas(notes, "made monotone"));
}

TEST(ToHistogramSteps, SeriesWithoutLeIsInvalidArgument) {
  auto h = ToHistogramSteps({S({{"pod", "a"}}, {{1000, 0}})}, Grid(1), {}, "canary", nullptr);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(h.status().message(), HasSubstr("no le label"));
  auto vm =
      ToHistogramSteps({S({{"vmrange", "1e0...2e0"}}, {{1000, 0}})}, Grid(1), {}, "c", nullptr);
  EXPECT_THAT(vm.status().message(), HasSubstr("vmrange"));
}

TEST(ToHistogramSteps, UnparsableLeIsDataLoss) {
  auto h = ToHistogramSteps({S(B("a", "fast"), {{1000, 0}})}, Grid(1), {}, "c", nullptr);
  EXPECT_EQ(h.status().code(), StatusCode::kDataLoss);
}

TEST(ToHistogramSteps, NoSeriesGivesNoBoundsAndANote) {
  std::vector<std::string> notes;
  auto h = ToHistogramSteps({}, Grid(2), {}, "canary", &notes);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->upper_bounds.empty());
  EXPECT_EQ(h->counts.size(), 2u);
  EXPECT_THAT(notes, ElementsAre("canary buckets: no series returned"));
}

TEST(AlignHistogramBounds, KeepsTheBoundsBothSidesHave) {
  HistogramSteps canary{{10, 50, kInf}, {{1, 2, 3}}};
  HistogramSteps control{{10, kInf}, {{4, 6}}};
  std::vector<std::string> notes;
  ASSERT_TRUE(AlignHistogramBounds(&canary, &control, &notes).ok());
  EXPECT_THAT(canary.upper_bounds, ElementsAre(10, kInf));
  EXPECT_THAT(canary.counts, ElementsAre(ElementsAre(1, 3)));
  EXPECT_THAT(control.counts, ElementsAre(ElementsAre(4, 6)));
  EXPECT_THAT(notes, ElementsAre(HasSubstr("canary buckets: dropped bucket bound(s) 50")));
}

TEST(AlignHistogramBounds, LeavesASideWithoutBucketsAlone) {
  HistogramSteps canary{{}, {{}}};
  HistogramSteps control{{10, kInf}, {{4, 6}}};
  ASSERT_TRUE(AlignHistogramBounds(&canary, &control, nullptr).ok());
  EXPECT_EQ(control.upper_bounds.size(), 2u);
}

// ---------------------------------------------------------------- gauges

TEST(ToSeriesSteps, TakesThePointAtEachStepEndAndIgnoresTheBaseline) {
  std::vector<std::string> notes;
  auto g = ToSeriesSteps({S({}, {{1000, 99}, {1060, 1.5}, {1120, 2.5}})}, Grid(2),
                         GaugeAggregation::kRequireSingle, "canary", &notes);
  ASSERT_TRUE(g.ok());
  ExpectSteps(g->values, {1.5, 2.5});
  EXPECT_TRUE(notes.empty());
}

TEST(ToSeriesSteps, NaNIsSkippedInfIsKeptMissingStepsAreNaN) {
  std::vector<std::string> notes;
  auto g = ToSeriesSteps({S({}, {{1060, kNaN}, {1120, kInf}, {1240, 3}})}, Grid(4),
                         GaugeAggregation::kRequireSingle, "canary", &notes);
  ASSERT_TRUE(g.ok());
  ExpectSteps(g->values, {kNaN, kInf, kNaN, 3});
  EXPECT_TRUE(AnyNoteHas(notes, "skipped 1 NaN sample(s)"));
  EXPECT_TRUE(AnyNoteHas(notes, "kept 1 infinite sample(s)"));
  EXPECT_TRUE(AnyNoteHas(notes, "2 of 4 steps have no value"));
}

TEST(ToSeriesSteps, MoreThanOneSeriesIsAnErrorUnlessAnAggregationIsChosen) {
  const std::vector<Series> two = {S({{"pod", "a"}}, {{1060, 1}, {1120, 4}}),
                                   S({{"pod", "b"}}, {{1060, 3}})};
  auto single = ToSeriesSteps(two, Grid(2), GaugeAggregation::kRequireSingle, "canary", nullptr);
  ASSERT_FALSE(single.ok());
  EXPECT_EQ(single.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(single.status().message(), HasSubstr("returned 2 series ({pod=\"a\"}, {pod=\"b\"})"));

  std::vector<std::string> notes;
  auto sum = ToSeriesSteps(two, Grid(2), GaugeAggregation::kSum, "canary", &notes);
  ExpectSteps(sum->values, {4, 4});
  EXPECT_TRUE(AnyNoteHas(notes, "aggregated 2 series with sum"));
  EXPECT_TRUE(AnyNoteHas(notes, "1 step(s) aggregate fewer than all 2 series"));
  ExpectSteps(ToSeriesSteps(two, Grid(2), GaugeAggregation::kMean, "", nullptr)->values, {2, 4});
  ExpectSteps(ToSeriesSteps(two, Grid(2), GaugeAggregation::kMin, "", nullptr)->values, {1, 4});
  ExpectSteps(ToSeriesSteps(two, Grid(2), GaugeAggregation::kMax, "", nullptr)->values, {3, 4});
}

TEST(ToSeriesSteps, NoSeriesIsAllMissingWithANote) {
  std::vector<std::string> notes;
  auto g = ToSeriesSteps({}, Grid(2), GaugeAggregation::kRequireSingle, "control", &notes);
  ASSERT_TRUE(g.ok());
  ExpectSteps(g->values, {kNaN, kNaN});
  EXPECT_THAT(notes, ElementsAre("control series: no series returned"));
}

TEST(ToSeriesSteps, SamplesOutOfOrderAreDataLoss) {
  auto g =
      ToSeriesSteps({S({}, {{1120, 1}, {1060, 2}})}, Grid(2), GaugeAggregation::kSum, "c", nullptr);
  EXPECT_EQ(g.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace verdict::analyzer
