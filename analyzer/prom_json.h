// Detail of analyzer/prometheus_client.cpp: the Prometheus API's JSON, parsed
// into QueryResult, and its error answers mapped to Status codes. Pure.
#pragma once

#include <string>
#include <string_view>

#include "analyzer/prom_types.h"
#include "stats/status.h"

namespace verdict::analyzer::detail {

// Parses the body of a 2xx answer. A `"status":"error"` body returns the
// mapped error (see ErrorFromResponse). Not JSON, truncated JSON, or JSON not
// shaped like a query result: kDataLoss naming the offending element.
StatusOr<QueryResult> ParseQueryResponse(std::string_view body);

// The Status for an HTTP answer that is not a success (or a 2xx whose body says
// "status":"error"). Uses the body's errorType/error when it is Prometheus JSON:
// bad_data/execution -> kInvalidArgument, timeout -> kDeadlineExceeded,
// not_found -> kNotFound, canceled/unavailable/internal -> kUnavailable;
// otherwise the HTTP status: 400/422/other 4xx -> kInvalidArgument (401/403
// with a credentials hint), 3xx (redirects are not followed) ->
// kInvalidArgument, 404 -> kNotFound, 429/5xx -> kUnavailable,
// 504 -> kDeadlineExceeded.
Status ErrorFromResponse(long http_status, std::string_view body);

// The first `max` characters of `body`, printable ASCII only, for messages.
std::string BodyExcerpt(std::string_view body, size_t max = 120);

// Parses a sample value: "1.5", "NaN", "+Inf", "-Inf" (and "Inf").
bool ParseSampleValue(std::string_view text, double* value);

}  // namespace verdict::analyzer::detail
