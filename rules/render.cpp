#include "rules/render.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <set>

#include "rules/duration.h"

namespace verdict::rules {
namespace {

constexpr std::array<std::string_view, 5> kSettable = {"namespace", "service", "target", "control",
                                                       "canary"};
constexpr std::array<std::string_view, 5> kComputed = {"step", "interval", "version", "side",
                                                       "selector"};

bool IsKnownVariable(const Config& config, std::string_view name) {
  return IsSettableBuiltin(name) || IsComputedBuiltin(name) ||
         config.variables.count(std::string(name)) > 0;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> KnownNames(const Config& config) {
  std::vector<std::string> names(kSettable.begin(), kSettable.end());
  names.insert(names.end(), kComputed.begin(), kComputed.end());
  for (const auto& [name, value] : config.variables) names.push_back(name);
  return names;
}

std::string UnknownVariableMessage(const Config& config, const std::string& name) {
  std::string best;
  size_t best_distance = 3;  // suggest only close names (distance <= 2)
  for (const std::string& known : KnownNames(config)) {
    const size_t d = EditDistance(name, known);
    if (d < best_distance) {
      best_distance = d;
      best = known;
    }
  }
  std::string msg = "unknown variable {{ " + name + " }}";
  if (!best.empty()) msg += " (did you mean {{ " + best + " }}?)";
  return msg;
}

// Selectors are matcher lists: nothing structural may appear outside strings.
Status CheckMatcherList(std::string_view text) {
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (std::string_view("{}()[]#").find(c) != std::string_view::npos) {
      return InvalidArgumentError(std::string("a selector is a list of label matchers; '") + c +
                                  "' is not allowed outside quotes");
    }
  }
  return Status::Ok();
}

std::string MetricPath(const Config& config, const MetricSpec& metric) {
  for (size_t i = 0; i < config.metrics.size(); ++i) {
    if (&config.metrics[i] == &metric || config.metrics[i].name == metric.name) {
      return "metrics[" + std::to_string(i) + "]";
    }
  }
  return "metric \"" + metric.name + "\"";
}

// Renders templates for one side, remembering unset variables.
class SideRenderer {
 public:
  SideRenderer(const Config& config, const Variables& vars, Side side, MissingValue missing,
               std::set<std::string>* unset)
      : config_(config), vars_(vars), side_(side), missing_(missing), unset_(unset) {}

  // Renders Selectors into the value of {{ selector }}.
  Status Init() {
    const std::string& own =
        side_ == Side::kControl ? config_.selectors.control : config_.selectors.canary;
    const std::vector<std::pair<std::string, const std::string*>> sources = {
        {"selectors.common", &config_.selectors.common},
        {std::string("selectors.") + SideName(side_), &own}};
    std::vector<std::string> parts;
    for (const auto& [path, text] : sources) {
      if (text->empty()) continue;
      StatusOr<std::string> r = Do(path, *text);
      if (!r.ok()) return r.status();
      if (!r->empty()) parts.push_back(*r);
    }
    for (size_t i = 0; i < parts.size(); ++i) selector_ += (i ? ", " : "") + parts[i];
    return Status::Ok();
  }

  StatusOr<std::string> Do(const std::string& path, const std::string& text) const {
    StatusOr<ParsedTemplate> parsed = ParseTemplate(text);
    if (!parsed.ok()) return parsed.status().WithContext(path);
    StatusOr<std::string> out = RenderTemplate(
        *parsed, [this](const std::string& name) { return Lookup(name); }, missing_);
    if (!out.ok()) {
      std::string hint = "set it with a run-time variable or a default under variables";
      if (out.status().message() == "variable {{ version }} has no value") {
        hint = std::string("{{ version }} is this side's value of {{ ") + SideName(side_) +
               " }}; " + hint;
      }
      return InvalidArgumentError(path + ": " + out.status().message() + " (" + hint + ")");
    }
    return out;
  }

 private:
  std::optional<std::string> Lookup(const std::string& name) const {
    std::optional<std::string> v;
    if (name == "step") {
      v = FormatDuration(config_.step);
    } else if (name == "interval") {
      v = FormatDuration(config_.interval);
    } else if (name == "side") {
      v = SideName(side_);
    } else if (name == "selector") {
      v = selector_;
    } else {
      const std::string key = name == "version" ? SideName(side_) : name;
      auto it = vars_.find(key);
      if (it != vars_.end()) v = it->second;
    }
    if (!v && unset_ != nullptr) unset_->insert(name == "version" ? SideName(side_) : name);
    return v;
  }

  const Config& config_;
  const Variables& vars_;
  Side side_;
  MissingValue missing_;
  std::set<std::string>* unset_;
  std::string selector_;
};

StatusOr<std::optional<double>> ResolveExpectedWeight(const MetricSpec& m, const Variables& vars,
                                                      const std::string& path) {
  if (m.expected_weight) return std::optional<double>(*m.expected_weight);
  if (m.expected_weight_variable.empty()) return std::optional<double>();
  auto it = vars.find(m.expected_weight_variable);
  if (it == vars.end() || it->second.empty()) return std::optional<double>();
  std::string text = it->second;
  if (!text.empty() && text.back() == '%') text.pop_back();
  char* end = nullptr;
  const double w = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(w > 0.0 && w < 100.0)) {
    return InvalidArgumentError(path + ".expected_weight: variable {{ " +
                                m.expected_weight_variable + " }} = \"" + it->second +
                                "\" is not a percentage in (0, 100)");
  }
  return std::optional<double>(w);
}

}  // namespace

const char* SideName(Side side) { return side == Side::kControl ? "control" : "canary"; }

bool IsSettableBuiltin(std::string_view name) {
  return std::find(kSettable.begin(), kSettable.end(), name) != kSettable.end();
}

bool IsComputedBuiltin(std::string_view name) {
  return std::find(kComputed.begin(), kComputed.end(), name) != kComputed.end();
}

StatusOr<std::pair<std::string, std::string>> ParseVariableAssignment(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return InvalidArgumentError("--var \"" + std::string(text) + "\": expected KEY=VALUE");
  }
  std::string name(text.substr(0, eq));
  if (!IsValidVariableName(name)) {
    return InvalidArgumentError("bad variable name \"" + name +
                                "\" (expected [a-zA-Z_][a-zA-Z0-9_]*)");
  }
  return std::make_pair(std::move(name), std::string(text.substr(eq + 1)));
}

StatusOr<Variables> ResolveVariables(const Config& config, const Variables& runtime) {
  Variables out;
  for (const auto& [name, value] : config.variables) {
    if (value.has_value()) out[name] = *value;
  }
  for (const auto& [name, value] : runtime) {
    if (!IsValidVariableName(name)) {
      return InvalidArgumentError("bad variable name \"" + name +
                                  "\" (expected [a-zA-Z_][a-zA-Z0-9_]*)");
    }
    if (IsComputedBuiltin(name)) {
      return InvalidArgumentError(
          "variable \"" + name + "\" is computed by Verdict" +
          (name == "step" || name == "interval" ? " from the config's " + name + " field" : "") +
          " and cannot be set");
    }
    if (!IsSettableBuiltin(name) && config.variables.count(name) == 0) {
      std::vector<std::string> settable(kSettable.begin(), kSettable.end());
      for (const auto& [n, v] : config.variables) {
        if (!IsSettableBuiltin(n)) settable.push_back(n);
      }
      std::sort(settable.begin(), settable.end());
      std::string list;
      for (const std::string& s : settable) list += (list.empty() ? "" : ", ") + s;
      return InvalidArgumentError("unknown variable \"" + name + "\" (settable: " + list + ")");
    }
    if (value.size() > kMaxVariableValueBytes) {
      return InvalidArgumentError("variable \"" + name + "\": value longer than " +
                                  std::to_string(kMaxVariableValueBytes) + " bytes");
    }
    if (value.find('\0') != std::string::npos) {
      return InvalidArgumentError("variable \"" + name + "\": value contains a NUL byte");
    }
    out[name] = value;
  }
  return out;
}

std::vector<std::pair<std::string, SideQueries>> RenderedMetric::Queries() const {
  if (kind == MetricKind::kRatio) return {{"bad", bad}, {"total", total}};
  return {{"query", query}};
}

StatusOr<RenderedMetric> Render(const Config& config, const MetricSpec& metric,
                                const Variables& runtime, MissingValue missing) {
  StatusOr<Variables> vars = ResolveVariables(config, runtime);
  if (!vars.ok()) return vars.status();
  const std::string path = MetricPath(config, metric);
  std::set<std::string> unset;
  std::set<std::string>* unset_ptr = missing == MissingValue::kVerbatim ? &unset : nullptr;
  SideRenderer control(config, *vars, Side::kControl, missing, unset_ptr);
  SideRenderer canary(config, *vars, Side::kCanary, missing, unset_ptr);
  VERDICT_RETURN_IF_ERROR(control.Init());
  VERDICT_RETURN_IF_ERROR(canary.Init());

  RenderedMetric out;
  out.name = metric.name;
  out.kind = metric.kind;
  // Renders `text` for the chosen sides into `dst`.
  auto both = [&](const std::string& field, const std::string& text, SideQueries* dst,
                  bool want_control, bool want_canary) -> Status {
    if (want_control) {
      StatusOr<std::string> r = control.Do(path + "." + field, text);
      if (!r.ok()) return r.status();
      dst->control = *r;
    }
    if (want_canary) {
      StatusOr<std::string> r = canary.Do(path + "." + field, text);
      if (!r.ok()) return r.status();
      dst->canary = *r;
    }
    return Status::Ok();
  };
  switch (metric.kind) {
    case MetricKind::kRatio:
      VERDICT_RETURN_IF_ERROR(both("bad", metric.bad, &out.bad, true, true));
      VERDICT_RETURN_IF_ERROR(both("total", metric.total, &out.total, true, true));
      break;
    case MetricKind::kSeries:
      if (metric.query.empty()) {
        VERDICT_RETURN_IF_ERROR(
            both("control_query", metric.control_query, &out.query, true, false));
        VERDICT_RETURN_IF_ERROR(both("canary_query", metric.canary_query, &out.query, false, true));
        break;
      }
      VERDICT_RETURN_IF_ERROR(both("query", metric.query, &out.query, true, true));
      break;
    case MetricKind::kThreshold:
      VERDICT_RETURN_IF_ERROR(both("query", metric.query, &out.query, false, true));
      break;
    case MetricKind::kLatency:
    case MetricKind::kTraffic:
      VERDICT_RETURN_IF_ERROR(both("query", metric.query, &out.query, true, true));
      break;
  }
  StatusOr<std::optional<double>> weight = ResolveExpectedWeight(metric, *vars, path);
  if (!weight.ok()) return weight.status();
  out.expected_weight = *weight;
  out.unset_variables.assign(unset.begin(), unset.end());
  return out;
}

StatusOr<std::vector<RenderedMetric>> RenderAll(const Config& config, const Variables& runtime,
                                                MissingValue missing) {
  std::vector<RenderedMetric> out;
  for (const MetricSpec& m : config.metrics) {
    StatusOr<RenderedMetric> r = Render(config, m, runtime, missing);
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return out;
}

Status ValidateTemplate(const Config& config, std::string_view text, TemplateUse use) {
  if (text.empty()) return InvalidArgumentError("the template is empty");
  StatusOr<ParsedTemplate> parsed = ParseTemplate(text);
  if (!parsed.ok()) return parsed.status();
  bool tells_sides_apart = false;
  for (const Placeholder& ph : parsed->Placeholders()) {
    const std::string& name = ph.name;
    if (!IsKnownVariable(config, name)) {
      return InvalidArgumentError(UnknownVariableMessage(config, name));
    }
    if (name == "selector") {
      if (use == TemplateUse::kSelector) {
        return InvalidArgumentError("{{ selector }} cannot be used inside a selector");
      }
      if (ph.context != PlaceholderContext::kBare) {
        return InvalidArgumentError(
            "{{ selector }} expands to label matchers and must be outside quotes, "
            "e.g. up{{{ selector }}}");
      }
      if (config.selectors.control.empty() && config.selectors.canary.empty()) {
        return InvalidArgumentError(
            "{{ selector }} is used but selectors.control and selectors.canary are both "
            "empty, so both sides would select the same series");
      }
      tells_sides_apart = true;
      continue;
    }
    if (name == "version" || name == "side") tells_sides_apart = true;
    const bool bare_ok = (name == "step" || name == "interval") && use != TemplateUse::kSelector;
    if (ph.context == PlaceholderContext::kBare && !bare_ok) {
      return InvalidArgumentError("variable {{ " + name +
                                  " }} must be inside a quoted string (\"...\"), where its value "
                                  "is escaped");
    }
  }
  if (use == TemplateUse::kSelector) return CheckMatcherList(text);
  if (use == TemplateUse::kPerSide && !tells_sides_apart) {
    return InvalidArgumentError(
        "the template does not tell the sides apart (use {{ selector }} or {{ version }})");
  }
  return Status::Ok();
}

}  // namespace verdict::rules
