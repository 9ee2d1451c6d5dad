// Kayenta canary config -> Verdict schema tree -> the one validation path.
#include "rules/kayenta_import.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "rules/parse.h"
#include "rules/render.h"
#include "rules/template.h"
#include "rules/tree_internal.h"

namespace verdict::rules {
namespace {

using detail::Child;
using detail::Describe;
using detail::ErrorSink;
using detail::Index;
using detail::Json;

constexpr std::string_view kPromQlPrefix = "PromQL:";

std::string MapKayentaVariable(const std::string& name) {
  if (name == "scope") return "version";
  if (name == "resourceType") return "resource_type";
  return name;
}

// Rewrites ${name} (and Kayenta's stored form $\{name}) into {{ name }}.
StatusOr<std::string> ConvertPlaceholders(std::string_view text, std::set<std::string>* vars) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 3) == "$${") {  // StringSubstitutor's escape: a literal ${
      out += "${";
      i += 3;
      continue;
    }
    size_t open = 0;
    if (text.substr(i, 2) == "${") open = 2;
    if (text.substr(i, 3) == "$\\{") open = 3;
    if (open == 0) {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i + open);
    if (close == std::string_view::npos) {
      return InvalidArgumentError("unterminated ${...} placeholder");
    }
    const std::string name(text.substr(i + open, close - i - open));
    const std::string mapped = MapKayentaVariable(name);
    if (!IsValidVariableName(mapped)) {
      return InvalidArgumentError("${" + name + "} is not a usable variable name");
    }
    if (IsComputedBuiltin(mapped) && mapped != "version") {
      return InvalidArgumentError("${" + name + "} clashes with Verdict's built-in {{ " + mapped +
                                  " }}");
    }
    if (!IsSettableBuiltin(mapped) && mapped != "version") vars->insert(mapped);
    out += "{{ " + mapped + " }}";
    i = close + 1;
  }
  return out;
}

std::string StringAt(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj.at(key).is_string()) return "";
  return obj.at(key).get<std::string>();
}

// The PromQL template of one Kayenta metric query, or "" after an error.
std::string QueryTemplate(const Json& query, const Json& templates, const std::string& path,
                          std::set<std::string>* vars, ErrorSink* errors) {
  const std::string type = StringAt(query, "type");
  const std::string service = StringAt(query, "serviceType");
  if (type != "prometheus" && service != "prometheus") {
    errors->Add(Child(path, "type"), "only prometheus queries can be imported, got \"" +
                                         (type.empty() ? service : type) + "\"");
    return "";
  }
  std::string filter = StringAt(query, "customInlineTemplate");
  std::string filter_path = Child(path, "customInlineTemplate");
  if (filter.empty()) {
    const std::string name = StringAt(query, "customFilterTemplate");
    filter_path = Child(path, "customFilterTemplate");
    if (!name.empty()) {
      if (!templates.is_object() || !templates.contains(name) || !templates[name].is_string()) {
        errors->Add(filter_path, "template \"" + name + "\" is not defined under templates");
        return "";
      }
      filter = templates[name].get<std::string>();
    }
  }
  if (filter.empty()) {
    errors->Add(path,
                "no customInlineTemplate or customFilterTemplate; queries built from "
                "resourceType (gce_instance, aws_ec2_instance) cannot be imported");
    return "";
  }
  std::string promql;
  if (filter.rfind(kPromQlPrefix, 0) == 0) {
    promql = filter.substr(kPromQlPrefix.size());
  } else {
    // Kayenta's default query: avg(metricName{filter,labelBindings}) by (groupByFields).
    const std::string metric = StringAt(query, "metricName");
    if (metric.empty()) {
      errors->Add(Child(path, "metricName"),
                  "required when the template is a label filter "
                  "rather than \"PromQL:...\"");
      return "";
    }
    std::string matchers = filter;
    auto append_list = [&query](const char* key, std::string* dst, const char* sep) {
      if (!query.contains(key) || !query[key].is_array()) return;
      for (const Json& item : query[key]) {
        if (!item.is_string()) continue;
        if (!dst->empty()) *dst += sep;
        *dst += item.get<std::string>();
      }
    };
    append_list("labelBindings", &matchers, ",");
    std::string by;
    append_list("groupByFields", &by, ",");
    promql = "avg(" + metric + "{" + matchers + "})" + (by.empty() ? "" : " by (" + by + ")");
  }
  StatusOr<std::string> converted = ConvertPlaceholders(promql, vars);
  if (!converted.ok()) {
    errors->Add(filter_path, converted.status().message());
    return "";
  }
  return *converted;
}

std::string Percent(double fraction) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g%%", fraction * 100.0);
  return buf;
}

// analysisConfigurations.canary -> direction, critical, margin, kayenta block.
void ConvertAnalysis(const Json& canary, const std::string& path, Json* metric,
                     std::vector<std::string>* notes) {
  const Json empty = Json::object();
  const Json& c = canary.is_object() ? canary : empty;
  std::string direction = StringAt(c, "direction");
  if (direction.empty()) direction = "either";
  if (direction != "increase" && direction != "decrease" && direction != "either") {
    notes->push_back(path + ".direction: \"" + direction + "\" read as either, as Kayenta does");
    direction = "either";
  }
  (*metric)["direction"] = direction;
  auto flag = [&c](const char* key) {
    return c.contains(key) && c[key].is_boolean() && c[key].get<bool>();
  };
  (*metric)["critical"] = flag("critical");
  Json k = Json::object();
  std::string nan = StringAt(c, "nanStrategy");
  if (nan != "remove" && nan != "replace") {
    if (!nan.empty()) notes->push_back(path + ".nanStrategy: \"" + nan + "\" read as remove");
    nan = "remove";
  }
  k["nan_strategy"] = nan;
  k["must_have_data"] = flag("mustHaveData");
  k["muted"] = flag("muted");

  const Json& es =
      c.contains("effectSize") && c["effectSize"].is_object() ? c["effectSize"] : empty;
  const std::string measure = StringAt(es, "measure") == "cles" ? "cles" : "meanRatio";
  const double def = measure == "cles" ? 0.5 : 1.0;
  auto number = [&es, def](const char* key) {
    return es.contains(key) && es[key].is_number() ? es[key].get<double>() : def;
  };
  k["effect_size"] = {{"measure", measure},
                      {"allowed_increase", number("allowedIncrease")},
                      {"allowed_decrease", number("allowedDecrease")},
                      {"critical_increase", number("criticalIncrease")},
                      {"critical_decrease", number("criticalDecrease")}};
  double margin = 0.0;
  if (measure == "meanRatio") {
    const double up = std::max(0.0, number("allowedIncrease") - 1.0);
    const double down = std::max(0.0, 1.0 - number("allowedDecrease"));
    margin = direction == "increase" ? up : direction == "decrease" ? down : std::min(up, down);
  }
  (*metric)["margin"] = Percent(margin);

  const Json& out = c.contains("outliers") && c["outliers"].is_object() ? c["outliers"] : empty;
  const std::string strategy = StringAt(out, "strategy") == "remove" ? "remove" : "keep";
  const double factor = out.contains("outlierFactor") && out["outlierFactor"].is_number()
                            ? out["outlierFactor"].get<double>()
                            : 3.0;
  k["outliers"] = {{"strategy", strategy}, {"factor", factor}};
  (*metric)["kayenta"] = k;
}

void ConvertClassifier(const Json& root, const std::set<std::string>& used_groups, Json* out,
                       std::vector<std::string>* notes) {
  const Json empty = Json::object();
  const Json& cl =
      root.contains("classifier") && root["classifier"].is_object() ? root["classifier"] : empty;
  if (cl.contains("groupWeights") && cl["groupWeights"].is_object()) {
    Json weights = Json::object();
    for (const auto& [group, w] : cl["groupWeights"].items()) {
      if (used_groups.count(group) == 0) {
        notes->push_back("classifier.groupWeights." + group +
                         ": no metric is in this group; "
                         "dropped");
        continue;
      }
      weights[group] = w;
    }
    if (!weights.empty()) (*out)["group_weights"] = weights;
  }
  if (cl.contains("scoreThresholds") && cl["scoreThresholds"].is_object()) {
    Json t = Json::object();
    for (const char* key : {"pass", "marginal"}) {
      if (cl["scoreThresholds"].contains(key)) t[key] = cl["scoreThresholds"][key];
    }
    (*out)["thresholds"] = t;
  } else {
    notes->push_back(
        "classifier.scoreThresholds is absent (Kayenta takes it from the request); "
        "using pass 95, marginal 75");
  }
}

}  // namespace

StatusOr<Config> ImportKayentaConfig(std::string_view json_text, std::string_view source) {
  ErrorSink errors;
  Json root;
  detail::LineMap lines;
  std::vector<std::string> notes;
  if (!detail::LoadTree(json_text, Format::kJson, &root, &lines, &errors)) {
    return InvalidArgumentError(FormatConfigErrors(errors.Take(), source));
  }
  Json out = {{"version", 1}, {"mode", "kayenta"}};
  if (root.contains("name") && root["name"].is_string()) out["name"] = root["name"];
  if (root.contains("description") && root["description"].is_string()) {
    out["description"] = root["description"];
  }
  const std::string judge = root.contains("judge") ? StringAt(root["judge"], "name") : "";
  if (!judge.empty() && judge.rfind("NetflixACAJudge", 0) != 0) {
    notes.push_back("judge \"" + judge + "\": Verdict's kayenta mode follows NetflixACAJudge-v1.0");
  }
  const Json templates = root.contains("templates") ? root["templates"] : Json::object();
  std::set<std::string> vars, used_groups;
  Json metrics = Json::array();
  if (!root.contains("metrics") || !root["metrics"].is_array() || root["metrics"].empty()) {
    errors.Add("metrics", "expected a non-empty list of metrics");
  } else {
    for (size_t i = 0; i < root["metrics"].size(); ++i) {
      const Json& km = root["metrics"][i];
      const std::string path = Index("metrics", i);
      if (!km.is_object()) {
        errors.Add(path, "expected an object, got " + Describe(km));
        continue;
      }
      Json m = {{"name", km.contains("name") ? km["name"] : Json()}, {"kind", "series"}};
      const Json query = km.contains("query") ? km["query"] : Json::object();
      m["query"] = QueryTemplate(query, templates, Child(path, "query"), &vars, &errors);
      const Json analysis = km.contains("analysisConfigurations") &&
                                    km["analysisConfigurations"].is_object() &&
                                    km["analysisConfigurations"].contains("canary")
                                ? km["analysisConfigurations"]["canary"]
                                : Json::object();
      ConvertAnalysis(analysis, path + ".analysisConfigurations.canary", &m, &notes);
      m["required"] = false;
      m["min_data"] = 1;
      if (km.contains("groups") && km["groups"].is_array() && !km["groups"].empty()) {
        m["groups"] = km["groups"];
        for (const Json& g : km["groups"]) {
          if (g.is_string()) used_groups.insert(g.get<std::string>());
        }
      }
      const std::string scope = StringAt(km, "scopeName");
      if (!scope.empty() && scope != "default") {
        notes.push_back(path + ".scopeName: \"" + scope + "\" ignored (one scope per side)");
      }
      metrics.push_back(m);
    }
  }
  if (!errors.empty()) return InvalidArgumentError(FormatConfigErrors(errors.Take(), source));
  out["metrics"] = metrics;
  Json variables = Json::object();
  for (const std::string& v : vars) variables[v] = nullptr;
  out["variables"] = variables;
  ConvertClassifier(root, used_groups, &out, &notes);
  notes.push_back(
      "the control and canary variables take Kayenta's controlScope and "
      "experimentScope; ${scope} became {{ version }}");

  Config config = detail::ReadConfig(out, &errors);
  if (!errors.empty()) return InvalidArgumentError(FormatConfigErrors(errors.Take(), source));
  config.notes = std::move(notes);
  return config;
}

StatusOr<Config> LoadKayentaFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgumentError(path + ": cannot open file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return ImportKayentaConfig(text.str(), path);
}

}  // namespace verdict::rules
