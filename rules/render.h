// Template variables and the rendering of a metric's templates into the final
// PromQL for each side.
//
// Variables a template may use (docs/configuration.md "Template variables"):
//   settable built-ins  namespace, service, target, control, canary
//                       (value: config default, overridden at run time)
//   config built-ins    step, interval (from Config::step / Config::interval;
//                       not settable at run time)
//   per-side built-ins  version  - this side's version: the value of control
//                                  or canary
//                       side     - "control" or "canary"
//                       selector - this side's rendered Selectors (common +
//                                  side), for use OUTSIDE quotes: up{{{ selector }}}
//   user variables      declared in Config::variables (with or without default)
// Values from run time (CLI --var, HTTP requests) are only ever values: their
// names must be settable (a settable built-in or a declared user variable)
// and they are inserted only through the escaping of rules/template.h, so a
// request can never inject PromQL.
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/config.h"
#include "rules/template.h"
#include "stats/status.h"

namespace verdict::rules {

// Variable name -> value.
using Variables = std::map<std::string, std::string>;

enum class Side { kControl, kCanary };
const char* SideName(Side side);  // "control" | "canary"

// Built-ins that a config default or a run-time value may set.
bool IsSettableBuiltin(std::string_view name);
// Built-ins computed by Verdict (step, interval, version, side, selector):
// they cannot be declared in Config::variables nor set at run time.
bool IsComputedBuiltin(std::string_view name);

// Longest run-time value accepted, in bytes.
inline constexpr size_t kMaxVariableValueBytes = 1024;

// Parses "KEY=VALUE" (the value may be empty or contain '='). kInvalidArgument:
//   `--var "foo": expected KEY=VALUE`, `bad variable name "1x" (expected [a-zA-Z_][a-zA-Z0-9_]*)`.
StatusOr<std::pair<std::string, std::string>> ParseVariableAssignment(std::string_view text);

// Checks run-time values and merges them over the config's defaults. Returns
// every variable that has a value (defaults and overrides). kInvalidArgument
// naming the variable: a bad name; an unknown name (`unknown variable "tagret"
// (settable: canary, control, namespace, service, target, ...)`); a computed
// built-in (`variable "step" is set by the config's step field`); a value
// longer than kMaxVariableValueBytes or containing a NUL byte.
StatusOr<Variables> ResolveVariables(const Config& config, const Variables& runtime);

// Final PromQL for both sides. A side that a kind does not query is "".
struct SideQueries {
  std::string control;
  std::string canary;
};

// One metric's templates rendered with resolved variables.
struct RenderedMetric {
  std::string name;
  MetricKind kind = MetricKind::kRatio;
  SideQueries bad;    // ratio
  SideQueries total;  // ratio
  // latency, series, traffic: both sides; threshold: canary only.
  SideQueries query;
  // traffic: the canary's expected share in percent (0, 100), if known.
  std::optional<double> expected_weight;
  // Only with MissingValue::kVerbatim: variables left as "{{ name }}" because
  // they had no value, sorted, unique.
  std::vector<std::string> unset_variables;

  // The queries that are set, labelled by role: ("bad", ...), ("total", ...)
  // for ratio, ("query", ...) otherwise.
  std::vector<std::pair<std::string, SideQueries>> Queries() const;
};

// Renders `metric` (which must belong to `config`) with `runtime` values over
// the config's defaults. Errors (kInvalidArgument) name the template's path:
//   "metrics[0].bad: variable {{ namespace }} has no value (set it with a
//    run-time variable or a default under variables)"
//   "metrics[3].expected_weight: variable {{ canary_weight }} = \"x\" is not a
//    percentage in (0, 100)"
// plus every ResolveVariables error. With MissingValue::kVerbatim, variables
// without a value are left as "{{ name }}" and listed in unset_variables
// (for previews only: never send such a query).
StatusOr<RenderedMetric> Render(const Config& config, const MetricSpec& metric,
                                const Variables& runtime,
                                MissingValue missing = MissingValue::kError);

// Render for every metric, in config order.
StatusOr<std::vector<RenderedMetric>> RenderAll(const Config& config, const Variables& runtime,
                                                MissingValue missing = MissingValue::kError);

// How a template is used, which decides what it may contain.
enum class TemplateUse {
  kSelector,  // Selectors::common/control/canary: a matcher list, no {{ selector }}
  kPerSide,   // rendered once per side: must tell the sides apart
  kOneSide,   // rendered for one side only (threshold query, series control/canary_query)
};

// Checks a template against the config's variables (used by the parser; the
// config's variables and selectors must already be parsed). kInvalidArgument
// without a path, e.g. "unknown variable {{ tagret }} (did you mean
// {{ target }}?)", "variable {{ namespace }} must be inside a quoted string
// (\"...\"), where its value is escaped", "the template does not tell the
// sides apart (use {{ selector }} or {{ version }})".
Status ValidateTemplate(const Config& config, std::string_view text, TemplateUse use);

}  // namespace verdict::rules
