// Parsing the Flagger webhook payload (server/api/flagger_payload.h).
#include "server/api/flagger_payload.h"

#include <nlohmann/json.hpp>

#include "server/api/request_text.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;

Status ReadString(const Json& body, const char* field, bool required, std::string* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    return required ? InvalidArgumentError(std::string(field) + ": is required") : Status::Ok();
  }
  if (!it->is_string()) {
    return InvalidArgumentError(std::string(field) + ": expected a string, got " +
                                JsonTypeName(*it));
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
    return InvalidArgumentError("body: expected a JSON object, got " + JsonTypeName(body));
  }
  FlaggerPayload p;
  VERDICT_RETURN_IF_ERROR(ReadString(body, "name", true, &p.name));
  VERDICT_RETURN_IF_ERROR(ReadString(body, "namespace", true, &p.ns));
  VERDICT_RETURN_IF_ERROR(ReadString(body, "phase", false, &p.phase));
  VERDICT_RETURN_IF_ERROR(ReadString(body, "checksum", false, &p.checksum));
  for (auto [field, value] :
       {std::pair<const char*, const std::string*>{"name", &p.name}, {"namespace", &p.ns}}) {
    if (!IsKubernetesName(*value)) {
      return InvalidArgumentError(std::string(field) + ": " + QuoteValue(*value) +
                                  " is not a Kubernetes name (lowercase letters, digits, '-', "
                                  "'.')");
    }
  }
  auto meta = body.find("metadata");
  if (meta != body.end() && !meta->is_null()) {
    if (!meta->is_object()) {
      return InvalidArgumentError("metadata: expected an object of strings, got " +
                                  JsonTypeName(*meta));
    }
    if (meta->size() > kMaxMetadataEntries) {
      return InvalidArgumentError("metadata: more than " + std::to_string(kMaxMetadataEntries) +
                                  " entries");
    }
    for (const auto& [key, value] : meta->items()) {
      const std::string field = "metadata." + QuoteValue(key).substr(1, QuoteValue(key).size() - 2);
      if (!value.is_string()) {
        return InvalidArgumentError(field + ": expected a string value, got " +
                                    JsonTypeName(value));
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
