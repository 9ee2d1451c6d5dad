// The Flagger webhook payload: {"name","namespace","phase","checksum",
// "metadata"?}. Parsing is strict about types and shapes so a malformed or
// hostile payload gets a 400 naming the field, and lenient about what
// Flagger may leave out (metadata, phase).
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "stats/status.h"

namespace verdict::server {

struct FlaggerPayload {
  std::string name;       // required: a Kubernetes name (DNS-1123, <= 253)
  std::string ns;         // required: "namespace", a Kubernetes name
  std::string phase;      // optional: Progressing, Succeeded, Failed, ...
  std::string checksum;   // optional: the revision's checksum ("" allowed)
  std::map<std::string, std::string> metadata;  // optional: string values only
};

inline constexpr size_t kMaxMetadataEntries = 64;
inline constexpr size_t kMaxMetadataValueBytes = 4096;

// kInvalidArgument naming the field: "body: not JSON: ...", "name: is
// required", "namespace: expected a string, got a number",
// "metadata.weight: expected a string value", "name: \"Bad_Name\" is not a
// Kubernetes name (lowercase letters, digits, '-', '.')".
StatusOr<FlaggerPayload> ParseFlaggerPayload(std::string_view body);

// DNS-1123 subdomain: 1-253 of [a-z0-9-.], starting and ending alphanumeric.
bool IsKubernetesName(std::string_view name);

}  // namespace verdict::server
