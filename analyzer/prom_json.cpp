#include "analyzer/prom_json.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

namespace verdict::analyzer::detail {
namespace {

using nlohmann::json;

Status Malformed(const std::string& where, const std::string& what) {
  return DataLossError(fmt::format("malformed query response: {}: {}", where, what));
}

// A [timestamp, "value"] pair.
Status ParsePoint(const json& point, const std::string& where, Sample* out) {
  if (!point.is_array() || point.size() != 2) return Malformed(where, "expected [time, value]");
  if (!point[0].is_number()) return Malformed(where, "timestamp is not a number");
  out->t_ms = std::llround(point[0].get<double>() * 1000.0);
  if (point[1].is_number()) {
    out->value = point[1].get<double>();
    return Status::Ok();
  }
  if (!point[1].is_string() ||
      !ParseSampleValue(point[1].get_ref<const std::string&>(), &out->value)) {
    return Malformed(where, fmt::format("value {} is not a number", point[1].dump()));
  }
  return Status::Ok();
}

Status ParseLabels(const json& element, const std::string& where, Labels* out) {
  auto metric = element.find("metric");
  if (metric == element.end()) return Status::Ok();  // engines may omit an empty label set
  if (!metric->is_object()) return Malformed(where + ".metric", "not an object");
  for (auto it = metric->begin(); it != metric->end(); ++it) {
    if (!it.value().is_string()) return Malformed(where + ".metric." + it.key(), "not a string");
    (*out)[it.key()] = it.value().get<std::string>();
  }
  return Status::Ok();
}

Status ParseSeriesList(const json& result, bool matrix, QueryResult* out) {
  if (!result.is_array()) return Malformed("data.result", "not an array");
  out->series.reserve(result.size());
  for (size_t j = 0; j < result.size(); ++j) {
    const std::string where = fmt::format("data.result[{}]", j);
    const json& element = result[j];
    if (!element.is_object()) return Malformed(where, "not an object");
    Series s;
    VERDICT_RETURN_IF_ERROR(ParseLabels(element, where, &s.labels));
    if (element.contains("histograms") || element.contains("histogram")) {
      out->warnings.push_back(fmt::format("{}: native histogram samples ignored", where));
    }
    if (matrix) {
      auto values = element.find("values");
      if (values == element.end()) {
        if (element.contains("histograms")) continue;
        return Malformed(where, "no values");
      }
      if (!values->is_array()) return Malformed(where + ".values", "not an array");
      s.samples.resize(values->size());
      for (size_t k = 0; k < values->size(); ++k) {
        VERDICT_RETURN_IF_ERROR(
            ParsePoint((*values)[k], fmt::format("{}.values[{}]", where, k), &s.samples[k]));
      }
    } else {
      auto value = element.find("value");
      if (value == element.end()) {
        if (element.contains("histogram")) continue;
        return Malformed(where, "no value");
      }
      s.samples.resize(1);
      VERDICT_RETURN_IF_ERROR(ParsePoint(*value, where + ".value", &s.samples[0]));
    }
    out->series.push_back(std::move(s));
  }
  return Status::Ok();
}

StatusOr<QueryResult> ParseData(const json& root) {
  auto data = root.find("data");
  if (data == root.end() || !data->is_object())
    return Malformed("data", "missing or not an object");
  auto type = data->find("resultType");
  auto result = data->find("result");
  if (type == data->end() || !type->is_string()) return Malformed("data.resultType", "missing");
  if (result == data->end()) return Malformed("data.result", "missing");
  QueryResult out;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "matrix" || t == "vector") {
    out.type = t == "matrix" ? ResultType::kMatrix : ResultType::kVector;
    VERDICT_RETURN_IF_ERROR(ParseSeriesList(*result, t == "matrix", &out));
  } else if (t == "scalar") {
    out.type = ResultType::kScalar;
    out.series.resize(1);
    out.series[0].samples.resize(1);
    VERDICT_RETURN_IF_ERROR(ParsePoint(*result, "data.result", &out.series[0].samples[0]));
  } else if (t == "string") {
    out.type = ResultType::kString;
    if (!result->is_array() || result->size() != 2 || !(*result)[0].is_number() ||
        !(*result)[1].is_string()) {
      return Malformed("data.result", "expected [time, \"string\"]");
    }
    out.string_value = (*result)[1].get<std::string>();
    out.series.resize(1);
    out.series[0].samples.push_back({std::llround((*result)[0].get<double>() * 1000.0), 0.0});
  } else {
    return Malformed("data.resultType", fmt::format("unknown type \"{}\"", t));
  }
  auto warnings = root.find("warnings");
  if (warnings != root.end() && warnings->is_array()) {
    for (const json& w : *warnings)
      out.warnings.push_back(w.is_string() ? w.get<std::string>() : w.dump());
  }
  return out;
}

StatusCode CodeForErrorType(const std::string& type, long http_status) {
  if (type == "bad_data" || type == "execution") return StatusCode::kInvalidArgument;
  if (type == "timeout") return StatusCode::kDeadlineExceeded;
  if (type == "not_found") return StatusCode::kNotFound;
  if (type == "canceled" || type == "unavailable" || type == "internal") {
    return StatusCode::kUnavailable;
  }
  if (http_status == 404) return StatusCode::kNotFound;
  if (http_status == 504) return StatusCode::kDeadlineExceeded;
  if (http_status == 429 || http_status >= 500) return StatusCode::kUnavailable;
  if (http_status >= 300) return StatusCode::kInvalidArgument;  // 3xx: misconfigured base_url
  return StatusCode::kDataLoss;  // a 2xx claiming an error of an unknown type
}

std::string HttpHint(long http_status) {
  switch (http_status) {
    case 401:
    case 403:
      return " (check the bearer token or basic auth credentials)";
    case 404:
      return " (check base_url and its path prefix)";
    case 429:
      return " (rate limited)";
    default:
      if (http_status >= 300 && http_status < 400) {
        return " (a redirect, not followed: set base_url to the final location)";
      }
      return "";
  }
}

}  // namespace

bool ParseSampleValue(std::string_view text, double* value) {
  if (text == "NaN") {
    *value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text == "+Inf" || text == "Inf") {
    *value = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-Inf") {
    *value = -std::numeric_limits<double>::infinity();
    return true;
  }
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || std::isnan(v)) return false;
  *value = v;
  return true;
}

std::string BodyExcerpt(std::string_view body, size_t max) {
  std::string out;
  for (char c : body.substr(0, max)) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : ' ';
  }
  if (body.size() > max) out += "...";
  return out;
}

StatusOr<QueryResult> ParseQueryResponse(std::string_view body) {
  const json root = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return DataLossError(fmt::format("response body ({} bytes) is not valid JSON{}: \"{}\"",
                                     body.size(), body.empty() ? "" : " (garbage or truncated)",
                                     BodyExcerpt(body)));
  }
  try {
    if (!root.is_object()) return Malformed("body", "not a JSON object");
    auto status = root.find("status");
    if (status == root.end() || !status->is_string()) return Malformed("status", "missing");
    if (*status == "error") return ErrorFromResponse(200, body);
    if (*status != "success") return Malformed("status", status->dump());
    return ParseData(root);
  } catch (const std::exception& e) {
    return Malformed("body", e.what());
  }
}

Status ErrorFromResponse(long http_status, std::string_view body) {
  std::string type, error;
  const json root = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!root.is_discarded() && root.is_object()) {
    auto t = root.find("errorType");
    auto e = root.find("error");
    if (t != root.end() && t->is_string()) type = t->get<std::string>();
    if (e != root.end() && e->is_string()) error = e->get<std::string>();
  }
  const StatusCode code = CodeForErrorType(type, http_status);
  std::string message = fmt::format("HTTP {}{}", http_status, HttpHint(http_status));
  if (!type.empty() || !error.empty()) {
    message += fmt::format(": {}: {}", type.empty() ? "error" : type, error);
  } else if (!body.empty()) {
    message += fmt::format(": \"{}\"", BodyExcerpt(body));
  }
  return Status(code, message);
}

}  // namespace verdict::analyzer::detail
