// Shared helpers for the judge tests: fixtures, recorded scenarios, data
// builders and the check that a reason sentence is true to its numbers.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/judge.h"
#include "analyzer/replay_source.h"
#include "analyzer/verdict.h"
#include "rules/parse.h"
#include "rules/presets.h"
#include "rules/render.h"

namespace verdict::analyzer::test {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline nlohmann::json LoadFixture(const std::string& name) {
  std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/" + name);
  EXPECT_TRUE(f.good()) << "missing tests/fixtures/" << name;
  return nlohmann::json::parse(f);
}

inline rules::Config ParseYaml(const std::string& yaml) {
  auto config = rules::ParseConfig(yaml, rules::Format::kYaml, "test.yaml");
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? *config : rules::Config{};
}

inline rules::Config Istio() {
  auto config = rules::Preset("istio");
  EXPECT_TRUE(config.ok());
  return *config;
}

// Judges a recorded scenario (tests/fixtures/judge/<name>.json) with `config`.
inline Verdict JudgeScenario(const rules::Config& config, const std::string& name) {
  auto source = LoadReplay(std::string(VERDICT_FIXTURE_DIR) + "/judge/" + name + ".json");
  EXPECT_TRUE(source.ok()) << source.status().message();
  std::vector<StatusOr<MetricData>> data;
  for (const rules::MetricSpec& spec : config.metrics) {
    rules::RenderedMetric rendered;
    data.push_back((*source)->Fetch({&spec, &rendered}, (*source)->grid()));
  }
  return Judge(config, data);
}

inline const MetricResult& Find(const Verdict& v, const std::string& name) {
  for (const MetricResult& m : v.metrics) {
    if (m.name == name) return m;
  }
  ADD_FAILURE() << "no metric " << name;
  static MetricResult none;
  return none;
}

// Per-step counts for a ratio metric: {canary bad, canary total, control bad, control total}.
struct RatioStep {
  double canary_bad, canary_total, control_bad, control_total;
};
inline MetricData RatioData(const std::vector<RatioStep>& steps) {
  MetricData d;
  d.step_seconds = 30;
  for (size_t i = 0; i < steps.size(); ++i) {
    d.step_end_unix.push_back(1764000000 + 30 * static_cast<int64_t>(i + 1));
    d.canary.counts.bad.push_back(steps[i].canary_bad);
    d.canary.counts.total.push_back(steps[i].canary_total);
    d.control.counts.bad.push_back(steps[i].control_bad);
    d.control.counts.total.push_back(steps[i].control_total);
  }
  return d;
}
inline MetricData RepeatRatio(const RatioStep& step, size_t n) {
  return RatioData(std::vector<RatioStep>(n, step));
}

inline MetricData SeriesData(const std::vector<double>& canary,
                             const std::vector<double>& control) {
  MetricData d;
  d.step_seconds = 30;
  for (size_t i = 0; i < std::max(canary.size(), control.size()); ++i) {
    d.step_end_unix.push_back(1764000000 + 30 * static_cast<int64_t>(i + 1));
  }
  d.canary.series.values = canary;
  d.control.series.values = control;
  return d;
}

// Parses a number as the judge prints it ("+2.60", "1.2e-05", "infinity").
inline double ParseShown(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t[0] == '+') t = t.substr(1);
  if (t == "infinity") return kInf;
  if (t == "-infinity") return -kInf;
  return std::stod(t);
}

// The displayed value agrees with the true one up to the rounding of three
// (or more) significant digits: half a unit in the last printed digit.
inline bool ShownMatches(const std::string& shown, double actual) {
  const double v = ParseShown(shown);
  if (std::isinf(actual) || std::isinf(v)) return v == actual;
  std::string digits = shown;
  const size_t e = digits.find('e');
  double unit = 1;
  if (e != std::string::npos) {
    const std::string mant = digits.substr(0, e);
    const size_t dot = mant.find('.');
    const int decimals = dot == std::string::npos ? 0 : static_cast<int>(mant.size() - dot - 1);
    unit = std::pow(10.0, -decimals) * std::pow(10.0, std::stoi(digits.substr(e + 1)));
  } else {
    const size_t dot = digits.find('.');
    const int decimals = dot == std::string::npos ? 0 : static_cast<int>(digits.size() - dot - 1);
    unit = std::pow(10.0, -decimals);
  }
  return std::fabs(v - actual) <= 0.5 * unit * (1 + 1e-9) + 1e-300;
}

// Checks that a comparison sentence (analyzer/judge_internal.h ComparisonClause)
// shows the check's interval and confidence, and that its verb is true of the
// numbers: "exceeds" only when the interval lies beyond a limit, "is within"
// only when it lies inside both, "not yet clearly" otherwise.
inline ::testing::AssertionResult SentenceIsTrue(const Check& c) {
  const std::string& s = c.reason;
  if (c.interval.empty()) return ::testing::AssertionSuccess();
  static const std::regex interval_re(
      R"(\(([0-9.]+)% (CS|CI) ([-+0-9.e]+|-?infinity) to ([-+0-9.e]+|-?infinity)( points| ms)?\) )");
  std::smatch m;
  if (!std::regex_search(s, m, interval_re)) {
    return ::testing::AssertionFailure() << "no interval in: " << s;
  }
  const double scale = c.measure.find("difference") != std::string::npos &&
                               c.measure.find("_ms") == std::string::npos &&
                               c.measure != "mean_difference"
                           ? 100
                           : 1;
  // Confidence levels are printed with up to 4 decimals of a percent.
  if (std::fabs(std::stod(m[1]) - c.confidence * 100) > 5e-5 + 1e-9) {
    return ::testing::AssertionFailure() << "confidence " << m[1] << " vs " << c.confidence;
  }
  if (!ShownMatches(m[3], c.low * scale) || !ShownMatches(m[4], c.high * scale)) {
    return ::testing::AssertionFailure()
           << "interval " << m[3] << " to " << m[4] << " vs [" << c.low * scale << ", "
           << c.high * scale << "] in: " << s;
  }
  const bool beyond = c.low > c.limit_high || c.high < c.limit_low;
  const bool inside = c.low >= c.limit_low && c.high <= c.limit_high;
  const bool says_exceeds = s.find(" exceeds ") != std::string::npos;
  const bool says_within = s.find(" is within ") != std::string::npos;
  const bool says_open = s.find(" is not yet clearly within or beyond ") != std::string::npos;
  if (says_exceeds && !beyond && c.outcome != Outcome::kFail) {
    return ::testing::AssertionFailure() << "says exceeds but the interval is not beyond: " << s;
  }
  if (says_exceeds && beyond) {
    // The printed end must be beyond the printed limit too.
    const double shown_lo = ParseShown(m[3]) / scale, shown_hi = ParseShown(m[4]) / scale;
    if (!(shown_lo > c.limit_high || shown_hi < c.limit_low)) {
      return ::testing::AssertionFailure() << "printed interval not beyond the limit: " << s;
    }
  }
  if (says_within && !inside) {
    return ::testing::AssertionFailure() << "says within but the interval is not inside: " << s;
  }
  if (says_open && (inside || beyond)) {
    return ::testing::AssertionFailure() << "says not yet clear but it is: " << s;
  }
  if (!says_exceeds && !says_within && !says_open) {
    return ::testing::AssertionFailure() << "no verdict phrase in: " << s;
  }
  return ::testing::AssertionSuccess();
}

// Checks the "canary <what> X% (E of T) vs control Y% (E of T)" head of a
// rate sentence against the check's side summaries.
inline ::testing::AssertionResult RateHeadIsTrue(const Check& c) {
  static const std::regex head_re(
      R"(canary .*? ([0-9.e+-]+)% \(([0-9.]+) of ([0-9.]+)\) vs control ([0-9.e+-]+)% \(([0-9.]+) of ([0-9.]+)\))");
  std::smatch m;
  if (!std::regex_search(c.reason, m, head_re)) {
    return ::testing::AssertionFailure() << "no rate head in: " << c.reason;
  }
  if (!ShownMatches(m[1], c.canary.rate * 100) || !ShownMatches(m[4], c.control.rate * 100) ||
      std::stod(m[2]) != c.canary.events || std::stod(m[3]) != c.canary.total ||
      std::stod(m[5]) != c.control.events || std::stod(m[6]) != c.control.total) {
    return ::testing::AssertionFailure() << "rate head does not match the numbers: " << c.reason;
  }
  return ::testing::AssertionSuccess();
}

// Every check of every metric tells the truth.
inline void ExpectSentencesTrue(const Verdict& v) {
  for (const MetricResult& m : v.metrics) {
    if (m.kayenta) continue;  // Kayenta sentences: tests/analyzer/kayenta_judge_test.cpp
    for (const Check& c : m.checks) {
      EXPECT_TRUE(SentenceIsTrue(c)) << m.name;
      if (c.measure.rfind("rate", 0) == 0 || c.measure.rfind("share_", 0) == 0) {
        EXPECT_TRUE(RateHeadIsTrue(c)) << m.name;
      }
    }
  }
}

}  // namespace verdict::analyzer::test
