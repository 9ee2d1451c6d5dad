// Command-line plumbing shared by every `verdict` subcommand.
//
// Each subcommand lives in its own file and exposes one Add* function that
// registers its options on a parent CLI11 app. When the subcommand is the one
// parsed, its callback stores a Runner in `run`; main() then calls it. A Runner
// returns the process exit code and never throws (see RunGuarded).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace verdict::cli {

using Runner = std::function<int()>;

// Exit codes shared by every subcommand (documented in README.md).
inline constexpr int kExitPass = 0;          // success / verdict pass
inline constexpr int kExitFail = 1;          // verdict fail
inline constexpr int kExitUsage = 2;         // usage or input error
inline constexpr int kExitInconclusive = 3;  // verdict inconclusive
inline constexpr int kExitSource = 4;        // data source (Prometheus) error

// Top-level subcommands.
void AddCompareCommand(CLI::App& app, Runner& run);
void AddCheckConfigCommand(CLI::App& app, Runner& run);
void AddJudgeCommand(CLI::App& app, Runner& run);
void AddSimulateCommand(CLI::App& app, Runner& run);
void AddScenarioCommand(CLI::App& app, Runner& run);
void AddServeCommand(CLI::App& app, Runner& run);
void AddTrafficCommand(CLI::App& app, Runner& run);
void AddRolloutCommand(CLI::App& app, Runner& run);

// `verdict compare <test>` subcommands, one file each.
void AddCompareMannWhitney(CLI::App& compare, Runner& run);
void AddCompareProportions(CLI::App& compare, Runner& run);
void AddCompareKs(CLI::App& compare, Runner& run);
void AddCompareCounts(CLI::App& compare, Runner& run);
void AddCompareBuckets(CLI::App& compare, Runner& run);

// Runs `body`, turning any escaped exception into a one-line error on stderr
// and kExitUsage, so no subcommand can crash the process.
int RunGuarded(const std::function<int()>& body);

// Prints "verdict <cmd>: error: <message>" on stderr and returns `code`;
// newlines inside `message` become spaces, so it is always one line.
int ReportError(const std::string& command, const std::string& message, int code = kExitUsage);

}  // namespace verdict::cli
