// Runs the built `verdict` binary (VERDICT_BINARY_PATH) as a subprocess for the
// CLI tests of the sequential subcommands, capturing exit code, stdout, stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace verdict::cli::testing {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A fresh temporary file path under gtest's temp dir, unique per call.
inline std::string TempPath(const std::string& stem) {
  static int counter = 0;
  return ::testing::TempDir() + "verdict_seq_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + "_" + stem;
}

inline std::string WriteTemp(const std::string& stem, const std::string& text) {
  const std::string path = TempPath(stem);
  std::ofstream(path) << text;
  return path;
}

inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline CliRun RunVerdict(const std::vector<std::string>& args) {
  const std::string out = TempPath("stdout"), err = TempPath("stderr");
  std::string cmd = Quote(VERDICT_BINARY_PATH);
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += " >" + Quote(out) + " 2>" + Quote(err);
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadAll(out);
  r.err = ReadAll(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

}  // namespace verdict::cli::testing
