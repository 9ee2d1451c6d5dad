// Small text helpers shared by the API's request parsers (flagger_payload,
// kayenta_payload, argo_query): naming a JSON value's type and quoting a user
// value in an error message.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace verdict::server {

// "null", "a boolean", "a number", "a list", "an object" or "a string".
std::string JsonTypeName(const nlohmann::json& value);

// A short, printable rendering of a user value for an error message: quoted,
// at most 64 bytes ("..." marks a cut), control and non-ASCII bytes as '?'.
std::string QuoteValue(const std::string& value);

}  // namespace verdict::server
