// Text helpers of the API's request parsers (server/api/request_text.h).
#include "server/api/request_text.h"

namespace verdict::server {

std::string JsonTypeName(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "a string";
}

std::string QuoteValue(const std::string& s) {
  std::string out = "\"";
  for (char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out + (s.size() > 64 ? "...\"" : "\"");
}

}  // namespace verdict::server
