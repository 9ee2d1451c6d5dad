// Fuzz target: the analysis config in YAML (rules/parse.h ParseConfig with
// Format::kYaml). Invariants: fuzz/config_invariants.h (a parsed config
// re-validates through its schema JSON; errors are values, not exceptions).
#include <cstddef>
#include <cstdint>

#include "fuzz/config_invariants.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verdict::fuzz::RunGuarded(data, size, [](std::string_view text) {
    verdict::fuzz::CheckConfigText(text, verdict::rules::Format::kYaml);
  });
}
