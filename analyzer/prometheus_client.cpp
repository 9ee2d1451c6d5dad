#include "analyzer/prometheus_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "analyzer/prom_backoff.h"
#include "analyzer/prom_http.h"
#include "analyzer/prom_json.h"
#include "analyzer/prom_token.h"

namespace verdict::analyzer {
namespace {

bool IsToken(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) ||
          std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos)) {
      return false;
    }
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Status ValidateOptions(PrometheusOptions* o) {
  auto bad = [](const std::string& field, const std::string& why) {
    return InvalidArgumentError(fmt::format("prometheus options: {}: {}", field, why));
  };
  std::string& url = o->base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  const bool http = url.rfind("http://", 0) == 0, https = url.rfind("https://", 0) == 0;
  if (!http && !https) return bad("base_url", fmt::format("\"{}\" is not an http(s) URL", url));
  const size_t host_at = url.find("://") + 3;
  if (host_at >= url.size() || url[host_at] == '/') return bad("base_url", "has no host");
  if (url.find_first_of("?# \t\r\n") != std::string::npos) {
    return bad("base_url", "must not contain a query, fragment or whitespace");
  }
  if (o->connect_timeout.count() <= 0) return bad("connect_timeout", "must be > 0");
  if (o->request_timeout.count() <= 0) return bad("request_timeout", "must be > 0");
  if (o->max_attempts < 1) return bad("max_attempts", "must be >= 1");
  if (o->initial_backoff.count() < 0) return bad("initial_backoff", "must be >= 0");
  if (o->max_backoff < o->initial_backoff) return bad("max_backoff", "must be >= initial_backoff");
  if (!(o->backoff_multiplier >= 1.0)) return bad("backoff_multiplier", "must be >= 1");
  if (!(o->jitter >= 0.0 && o->jitter < 1.0)) return bad("jitter", "must be in [0, 1)");
  if (o->max_retry_after.count() < 0) return bad("max_retry_after", "must be >= 0");
  if (o->max_response_bytes == 0) return bad("max_response_bytes", "must be > 0");
  if (!o->bearer_token_file.empty() && !o->basic_auth_user.empty()) {
    return bad("bearer_token_file", "set either a bearer token or basic auth, not both");
  }
  if (o->basic_auth_user.empty() && !o->basic_auth_password.empty()) {
    return bad("basic_auth_user", "empty while basic_auth_password is set");
  }
  if (!o->ca_file.empty() && o->insecure_skip_verify) {
    return bad("insecure_skip_verify", "contradicts ca_file; choose one");
  }
  if (!o->ca_file.empty() && !std::ifstream(o->ca_file)) {
    return bad("ca_file", fmt::format("cannot read {}", o->ca_file));
  }
  for (const auto& [name, value] : o->headers) {
    if (!IsToken(name)) return bad("headers", fmt::format("\"{}\" is not a header name", name));
    if (value.find_first_of("\r\n") != std::string::npos) {
      return bad("headers", fmt::format("value of {} contains a line break", name));
    }
    const bool auth = !o->bearer_token_file.empty() || !o->basic_auth_user.empty();
    if (auth && EqualsIgnoreCase(name, "Authorization")) {
      return bad("headers", "Authorization conflicts with bearer_token_file/basic auth");
    }
  }
  return Status::Ok();
}

const char* Endpoint(PromQuery::Kind kind) {
  return kind == PromQuery::Kind::kRange ? "/api/v1/query_range" : "/api/v1/query";
}

std::string Shorten(std::string_view s, size_t max = 100) {
  return s.size() <= max ? std::string(s) : std::string(s.substr(0, max)) + "...";
}

}  // namespace

PromQuery PromQuery::Range(std::string promql, const StepGrid& grid) {
  PromQuery q;
  q.kind = Kind::kRange;
  q.promql = std::move(promql);
  q.grid = grid;
  return q;
}

PromQuery PromQuery::Instant(std::string promql, int64_t time_unix) {
  PromQuery q;
  q.kind = Kind::kInstant;
  q.promql = std::move(promql);
  q.time_unix = time_unix;
  return q;
}

PromQuery PromQuery::RawSamples(std::string selector, const StepGrid& grid,
                                int64_t lookback_seconds) {
  PromQuery q;
  q.kind = Kind::kRawSamples;
  q.promql = std::move(selector);
  q.grid = grid;
  q.lookback_seconds = lookback_seconds;
  return q;
}

class PrometheusClient::Impl {
 public:
  Impl(PrometheusOptions options, Clock* clock, uint64_t seed)
      : options_(std::move(options)), clock_(clock), seed_(seed), rng_(seed) {
    if (!options_.bearer_token_file.empty()) {
      token_ = std::make_unique<detail::TokenFile>(options_.bearer_token_file);
    }
    use_get_ = !options_.use_post;
  }

  // `started`: when the caller began (a batch's start), to tell the deadline's
  // length in messages.
  StatusOr<QueryResult> Run(const PromQuery& q, Clock::TimePoint started) {
    std::string form;
    VERDICT_RETURN_IF_ERROR(BuildForm(q, &form));
    const std::string url = options_.base_url + Endpoint(q.kind);
    auto result = Exchange(url, form, q.deadline, started);
    if (!result.ok()) {
      return result.status().WithContext(
          fmt::format("prometheus {} query \"{}\"", Endpoint(q.kind), Shorten(q.promql)));
    }
    if ((q.kind != PromQuery::Kind::kInstant) && result->type != ResultType::kMatrix) {
      return DataLossError(fmt::format("prometheus {} query \"{}\": expected a matrix result",
                                       Endpoint(q.kind), Shorten(q.promql)));
    }
    return result;
  }

  const PrometheusOptions& options() const { return options_; }
  uint64_t seed() const { return seed_; }
  Clock::TimePoint Now() const { return clock_->Now(); }

 private:
  Status BuildForm(const PromQuery& q, std::string* form) const {
    if (q.promql.empty()) return InvalidArgumentError("empty PromQL query");
    std::string expr = q.promql;
    int64_t time = q.time_unix;
    if (q.kind != PromQuery::Kind::kInstant) {
      if (q.grid.steps == 0 || q.grid.step_seconds <= 0) {
        return InvalidArgumentError("query on an empty step grid");
      }
      if (q.grid.steps + 1 > kMaxPointsPerSeries) {
        return InvalidArgumentError(fmt::format("step grid of {} steps exceeds {} points",
                                                q.grid.steps, kMaxPointsPerSeries));
      }
    }
    if (q.kind == PromQuery::Kind::kRawSamples) {
      if (q.lookback_seconds < 0) return InvalidArgumentError("negative lookback");
      const int64_t window = q.grid.end_unix() - q.grid.start_unix + q.lookback_seconds;
      expr = fmt::format("{}[{}s]", q.promql, window);
      time = q.grid.end_unix();
    }
    *form = "query=" + detail::FormEncode(expr);
    if (q.kind == PromQuery::Kind::kRange) {
      *form += fmt::format("&start={}&end={}&step={}", q.grid.start_unix, q.grid.end_unix(),
                           q.grid.step_seconds);
    } else {
      *form += fmt::format("&time={}", time);
    }
    return Status::Ok();
  }

  StatusOr<detail::HttpRequest> BuildRequest(const std::string& url, const std::string& form,
                                             const detail::AttemptLimits& limits) {
    detail::HttpRequest req;
    req.post = !use_get_.load();
    req.url = req.post ? url : url + "?" + form;
    req.form = form;
    req.headers.push_back("Accept: application/json");
    if (token_) {
      auto token = token_->Get();
      if (!token.ok()) return token.status();
      req.headers.push_back("Authorization: Bearer " + *token);
    }
    for (const auto& [name, value] : options_.headers) req.headers.push_back(name + ": " + value);
    req.basic_user = options_.basic_auth_user;
    req.basic_password = options_.basic_auth_password;
    req.ca_file = options_.ca_file;
    req.insecure = options_.insecure_skip_verify;
    req.connect_timeout_ms = static_cast<long>(limits.connect_timeout.count());
    req.timeout_ms = static_cast<long>(limits.request_timeout.count());
    req.max_bytes = options_.max_response_bytes;
    req.user_agent = options_.user_agent;
    return req;
  }

  double NextUnitRandom() {
    std::lock_guard<std::mutex> lock(rng_mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }

  std::optional<detail::AttemptLimits> Limits(std::optional<Clock::TimePoint> deadline) const {
    return detail::LimitAttempt(options_.connect_timeout, options_.request_timeout, deadline,
                                clock_->Now());
  }

  // The query gave up at its deadline after `attempts` attempts; `last` is the
  // last attempt's error (OK when there was none).
  static Status DeadlineError(std::chrono::milliseconds budget, int attempts, const Status& last) {
    std::string message =
        fmt::format("deadline of {} exceeded ({} attempt{})", detail::FormatBudget(budget),
                    attempts, attempts == 1 ? "" : "s");
    if (!last.ok()) message += "; last error: " + last.message();
    return DeadlineExceededError(message);
  }

  // One query with retries, all of it before `deadline` when there is one.
  // Returns the parsed result or the final error.
  StatusOr<QueryResult> Exchange(const std::string& url, const std::string& form,
                                 std::optional<Clock::TimePoint> deadline,
                                 Clock::TimePoint started) {
    const detail::BackoffPolicy policy{options_.initial_backoff, options_.max_backoff,
                                       options_.backoff_multiplier, options_.jitter};
    const auto budget =
        deadline ? std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - started)
                 : std::chrono::milliseconds(0);
    Status last;
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      std::optional<detail::AttemptLimits> limits = Limits(deadline);
      if (!limits) return DeadlineError(budget, attempt - 1, last);
      auto req = BuildRequest(url, form, *limits);
      if (!req.ok()) return req.status();
      detail::HttpResponse resp = transport_.Perform(*req);
      if (resp.transport.ok() && (resp.status == 405 || resp.status == 501) && req->post) {
        spdlog::info("prometheus url={} status={} action=fallback_to_get", url, resp.status);
        use_get_ = true;
        limits = Limits(deadline);
        if (!limits) return DeadlineError(budget, attempt, last);
        req = BuildRequest(url, form, *limits);
        if (!req.ok()) return req.status();
        resp = transport_.Perform(*req);
      }
      std::optional<std::chrono::milliseconds> retry_after;
      if (!resp.transport.ok()) {
        last = resp.transport;
        const bool transfer = last.code() == StatusCode::kDeadlineExceeded;
        if (resp.timed_out && (transfer ? limits->request_cut : limits->connect_cut)) {
          return DeadlineError(budget, attempt, last);
        }
        if (!resp.retryable) return last;
      } else if (resp.status >= 200 && resp.status < 300) {
        return detail::ParseQueryResponse(resp.body);
      } else {
        last = detail::ErrorFromResponse(resp.status, resp.body);
        const bool retryable = resp.status == 429 || (resp.status >= 500 && resp.status != 501);
        if (!retryable) return last;
        retry_after = detail::ParseRetryAfter(resp.retry_after, clock_->Now());
        if (retry_after && *retry_after > options_.max_retry_after) {
          return UnavailableError(
              fmt::format("{}; the server asks to retry after {} s, more than max_retry_after {} s",
                          last.message(), retry_after->count() / 1000,
                          options_.max_retry_after.count() / 1000));
        }
      }
      if (attempt == options_.max_attempts) break;
      std::chrono::milliseconds wait = detail::BackoffDelay(policy, attempt, NextUnitRandom());
      if (retry_after) wait = std::max(wait, *retry_after);
      if (!detail::WaitEndsBeforeDeadline(wait, deadline, clock_->Now())) {
        spdlog::warn(
            "prometheus url={} attempt={} of={} error=\"{}\" action=give_up reason=deadline", url,
            attempt, options_.max_attempts, last.ToString());
        return DeadlineError(budget, attempt, last);
      }
      spdlog::warn("prometheus url={} attempt={} of={} error=\"{}\" retry_in_ms={}", url, attempt,
                   options_.max_attempts, last.ToString(), wait.count());
      clock_->SleepFor(wait);
    }
    return Status(last.code(),
                  fmt::format("{} (after {} attempt{})", last.message(), options_.max_attempts,
                              options_.max_attempts == 1 ? "" : "s"));
  }

  const PrometheusOptions options_;
  Clock* const clock_;
  const uint64_t seed_;
  detail::HttpTransport transport_;
  std::unique_ptr<detail::TokenFile> token_;
  std::atomic<bool> use_get_{false};  // set once a server refused POST
  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // guarded by rng_mu_
};

StatusOr<std::unique_ptr<PrometheusClient>> PrometheusClient::Create(PrometheusOptions options,
                                                                     Clock* clock) {
  VERDICT_RETURN_IF_ERROR(ValidateOptions(&options));
  if (!options.bearer_token_file.empty()) {
    detail::TokenFile probe(options.bearer_token_file);
    auto token = probe.Get();
    if (!token.ok()) return token.status().WithContext("prometheus options: bearer_token_file");
  }
  const uint64_t seed = options.jitter_seed
                            ? *options.jitter_seed
                            : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  spdlog::debug("prometheus client base_url={} jitter_seed={}", options.base_url, seed);
  if (clock == nullptr) clock = RealClock::Default();
  return std::unique_ptr<PrometheusClient>(
      new PrometheusClient(std::make_unique<Impl>(std::move(options), clock, seed)));
}

PrometheusClient::PrometheusClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrometheusClient::~PrometheusClient() = default;

StatusOr<QueryResult> PrometheusClient::QueryRange(std::string_view promql,
                                                   const StepGrid& grid) const {
  return impl_->Run(PromQuery::Range(std::string(promql), grid), impl_->Now());
}

StatusOr<QueryResult> PrometheusClient::QueryInstant(std::string_view promql,
                                                     int64_t time_unix) const {
  return impl_->Run(PromQuery::Instant(std::string(promql), time_unix), impl_->Now());
}

StatusOr<QueryResult> PrometheusClient::QueryRawSamples(std::string_view selector,
                                                        const StepGrid& grid,
                                                        int64_t lookback_seconds) const {
  return impl_->Run(PromQuery::RawSamples(std::string(selector), grid, lookback_seconds),
                    impl_->Now());
}

StatusOr<QueryResult> PrometheusClient::Run(const PromQuery& query) const {
  return impl_->Run(query, impl_->Now());
}

std::vector<StatusOr<QueryResult>> PrometheusClient::RunBatch(const std::vector<PromQuery>& queries,
                                                              size_t max_parallel) const {
  std::vector<std::optional<StatusOr<QueryResult>>> slots(queries.size());
  std::atomic<size_t> next{0};
  const Clock::TimePoint started = impl_->Now();
  auto worker = [&] {
    for (size_t i = next++; i < queries.size(); i = next++)
      slots[i].emplace(impl_->Run(queries[i], started));
  };
  const size_t threads = std::min(std::max<size_t>(1, max_parallel), queries.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();  // the calling thread works too
  for (std::thread& t : pool) t.join();
  std::vector<StatusOr<QueryResult>> out;
  out.reserve(queries.size());
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

const PrometheusOptions& PrometheusClient::options() const { return impl_->options(); }
uint64_t PrometheusClient::jitter_seed() const { return impl_->seed(); }

}  // namespace verdict::analyzer
