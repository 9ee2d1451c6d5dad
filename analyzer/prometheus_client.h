// A client for the Prometheus HTTP query API (/api/v1/query_range and
// /api/v1/query), as spoken by Prometheus, Thanos, Mimir/Cortex and
// VictoriaMetrics. libcurl is an implementation detail (no curl types here).
//
// What it does for every query:
// - POSTs the form-encoded parameters; on HTTP 405 or 501 it retries the same
//   attempt as a GET and keeps using GET from then on.
// - Retries connection failures (refused, reset, DNS, connect timeout), HTTP
//   429 and 5xx (except 501) with exponential backoff and jitter, waiting at
//   least what a Retry-After header asks (seconds or an HTTP date), through the
//   injected Clock. A total timeout is not retried (the server is slow, not down).
// - Honours a query's overall deadline (PromQuery::deadline, a time of the
//   injected Clock): each attempt's connect and transfer timeouts are cut to
//   the time left, no retry or backoff wait starts that would end at or past
//   it, and the query then ends with kDeadlineExceeded
//   "deadline of 20s exceeded (2 attempts); last error: ..." (the length is
//   counted from the start of the call or of the RunBatch).
// - Caps the response size (the transfer is aborted), parses the JSON result,
//   and turns every failure into a Status with an actionable code:
//     kUnavailable       connection failures, 429/5xx after the last attempt,
//                        a Retry-After longer than max_retry_after
//     kDeadlineExceeded  no complete answer within request_timeout; 504;
//                        errorType "timeout"; the query's deadline passed
//     kInvalidArgument   400/422 ("bad_data", "execution": fix the query),
//                        401/403 (fix the credentials), TLS verification
//                        failure (fix ca_file), other 4xx
//     kNotFound          404 (check base_url and its path prefix)
//     kDataLoss          a body that is not JSON, truncated, or not shaped
//                        like a query result
//     kResourceExhausted the body exceeds max_response_bytes
//   A `"status":"error"` body carries its errorType and error into the message.
//
// Thread safety: a PrometheusClient may be shared; every query method may be
// called concurrently from any thread. The Clock must outlive the client.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/prom_types.h"
#include "stats/status.h"

namespace verdict::analyzer {

struct PrometheusOptions {
  // Base URL with any path prefix, without "/api/v1", e.g. "http://127.0.0.1:9090"
  // or "https://mimir.example/prometheus". Required; http or https.
  std::string base_url;

  std::chrono::milliseconds connect_timeout{3000};   // per attempt, > 0
  std::chrono::milliseconds request_timeout{30000};  // per attempt, whole transfer, > 0

  // Retries. Attempt n (n >= 2) waits min(max_backoff, initial_backoff *
  // backoff_multiplier^(n-2)) scaled by a uniform factor in [1-jitter, 1+jitter],
  // or the server's Retry-After if that is longer.
  int max_attempts = 4;                            // >= 1 (1: no retries)
  std::chrono::milliseconds initial_backoff{250};  // >= 0
  std::chrono::milliseconds max_backoff{8000};     // >= initial_backoff
  double backoff_multiplier = 2.0;                 // >= 1
  double jitter = 0.2;                             // in [0, 1)
  // A Retry-After longer than this ends the query with kUnavailable at once.
  std::chrono::milliseconds max_retry_after{60000};
  // Seed of the jitter's random source; unset: drawn from std::random_device.
  // The seed in use is logged at debug level and returned by jitter_seed().
  std::optional<uint64_t> jitter_seed;

  // Largest accepted response body (after decompression), > 0.
  size_t max_response_bytes = size_t{64} << 20;

  // Auth (at most one of bearer token and basic auth).
  // A file holding the bearer token (surrounding whitespace ignored); re-read
  // whenever its size, modification time or inode changes (rotated secrets).
  std::string bearer_token_file;
  std::string basic_auth_user;  // basic auth when non-empty
  std::string basic_auth_password;

  // TLS (https base URLs). ca_file: PEM bundle to verify the server with
  // (default: the system's). insecure_skip_verify: no verification at all;
  // explicit opt-in, mutually exclusive with ca_file.
  std::string ca_file;
  bool insecure_skip_verify = false;

  // Extra request headers, e.g. {"X-Scope-OrgID", "tenant-a"} for Mimir/Cortex.
  std::vector<std::pair<std::string, std::string>> headers;

  bool use_post = true;  // false: always GET
  std::string user_agent = "verdict";
};

// One query for RunBatch.
struct PromQuery {
  enum class Kind { kRange, kInstant, kRawSamples };
  Kind kind = Kind::kRange;
  std::string promql;
  StepGrid grid;                   // kRange, kRawSamples
  int64_t time_unix = 0;           // kInstant
  int64_t lookback_seconds = 300;  // kRawSamples
  // Every attempt and wait of the query ends by then (kDeadlineExceeded
  // otherwise); a time of the client's Clock. Unset: no overall bound.
  std::optional<Clock::TimePoint> deadline;

  static PromQuery Range(std::string promql, const StepGrid& grid);
  static PromQuery Instant(std::string promql, int64_t time_unix);
  static PromQuery RawSamples(std::string selector, const StepGrid& grid,
                              int64_t lookback_seconds = 300);
};

class PrometheusClient {
 public:
  // Validates `options` (kInvalidArgument naming the field: bad URL, timeouts,
  // retry settings, both auth kinds, unreadable token/CA file, ca_file together
  // with insecure_skip_verify, header names/values with CR/LF). `clock` is used
  // for backoff waits and Retry-After dates; null means RealClock::Default().
  static StatusOr<std::unique_ptr<PrometheusClient>> Create(PrometheusOptions options,
                                                            Clock* clock = nullptr);
  ~PrometheusClient();
  PrometheusClient(const PrometheusClient&) = delete;
  PrometheusClient& operator=(const PrometheusClient&) = delete;

  // /api/v1/query_range from grid.start_unix to grid.end_unix() every
  // grid.step_seconds (grid.steps + 1 points, the first being the baseline).
  // The answer must be a matrix (else kDataLoss).
  StatusOr<QueryResult> QueryRange(std::string_view promql, const StepGrid& grid) const;

  // /api/v1/query at `time_unix`; any result type.
  StatusOr<QueryResult> QueryInstant(std::string_view promql, int64_t time_unix) const;

  // The raw samples of a plain series selector over the grid plus
  // `lookback_seconds` before its start (so counters have a baseline): the
  // instant query `selector[<window>s]` at grid.end_unix(). Exact for counter
  // resets inside a step, which a range query cannot see. Must be a matrix.
  StatusOr<QueryResult> QueryRawSamples(std::string_view selector, const StepGrid& grid,
                                        int64_t lookback_seconds = 300) const;

  StatusOr<QueryResult> Run(const PromQuery& query) const;

  // Runs independent queries concurrently, at most `max_parallel` (>= 1) at a
  // time; results in the order of `queries`. Each query retries on its own.
  std::vector<StatusOr<QueryResult>> RunBatch(const std::vector<PromQuery>& queries,
                                              size_t max_parallel = 4) const;

  const PrometheusOptions& options() const;
  uint64_t jitter_seed() const;

 private:
  class Impl;
  explicit PrometheusClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace verdict::analyzer
