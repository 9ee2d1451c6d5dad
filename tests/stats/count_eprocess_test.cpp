#include "stats/count_eprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tests/stats/sequential_fixture.h"

namespace verdict::stats {
namespace {

using testing::Close;
using testing::LoadSequentialFixture;
using testing::Num;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Tolerance for every comparison with R: 1e-6 relative (absolute below 1).
// Closed forms agree to ~1e-12 (both use Stirling-corrected lbeta); R's
// integrate() runs at rel.tol 1e-11 and ours at 1e-13; endpoints and MLEs come
// from uniroot/TOMS748 at ~1e-14; JSON keeps 15 significant digits. The slack
// up to 1e-6 covers log-likelihoods of order 1e5-1e6 at counts of 1e7, where
// cancellation leaves ~1e-9 absolute error in either implementation.
constexpr double kRel = 1e-6;

CountStep StepOf(const nlohmann::json& s) { return {Num(s[0]), Num(s[1]), Num(s[2]), Num(s[3])}; }

TEST(CountEProcess, ReproducesTheDocumentedCheckVector) {
  // STATISTICS.md: N = (100 control, 140 canary), rho = (.5, .5), k = 100.
  auto r = RunCountTest({{140, 1, 100, 1}}, CountTestOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->log_e_value, 1.75172936046, 1e-11);
  EXPECT_NEAR(r->p_value, 0.173473685365, 1e-12);
  EXPECT_TRUE(r->constant_share);
  EXPECT_DOUBLE_EQ(r->ratio, 1.4);
}

TEST(CountEProcess, ClosedFormMatchesRForManyCountsSharesAndConcentrations) {
  const auto fx = LoadSequentialFixture("sequential_counts.json");
  int n = 0;
  for (const auto& c : fx["closed_form"]) {
    CountTestOptions o;
    o.concentration = Num(c["k"]);
    const double rho = Num(c["share"]);
    auto r = RunCountTest({{Num(c["canary"]), rho, Num(c["control"]), 1 - rho}}, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    SCOPED_TRACE(c.dump());
    EXPECT_TRUE(Close(r->log_e_value, Num(c["log_bf"]), kRel));
    EXPECT_TRUE(Close(r->p_value, Num(c["p"]), kRel));
    ++n;
  }
  EXPECT_GE(n, 25);
}

TEST(CountEProcess, ConstantShareConfidenceSequenceMatchesRUniroot) {
  const auto fx = LoadSequentialFixture("sequential_counts.json");
  for (const auto& c : fx["cs_constant"]) {
    CountTestOptions o;
    o.concentration = Num(c["k"]);
    o.alpha = Num(c["alpha"]);
    const double rho = Num(c["share"]);
    auto r = RunCountTest({{Num(c["canary"]), rho, Num(c["control"]), 1 - rho}}, o);
    ASSERT_TRUE(r.ok());
    SCOPED_TRACE(c.dump());
    EXPECT_TRUE(Close(r->ci_low, Num(c["ci"][0]), kRel));
    EXPECT_TRUE(Close(r->ci_high, Num(c["ci"][1]), kRel));
    EXPECT_TRUE(Close(r->ratio, Num(c["ratio"]), kRel));
  }
}

TEST(CountEProcess, StepSequencesMatchRIntegrateAtEveryLook) {
  const auto fx = LoadSequentialFixture("sequential_counts.json");
  for (const auto& seq : fx["sequences"]) {
    SCOPED_TRACE(seq["name"].get<std::string>());
    CountTestOptions o;
    o.concentration = Num(seq["k"]);
    o.alternative = *ParseAlternative(seq["alternative"].get<std::string>());
    o.margin = Num(seq["margin"]);
    o.alpha = Num(seq["alpha"]);
    auto process = CountEProcess::Create(o);
    ASSERT_TRUE(process.ok());
    const auto& steps = seq["steps"];
    for (size_t t = 0; t < steps.size(); ++t) {
      ASSERT_TRUE(process->Add(StepOf(steps[t])).ok());
      SCOPED_TRACE("step " + std::to_string(t + 1));
      EXPECT_TRUE(Close(process->Result().log_e_value, Num(seq["log_e"][t]), kRel));
      EXPECT_TRUE(Close(process->Result().p_value, Num(seq["p"][t]), kRel));
    }
    const CountTestResult& r = process->Result();
    const auto& f = seq["final"];
    EXPECT_TRUE(Close(r.ratio, Num(f["ratio"]), kRel));
    EXPECT_TRUE(Close(r.ci_low, Num(f["ci"][0]), kRel));
    EXPECT_TRUE(Close(r.ci_high, Num(f["ci"][1]), kRel));
    EXPECT_EQ(r.constant_share, f["constant_share"].get<bool>());
    EXPECT_EQ(r.ci_conflict, f["ci_conflict"].get<bool>());
    const double at = Num(f["rejected_at"]);
    if (std::isnan(at)) {
      EXPECT_FALSE(r.rejected_at.has_value());
    } else {
      ASSERT_TRUE(r.rejected_at.has_value());
      EXPECT_EQ(*r.rejected_at, static_cast<int64_t>(at));
    }
    EXPECT_EQ(r.steps, static_cast<int64_t>(steps.size()));
  }
}

TEST(CountEProcess, QuadratureAgreesWithClosedFormWhenSharesDifferNegligibly) {
  // Shares 0.1 and 0.1 * (1 + 1e-13) force the quadrature path; the result must
  // match the closed form of a single share to ~1e-10.
  auto closed = RunCountTest({{30, 1, 250, 9}, {45, 1, 260, 9}}, CountTestOptions{});
  auto quad = RunCountTest({{30, 1, 250, 9}, {45, 1 + 1e-12, 260, 9}}, CountTestOptions{});
  ASSERT_TRUE(closed.ok() && quad.ok());
  EXPECT_TRUE(closed->constant_share);
  EXPECT_FALSE(quad->constant_share);
  EXPECT_NEAR(quad->log_e_value, closed->log_e_value, 1e-9);
  EXPECT_NEAR(quad->ci_low, closed->ci_low, 1e-9);
  EXPECT_NEAR(quad->ci_high, closed->ci_high, 1e-9);
}

TEST(CountEProcess, BatchingStepsWithTheSameShareChangesNothing) {
  auto steps = RunCountTest({{3, 1, 20, 4}, {5, 1, 22, 4}, {4, 1, 25, 4}}, CountTestOptions{});
  auto one = RunCountTest({{12, 1, 67, 4}}, CountTestOptions{});
  ASSERT_TRUE(steps.ok() && one.ok());
  EXPECT_NEAR(steps->log_e_value, one->log_e_value, 1e-12);
}

TEST(CountEProcess, NanStepsAreSkippedButCounted) {
  auto r =
      RunCountTest({{3, 100, 20, 900}, {NAN, 100, 20, 900}, {5, 100, 21, 900}}, CountTestOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->steps, 3);
  EXPECT_EQ(r->skipped_steps, 1);
  EXPECT_EQ(r->canary_events, 8);
}

TEST(CountEProcess, NoEventsGivesNoEvidenceAndAnUnboundedInterval) {
  auto r = RunCountTest({{0, 100, 0, 900}, {0, 0, 0, 0}}, CountTestOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->log_e_value, 0);
  EXPECT_EQ(r->p_value, 1);
  EXPECT_TRUE(std::isnan(r->ratio));
  EXPECT_EQ(r->ci_low, 0);
  EXPECT_EQ(r->ci_high, kInf);
  EXPECT_FALSE(r->rejected_at.has_value());
}

TEST(CountEProcess, ZeroCanaryExposureStepCarriesNoInformation) {
  auto with = RunCountTest({{0, 0, 50, 900}, {10, 100, 80, 900}}, CountTestOptions{});
  auto without = RunCountTest({{10, 100, 80, 900}}, CountTestOptions{});
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_DOUBLE_EQ(with->log_e_value, without->log_e_value);
  EXPECT_EQ(with->steps, 2);
}

TEST(CountEProcess, EventsWithoutExposureAreRejectedWithTheStep) {
  auto r = RunCountTest({{1, 100, 2, 900}, {3, 0, 2, 900}}, CountTestOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "step 2: canary_events is 3 but canary_exposure is 0");
}

TEST(CountEProcess, NegativeAndInfiniteValuesAreInvalid) {
  auto neg = RunCountTest({{-1, 100, 2, 900}}, CountTestOptions{});
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.status().message(), "step 1: canary_events is negative (-1)");
  auto inf = RunCountTest({{1, 100, 2, kInf}}, CountTestOptions{});
  ASSERT_FALSE(inf.ok());
  EXPECT_EQ(inf.status().message(), "step 1: control_exposure is not finite (inf)");
}

TEST(CountEProcess, InvalidOptionsNameTheField) {
  CountTestOptions o;
  o.alpha = 1.5;
  auto p = CountEProcess::Create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("alpha"), std::string::npos);
  o = CountTestOptions{};
  o.margin = -0.1;
  EXPECT_FALSE(CountEProcess::Create(o).ok());
  o = CountTestOptions{};
  o.concentration = 0;
  EXPECT_FALSE(CountEProcess::Create(o).ok());
  o = CountTestOptions{};
  o.prior_share = 1;
  EXPECT_FALSE(CountEProcess::Create(o).ok());
}

TEST(CountEProcess, InvalidStepLeavesTheStateUnchanged) {
  auto p = CountEProcess::Create(CountTestOptions{});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->Add({10, 100, 50, 900}).ok());
  const double before = p->Result().log_e_value;
  EXPECT_FALSE(p->Add({-1, 100, 50, 900}).ok());
  EXPECT_EQ(p->Result().steps, 1);
  EXPECT_EQ(p->Result().log_e_value, before);
}

TEST(CountEProcess, HandlesCountsOfTenMillionPerStep) {
  CountTestOptions o;
  o.alternative = Alternative::kGreater;
  auto p = CountEProcess::Create(o);
  ASSERT_TRUE(p.ok());
  for (int t = 0; t < 20; ++t) {
    const double share = 0.1 + 0.02 * t;
    ASSERT_TRUE(p->Add({1.01e7 * share, share, 1e7 * (1 - share), 1 - share}).ok());
  }
  const CountTestResult& r = p->Result();
  EXPECT_TRUE(std::isfinite(r.log_e_value));
  EXPECT_NEAR(r.ratio, 1.01, 1e-9);
  EXPECT_LT(r.ci_low, 1.01);
  EXPECT_GT(r.ci_high, 1.01);
  EXPECT_LT(r.ci_high - r.ci_low, 0.01);
  ASSERT_TRUE(r.rejected_at.has_value());  // 1% more errors over 2e8 events is detectable
}

TEST(CountEProcess, SkippingLooksNeverAddsRejections) {
  CountTestOptions o;
  o.alternative = Alternative::kGreater;
  auto every = CountEProcess::Create(o);
  auto last = CountEProcess::Create(o);
  ASSERT_TRUE(every.ok() && last.ok());
  for (int t = 0; t < 10; ++t) {
    CountStep s{static_cast<double>(5 + t % 3), 100, static_cast<double>(40 + t % 5), 900};
    ASSERT_TRUE(every->Add(s).ok());
    ASSERT_TRUE(last->Add(s, t == 9 ? Look::kYes : Look::kNo).ok());
  }
  EXPECT_EQ(last->Result().looks, 1);
  EXPECT_EQ(every->Result().looks, 10);
  EXPECT_DOUBLE_EQ(last->Result().log_e_value, every->Result().log_e_value);
  EXPECT_GE(last->Result().p_value, every->Result().p_value);
}

TEST(CountEProcess, OneSidedTestsAreTheInversionOfTheConfidenceSequence) {
  // greater with margin m rejects exactly when ci_low > 1 + m.
  for (double m : {0.0, 0.2, 0.5, 0.8}) {
    CountTestOptions o;
    o.alternative = Alternative::kGreater;
    o.margin = m;
    auto r = RunCountTest({{60, 100, 300, 900}, {70, 150, 280, 850}}, o);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->rejected_at.has_value(), r->ci_low > 1 + m) << "m=" << m;
  }
}

TEST(CountEProcess, WithinMarginNeedsTheWholeIntervalInsideTheMargin) {
  CountTestOptions o;
  o.alternative = Alternative::kGreater;
  o.margin = 0.25;
  auto r = RunCountTest({{1000, 1e5, 9000, 9e5}}, o);  // equal rates, many events
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r->ci_high, 1.25);
  EXPECT_TRUE(r->within_margin);
  o.margin = 0;
  auto strict = RunCountTest({{1000, 1e5, 9000, 9e5}}, o);
  ASSERT_TRUE(strict.ok());
  EXPECT_FALSE(strict->within_margin);
}

TEST(CountEProcess, ExplicitPriorShareIsUsedInsteadOfTheFirstStep) {
  CountTestOptions o;
  o.prior_share = 0.5;
  auto r = RunCountTest({{140, 1, 100, 1}}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->log_e_value, 1.75172936046, 1e-11);
  o.prior_share = 0.3;  // prior at another share: quadrature, different value
  auto other = RunCountTest({{140, 1, 100, 1}}, o);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->constant_share);
  EXPECT_GT(std::fabs(other->log_e_value - 1.75172936046), 1e-3);
}

}  // namespace
}  // namespace verdict::stats

namespace verdict::stats {
namespace {

TEST(CountEProcess, ExposuresWhoseShareOverflowsOrUnderflowsAreInvalidNotAnException) {
  auto process = CountEProcess::Create(CountTestOptions{});
  ASSERT_TRUE(process.ok());
  // 1e308 + 1e308 overflows; 1e-300 / 1e300 underflows to a share of 0.
  for (const CountStep& step : {CountStep{1e308, 1e308, 1e308, 1e308},
                                CountStep{1, 1e-300, 1, 1e300}, CountStep{0, 1e300, 0, 1e-300}}) {
    const Status s = process->Add(step);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
    EXPECT_NE(s.message().find("no usable traffic share"), std::string::npos) << s.message();
  }
  EXPECT_EQ(process->Result().steps, 0);  // state unchanged
  EXPECT_TRUE(process->Add(CountStep{12, 3000, 95, 27000}).ok());
}

}  // namespace
}  // namespace verdict::stats
