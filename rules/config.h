// The analysis configuration: typed, validated structs.
//
// A Config says which metrics to compare between the control (baseline) and
// the canary, how to query them (PromQL templates, see rules/render.h), and how
// to judge them. It is produced only by the factories in rules/parse.h,
// rules/presets.h and rules/kayenta_import.h, which validate every field and
// fill every default, so a Config in hand is always valid and complete: the
// judge never re-validates and never guesses a default.
//
// Defaults are documented next to each field; "kind default" means the value
// depends on the metric kind and is filled by the parser (see
// DefaultDirection, DefaultMargin, DefaultMinData below).
//
// Thread safety: plain values; safe to copy and share read-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace verdict::rules {

// How metrics are judged (DESIGN.md "Judging semantics").
enum class Mode {
  kSequential,  // "sequential" (default): anytime-valid e-processes / confidence sequences
  kFixed,       // "fixed": fixed-horizon tests (Fisher / z / Mann-Whitney), one look
  kKayenta,     // "kayenta": NetflixACAJudge-compatible classification and scoring
};

// What a metric's queries return, which decides the test.
enum class MetricKind {
  kRatio,      // "ratio": bad and total event counters per side (e.g. 5xx / all requests)
  kLatency,    // "latency": histogram `_bucket` counters with `le`, per side
  kSeries,     // "series": any gauge-like PromQL per side, compared with Mann-Whitney
  kThreshold,  // "threshold": canary only, absolute bounds (Flagger thresholdRange)
  kTraffic,    // "traffic": request counters per side; traffic-share (SRM) sanity check
};

// Which change of the canary relative to the control is a degradation.
enum class Direction {
  kIncrease,  // "increase": higher is worse (errors, latency, CPU)
  kDecrease,  // "decrease": lower is worse (throughput, success counts)
  kEither,    // "either": any change is worse
};

// The sequential test of a rate (ratio metrics, and the latency SLO share and
// quantile checks, which use the same machinery). docs/sequential.md.
enum class CountTest {
  kBetting,  // "betting" (default): the step-betting e-process (stats/count_betting.h),
             // valid when per-step rates vary more than Poisson noise (pods)
  kExact,    // "exact": the Poisson/binomial mixture e-process (stats/count_eprocess.h)
             // and, for latency quantiles, the bucket quantile test (stats/quantile_test.h)
};

// Unit of the `le` label of a latency histogram.
enum class LatencyUnit {
  kMilliseconds,  // "ms" (default; Istio's istio_request_duration_milliseconds)
  kSeconds,       // "s" (Prometheus client default *_seconds histograms)
};

// The practical margin: the degradation that is tolerated.
//   relative ("10%"): value = 0.10; the canary may be up to 10% worse than the
//     control (ratio kinds: rate ratio 1.10; latency: quantile ratio 1.10, or
//     the share above the SLO 1.10x; series: Hodges-Lehmann shift / control
//     median; traffic: observed / expected canary share off by up to 10%).
//   absolute (0.005): value in the metric's own units (ratio: rate difference,
//     e.g. 0.005 = half a percentage point; latency quantiles: milliseconds;
//     latency SLO share: share difference; series: query units).
// value >= 0 always (validated).
struct Margin {
  enum class Type { kRelative, kAbsolute };
  Type type = Type::kRelative;
  double value = 0.10;

  bool relative() const { return type == Type::kRelative; }
  // "10%" for relative margins, "0.005" for absolute ones (the schema syntax).
  std::string ToString() const;
};

// Options that only the Kayenta-compatible mode reads. They mirror Kayenta's
// analysisConfigurations.canary block (docs/configuration.md "Kayenta import").
enum class NanStrategy { kRemove, kReplace };    // "remove" (default) | "replace" (NaN -> 0)
enum class EffectMeasure { kMeanRatio, kCles };  // "meanRatio" (default) | "cles"
enum class OutlierStrategy { kKeep, kRemove };   // "keep" (default) | "remove" (IQR)

struct KayentaEffectSize {
  EffectMeasure measure = EffectMeasure::kMeanRatio;
  // Multipliers (meanRatio) or CLES probabilities (cles). Default 1.0 for
  // meanRatio and 0.5 for cles: the parser fills the default for the measure.
  double allowed_increase = 1.0;
  double allowed_decrease = 1.0;
  double critical_increase = 1.0;
  double critical_decrease = 1.0;
};

struct KayentaOptions {
  NanStrategy nan_strategy = NanStrategy::kRemove;
  bool must_have_data = false;  // nodata counts as a failure of the metric
  bool muted = false;           // classified and shown, but left out of the score
  KayentaEffectSize effect_size;
  OutlierStrategy outlier_strategy = OutlierStrategy::kKeep;
  double outlier_factor = 3.0;  // IQR factor, > 0
};

// One metric to compare. Query fields are PromQL templates (rules/render.h);
// only the ones of the metric's kind are set, the others stay empty/unset
// (validated: a field of another kind is an error).
//
// Data contract with metric sources: ratio (bad, total) and traffic (query)
// templates select raw COUNTER series (no rate()/increase()); the source
// computes non-overlapping per-step increments per series and sums them per
// side. A latency template selects `_bucket` counter series with an `le` label;
// the source sums increments per `le`. series/threshold templates may be any
// PromQL (rate(), avg(), ...) but must aggregate to ONE series per side; more
// than one returned series is a data error the source reports.
struct MetricSpec {
  std::string name;                      // required, unique, 1-128 printable characters
  std::string description;               // default ""
  MetricKind kind = MetricKind::kRatio;  // required

  // ratio: `bad` events out of `total` events, both rendered per side.
  std::string bad;
  std::string total;
  // latency: the bucket query; series: rendered per side (or control_query +
  // canary_query instead); threshold: rendered for the canary only;
  // traffic: the request counter, rendered per side.
  std::string query;
  // series only, both or neither: explicit per-side templates instead of `query`.
  std::string control_query;
  std::string canary_query;

  // latency: at least one of quantiles / slo_ms.
  std::vector<double> quantiles;  // each in (0, 1), ascending, unique; default none
  std::optional<double> slo_ms;   // > 0; compare the share of requests slower than this
  LatencyUnit unit = LatencyUnit::kMilliseconds;  // unit of the histogram's `le`

  // threshold: at least one of min / max; min <= max. The canary's values
  // must stay within [min, max].
  std::optional<double> min;
  std::optional<double> max;

  // traffic: the canary's expected share of requests, in percent (0, 100),
  // either a number or one user variable "{{ canary_weight }}" resolved at
  // render time. Neither set (default): the expected share is unknown and the
  // check only establishes that the canary receives traffic.
  std::optional<double> expected_weight;
  std::string expected_weight_variable;  // the variable's name, without braces

  Direction direction = Direction::kIncrease;  // kind default; unused by threshold
  Margin margin;                               // kind default; unused by threshold
  bool critical = false;  // default false: a fail (or error) of this metric fails the canary
  bool required = true;   // default true: the overall pass needs this metric to pass
  double weight = 1.0;    // default 1, >= 0: weight in the score (within its groups)
  std::vector<std::string> groups;  // default none; Kayenta-style score groups
  // Minimum data before the metric may decide (kind default, >= 0): events per
  // side (ratio, traffic), observations per side (latency), samples per side
  // (series), canary samples (threshold).
  int64_t min_data = 0;
  double alpha_share = 1.0;  // default 1, > 0: Bonferroni weight of this metric
  std::optional<Mode> mode;  // default: the config's mode
  KayentaOptions kayenta;    // read only in Kayenta mode
  // ratio and latency, sequential mode only: `test:`; default betting.
  std::optional<CountTest> count_test;

  // Filled by the parser, not read from the schema:
  Mode effective_mode = Mode::kSequential;  // mode.value_or(config.mode)
  // alpha * alpha_share / (sum of every metric's alpha_share): the error budget
  // of this metric; the budgets sum to Config::alpha (Bonferroni).
  double alpha = 0.05;
};

// Scoring thresholds on the 0-100 score (Kayenta style); below `marginal`
// the canary fails (DESIGN.md "The overall verdict"). In the native modes
// (sequential, fixed) the score is the weighted percentage of metrics that did
// NOT fail (pass, inconclusive, nodata and error all count; only a fail lowers
// it), as analyzer/verdict.cpp NativeScore computes it:
//   - no group_weights: 100 * sum(weight of metrics not failed) / sum(weight);
//   - with group_weights (Kayenta's WeightedSumScorer): each group scores the
//     weighted percentage of its metrics not failed; groups without a weight
//     (and the metrics without a group, as one more group) share
//     100 - sum(group_weights) equally; score = sum(group weight *
//     group score) / 100. A metric in several groups counts in each.
// In kayenta mode the score is Kayenta's: per group the percentage of Pass
// metrics among the classified ones (muted metrics left out); see
// docs/configuration.md "Kayenta mode".
struct Thresholds {
  double pass = 95.0;      // default 95
  double marginal = 75.0;  // default 75; 0 <= marginal <= pass <= 100
};

// Label matchers that tell the sides apart, as templates. In a query,
// `{{ selector }}` expands to the rendered `common` and the side's own
// matchers joined with ", " (empty parts are left out). Each is a
// comma-separated matcher list (no braces), e.g.
//   common:  reporter="destination", destination_service_name="{{ service }}"
//   control: destination_version="{{ control }}"
//   canary:  destination_version="{{ canary }}"
struct Selectors {
  std::string common;   // default ""
  std::string control;  // default ""
  std::string canary;   // default ""
};

struct Config {
  int version = 1;                // schema version; only 1 exists
  std::string name;               // default ""; presets set their own name
  std::string description;        // default ""
  Mode mode = Mode::kSequential;  // default sequential
  // Family-wise false-positive budget for the whole canary, in (0, 0.5];
  // default 0.05; split across metrics by alpha_share (MetricSpec::alpha).
  double alpha = 0.05;
  // Query resolution and the width of one per-step increment: default 30s;
  // 1s <= step <= 1h, whole seconds. Rendered as {{ step }}.
  std::chrono::milliseconds step{30000};
  // Range window for range-vector functions in series/threshold templates:
  // default 1m; 1s <= interval <= 24h, whole seconds. Rendered as {{ interval }}.
  std::chrono::milliseconds interval{60000};
  Thresholds thresholds;
  // Variables a template may use besides the built-ins, and default values
  // for the settable built-ins (namespace, service, target, control, canary).
  // nullopt = no default: a template using it needs a run-time value.
  std::map<std::string, std::optional<std::string>> variables;
  Selectors selectors;
  // Kayenta-style group weights (percent, >= 0, summing to <= 100); groups of
  // metrics without a weight share what is left equally. Default none.
  std::map<std::string, double> group_weights;
  std::vector<MetricSpec> metrics;  // at least one
  // Remarks that are not errors (e.g. Kayenta fields that were ignored).
  std::vector<std::string> notes;

  // The metric with this name, or nullptr.
  const MetricSpec* FindMetric(std::string_view name) const;
};

// Schema names ("sequential", "ratio", "increase", "ms", "remove", ...).
const char* ModeName(Mode mode);
const char* CountTestName(CountTest test);
const char* MetricKindName(MetricKind kind);
const char* DirectionName(Direction direction);
const char* LatencyUnitName(LatencyUnit unit);
const char* NanStrategyName(NanStrategy s);
const char* EffectMeasureName(EffectMeasure m);
const char* OutlierStrategyName(OutlierStrategy s);

// Inverse of the *Name functions; nullopt for an unknown name (exact match).
std::optional<Mode> ParseMode(std::string_view name);
std::optional<CountTest> ParseCountTest(std::string_view name);
std::optional<MetricKind> ParseMetricKind(std::string_view name);
std::optional<Direction> ParseDirection(std::string_view name);
std::optional<LatencyUnit> ParseLatencyUnit(std::string_view name);
std::optional<NanStrategy> ParseNanStrategy(std::string_view name);
std::optional<EffectMeasure> ParseEffectMeasure(std::string_view name);
std::optional<OutlierStrategy> ParseOutlierStrategy(std::string_view name);

// Kind defaults filled by the parser when the field is absent.
//   direction: increase for ratio/latency/series, either for traffic
//   margin:    10% for ratio/latency/series, 20% for traffic
//   min_data:  100 events (ratio, traffic), 100 observations (latency),
//              10 samples (series), 1 sample (threshold)
Direction DefaultDirection(MetricKind kind);
Margin DefaultMargin(MetricKind kind);
int64_t DefaultMinData(MetricKind kind);

// The SLO bound in the histogram's `le` units (slo_ms / 1000 for seconds).
// Precondition: spec.slo_ms is set.
double SloInLeUnits(const MetricSpec& spec);

}  // namespace verdict::rules
