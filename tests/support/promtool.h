// Prometheus' own linter as a test oracle: `promtool check metrics` on an
// exposition text (promtool is installed by scripts/test.sh). Header-only,
// shared by the suites that serve /metrics.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace verdict::test {

struct ToolRun {
  int exit_code = -1;  // 0: parsed and no lint problem; 127: promtool missing
  std::string output;
};

inline ToolRun PromtoolCheckMetrics(const std::string& text) {
  static int counter = 0;
  const std::string path = ::testing::TempDir() + "verdict_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter++) + "_promtool.txt";
  {
    std::ofstream out(path);
    out << text;
  }
  ToolRun run;
  const std::string command = "promtool check metrics < '" + path + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) run.output += buf;
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::remove(path.c_str());
  return run;
}

}  // namespace verdict::test
