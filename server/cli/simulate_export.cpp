#include "server/cli/simulate_export.h"

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

namespace verdict::cli {
namespace {

// The simulator's counts are whole numbers held in doubles.
int64_t Whole(double v) { return static_cast<int64_t>(v); }

Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return UnavailableError(fmt::format("{}: cannot write the file", path.string()));
  return Status::Ok();
}

}  // namespace

std::string ExportCountSeries(const study::Rollout& rollout, const std::string& title) {
  std::string out =
      fmt::format("# {} (seed {}): canary_errors canary_requests control_errors control_requests\n",
                  title, rollout.seed);
  for (const study::RolloutStep& s : rollout.steps) {
    out += fmt::format("{} {} {} {}\n", Whole(s.canary.errors), Whole(s.canary.requests),
                       Whole(s.control.errors), Whole(s.control.requests));
  }
  return out;
}

std::string ExportRecording(const study::Rollout& rollout, const std::string& description) {
  nlohmann::json canary_bad = nlohmann::json::array(), canary_total = nlohmann::json::array();
  nlohmann::json control_bad = nlohmann::json::array(), control_total = nlohmann::json::array();
  std::size_t pods = 0;
  for (const study::RolloutStep& s : rollout.steps) {
    canary_bad.push_back(Whole(s.canary.errors));
    canary_total.push_back(Whole(s.canary.requests));
    control_bad.push_back(Whole(s.control.errors));
    control_total.push_back(Whole(s.control.requests));
    pods = std::max(pods, s.control_pods.size());
  }
  nlohmann::json control = {{"bad", control_bad}, {"total", control_total}};
  if (pods > 0) {
    nlohmann::json by_pod = nlohmann::json::object();
    for (std::size_t p = 0; p < pods; ++p) {
      nlohmann::json bad = nlohmann::json::array(), total = nlohmann::json::array();
      for (const study::RolloutStep& s : rollout.steps) {
        if (p < s.control_pods.size()) {
          bad.push_back(Whole(s.control_pods[p].errors));
          total.push_back(Whole(s.control_pods[p].requests));
        } else {
          bad.push_back(nullptr);
          total.push_back(nullptr);
        }
      }
      by_pod[fmt::format("control-{}", p)] = {{"bad", bad}, {"total", total}};
    }
    control["pods"] = by_pod;
  }
  nlohmann::json j = {
      {"format", "verdict-recording"},
      {"version", 1},
      {"description", fmt::format("{} (seed {})", description, rollout.seed)},
      {"step_seconds", 30},
      {"start_unix", 0},
      {"metrics",
       {{"errors",
         {{"canary", {{"bad", canary_bad}, {"total", canary_total}}}, {"control", control}}}}}};
  return j.dump() + "\n";
}

Status WriteExport(const study::StudyPlan& plan, const std::string& dir,
                   const std::function<void(int64_t done, int64_t total)>& progress) {
  VERDICT_RETURN_IF_ERROR(study::ValidatePlan(plan));
  int64_t total = 0, done = 0;
  for (std::size_t s : plan.scenarios) {
    const int64_t runs = study::Scenarios()[s].null ? plan.null_runs : plan.power_runs;
    total += runs * static_cast<int64_t>(plan.looks.size());
  }
  for (std::size_t s : plan.scenarios) {
    const study::Scenario& scenario = study::Scenarios()[s];
    const int64_t runs = scenario.null ? plan.null_runs : plan.power_runs;
    for (int k : plan.looks) {
      const std::filesystem::path cell =
          std::filesystem::path(dir) / fmt::format("{}-K{}", scenario.name, k);
      std::error_code ec;
      std::filesystem::create_directories(cell, ec);
      if (ec) {
        return UnavailableError(
            fmt::format("{}: cannot create the directory: {}", cell.string(), ec.message()));
      }
      for (int64_t r = 0; r < runs; ++r) {
        auto rollout = study::SimulateRunRollout(plan.options, s, k, r);
        if (!rollout.ok()) return rollout.status();
        const std::string title = fmt::format("{}, K = {}, run {}", scenario.name, k, r);
        VERDICT_RETURN_IF_ERROR(
            WriteFile(cell / fmt::format("{}.counts", r), ExportCountSeries(*rollout, title)));
        VERDICT_RETURN_IF_ERROR(
            WriteFile(cell / fmt::format("{}.json", r), ExportRecording(*rollout, title)));
      }
      done += runs;
      if (progress) progress(done, total);
    }
  }
  return Status::Ok();
}

}  // namespace verdict::cli
