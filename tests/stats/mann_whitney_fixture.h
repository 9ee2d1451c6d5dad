// Reading the R oracle fixtures written by scripts/fixtures/gen_mann_whitney.R.
// Numbers are JSON numbers with 17 significant digits, or the strings "Inf",
// "-Inf", "NaN" (JSON has no non-finite numbers); null means NA.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace verdict::stats::testing {

inline nlohmann::json LoadFixture(const std::string& file) {
  std::ifstream in(std::string(VERDICT_FIXTURE_DIR) + "/" + file);
  EXPECT_TRUE(in.good()) << "missing fixture " << file << "; run scripts/gen-fixtures.sh";
  return nlohmann::json::parse(in);
}

inline double Num(const nlohmann::json& j) {
  if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "Inf") return std::numeric_limits<double>::infinity();
    if (s == "-Inf") return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  return j.get<double>();
}

inline std::vector<double> Vec(const nlohmann::json& j) {
  std::vector<double> v;
  for (const auto& e : j) v.push_back(Num(e));
  return v;
}

// |actual - expected| <= tol, where non-finite values must match exactly
// (same infinity, or both NaN).
inline ::testing::AssertionResult Near(double actual, double expected, double tol) {
  if (std::isnan(expected) || std::isnan(actual)) {
    if (std::isnan(expected) && std::isnan(actual)) return ::testing::AssertionSuccess();
  } else if (std::isinf(expected) || std::isinf(actual)) {
    if (actual == expected) return ::testing::AssertionSuccess();
  } else if (std::fabs(actual - expected) <= tol) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << std::setprecision(17) << "actual " << actual << " vs expected " << expected << " (diff "
         << actual - expected << ", tol " << tol << ")";
}

}  // namespace verdict::stats::testing
