// A replay of Argo Rollouts v1.9's AnalysisRun controller for one metric,
// with its `web` and `kayenta` providers, against `verdict serve`, for the
// end-to-end tests. Facts read from Argo's source:
//
// The AnalysisRun (analysis/analysis.go): a measurement at the start, then
// one `interval` after the previous one finished. Each completed measurement
// counts: Successful (count, consecutiveSuccess++), Failed or Inconclusive
// (count, consecutiveSuccess = 0), Error (consecutiveError++, not counted).
// After each, in this order (later ones override): failed > failureLimit
// (default 0; -1 disables) -> Failed; inconclusive > inconclusiveLimit
// (default 0) -> Inconclusive; consecutiveError > consecutiveErrorLimit
// (default 4) -> Error. Else consecutiveSuccess >= consecutiveSuccessLimit
// (when > 0) -> Successful. Else count reached: with both failureLimit >= 0
// and consecutiveSuccessLimit > 0 -> Inconclusive, with only the latter ->
// Failed, else Successful. Else the metric keeps running.
//
// The web provider (metricproviders/webmetric, utils/evaluate): GET the URL;
// a non-2xx status or a body that is not JSON (with the conditions below) is
// an Error measurement; the JSON body is `result` (no jsonPath); both
// conditions given: failure true -> Failed, success true -> Successful,
// neither -> Inconclusive. Conditions supported here (re-implemented
// minimally): `result.<field>[.<field>...] == "<text>"`; anything else fails
// the test.
//
// The kayenta provider (metricproviders/kayenta): GET
// {address}/canaryConfig?application=A&configurationAccountName=S (S is the
// storage account, as Argo sends it), status 200, the entry whose `name` is
// canaryConfigName gives the id (none: Error); POST
// {address}/canary/{id}?application=&metricsAccountName=&configurationAccountName=&storageAccountName=
// with {"scopes":{NAME:{"controlScope":{scope,location,step,start,end},
// "experimentScope":{...}}},"thresholds":{pass,marginal}}, status 200,
// `canaryExecutionId`; start = now - interval (lookback false), end = now,
// RFC 3339. Then GET {address}/canary/{id} (status 200) until `complete` is
// true (a missing `complete` is an Error), then int(result.judgeResult.score.score)
// (missing: Error): >= pass Successful, >= marginal Inconclusive, else
// Failed. Argo resumes after 15 s; the replay polls every `resume_delay`.
//
// Waiting: between measurements and polls the replay waits until a
// steady-clock deadline on a condition variable (Stop() ends it). It stands
// for Argo's interval and resume delay, not for a condition.
//
// Thread safety: Run() on one thread at a time; Stop() from any.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace verdict::integration {

enum class ArgoPhase { kRunning, kSuccessful, kFailed, kInconclusive, kError };
const char* ArgoPhaseName(ArgoPhase phase);

// The assessment knobs of one AnalysisTemplate metric.
struct ArgoMetric {
  int count = 1;
  std::chrono::milliseconds interval{1000};
  int failure_limit = 0;
  int inconclusive_limit = 0;
  int consecutive_error_limit = 4;
  int consecutive_success_limit = 0;  // 0: not set
};

struct ArgoMeasurement {
  ArgoPhase phase = ArgoPhase::kError;
  std::string value;    // the measurement value Argo stores (web: the body; kayenta: the score)
  std::string message;  // why an Error
};

struct ArgoRunResult {
  ArgoPhase phase = ArgoPhase::kRunning;  // kRunning: stopped before deciding
  std::vector<ArgoMeasurement> measurements;
  std::string FormatLog() const;  // one line per measurement
};

// Argo's assessment after a completed measurement (see above); exposed for
// its own test.
struct ArgoCounts {
  int count = 0, successful = 0, failed = 0, inconclusive = 0, error = 0;
  int consecutive_error = 0, consecutive_success = 0;
  void Add(ArgoPhase phase);
};
ArgoPhase AssessMetric(const ArgoMetric& metric, const ArgoCounts& counts);
// "" when valid, else Argo's ValidateMetric message (the count checks).
std::string ValidateMetric(const ArgoMetric& metric);

// Argo's evaluation of successCondition / failureCondition on a JSON body.
// `error` gets a message for an unsupported expression or a non-JSON body.
ArgoPhase EvaluateConditions(const std::string& body, const std::string& success_condition,
                             const std::string& failure_condition, std::string* error);

struct ArgoKayentaMetric {
  std::string application = "api";
  std::string canary_config_name;
  std::string metrics_account = "prometheus";
  std::string configuration_account = "verdict";
  std::string storage_account = "verdict";
  std::string scope_name = "default";
  std::string control_scope, experiment_scope, region;
  int64_t step = 1;
  int pass = 90, marginal = 75;
  std::chrono::milliseconds resume_delay{100};  // Argo: 15 s
};

class ArgoReplay {
 public:
  // Calls http://127.0.0.1:<port>.
  explicit ArgoReplay(int port) : port_(port) {}
  ArgoReplay(const ArgoReplay&) = delete;
  ArgoReplay& operator=(const ArgoReplay&) = delete;

  // One AnalysisRun of a web metric: GET `path_and_query`.
  ArgoRunResult RunWeb(const ArgoMetric& metric, const std::string& path_and_query,
                       const std::string& success_condition, const std::string& failure_condition);
  // One AnalysisRun of a kayenta metric.
  ArgoRunResult RunKayenta(const ArgoMetric& metric, const ArgoKayentaMetric& kayenta);
  void Stop();

 private:
  ArgoRunResult RunAnalysis(const ArgoMetric& metric,
                            const std::function<ArgoMeasurement()>& measure);
  ArgoMeasurement MeasureKayenta(const ArgoMetric& metric, const ArgoKayentaMetric& kayenta);
  bool WaitUntil(std::chrono::steady_clock::time_point deadline);  // false: stopped

  const int port_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;  // guarded by mu_
};

}  // namespace verdict::integration
