// Reading and validating one entry of `metrics`.
#include <algorithm>
#include <cmath>
#include <regex>

#include "rules/render.h"
#include "rules/tree_internal.h"

namespace verdict::rules::detail {
namespace {

constexpr unsigned Bit(MetricKind k) { return 1u << static_cast<unsigned>(k); }
constexpr unsigned kR = Bit(MetricKind::kRatio), kL = Bit(MetricKind::kLatency),
                   kS = Bit(MetricKind::kSeries), kT = Bit(MetricKind::kThreshold),
                   kF = Bit(MetricKind::kTraffic);

// Fields that belong to some kinds only.
struct KindField {
  const char* key;
  unsigned kinds;
};
constexpr KindField kKindFields[] = {{"bad", kR},
                                     {"total", kR},
                                     {"query", kL | kS | kT | kF},
                                     {"control_query", kS},
                                     {"canary_query", kS},
                                     {"quantiles", kL},
                                     {"slo_ms", kL},
                                     {"unit", kL},
                                     {"min", kT},
                                     {"max", kT},
                                     {"expected_weight", kF},
                                     {"direction", kR | kL | kS | kF},
                                     {"margin", kR | kL | kS | kF},
                                     {"test", kR | kL}};

std::string KindsText(unsigned mask) {
  std::vector<std::string> names;
  for (MetricKind k : {MetricKind::kRatio, MetricKind::kLatency, MetricKind::kSeries,
                       MetricKind::kThreshold, MetricKind::kTraffic}) {
    if (mask & Bit(k)) names.push_back(MetricKindName(k));
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return out;
}

void ReadTemplate(Fields& f, const char* key, const Config& config, TemplateUse use,
                  std::string* out, ErrorSink* errors) {
  std::optional<std::string> text = f.String(key);
  if (!text) return;
  *out = *text;
  Status st = ValidateTemplate(config, *text, use);
  if (!st.ok()) errors->Add(f.PathOf(key), st.message());
}

void Require(Fields& f, const char* key, const std::string& value, const char* kind,
             ErrorSink* errors) {
  if (value.empty() && !f.Has(key)) {
    errors->Add(f.PathOf(key), std::string("required for ") + kind + " metrics");
  }
}

void ReadName(Fields& f, MetricSpec* out, ErrorSink* errors) {
  std::optional<std::string> name = f.String("name");
  if (!name) {
    if (!f.Has("name")) errors->Add(f.PathOf("name"), "required field is missing");
    return;
  }
  out->name = *name;
  const bool printable = std::none_of(name->begin(), name->end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (name->empty() || name->size() > 128 || !printable) {
    errors->Add(f.PathOf("name"), "a metric name must be 1-128 printable characters");
  }
}

void ReadMargin(Fields& f, MetricSpec* out, ErrorSink* errors) {
  const Json* node = f.Raw("margin");
  if (node == nullptr || node->is_null()) return;
  StatusOr<Margin> margin = InvalidArgumentError("");
  if (node->is_number()) {
    const double v = node->get<double>();
    margin = std::isfinite(v) ? ParseMargin(ScalarToText(*node))
                              : StatusOr<Margin>(InvalidArgumentError("margin must be finite"));
  } else if (node->is_string()) {
    margin = ParseMargin(node->get<std::string>());
  } else {
    margin = InvalidArgumentError("expected a number or a percentage like \"10%\", got " +
                                  Describe(*node));
  }
  if (margin.ok()) {
    out->margin = *margin;
  } else {
    errors->Add(f.PathOf("margin"), margin.status().message());
  }
}

void ReadLatency(Fields& f, MetricSpec* out, ErrorSink* errors) {
  if (const Json* q = f.Raw("quantiles"); q != nullptr && !q->is_null()) {
    if (!q->is_array() || q->empty()) {
      errors->Add(f.PathOf("quantiles"), "expected a non-empty list of quantiles like [0.99]");
    } else {
      for (size_t i = 0; i < q->size(); ++i) {
        const Json& v = (*q)[i];
        const std::string path = Index(f.PathOf("quantiles"), i);
        if (!v.is_number() || !(v.get<double>() > 0.0 && v.get<double>() < 1.0)) {
          errors->Add(path, "quantile must be in (0, 1), got " + ScalarToText(v));
        } else if (std::find(out->quantiles.begin(), out->quantiles.end(), v.get<double>()) !=
                   out->quantiles.end()) {
          errors->Add(path, "duplicate quantile " + ScalarToText(v));
        } else {
          out->quantiles.push_back(v.get<double>());
        }
      }
      std::sort(out->quantiles.begin(), out->quantiles.end());
    }
  }
  if (std::optional<double> slo = f.Number("slo_ms")) {
    if (*slo > 0) {
      out->slo_ms = slo;
    } else {
      errors->Add(f.PathOf("slo_ms"), "must be > 0, got " + ScalarToText(*slo));
    }
  }
  if (std::optional<std::string> unit = f.String("unit")) {
    if (auto u = ParseLatencyUnit(*unit)) {
      out->unit = *u;
    } else {
      errors->Add(f.PathOf("unit"), "unknown unit \"" + *unit + "\" (expected ms or s)");
    }
  }
  if (!f.Has("quantiles") && !f.Has("slo_ms")) {
    errors->Add(f.path(), "latency metrics need quantiles, slo_ms or both");
  }
  if (!out->quantiles.empty() && out->slo_ms && !out->margin.relative()) {
    errors->Add(f.PathOf("margin"),
                "an absolute margin is ambiguous with both quantiles (ms) and slo_ms (a share); "
                "use a relative margin like \"10%\" or split the metric in two");
  }
}

void ReadThreshold(Fields& f, MetricSpec* out, ErrorSink* errors) {
  out->min = f.Number("min");
  out->max = f.Number("max");
  if (!f.Has("min") && !f.Has("max")) {
    errors->Add(f.path(), "threshold metrics need min, max or both");
  } else if (out->min && out->max && *out->min > *out->max) {
    errors->Add(f.PathOf("min"),
                "min " + ScalarToText(*out->min) + " is above max " + ScalarToText(*out->max));
  }
}

void ReadExpectedWeight(Fields& f, const Config& config, MetricSpec* out, ErrorSink* errors) {
  const Json* node = f.Raw("expected_weight");
  if (node == nullptr || node->is_null()) return;
  const std::string path = f.PathOf("expected_weight");
  if (node->is_string()) {
    static const std::regex kVar("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\}\\}");
    std::smatch m;
    const std::string text = node->get<std::string>();
    if (!std::regex_match(text, m, kVar)) {
      errors->Add(path,
                  "expected a percentage in (0, 100) or one variable like "
                  "\"{{ canary_weight }}\", got " +
                      Describe(*node));
    } else if (config.variables.count(m[1]) == 0 || IsSettableBuiltin(m[1].str())) {
      errors->Add(path, "{{ " + m[1].str() + " }} must be a variable declared under variables");
    } else {
      out->expected_weight_variable = m[1];
    }
    return;
  }
  if (!node->is_number() || !(node->get<double>() > 0 && node->get<double>() < 100)) {
    errors->Add(path, "expected a percentage in (0, 100), got " + Describe(*node));
    return;
  }
  out->expected_weight = node->get<double>();
}

void ReadGroups(Fields& f, MetricSpec* out, ErrorSink* errors) {
  if (std::optional<std::string> group = f.String("group")) out->groups.push_back(*group);
  if (const Json* gs = f.Raw("groups"); gs != nullptr && !gs->is_null()) {
    if (f.Has("group")) errors->Add(f.PathOf("groups"), "give group or groups, not both");
    if (!gs->is_array()) {
      errors->Add(f.PathOf("groups"), "expected a list of group names, got " + Describe(*gs));
    } else {
      for (size_t i = 0; i < gs->size(); ++i) {
        if (!(*gs)[i].is_string()) {
          errors->Add(Index(f.PathOf("groups"), i), "expected a group name");
        } else {
          out->groups.push_back((*gs)[i].get<std::string>());
        }
      }
    }
  }
  for (const std::string& g : out->groups) {
    if (g.empty()) errors->Add(f.PathOf(f.Has("group") ? "group" : "groups"), "empty group name");
  }
}

void ReadKayenta(const Json& node, const std::string& path, KayentaOptions* out,
                 ErrorSink* errors) {
  if (!node.is_object()) {
    errors->Add(path, "expected a mapping, got " + Describe(node));
    return;
  }
  Fields f(node, path, errors);
  if (auto s = f.String("nan_strategy")) {
    if (auto v = ParseNanStrategy(*s))
      out->nan_strategy = *v;
    else
      errors->Add(f.PathOf("nan_strategy"), "expected remove or replace, got \"" + *s + "\"");
  }
  if (auto b = f.Bool("must_have_data")) out->must_have_data = *b;
  if (auto b = f.Bool("muted")) out->muted = *b;
  if (const Json* es = f.Raw("effect_size"); es != nullptr && es->is_object()) {
    Fields e(*es, f.PathOf("effect_size"), errors);
    if (auto s = e.String("measure")) {
      if (auto v = ParseEffectMeasure(*s))
        out->effect_size.measure = *v;
      else
        errors->Add(e.PathOf("measure"), "expected meanRatio or cles, got \"" + *s + "\"");
    }
    const double def = out->effect_size.measure == EffectMeasure::kCles ? 0.5 : 1.0;
    KayentaEffectSize& x = out->effect_size;
    for (auto [key, dst] :
         {std::pair<const char*, double*>{"allowed_increase", &x.allowed_increase},
          {"allowed_decrease", &x.allowed_decrease},
          {"critical_increase", &x.critical_increase},
          {"critical_decrease", &x.critical_decrease}}) {
      const std::optional<double> v = e.Number(key);
      if (v && *v < 0) errors->Add(e.PathOf(key), "must be >= 0");
      *dst = v.value_or(def);
    }
    e.RejectUnknown();
  } else if (es != nullptr && !es->is_null()) {
    errors->Add(f.PathOf("effect_size"), "expected a mapping, got " + Describe(*es));
  }
  if (const Json* o = f.Raw("outliers"); o != nullptr && o->is_object()) {
    Fields of(*o, f.PathOf("outliers"), errors);
    if (auto s = of.String("strategy")) {
      if (auto v = ParseOutlierStrategy(*s))
        out->outlier_strategy = *v;
      else
        errors->Add(of.PathOf("strategy"), "expected keep or remove, got \"" + *s + "\"");
    }
    if (auto v = of.Number("factor")) {
      if (*v > 0)
        out->outlier_factor = *v;
      else
        errors->Add(of.PathOf("factor"), "must be > 0");
    }
    of.RejectUnknown();
  } else if (o != nullptr && !o->is_null()) {
    errors->Add(f.PathOf("outliers"), "expected a mapping, got " + Describe(*o));
  }
  f.RejectUnknown();
}

void ReadQueries(Fields& f, const Config& config, MetricSpec* out, ErrorSink* errors) {
  const char* kind = MetricKindName(out->kind);
  switch (out->kind) {
    case MetricKind::kRatio:
      ReadTemplate(f, "bad", config, TemplateUse::kPerSide, &out->bad, errors);
      ReadTemplate(f, "total", config, TemplateUse::kPerSide, &out->total, errors);
      Require(f, "bad", out->bad, kind, errors);
      Require(f, "total", out->total, kind, errors);
      return;
    case MetricKind::kSeries: {
      ReadTemplate(f, "query", config, TemplateUse::kPerSide, &out->query, errors);
      ReadTemplate(f, "control_query", config, TemplateUse::kOneSide, &out->control_query, errors);
      ReadTemplate(f, "canary_query", config, TemplateUse::kOneSide, &out->canary_query, errors);
      const bool q = f.Has("query"), c = f.Has("control_query"), k = f.Has("canary_query");
      if (q && (c || k)) {
        errors->Add(f.PathOf(c ? "control_query" : "canary_query"),
                    "give either query or control_query and canary_query, not both");
      } else if (!q && !c && !k) {
        errors->Add(f.PathOf("query"),
                    "required for series metrics (or control_query and canary_query)");
      } else if (!q && c != k) {
        errors->Add(
            f.PathOf(c ? "canary_query" : "control_query"),
            std::string("required when ") + (c ? "control_query" : "canary_query") + " is given");
      }
      return;
    }
    case MetricKind::kThreshold:
      ReadTemplate(f, "query", config, TemplateUse::kOneSide, &out->query, errors);
      Require(f, "query", out->query, kind, errors);
      return;
    case MetricKind::kLatency:
    case MetricKind::kTraffic:
      ReadTemplate(f, "query", config, TemplateUse::kPerSide, &out->query, errors);
      Require(f, "query", out->query, kind, errors);
      return;
  }
}

}  // namespace

void ReadMetric(const Json& node, const std::string& path, const Config& config, MetricSpec* out,
                ErrorSink* errors) {
  if (!node.is_object()) {
    errors->Add(path, "expected a mapping, got " + Describe(node));
    return;
  }
  Fields f(node, path, errors);
  ReadName(f, out, errors);
  if (auto d = f.String("description")) out->description = *d;

  std::optional<MetricKind> kind;
  if (std::optional<std::string> k = f.String("kind")) {
    kind = ParseMetricKind(*k);
    if (!kind) {
      errors->Add(f.PathOf("kind"), "unknown kind \"" + *k +
                                        "\" (expected ratio, latency, series, threshold or "
                                        "traffic)");
    }
  } else if (!f.Has("kind")) {
    errors->Add(f.PathOf("kind"), "required field is missing");
  }
  if (kind) {
    out->kind = *kind;
    out->direction = DefaultDirection(*kind);
    out->margin = DefaultMargin(*kind);
    out->min_data = DefaultMinData(*kind);
    for (const KindField& kf : kKindFields) {
      if (f.Has(kf.key) && !(kf.kinds & Bit(*kind))) {
        errors->Add(f.PathOf(kf.key), std::string("not a field of ") + MetricKindName(*kind) +
                                          " metrics (only " + KindsText(kf.kinds) + ")");
      }
    }
  }
  if (auto d = f.String("direction")) {
    if (auto v = ParseDirection(*d))
      out->direction = *v;
    else
      errors->Add(f.PathOf("direction"),
                  "unknown direction \"" + *d + "\" (expected increase, decrease or either)");
  }
  ReadMargin(f, out, errors);
  if (kind) {
    ReadQueries(f, config, out, errors);
    if (*kind == MetricKind::kLatency) ReadLatency(f, out, errors);
    if (*kind == MetricKind::kThreshold) ReadThreshold(f, out, errors);
    if (*kind == MetricKind::kTraffic) ReadExpectedWeight(f, config, out, errors);
  }
  if (auto b = f.Bool("critical")) out->critical = *b;
  if (auto b = f.Bool("required")) out->required = *b;
  if (auto w = f.Number("weight")) {
    if (*w >= 0)
      out->weight = *w;
    else
      errors->Add(f.PathOf("weight"), "must be >= 0, got " + ScalarToText(*w));
  }
  ReadGroups(f, out, errors);
  if (auto n = f.Integer("min_data")) {
    if (*n >= 0)
      out->min_data = *n;
    else
      errors->Add(f.PathOf("min_data"), "must be >= 0, got " + std::to_string(*n));
  }
  if (auto a = f.Number("alpha_share")) {
    if (*a > 0)
      out->alpha_share = *a;
    else
      errors->Add(f.PathOf("alpha_share"), "must be > 0, got " + ScalarToText(*a));
  }
  if (auto m = f.String("mode")) {
    if (auto v = ParseMode(*m))
      out->mode = *v;
    else
      errors->Add(f.PathOf("mode"),
                  "unknown mode \"" + *m + "\" (expected sequential, fixed or kayenta)");
  }
  if (kind && (*kind == MetricKind::kRatio || *kind == MetricKind::kLatency)) {
    if (auto t = f.String("test")) {
      if (auto v = ParseCountTest(*t))
        out->count_test = *v;
      else
        errors->Add(f.PathOf("test"), "unknown test \"" + *t + "\" (expected betting or exact)");
    }
  }
  if (const Json* k = f.Raw("kayenta"); k != nullptr && !k->is_null()) {
    ReadKayenta(*k, f.PathOf("kayenta"), &out->kayenta, errors);
  }
  // Every remaining field was looked at above or is a field of another kind.
  for (const KindField& kf : kKindFields) f.Raw(kf.key);
  f.RejectUnknown();
}

}  // namespace verdict::rules::detail
