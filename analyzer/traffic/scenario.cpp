#include "analyzer/traffic/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "analyzer/traffic/random.h"

namespace verdict::traffic {
namespace {

using analyzer::FormatLabels;
using analyzer::Labels;
using analyzer::Series;
using analyzer::StepGrid;

constexpr const char* kRequests = "istio_requests_total";
constexpr const char* kBuckets = "istio_request_duration_milliseconds_bucket";
constexpr const char* kGauge = "scenario_inflight_requests";

struct Pod {
  std::string name, workload, namespace_, service, version;
  int64_t start_unix = 0;
  int64_t restart_after_unix = 0;  // 0: never
  double error_rate = 0, latency_factor = 1, traffic_factor = 1;
  bool judged = false;  // the service in its namespace: counted in the truth
};

struct CodeState {
  double requests = 0;
  std::vector<double> buckets;  // cumulative
};

Labels BaseLabels(const Pod& pod, const std::string& reporter, const std::string& code) {
  return {{"reporter", reporter},
          {"destination_workload", pod.workload},
          {"destination_workload_namespace", pod.namespace_},
          {"destination_service_name", pod.service},
          {"destination_version", pod.version},
          {"response_code", code},
          {"source_workload", "frontend"},
          {"pod", pod.name}};
}

std::string FormatLe(double b) { return std::isinf(b) ? "+Inf" : fmt::format("{}", b); }

Status CheckSpec(const ScenarioSpec& s) {
  auto bad = [](const std::string& field, const std::string& why) {
    return InvalidArgumentError("scenario " + field + ": " + why);
  };
  if (s.step_seconds <= 0) return bad("step_seconds", "must be > 0");
  if (s.scrape_seconds <= 0 || s.step_seconds % s.scrape_seconds != 0) {
    return bad("scrape_seconds", "must be > 0 and divide step_seconds");
  }
  if (s.window_seconds <= 0 || s.window_seconds % s.step_seconds != 0) {
    return bad("window_seconds", "must be a positive whole number of steps");
  }
  if (s.end_unix % s.step_seconds != 0) return bad("end_unix", "must be a multiple of the step");
  if (s.warmup_seconds < 0) return bad("warmup_seconds", "must be >= 0");
  if (s.namespace_name.empty() || s.service.empty()) {
    return bad("namespace_name/service", "must not be empty");
  }
  if (s.upper_bounds.empty()) return bad("upper_bounds", "must not be empty");
  for (size_t b = 1; b < s.upper_bounds.size(); ++b) {
    if (!(s.upper_bounds[b] > s.upper_bounds[b - 1])) {
      return bad("upper_bounds", "must be strictly increasing");
    }
  }
  if (s.v1_pods < 0 || s.v2_pods < 0) return bad("v1_pods/v2_pods", "must be >= 0");
  for (double r : {s.v1_error_rate, s.v2_error_rate, s.client_error_rate}) {
    if (!(r >= 0 && r <= 1)) return bad("error rates", "must be in [0, 1]");
  }
  if (std::max(s.v1_error_rate, s.v2_error_rate) + s.client_error_rate > 1) {
    return bad("client_error_rate", "plus a 5xx rate exceeds 1");
  }
  VERDICT_RETURN_IF_ERROR(ValidateLatencyModel(s.latency, "scenario latency."));
  if (!(s.v2_latency_factor > 0) || std::isinf(s.v2_latency_factor)) {
    return bad("v2_latency_factor", "must be a finite number > 0");
  }
  if (s.min_requests < 0 || s.max_requests < s.min_requests) {
    return bad("min_requests/max_requests", "need 0 <= min <= max");
  }
  if (!(s.v2_traffic_factor >= 0) || std::isinf(s.v2_traffic_factor)) {
    return bad("v2_traffic_factor", "must be a finite number >= 0");
  }
  return Status::Ok();
}

class Generator {
 public:
  explicit Generator(const ScenarioSpec& spec) : spec_(spec), rng_(spec.seed) {}

  StatusOr<Scenario> Run() {
    Scenario sc;
    sc.spec = spec_;
    const int64_t step = spec_.step_seconds;
    sc.grid = StepGrid{spec_.end_unix - spec_.window_seconds, step,
                       static_cast<size_t>(spec_.window_seconds / step)};
    sc.restart_after_unix = spec_.v2_restart && spec_.v2_pods >= 2 && sc.grid.steps > 12
                                ? sc.grid.start_unix + 12 * step
                                : 0;
    sc.join_unix = spec_.v2_join && sc.grid.steps > 15 ? sc.grid.start_unix + 15 * step + 5 : 0;
    const size_t nb = spec_.upper_bounds.size();
    for (const char* v : {"v1", "v2"}) {
      SideTruth& t = sc.truth[v];
      t.total.assign(sc.grid.steps, 0);
      t.bad.assign(sc.grid.steps, 0);
      t.buckets.assign(sc.grid.steps, std::vector<double>(nb, 0));
      sc.gauge[v].assign(sc.grid.steps, 0);
    }
    const std::vector<Pod> pods = MakePods(sc);
    for (const Pod& pod : pods) {
      if (!pod.judged) continue;
      sc.pod_truth[pod.name].total.assign(sc.grid.steps, 0);
      sc.pod_truth[pod.name].bad.assign(sc.grid.steps, 0);
    }
    std::vector<std::map<std::string, CodeState>> state(pods.size());
    const int64_t warm = sc.grid.start_unix - spec_.warmup_seconds;
    for (int64_t t = warm + spec_.scrape_seconds; t <= spec_.end_unix; t += spec_.scrape_seconds) {
      const long s = StepOf(sc.grid, t);
      std::map<std::string, double> inflight;
      for (size_t p = 0; p < pods.size(); ++p) {
        const Pod& pod = pods[p];
        if (pod.start_unix >= t) continue;
        if (pod.restart_after_unix != 0 && t - spec_.scrape_seconds == pod.restart_after_unix) {
          state[p].clear();  // the process restarted: counters start again from 0
        }
        const double n = Scrape(pod, &state[p], s, pod.judged ? &sc.truth[pod.version] : nullptr,
                                pod.judged ? &sc.pod_truth[pod.name] : nullptr);
        if (pod.judged) inflight[pod.version] += n;
        Emit(pod, state[p], t, &sc);
      }
      for (const char* v : {"v1", "v2"}) {
        Append(&sc,
               {{"__name__", kGauge},
                {"destination_version", v},
                {"destination_workload_namespace", spec_.namespace_name}},
               "", t, inflight[v]);
        if (s >= 0 && t == sc.grid.End(static_cast<size_t>(s))) {
          sc.gauge[v][static_cast<size_t>(s)] = inflight[v];
        }
      }
    }
    if (spec_.require_visible_reset) VERDICT_RETURN_IF_ERROR(CheckResetsAreVisible(sc, pods));
    return sc;
  }

 private:
  static long StepOf(const StepGrid& g, int64_t t) {
    if (t <= g.start_unix || t > g.end_unix()) return -1;
    return static_cast<long>((t - g.start_unix - 1) / g.step_seconds);
  }

  std::vector<Pod> MakePods(const Scenario& sc) const {
    const int64_t warm = sc.grid.start_unix - spec_.warmup_seconds;
    std::vector<Pod> pods;
    auto add = [&](std::string name, std::string workload, std::string service, std::string ns,
                   std::string version, double err, double latency_factor, bool judged) {
      Pod p;
      p.name = std::move(name);
      p.workload = std::move(workload);
      p.service = std::move(service);
      p.namespace_ = std::move(ns);
      p.version = std::move(version);
      p.start_unix = warm;
      p.error_rate = err;
      p.latency_factor = latency_factor;
      p.traffic_factor = judged && p.version == "v2" ? spec_.v2_traffic_factor : 1.0;
      p.judged = judged;
      pods.push_back(p);
    };
    const ScenarioSpec& s = sc.spec;
    for (int i = 0; i < s.v1_pods; ++i) {
      add(fmt::format("{}-{}", s.v1_workload, i), s.v1_workload, s.service, s.namespace_name, "v1",
          s.v1_error_rate, 1.0, true);
    }
    for (int i = 0; i < s.v2_pods; ++i) {
      add(fmt::format("{}-{}", s.v2_workload, i), s.v2_workload, s.service, s.namespace_name, "v2",
          s.v2_error_rate, s.v2_latency_factor, true);
    }
    if (sc.restart_after_unix != 0) pods.back().restart_after_unix = sc.restart_after_unix;
    if (sc.join_unix != 0) {
      add(s.v2_workload + "-join", s.v2_workload, s.service, s.namespace_name, "v2",
          s.v2_error_rate, s.v2_latency_factor, true);
      pods.back().start_unix = sc.join_unix;
    }
    if (s.distractors) {
      // Another service in the namespace, and the service in another namespace
      // (named after this one, so scenarios in different namespaces can share
      // an engine without colliding).
      const std::string other = s.service == "web" ? "web2" : "web";
      const std::string other_ns = s.namespace_name + "-staging";
      // Latency factors 8 and 18: medians of 400 ms and 900 ms at the default model.
      add(other + "-v1-0", other + "-v1", other, s.namespace_name, "v1", 0.2, 8, false);
      add(other + "-v2-0", other + "-v2", other, s.namespace_name, "v2", 0.2, 8, false);
      add(s.v2_workload + "-staging", s.v2_workload, s.service, other_ns, "v2", 0.5, 18, false);
    }
    return pods;
  }

  int RequestCount(const Pod& pod) {
    const int n = static_cast<int>(rng_.UniformInt(spec_.min_requests, spec_.max_requests));
    if (pod.traffic_factor == 1.0) return n;
    // Stochastic rounding keeps the expected load exact at small factors.
    const double x = n * pod.traffic_factor;
    const double whole = std::floor(x);
    return static_cast<int>(whole) + (x > whole && rng_.Uniform() < x - whole ? 1 : 0);
  }

  // One scrape interval of traffic for `pod`; returns the number of requests.
  // Per request, in this order: one uniform for the response code, then the
  // latency from the shared model (SampleLatencyMs).
  double Scrape(const Pod& pod, std::map<std::string, CodeState>* state, long step,
                SideTruth* truth, SideTruth* pod_truth) {
    const int n = RequestCount(pod);
    const std::vector<double>& bounds = spec_.upper_bounds;
    for (int r = 0; r < n; ++r) {
      const double u = rng_.Uniform();
      const std::string code = u < pod.error_rate                             ? "503"
                               : u < pod.error_rate + spec_.client_error_rate ? "404"
                                                                              : "200";
      const double ms = SampleLatencyMs(spec_.latency, pod.latency_factor, rng_);
      // The first bound at or above the latency: it and every later one count it.
      const size_t first =
          static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), ms) - bounds.begin());
      CodeState& cs = (*state)[code];
      cs.buckets.resize(bounds.size(), 0);
      cs.requests += 1;
      for (size_t b = first; b < bounds.size(); ++b) cs.buckets[b] += 1;
      if (truth != nullptr && step >= 0) {
        const size_t s = static_cast<size_t>(step);
        truth->total[s] += 1;
        if (code[0] == '5') truth->bad[s] += 1;
        for (size_t b = first; b < bounds.size(); ++b) truth->buckets[s][b] += 1;
        pod_truth->total[s] += 1;
        if (code[0] == '5') pod_truth->bad[s] += 1;
      }
    }
    return n;
  }

  void Emit(const Pod& pod, const std::map<std::string, CodeState>& state, int64_t t,
            Scenario* sc) {
    const std::string judged = pod.judged ? pod.version : "";
    for (const auto& [code, cs] : state) {
      Labels l = BaseLabels(pod, "destination", code);
      l["__name__"] = kRequests;
      Append(sc, l, judged, t, cs.requests);
      if (spec_.distractors) {
        Labels src = BaseLabels(pod, "source", code);
        src["__name__"] = kRequests;
        Append(sc, src, "", t, cs.requests);
      }
      Labels b = BaseLabels(pod, "destination", code);
      b["__name__"] = kBuckets;
      for (size_t k = 0; k < spec_.upper_bounds.size(); ++k) {
        b["le"] = FormatLe(spec_.upper_bounds[k]);
        Append(sc, b, judged, t, cs.buckets[k]);
      }
    }
  }

  void Append(Scenario* sc, const Labels& labels, const std::string& version, int64_t t,
              double value) {
    auto [it, inserted] = index_.emplace(labels, sc->series.size());
    if (inserted) {
      sc->series.push_back(Series{labels, {}});
      sc->series_version.push_back(version);
      sc->created_unix.push_back(t);
    }
    sc->series[it->second].samples.push_back({t * 1000, value});
  }

  // The restarted pod's counters must visibly drop at both resolutions.
  Status CheckResetsAreVisible(const Scenario& sc, const std::vector<Pod>& pods) const {
    for (const Pod& pod : pods) {
      if (pod.restart_after_unix == 0) continue;
      for (const Series& s : sc.series) {
        if (s.labels.count("pod") == 0 || s.labels.at("pod") != pod.name ||
            s.labels.at("__name__") != kRequests) {
          continue;
        }
        double before = -1;
        for (const auto& x : s.samples) {
          if (x.t_ms <= pod.restart_after_unix * 1000) before = x.value;
        }
        for (int64_t res : {spec_.scrape_seconds, spec_.step_seconds}) {
          for (const auto& x : s.samples) {
            if (x.t_ms <= pod.restart_after_unix * 1000) continue;
            const int64_t seen_at = (x.t_ms / 1000 + res - 1) / res * res;
            double value_there = x.value;
            for (const auto& y : s.samples) {
              if (y.t_ms <= seen_at * 1000) value_there = y.value;
            }
            if (before >= 0 && !(value_there < before)) {
              return FailedPreconditionError(
                  fmt::format("scenario seed {} hides the counter reset of {}; choose another seed",
                              spec_.seed, FormatLabels(s.labels)));
            }
            break;
          }
        }
      }
    }
    return Status::Ok();
  }

  const ScenarioSpec spec_;
  SimRng rng_;
  std::map<Labels, size_t> index_;
};

}  // namespace

StatusOr<Scenario> GenerateScenario(const ScenarioSpec& spec) {
  ScenarioSpec s = spec;
  if (s.v1_workload.empty()) s.v1_workload = s.service + "-v1";
  if (s.v2_workload.empty()) s.v2_workload = s.service + "-v2";
  if (!s.upper_bounds.empty() && !std::isinf(s.upper_bounds.back())) {
    s.upper_bounds.push_back(std::numeric_limits<double>::infinity());
  }
  VERDICT_RETURN_IF_ERROR(CheckSpec(s));
  return Generator(s).Run();
}

Status SetRequestsPerSecondPerPod(double rps, ScenarioSpec* spec) {
  if (!(rps >= kMinRpsPerPod && rps <= kMaxRpsPerPod)) {
    return InvalidArgumentError(
        fmt::format("requests per second per pod must be between {} and "
                    "{}, got {}",
                    kMinRpsPerPod, kMaxRpsPerPod, rps));
  }
  if (spec->scrape_seconds <= 0) {
    return InvalidArgumentError("scenario scrape_seconds: must be > 0");
  }
  const double mean = rps * static_cast<double>(spec->scrape_seconds);
  spec->min_requests = static_cast<int>(std::lround(mean * 2 / 3));
  spec->max_requests = static_cast<int>(std::lround(mean * 4 / 3));
  return Status::Ok();
}

int64_t ScenarioEndBefore(int64_t now_unix) { return now_unix / 3600 * 3600 - 3 * 3600; }

SideTruth Scenario::FirstSampleShare(const std::string& version, int64_t res) const {
  SideTruth share;
  share.total.assign(grid.steps, 0);
  share.bad.assign(grid.steps, 0);
  share.buckets.assign(grid.steps, std::vector<double>(spec.upper_bounds.size(), 0));
  for (size_t i = 0; i < series.size(); ++i) {
    if (series_version[i] != version) continue;
    const Series& s = series[i];
    const Labels& l = s.labels;
    const int64_t created = created_unix[i];
    if (created <= grid.start_unix || created > grid.end_unix()) continue;
    const int64_t seen_at = (created + res - 1) / res * res;
    if (seen_at > grid.end_unix()) continue;
    double value = 0;
    for (const auto& x : s.samples) {
      if (x.t_ms <= seen_at * 1000) value = x.value;
    }
    const size_t step = static_cast<size_t>((seen_at - grid.start_unix - 1) / grid.step_seconds);
    if (l.at("__name__") == kRequests) {
      share.total[step] += value;
      if (l.at("response_code")[0] == '5') share.bad[step] += value;
    } else {
      for (size_t b = 0; b < spec.upper_bounds.size(); ++b) {
        if (FormatLe(spec.upper_bounds[b]) == l.at("le")) share.buckets[step][b] += value;
      }
    }
  }
  return share;
}

size_t Scenario::SampleCount() const {
  size_t n = 0;
  for (const Series& s : series) n += s.samples.size();
  return n;
}

}  // namespace verdict::traffic
