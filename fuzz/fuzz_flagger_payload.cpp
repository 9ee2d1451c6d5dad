// Fuzz target: the Flagger webhook payload (server/api/flagger_payload.h), the
// body every webhook request carries. Invariants of an accepted payload: name
// and namespace are Kubernetes names; metadata has at most kMaxMetadataEntries
// entries of at most kMaxMetadataValueBytes; phase and checksum are at most
// 1024 bytes. A rejected one is kInvalidArgument with a message naming a
// field ("<field>: ...").
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "server/api/flagger_payload.h"

namespace {

using verdict::fuzz::FuzzCheck;
using verdict::server::IsKubernetesName;

void Check(std::string_view body) {
  auto payload = verdict::server::ParseFlaggerPayload(body);
  if (!payload.ok()) {
    const verdict::Status& s = payload.status();
    FuzzCheck(s.code() == verdict::StatusCode::kInvalidArgument,
              "a rejected payload is kInvalidArgument", s.ToString());
    FuzzCheck(s.message().find(": ") != std::string::npos, "the error names a field", s.message());
    return;
  }
  FuzzCheck(IsKubernetesName(payload->name), "name is a Kubernetes name", payload->name);
  FuzzCheck(IsKubernetesName(payload->ns), "namespace is a Kubernetes name", payload->ns);
  FuzzCheck(payload->name.size() <= 253 && payload->ns.size() <= 253, "names are <= 253 bytes");
  FuzzCheck(payload->phase.size() <= 1024 && payload->checksum.size() <= 1024,
            "phase and checksum are <= 1024 bytes");
  FuzzCheck(payload->metadata.size() <= verdict::server::kMaxMetadataEntries,
            "metadata has at most kMaxMetadataEntries entries");
  for (const auto& [key, value] : payload->metadata) {
    FuzzCheck(value.size() <= verdict::server::kMaxMetadataValueBytes,
              "metadata values are <= kMaxMetadataValueBytes", key);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verdict::fuzz::RunGuarded(data, size, Check);
}
