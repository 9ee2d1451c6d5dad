// Fuzz target: the daemon's serve config (server/app/serve_config.h,
// `verdict serve --config FILE`). LoadServeConfig reads a file, so each input
// is written to a file in a private temporary directory (on /dev/shm when it
// can be written), next to copies of fuzz/serve_config_refs/custom.yaml and
// kayenta.json for `config:` and `kayenta:` references to find. Those two are
// small versions of examples/custom-metrics.yaml and
// examples/kayenta-config.json: the formats themselves are fuzzed by
// fuzz_config_yaml and fuzz_kayenta_import, and an input that references the
// full examples ten times spends most of its time parsing them.
//
// Invariants: LoadServeConfig returns a Status (kInvalidArgument when it
// rejects); in an accepted config the default and every canary rule name an
// analysis that exists, Select finds an analysis for any canary, and every
// analysis that is not a preset re-validates (fuzz/config_invariants.h).
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "fuzz/config_invariants.h"
#include "fuzz/fuzz_check.h"
#include "server/app/serve_config.h"

namespace {

using verdict::fuzz::FuzzCheck;

std::string& InputDir() {
  static std::string dir;
  return dir;
}

std::string InputPath() { return InputDir() + "/serve.yaml"; }

constexpr const char* kReferenced[][2] = {{"fuzz/serve_config_refs/custom.yaml", "custom.yaml"},
                                          {"fuzz/serve_config_refs/kayenta.json", "kayenta.json"}};

void CopyFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  FuzzCheck(static_cast<bool>(in), "the example exists", from);
  std::ofstream out(to, std::ios::binary);
  out << in.rdbuf();
  FuzzCheck(static_cast<bool>(out), "the example is copied", to);
}

void RemoveInputDir() {
  std::remove(InputPath().c_str());
  for (const auto& file : kReferenced) std::remove((InputDir() + "/" + file[1]).c_str());
  rmdir(InputDir().c_str());
}

void Check(std::string_view text) {
  const std::string path = InputPath();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  FuzzCheck(f != nullptr, "the fuzz input file can be written", path);
  FuzzCheck(std::fwrite(text.data(), 1, text.size(), f) == text.size(), "fwrite", path);
  std::fclose(f);
  auto config = verdict::app::LoadServeConfig(path);
  if (!config.ok()) {
    FuzzCheck(config.status().code() == verdict::StatusCode::kInvalidArgument,
              "a rejected serve config is kInvalidArgument", config.status().ToString());
    return;
  }
  FuzzCheck(config->Find(config->default_analysis) != nullptr, "the default analysis exists",
            config->default_analysis);
  for (const verdict::app::CanaryRule& rule : config->canaries) {
    FuzzCheck(config->Find(rule.analysis) != nullptr, "every rule's analysis exists",
              rule.analysis);
  }
  auto selected = config->Select("prod", "api", "");
  FuzzCheck(selected.ok() && *selected != nullptr, "Select finds an analysis for any canary",
            selected.status().ToString());
  for (const auto& [name, entry] : config->analyses) {
    if (entry->origin.rfind("preset ", 0) == 0) continue;
    verdict::fuzz::CheckAcceptedConfig(entry->config);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // In memory where there is a tmpfs: a file per input on disk costs about a
  // fifth of each execution in the kernel.
  const bool shm = access("/dev/shm", W_OK) == 0;
  char dir[64];
  std::snprintf(dir, sizeof dir, "%s/verdict-fuzz-serve-XXXXXX", shm ? "/dev/shm" : "/tmp");
  FuzzCheck(mkdtemp(dir) != nullptr, "mkdtemp", dir);
  InputDir() = dir;
  for (const auto& file : kReferenced) {
    CopyFile(std::string(VERDICT_SOURCE_DIR) + "/" + file[0], InputDir() + "/" + file[1]);
  }
  std::atexit(RemoveInputDir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verdict::fuzz::RunGuarded(data, size, Check);
}
