// A real `verdict serve` started once per test process with the arguments of
// deploy/verdict/deployment.yaml: --listen becomes 127.0.0.1:0, --prometheus a
// port that refuses connections, --config the ConfigMap's serve.yaml, --db a
// temporary file and --token-file the Secret's token; --deadline 2s and
// --answer-within 1s are added (unless the Deployment sets them) so that the
// refused evaluations answer quickly. It is then driven the way the manifests
// use it: the probe paths, every webhook of deploy/flagger/canary.yaml (path
// and metadata as written), hold and resume with the token, and finally its
// /metrics is read (after an evaluation has been counted).
//
// Thread safety: Shared() is for one test thread.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/process_util.h"
#include "tests/integration/verdict_daemon.h"

namespace verdict::deploy_test {

// A /metrics exposition read as families: name -> type and the label names
// seen on its series (a histogram's _bucket/_sum/_count series count as the
// family; "le" is left out).
struct Exposition {
  std::map<std::string, std::string> types;
  std::map<std::string, std::set<std::string>> labels;
};
Exposition ParseExposition(const std::string& text);

class DeployedDaemon {
 public:
  static DeployedDaemon& Shared();

  const std::string& error() const { return error_; }  // "" when it all ran
  const std::vector<std::pair<std::string, int>>& probe_answers() const { return probes_; }
  const std::vector<std::pair<std::string, integration::HttpAnswer>>& hook_answers() const {
    return hooks_;
  }
  const std::vector<std::pair<std::string, int>>& oncall_answers() const { return oncall_; }
  const Exposition& metrics() const { return metrics_; }

 private:
  DeployedDaemon() = default;
  void Run();

  std::string error_;
  std::unique_ptr<integration::TempDir> dir_;
  std::unique_ptr<integration::RefusingPort> prometheus_;
  std::unique_ptr<integration::VerdictDaemon> daemon_;
  std::vector<std::pair<std::string, int>> probes_;
  std::vector<std::pair<std::string, integration::HttpAnswer>> hooks_;
  std::vector<std::pair<std::string, int>> oncall_;
  Exposition metrics_;
};

}  // namespace verdict::deploy_test
