#include "server/cli/command.h"

#include <exception>
#include <iostream>

namespace verdict::cli {

int RunGuarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "verdict: error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "verdict: error: unexpected failure\n";
  }
  return kExitUsage;
}

int ReportError(const std::string& command, const std::string& message, int code) {
  std::string line = message;  // one line, even for multi-line library messages
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "verdict " << command << ": error: " << line << "\n";
  return code;
}

}  // namespace verdict::cli
