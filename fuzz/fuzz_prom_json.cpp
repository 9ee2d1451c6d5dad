// Fuzz target: Prometheus' JSON answers (analyzer/prom_json.h), i.e. whatever
// a Prometheus-compatible backend (or something pretending to be one) sends
// back. The first two bytes choose an HTTP status for ErrorFromResponse; the
// rest is the body. Invariants: ParseQueryResponse returns OK or a non-OK
// Status (a body that is not a success is never OK); an accepted answer has
// the shape of its resultType (vector: one point per series; scalar and
// string: one series of one point); ErrorFromResponse never returns OK;
// BodyExcerpt is the first `max` characters, printable ASCII, plus "..." when
// cut.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "analyzer/prom_json.h"
#include "fuzz/fuzz_check.h"

namespace {

using verdict::fuzz::FuzzCheck;
namespace detail = verdict::analyzer::detail;
using verdict::analyzer::ResultType;

void CheckParse(std::string_view body) {
  auto result = detail::ParseQueryResponse(body);
  if (!result.ok()) {
    FuzzCheck(!result.status().message().empty(), "a rejected answer has a message");
    return;
  }
  switch (result->type) {
    case ResultType::kVector:
      for (const auto& s : result->series) {
        FuzzCheck(s.samples.size() == 1, "a vector's series have one point each");
      }
      break;
    case ResultType::kScalar:
    case ResultType::kString:
      FuzzCheck(result->series.size() == 1 && result->series[0].samples.size() == 1,
                "a scalar or string result is one series of one point");
      break;
    case ResultType::kMatrix:
      break;
  }
}

void Check(std::string_view input) {
  long http_status = 200;
  std::string_view body = input;
  if (input.size() >= 2) {
    http_status =
        100 +
        (static_cast<unsigned char>(input[0]) << 8 | static_cast<unsigned char>(input[1])) % 500;
    body = input.substr(2);
  }
  CheckParse(input);
  CheckParse(body);
  const verdict::Status error = detail::ErrorFromResponse(http_status, body);
  FuzzCheck(!error.ok(), "ErrorFromResponse is never OK", std::to_string(http_status));
  const size_t max = input.empty() ? 0 : static_cast<unsigned char>(input[0]);
  const std::string excerpt = detail::BodyExcerpt(body, max);
  const size_t expected = std::min(body.size(), max) + (body.size() > max ? 3 : 0);
  FuzzCheck(excerpt.size() == expected, "BodyExcerpt is the first max characters (+ \"...\")");
  for (char c : excerpt) {
    FuzzCheck(c >= 0x20 && c < 0x7f, "BodyExcerpt is printable ASCII");
  }
  double value = 0;
  (void)detail::ParseSampleValue(body, &value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verdict::fuzz::RunGuarded(data, size, Check);
}
