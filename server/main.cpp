// The single `verdict` binary: parses the command line, wires the chosen
// subcommand and runs it. All logic lives in the libraries.
#include <iostream>

#include <CLI/CLI.hpp>

#include "server/cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "verdict - automated canary analysis: compares a canary with its baseline using "
      "anytime-valid statistics and explains every verdict."};
  app.set_version_flag("--version", std::string("verdict ") + VERDICT_VERSION);
  app.require_subcommand(1);
  verdict::cli::Runner run;
  verdict::cli::AddCompareCommand(app, run);
  verdict::cli::AddCheckConfigCommand(app, run);
  verdict::cli::AddJudgeCommand(app, run);
  verdict::cli::AddSimulateCommand(app, run);
  verdict::cli::AddScenarioCommand(app, run);
  verdict::cli::AddServeCommand(app, run);
  verdict::cli::AddTrafficCommand(app, run);
  verdict::cli::AddRolloutCommand(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and a hint to use --help
    return verdict::cli::kExitUsage;
  }
  if (!run) return verdict::cli::kExitUsage;
  return verdict::cli::RunGuarded(run);
}
