// Fuzz target: the Kayenta canary-config import (rules/kayenta_import.h).
// Invariants: ImportKayentaConfig returns a Status (kInvalidArgument when it
// rejects); an imported config is in Kayenta mode, every metric is kind series
// with required false and min_data 1, and it re-validates like any config
// (fuzz/config_invariants.h CheckAcceptedConfig).
#include <cstddef>
#include <cstdint>

#include "fuzz/config_invariants.h"
#include "fuzz/fuzz_check.h"
#include "rules/kayenta_import.h"

namespace {

using verdict::fuzz::FuzzCheck;
namespace rules = verdict::rules;

void Check(std::string_view text) {
  auto config = rules::ImportKayentaConfig(text, "fuzz.json");
  if (!config.ok()) {
    FuzzCheck(config.status().code() == verdict::StatusCode::kInvalidArgument,
              "a rejected import is kInvalidArgument", config.status().ToString());
    return;
  }
  FuzzCheck(config->mode == rules::Mode::kKayenta, "an imported config is in Kayenta mode");
  for (const rules::MetricSpec& m : config->metrics) {
    FuzzCheck(m.kind == rules::MetricKind::kSeries, "imported metrics are kind series", m.name);
    FuzzCheck(!m.required && m.min_data == 1, "imported metrics: required false, min_data 1",
              m.name);
  }
  verdict::fuzz::CheckAcceptedConfig(*config);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verdict::fuzz::RunGuarded(data, size, Check);
}
