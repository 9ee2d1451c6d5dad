#include "stats/multiple_testing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace verdict::stats {
namespace {

using nlohmann::json;

PAdjustMethod ParseMethod(const std::string& s) {
  if (s == "holm") return PAdjustMethod::kHolm;
  if (s == "BH") return PAdjustMethod::kBenjaminiHochberg;
  return PAdjustMethod::kBonferroni;
}

TEST(MultipleTesting, AdjustedPValuesMatchRsPAdjust) {
  std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/multiple_testing.json");
  ASSERT_TRUE(f.good()) << "missing tests/fixtures/multiple_testing.json";
  const json fixture = json::parse(f);
  ASSERT_GE(fixture["cases"].size(), 60u);
  for (const json& c : fixture["cases"]) {
    const std::vector<double> p = c["p"].get<std::vector<double>>();
    const std::vector<double> expected = c["adjusted"].get<std::vector<double>>();
    const std::size_t n = c["n"];
    SCOPED_TRACE(c["name"].get<std::string>() + " " + c["method"].get<std::string>() +
                 " n=" + std::to_string(n));
    StatusOr<std::vector<double>> adj = AdjustPValues(p, ParseMethod(c["method"]), n);
    ASSERT_TRUE(adj.ok()) << adj.status().ToString();
    ASSERT_EQ(adj->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      // Same arithmetic as R (one multiplication, or a division then a
      // multiplication, per value); the fixture prints 15 significant digits,
      // so agreement is to ~1e-15 relative. 1e-13 leaves a margin.
      EXPECT_NEAR((*adj)[i], expected[i], 1e-13 * expected[i]) << "index " << i;
    }
  }
}

TEST(MultipleTesting, HolmIsStepDownBonferroni) {
  // Hand-checked: sorted 0.005, 0.01, 0.03, 0.04 get multipliers 4, 3, 2, 1:
  // 0.02, 0.03, 0.06, max(0.06, 0.04) = 0.06.
  StatusOr<std::vector<double>> adj = Holm({0.01, 0.04, 0.03, 0.005});
  ASSERT_TRUE(adj.ok());
  const std::vector<double> want = {0.03, 0.06, 0.06, 0.02};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*adj)[i], want[i], 1e-15);
}

TEST(MultipleTesting, BenjaminiHochbergKeepsInputOrder) {
  // m p_(j) / j from the top: 0.04*4/4 = 0.04, 0.03*4/3 = 0.04, 0.01*4/2 = 0.02,
  // 0.005*4/1 = 0.02.
  StatusOr<std::vector<double>> adj = BenjaminiHochberg({0.01, 0.04, 0.03, 0.005});
  ASSERT_TRUE(adj.ok());
  const std::vector<double> want = {0.02, 0.04, 0.04, 0.02};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*adj)[i], want[i], 1e-15);
}

TEST(MultipleTesting, BonferroniCapsAtOne) {
  StatusOr<std::vector<double>> adj = Bonferroni({0.3, 0.9, 0.01});
  ASSERT_TRUE(adj.ok());
  EXPECT_EQ(*adj, (std::vector<double>{0.8999999999999999, 1.0, 0.03}));
}

TEST(MultipleTesting, SingleHypothesisIsUnchangedAsInR) {
  StatusOr<std::vector<double>> adj = Holm({0.07});
  ASSERT_TRUE(adj.ok());
  EXPECT_EQ(*adj, std::vector<double>{0.07});
  StatusOr<std::vector<double>> none = BenjaminiHochberg({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(MultipleTesting, MoreHypothesesThanPValuesRaisesTheMultiplier) {
  // Three metrics, only one has a p-value yet: Bonferroni over all three.
  StatusOr<std::vector<double>> adj = Bonferroni({0.01}, 3);
  ASSERT_TRUE(adj.ok());
  EXPECT_NEAR((*adj)[0], 0.03, 1e-17);
}

TEST(MultipleTesting, FewerHypothesesThanPValuesIsInvalid) {
  StatusOr<std::vector<double>> adj = Holm({0.01, 0.02, 0.03}, 2);
  ASSERT_FALSE(adj.ok());
  EXPECT_EQ(adj.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(adj.status().message(), "number of hypotheses 2 is smaller than the 3 p-values given");
}

TEST(MultipleTesting, NanOrOutOfRangePValueIsInvalidAndNamesTheIndex) {
  StatusOr<std::vector<double>> nan =
      BenjaminiHochberg({0.1, std::numeric_limits<double>::quiet_NaN()});
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nan.status().message(), "p-value at index 1 is nan, not in [0, 1]");
  StatusOr<std::vector<double>> big = Holm({1.5, 0.2});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().message(), "p-value at index 0 is 1.5, not in [0, 1]");
  StatusOr<std::vector<double>> neg = Bonferroni({0.2, -0.1});
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace verdict::stats
