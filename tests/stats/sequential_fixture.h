// Helpers for tests that read the R oracle fixtures written by
// scripts/fixtures/gen_sequential.R (tests/fixtures/sequential_*.json).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace verdict::stats::testing {

inline nlohmann::json LoadSequentialFixture(const std::string& name) {
  std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/" + name);
  EXPECT_TRUE(f.good()) << "missing fixture " << name << " (run scripts/gen-fixtures.sh)";
  std::stringstream s;
  s << f.rdbuf();
  return nlohmann::json::parse(s.str());
}

// jsonlite writes non-finite numbers as the strings "Inf", "-Inf", "NA".
inline double Num(const nlohmann::json& j) {
  if (j.is_string()) {
    const std::string v = j.get<std::string>();
    if (v == "Inf") return std::numeric_limits<double>::infinity();
    if (v == "-Inf") return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
  return j.get<double>();
}

// |actual - expected| <= rel * max(1, |expected|); infinities and NaN must match
// exactly. The max(1, .) floor turns the relative tolerance into an absolute one
// for values near 0 (log e-values of a healthy canary hover around 0).
inline ::testing::AssertionResult Close(double actual, double expected, double rel) {
  if (std::isnan(expected) || std::isinf(expected)) {
    if ((std::isnan(expected) && std::isnan(actual)) || actual == expected) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << actual << " != " << expected;
  }
  const double tol = rel * std::max(1.0, std::fabs(expected));
  if (std::fabs(actual - expected) <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "actual " << actual << " vs expected " << expected
                                       << " (diff " << actual - expected << ", tol " << tol << ")";
}

}  // namespace verdict::stats::testing
