// Parsing the Flagger webhook payload (server/api/flagger_payload.h).
#include "server/api/flagger_payload.h"

#include <nlohmann/json.hpp>

namespace verdict::server {
namespace {

using Json = nlohmann::json;

std::string TypeName(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "a string";
}

// A short, printable rendering of a user value for an error message.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out + (s.size() > 64 ? "...\"" : "\"");
}

Status ReadString(const Json& body, const char* field, bool required, std::string* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    return required ? InvalidArgumentError(std::string(field) + ": is required") : Status::Ok();
  }
  if (!it->is_string()) {
    return InvalidArgumentError(std::string(field) + ": expected a string, got " + TypeName(*it));
  }
  *out = it->get<std::string>();
  if (out->size() > 1024) {
    return InvalidArgumentError(std::string(field) + ": longer than 1024 bytes");
  }
  return Status::Ok();
}

}  // namespace

bool IsKubernetesName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return alnum(name.front()) && alnum(name.back());
}

StatusOr<FlaggerPayload> ParseFlaggerPayload(std::string_view text) {
  Json body;
  try {
    body = Json::parse(text);
  } catch (const Json::exception& e) {
    return InvalidArgumentError(std::string("body: not JSON (") + e.what() + ")");
  }
  if (!body.is_object()) {
    return InvalidArgumentError("body: expected a JSON object, got " + TypeName(body));
  }
  FlaggerPayload p;
  VERDICT_RETURN_IF_ERROR(ReadString(body, "name", true, &p.name));
  VERDICT_RETURN_IF_ERROR(ReadString(body, "namespace", true, &p.ns));
  VERDICT_RETURN_IF_ERROR(ReadString(body, "phase", false, &p.phase));
  VERDICT_RETURN_IF_ERROR(ReadString(body, "checksum", false, &p.checksum));
  for (auto [field, value] : {std::pair<const char*, const std::string*>{"name", &p.name},
                              {"namespace", &p.ns}}) {
    if (!IsKubernetesName(*value)) {
      return InvalidArgumentError(std::string(field) + ": " + Quote(*value) +
                                  " is not a Kubernetes name (lowercase letters, digits, '-', "
                                  "'.')");
    }
  }
  auto meta = body.find("metadata");
  if (meta != body.end() && !meta->is_null()) {
    if (!meta->is_object()) {
      return InvalidArgumentError("metadata: expected an object of strings, got " +
                                  TypeName(*meta));
    }
    if (meta->size() > kMaxMetadataEntries) {
      return InvalidArgumentError("metadata: more than " + std::to_string(kMaxMetadataEntries) +
                                  " entries");
    }
    for (const auto& [key, value] : meta->items()) {
      const std::string field = "metadata." + Quote(key).substr(1, Quote(key).size() - 2);
      if (!value.is_string()) {
        return InvalidArgumentError(field + ": expected a string value, got " + TypeName(value));
      }
      if (value.get_ref<const std::string&>().size() > kMaxMetadataValueBytes) {
        return InvalidArgumentError(field + ": longer than " +
                                    std::to_string(kMaxMetadataValueBytes) + " bytes");
      }
      p.metadata[key] = value.get<std::string>();
    }
  }
  return p;
}

}  // namespace verdict::server
