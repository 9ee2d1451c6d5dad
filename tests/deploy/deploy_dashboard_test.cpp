// deploy/grafana/verdict-dashboard.json: it parses, every metric it queries is
// one the real daemon serves on /metrics (families that only appear after a
// fault, such as a failing disk, are accepted when the server's code declares
// them), the labels it groups and filters by are labels of those series, every
// metric the server declares has a panel, and every query is valid PromQL for
// promtool (Grafana's $__rate_interval set to 5m).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/deploy/deploy_daemon.h"
#include "tests/deploy/deploy_files.h"
#include "tests/server/cli_test_util.h"

namespace verdict::deploy_test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> DashboardExprs(std::string* error) {
  std::vector<std::string> out;
  auto dash = nlohmann::json::parse(ReadText(DeployDir() + "/grafana/verdict-dashboard.json"),
                                    nullptr, false);
  if (dash.is_discarded() || !dash.is_object()) {
    *error = "verdict-dashboard.json does not parse as a JSON object";
    return out;
  }
  for (const auto& panel : dash.value("panels", nlohmann::json::array())) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      out.push_back(target.value("expr", ""));
    }
  }
  return out;
}

// The metric families the server's code declares: DeclareCounter/Gauge/
// Histogram("verdict_...") or through a constant k... = "verdict_...".
std::set<std::string> DeclaredInServer() {
  std::set<std::string> out;
  static const std::regex kDeclare(
      R"re(Declare(?:Counter|Gauge|Histogram)\(\s*("(verdict_\w+)"|(k\w+)))re");
  for (const auto& entry :
       fs::recursive_directory_iterator(std::string(VERDICT_SOURCE_DIR) + "/server")) {
    if (entry.path().extension() != ".cpp") continue;
    const std::string text = ReadText(entry.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), kDeclare), end; it != end; ++it) {
      if ((*it)[2].matched) {
        out.insert((*it)[2]);
        continue;
      }
      const std::regex constant((*it)[3].str() + R"re(\s*=\s*"(verdict_\w+)")re");
      std::smatch m;
      if (std::regex_search(text, m, constant)) out.insert(m[1]);
    }
  }
  return out;
}

std::string Family(const std::string& name, const std::set<std::string>& known) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
        known.count(name.substr(0, name.size() - s.size()))) {
      return name.substr(0, name.size() - s.size());
    }
  }
  return name;
}

TEST(DeployDashboard, QueriesOnlyMetricsAndLabelsTheDaemonServes) {
  std::string error;
  const auto exprs = DashboardExprs(&error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_FALSE(exprs.empty());
  DeployedDaemon& daemon = DeployedDaemon::Shared();
  ASSERT_TRUE(daemon.error().empty()) << daemon.error();
  const Exposition& live = daemon.metrics();
  const std::set<std::string> declared = DeclaredInServer();
  ASSERT_FALSE(declared.empty());
  std::set<std::string> known = declared;
  for (const auto& [name, type] : live.types) known.insert(name);

  static const std::regex kMetric(R"(\b(verdict_[a-z0-9_]+)\b)");
  static const std::regex kBy(R"(\bby\s*\(([^)]*)\))");
  static const std::regex kMatcher(R"(([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*")");
  static const std::regex kWord(R"([a-zA-Z_][a-zA-Z0-9_]*)");
  std::set<std::string> used, from_code_only;
  for (const std::string& expr : exprs) {
    SCOPED_TRACE(expr);
    std::set<std::string> families;
    for (std::sregex_iterator it(expr.begin(), expr.end(), kMetric), end; it != end; ++it) {
      families.insert(Family((*it)[1], known));
    }
    ASSERT_FALSE(families.empty()) << "a panel query without a Verdict metric";
    std::set<std::string> labels;  // the labels of the series of this query
    bool all_live = true;
    for (const std::string& f : families) {
      used.insert(f);
      if (live.types.count(f)) {
        labels.insert(live.labels.at(f).begin(), live.labels.at(f).end());
      } else {
        all_live = false;
        EXPECT_EQ(declared.count(f), 1u) << f << " is neither on /metrics nor declared in server/";
        from_code_only.insert(f);
      }
    }
    if (!all_live) continue;  // label names only known from live series
    std::set<std::string> wanted;
    for (std::sregex_iterator it(expr.begin(), expr.end(), kBy), end; it != end; ++it) {
      const std::string list = (*it)[1];
      for (std::sregex_iterator w(list.begin(), list.end(), kWord); w != end; ++w)
        wanted.insert((*w)[0]);
    }
    for (std::sregex_iterator it(expr.begin(), expr.end(), kMatcher), end; it != end; ++it) {
      wanted.insert((*it)[1]);
    }
    for (const std::string& l : wanted) {
      if (l == "le") continue;
      EXPECT_EQ(labels.count(l), 1u) << "label " << l << " is on none of the queried series";
    }
  }
  if (!from_code_only.empty()) {
    std::cout << "not on /metrics in this run, declared in server/: "
              << ::testing::PrintToString(from_code_only) << "\n";
  }
  // Every metric the daemon has gets a panel.
  for (const std::string& f : known) EXPECT_EQ(used.count(f), 1u) << f << " has no panel";
}

TEST(DeployDashboard, EveryQueryIsValidPromQL) {
  std::string error;
  const auto exprs = DashboardExprs(&error);
  ASSERT_TRUE(error.empty()) << error;
  cli::testing::ScratchDir dir;
  std::string rules = "groups:\n  - name: verdict-dashboard\n    rules:\n";
  for (size_t i = 0; i < exprs.size(); ++i) {
    std::string expr = std::regex_replace(exprs[i], std::regex(R"(\$__rate_interval)"), "5m");
    rules += "      - record: verdict:dashboard:" + std::to_string(i) +
             "\n        expr: " + nlohmann::json(expr).dump() + "\n";
  }
  const std::string path = dir.Write("rules.yml", rules);
  const auto run = cli::testing::RunProgram("promtool", {"check", "rules", path});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

}  // namespace
}  // namespace verdict::deploy_test
