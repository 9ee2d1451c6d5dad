// Reading and validating the top level of a config, and cross-field checks.
#include <map>

#include "rules/duration.h"
#include "rules/render.h"
#include "rules/tree_internal.h"

namespace verdict::rules::detail {
namespace {

constexpr int64_t kSecond = 1000;

void ReadDuration(Fields& f, const char* key, int64_t max_ms, const char* max_text,
                  std::chrono::milliseconds* out, ErrorSink* errors) {
  const Json* node = f.Raw(key);
  if (node == nullptr || node->is_null()) return;
  if (!node->is_string()) {
    errors->Add(f.PathOf(key), "bad duration " + Describe(*node) +
                                   " (expected a string with a unit, e.g. \"30s\", \"1m\")");
    return;
  }
  StatusOr<std::chrono::milliseconds> d = ParseDuration(node->get<std::string>());
  if (!d.ok()) {
    errors->Add(f.PathOf(key), d.status().message());
  } else if (d->count() % kSecond != 0 || d->count() < kSecond || d->count() > max_ms) {
    errors->Add(f.PathOf(key), "must be whole seconds between 1s and " + std::string(max_text) +
                                   ", got \"" + node->get<std::string>() + "\"");
  } else {
    *out = *d;
  }
}

void ReadThresholds(const Json& node, const std::string& path, Thresholds* out, ErrorSink* errors) {
  if (!node.is_object()) {
    errors->Add(path, "expected a mapping with pass and marginal, got " + Describe(node));
    return;
  }
  Fields f(node, path, errors);
  bool ok = true;
  for (auto [key, dst] :
       {std::pair<const char*, double*>{"pass", &out->pass}, {"marginal", &out->marginal}}) {
    if (auto v = f.Number(key)) {
      if (*v < 0 || *v > 100) {
        errors->Add(f.PathOf(key), "must be in [0, 100], got " + ScalarToText(*v));
        ok = false;
      } else {
        *dst = *v;
      }
    }
  }
  if (ok && out->marginal > out->pass) {
    errors->Add(f.PathOf("marginal"), "marginal " + ScalarToText(out->marginal) +
                                          " is above pass " + ScalarToText(out->pass));
  }
  f.RejectUnknown();
}

void ReadVariables(const Json& node, const std::string& path, Config* config, ErrorSink* errors) {
  if (!node.is_object()) {
    errors->Add(path,
                "expected a mapping of variable names to default values, got " + Describe(node));
    return;
  }
  for (const auto& [name, value] : node.items()) {
    const std::string p = Child(path, name);
    if (!IsValidVariableName(name)) {
      errors->Add(p, "bad variable name (expected [a-zA-Z_][a-zA-Z0-9_]*)");
    } else if (IsComputedBuiltin(name)) {
      errors->Add(p, "\"" + name + "\" is computed by Verdict and cannot be declared" +
                         (name == "step" || name == "interval" ? "; set the " + name + " field"
                                                               : std::string()));
    } else if (value.is_object() || value.is_array()) {
      errors->Add(p, "expected a default value or null, got " + Describe(value));
    } else {
      config->variables[name] =
          value.is_null() ? std::nullopt : std::optional<std::string>(ScalarToText(value));
    }
  }
}

void ReadSelectors(const Json& node, const std::string& path, Config* config, ErrorSink* errors) {
  if (!node.is_object()) {
    errors->Add(path, "expected a mapping with common, control and canary, got " + Describe(node));
    return;
  }
  Fields f(node, path, errors);
  Selectors& s = config->selectors;
  for (auto [key, dst] : {std::pair<const char*, std::string*>{"common", &s.common},
                          {"control", &s.control},
                          {"canary", &s.canary}}) {
    if (auto text = f.String(key)) {
      *dst = *text;
      if (text->empty()) continue;
      Status st = ValidateTemplate(*config, *text, TemplateUse::kSelector);
      if (!st.ok()) errors->Add(f.PathOf(key), st.message());
    }
  }
  if (!s.control.empty() && s.control == s.canary) {
    errors->Add(f.PathOf("canary"),
                "same as selectors.control, so both sides would select the same series");
  }
  f.RejectUnknown();
}

void ReadGroupWeights(const Json& node, const std::string& path, Config* config,
                      ErrorSink* errors) {
  if (!node.is_object()) {
    errors->Add(path, "expected a mapping of group names to weights, got " + Describe(node));
    return;
  }
  double sum = 0;
  for (const auto& [name, value] : node.items()) {
    if (!value.is_number() || value.get<double>() < 0) {
      errors->Add(Child(path, name), "expected a weight >= 0, got " + Describe(value));
      continue;
    }
    config->group_weights[name] = value.get<double>();
    sum += value.get<double>();
  }
  if (sum > 100.0 + 1e-9) {
    errors->Add(path, "group weights sum to " + ScalarToText(sum) + ", more than 100");
  }
}

// Checks across metrics: unique names, used groups, alpha split, modes.
void Finish(Config* config, ErrorSink* errors) {
  std::map<std::string, size_t> seen;
  double share_sum = 0;
  for (size_t i = 0; i < config->metrics.size(); ++i) {
    MetricSpec& m = config->metrics[i];
    if (!m.name.empty()) {
      auto [it, inserted] = seen.emplace(m.name, i);
      if (!inserted) {
        errors->Add(Index("metrics", i) + ".name", "duplicate metric name \"" + m.name +
                                                       "\" (also metrics[" +
                                                       std::to_string(it->second) + "])");
      }
    }
    share_sum += m.alpha_share;
    m.effective_mode = m.mode.value_or(config->mode);
  }
  for (MetricSpec& m : config->metrics) m.alpha = config->alpha * m.alpha_share / share_sum;
  for (const auto& [group, weight] : config->group_weights) {
    bool used = false;
    for (const MetricSpec& m : config->metrics) {
      for (const std::string& g : m.groups) used = used || g == group;
    }
    if (!used) errors->Add(Child("group_weights", group), "no metric is in this group");
  }
}

}  // namespace

Config ReadConfig(const Json& root, ErrorSink* errors) {
  Config config;
  Fields f(root, "", errors);
  if (auto v = f.Integer("version")) {
    if (*v != 1) {
      errors->Add("version", "unsupported version " + std::to_string(*v) + " (supported: 1)");
    }
  }
  if (auto s = f.String("name")) config.name = *s;
  if (auto s = f.String("description")) config.description = *s;
  if (auto s = f.String("mode")) {
    if (auto m = ParseMode(*s))
      config.mode = *m;
    else
      errors->Add("mode", "unknown mode \"" + *s + "\" (expected sequential, fixed or kayenta)");
  }
  if (auto a = f.Number("alpha")) {
    if (*a > 0 && *a <= 0.5)
      config.alpha = *a;
    else
      errors->Add("alpha", "must be in (0, 0.5], got " + ScalarToText(*a));
  }
  ReadDuration(f, "step", 3600 * kSecond, "1h", &config.step, errors);
  ReadDuration(f, "interval", 24 * 3600 * kSecond, "24h", &config.interval, errors);
  if (const Json* t = f.Raw("thresholds"); t != nullptr && !t->is_null()) {
    ReadThresholds(*t, "thresholds", &config.thresholds, errors);
  }
  // Variables before selectors, selectors before metrics: templates refer to them.
  if (const Json* v = f.Raw("variables"); v != nullptr && !v->is_null()) {
    ReadVariables(*v, "variables", &config, errors);
  }
  if (const Json* s = f.Raw("selectors"); s != nullptr && !s->is_null()) {
    ReadSelectors(*s, "selectors", &config, errors);
  }
  if (const Json* g = f.Raw("group_weights"); g != nullptr && !g->is_null()) {
    ReadGroupWeights(*g, "group_weights", &config, errors);
  }
  const Json* metrics = f.Raw("metrics");
  if (metrics == nullptr || metrics->is_null()) {
    errors->Add("metrics", "required field is missing");
  } else if (!metrics->is_array() || metrics->empty()) {
    errors->Add("metrics", "expected a non-empty list of metrics, got " + Describe(*metrics));
  } else {
    for (size_t i = 0; i < metrics->size(); ++i) {
      MetricSpec m;
      ReadMetric((*metrics)[i], Index("metrics", i), config, &m, errors);
      config.metrics.push_back(std::move(m));
    }
  }
  f.RejectUnknown();
  Finish(&config, errors);
  return config;
}

}  // namespace verdict::rules::detail
