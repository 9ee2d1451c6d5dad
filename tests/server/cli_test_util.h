// Shared by the CLI end-to-end tests: runs the built `verdict` binary
// (VERDICT_BINARY_PATH) as a subprocess, capturing exit code, stdout and stderr,
// and writes scratch files that parallel ctest processes never share.
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
  return ::testing::TempDir() + "verdict_cli_" + std::to_string(::getpid()) + "_" +
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

// Runs `program <args>` (a path, or a name looked up in PATH) with stdin from
// `stdin_path`; exit code -1 when it did not exit normally.
inline CliRun RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::string& stdin_path = "/dev/null") {
  const std::string out = TempPath("stdout"), err = TempPath("stderr");
  std::string cmd = Quote(program);
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += " >" + Quote(out) + " 2>" + Quote(err) + " <" + Quote(stdin_path);
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadAll(out);
  r.err = ReadAll(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// Runs `verdict <args>` with stdin from `stdin_path`.
inline CliRun RunVerdict(const std::vector<std::string>& args,
                         const std::string& stdin_path = "/dev/null") {
  return RunProgram(VERDICT_BINARY_PATH, args, stdin_path);
}

// A temporary directory for one test, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string templ = ::testing::TempDir() + "verdict_cli_XXXXXX";
    if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~ScratchDir() {
    if (!path_.empty()) std::system(("rm -rf " + Quote(path_)).c_str());
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `text` to <dir>/<name> and returns the file's path.
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::string path_;
};

// Runs `verdict <command> <args>`.
inline CliRun RunSubcommand(const std::string& command, std::vector<std::string> args) {
  args.insert(args.begin(), command);
  return RunVerdict(args);
}

}  // namespace verdict::cli::testing
