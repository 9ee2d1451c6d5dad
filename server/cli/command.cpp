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
  std::cerr << "verdict " << command << ": error: " << message << "\n";
  return code;
}

}  // namespace verdict::cli
