#include "analyzer/replay_source.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

namespace verdict::analyzer {
namespace {

using Json = nlohmann::json;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Short(const Json& j) {
  std::string text = j.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  Status Error(const std::string& path, const std::string& message) const {
    return InvalidArgumentError(source_ + ": " + (path.empty() ? "" : path + ": ") + message);
  }

  Status CheckKeys(const Json& j, const std::string& path,
                   std::initializer_list<const char*> allowed) const {
    if (!j.is_object()) return Error(path, "expected an object, got " + Short(j));
    for (const auto& [key, value] : j.items()) {
      bool known = false;
      for (const char* a : allowed) known = known || key == a;
      if (!known) return Error(Join(path, key), "unknown field");
    }
    return Status::Ok();
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  StatusOr<double> Value(const Json& j, const std::string& path) const {
    if (j.is_null()) return kNan;
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
      const std::string s = j.get<std::string>();
      if (s == "NaN") return kNan;
      if (s == "+Inf" || s == "Inf") return kInf;
      if (s == "-Inf") return -kInf;
    }
    return Error(path, "expected a number or null, got " + Short(j));
  }

  StatusOr<std::vector<double>> Array(const Json& j, const std::string& path) const {
    if (!j.is_array()) return Error(path, "expected an array, got " + Short(j));
    std::vector<double> out;
    for (size_t i = 0; i < j.size(); ++i) {
      auto v = Value(j[i], path + "[" + std::to_string(i) + "]");
      if (!v.ok()) return v.status();
      out.push_back(*v);
    }
    return out;
  }

  StatusOr<std::vector<double>> Bounds(const Json& j, const std::string& path) const {
    auto bounds = Array(j, path);
    if (!bounds.ok()) return bounds;
    for (size_t i = 0; i < bounds->size(); ++i) {
      if (std::isnan((*bounds)[i]) || (i > 0 && !((*bounds)[i] > (*bounds)[i - 1]))) {
        return Error(path + "[" + std::to_string(i) + "]",
                     "bucket bounds must be numbers in strictly increasing order");
      }
    }
    return bounds;
  }

 private:
  std::string source_;
};

std::optional<StatusCode> ParseCode(const std::string& name) {
  for (StatusCode c :
       {StatusCode::kInvalidArgument, StatusCode::kFailedPrecondition, StatusCode::kUnavailable,
        StatusCode::kNotFound, StatusCode::kDeadlineExceeded, StatusCode::kResourceExhausted,
        StatusCode::kDataLoss, StatusCode::kInternal}) {
    if (name == StatusCodeName(c)) return c;
  }
  return std::nullopt;
}

// Parses one side into `side`, noting its fields. `steps` is set by the
// first array seen and checked against the others.
Status ParseSide(const Parser& p, const Json& j, const std::string& path,
                 const std::vector<double>& metric_bounds, SideData* side,
                 std::set<std::string>* fields, long* steps) {
  VERDICT_RETURN_IF_ERROR(
      p.CheckKeys(j, path, {"bad", "total", "values", "buckets", "upper_bounds", "pods"}));
  auto check_steps = [&](size_t n, const std::string& where) -> Status {
    if (*steps < 0) *steps = static_cast<long>(n);
    if (static_cast<long>(n) != *steps) {
      return p.Error(where, "has " + std::to_string(n) + " steps, but other arrays of this " +
                                "metric have " + std::to_string(*steps));
    }
    return Status::Ok();
  };
  for (const char* name : {"bad", "total", "values"}) {
    if (!j.contains(name)) continue;
    const std::string where = path + "." + name;
    auto values = p.Array(j[name], where);
    if (!values.ok()) return values.status();
    VERDICT_RETURN_IF_ERROR(check_steps(values->size(), where));
    fields->insert(name);
    if (std::string(name) == "bad") side->counts.bad = std::move(*values);
    if (std::string(name) == "total") side->counts.total = std::move(*values);
    if (std::string(name) == "values") side->series.values = std::move(*values);
  }
  if (j.contains("pods")) {
    const std::string where = path + ".pods";
    const Json& pods = j["pods"];
    if (!pods.is_object()) {
      return p.Error(where, "expected an object of pod name -> {bad, total}, got " + Short(pods));
    }
    for (const auto& [pod, counts] : pods.items()) {
      const std::string pod_path = where + "." + pod;
      VERDICT_RETURN_IF_ERROR(p.CheckKeys(counts, pod_path, {"bad", "total"}));
      PodCountSteps entry;
      entry.pod = pod;
      for (const char* name : {"bad", "total"}) {
        const std::string at = pod_path + "." + name;
        if (!counts.contains(name)) return p.Error(at, "missing (a pod needs bad and total)");
        auto values = p.Array(counts[name], at);
        if (!values.ok()) return values.status();
        VERDICT_RETURN_IF_ERROR(check_steps(values->size(), at));
        (std::string(name) == "bad" ? entry.counts.bad : entry.counts.total) = std::move(*values);
      }
      side->pods.push_back(std::move(entry));
    }
    fields->insert("pods");
  }
  std::vector<double> bounds = metric_bounds;
  if (j.contains("upper_bounds")) {
    auto b = p.Bounds(j["upper_bounds"], path + ".upper_bounds");
    if (!b.ok()) return b.status();
    bounds = std::move(*b);
  }
  if (j.contains("buckets")) {
    const std::string where = path + ".buckets";
    const Json& rows = j["buckets"];
    if (!rows.is_array()) return p.Error(where, "expected an array of steps, got " + Short(rows));
    if (bounds.empty()) return p.Error(where, "upper_bounds are missing for these buckets");
    VERDICT_RETURN_IF_ERROR(check_steps(rows.size(), where));
    for (size_t s = 0; s < rows.size(); ++s) {
      const std::string row_path = where + "[" + std::to_string(s) + "]";
      if (rows[s].is_null()) {
        side->histogram.counts.emplace_back(bounds.size(), kNan);
        continue;
      }
      auto row = p.Array(rows[s], row_path);
      if (!row.ok()) return row.status();
      if (row->size() != bounds.size()) {
        return p.Error(row_path, "expected " + std::to_string(bounds.size()) +
                                     " bucket counts (one per upper bound), got " +
                                     std::to_string(row->size()));
      }
      side->histogram.counts.push_back(std::move(*row));
    }
    side->histogram.upper_bounds = bounds;
    fields->insert("buckets");
  }
  return Status::Ok();
}

StatusOr<RecordedMetric> ParseMetric(const Parser& p, const Json& j, const std::string& path,
                                     int64_t start, int64_t step) {
  RecordedMetric m;
  m.path = path;
  VERDICT_RETURN_IF_ERROR(
      p.CheckKeys(j, path, {"canary", "control", "upper_bounds", "notes", "error"}));
  if (j.contains("error")) {
    const Json& e = j["error"];
    VERDICT_RETURN_IF_ERROR(p.CheckKeys(e, path + ".error", {"code", "message"}));
    for (const char* key : {"code", "message"}) {
      if (e.contains(key) && !e[key].is_string()) {
        return p.Error(path + ".error." + key, "expected a string, got " + Short(e[key]));
      }
    }
    const std::string code = e.value("code", std::string("unavailable"));
    const auto parsed = ParseCode(code);
    if (!parsed) return p.Error(path + ".error.code", "unknown status code \"" + code + "\"");
    m.error = Status(*parsed, e.value("message", std::string("recorded error")));
    return m;
  }
  std::vector<double> bounds;
  if (j.contains("upper_bounds")) {
    auto b = p.Bounds(j["upper_bounds"], path + ".upper_bounds");
    if (!b.ok()) return b.status();
    bounds = std::move(*b);
  }
  if (j.contains("notes")) {
    const Json& notes = j["notes"];
    if (!notes.is_array()) return p.Error(path + ".notes", "expected an array of strings");
    for (const Json& n : notes) {
      if (!n.is_string()) return p.Error(path + ".notes", "expected an array of strings");
      m.data.notes.push_back(n.get<std::string>());
    }
  }
  long steps = -1;
  if (j.contains("canary")) {
    m.has_canary = true;
    VERDICT_RETURN_IF_ERROR(ParseSide(p, j["canary"], path + ".canary", bounds, &m.data.canary,
                                      &m.canary_fields, &steps));
  }
  if (j.contains("control")) {
    m.has_control = true;
    VERDICT_RETURN_IF_ERROR(ParseSide(p, j["control"], path + ".control", bounds, &m.data.control,
                                      &m.control_fields, &steps));
  }
  m.data.step_seconds = step;
  int64_t last_end = 0;
  if (steps > 0 && (__builtin_mul_overflow(static_cast<int64_t>(steps), step, &last_end) ||
                    __builtin_add_overflow(start, last_end, &last_end))) {
    return p.Error(path, "start_unix + " + std::to_string(steps) +
                             " steps * step_seconds is beyond 64-bit Unix seconds");
  }
  for (long i = 0; i < std::max(0L, steps); ++i)
    m.data.step_end_unix.push_back(start + (i + 1) * step);
  return m;
}

// The fields each side needs for a kind, and which sides.
struct Needs {
  std::vector<std::string> fields;
  bool control = true;
  const char* text;
};

Needs NeedsFor(rules::MetricKind kind) {
  switch (kind) {
    case rules::MetricKind::kRatio:
      return {{"bad", "total"}, true, "bad and total on both sides"};
    case rules::MetricKind::kTraffic:
      return {{"total"}, true, "total (requests) on both sides"};
    case rules::MetricKind::kLatency:
      return {{"buckets"}, true, "buckets on both sides"};
    case rules::MetricKind::kSeries:
      return {{"values"}, true, "values on both sides"};
    case rules::MetricKind::kThreshold:
      return {{"values"}, false, "canary values"};
  }
  return {{}, true, ""};
}

}  // namespace

StatusOr<std::unique_ptr<ReplaySource>> ReplaySource::FromJson(std::string_view text,
                                                               std::string_view source_name) {
  const Parser p{std::string(source_name)};
  Json root;
  try {
    root = Json::parse(text);
  } catch (const std::exception& e) {
    return p.Error("", std::string("JSON syntax error: ") + e.what());
  }
  VERDICT_RETURN_IF_ERROR(p.CheckKeys(
      root, "", {"format", "version", "step_seconds", "start_unix", "description", "metrics"}));
  auto source = std::unique_ptr<ReplaySource>(new ReplaySource());
  source->source_ = std::string(source_name);
  if (root.contains("format") && root["format"] != "verdict-recording") {
    return p.Error("format", "expected \"verdict-recording\", got " + Short(root["format"]));
  }
  if (root.contains("version") && root["version"] != 1) {
    return p.Error("version", "unsupported version " + Short(root["version"]) + " (supported: 1)");
  }
  if (!root.contains("step_seconds") || !root["step_seconds"].is_number_integer() ||
      root["step_seconds"].get<int64_t>() <= 0) {
    return p.Error("step_seconds", "required: a positive whole number of seconds");
  }
  const int64_t step = root["step_seconds"].get<int64_t>();
  int64_t start = 0;
  if (root.contains("start_unix")) {
    if (!root["start_unix"].is_number_integer()) {
      return p.Error("start_unix", "expected whole Unix seconds, got " + Short(root["start_unix"]));
    }
    start = root["start_unix"].get<int64_t>();
  }
  if (root.contains("description") && root["description"].is_string()) {
    source->description_ = root["description"].get<std::string>();
  }
  if (!root.contains("metrics") || !root["metrics"].is_object()) {
    return p.Error("metrics", "required: an object of metric name -> recorded data");
  }
  size_t max_steps = 0;
  for (const auto& [name, value] : root["metrics"].items()) {
    auto m = ParseMetric(p, value, "metrics." + name, start, step);
    if (!m.ok()) return m.status();
    max_steps = std::max(max_steps, m->data.step_end_unix.size());
    source->metrics_.emplace(name, std::move(*m));
  }
  source->grid_ = StepGrid{start, step, std::max<size_t>(1, max_steps)};
  return source;
}

StatusOr<MetricData> ReplaySource::Fetch(const MetricRequest& request, const StepGrid&) const {
  if (request.spec == nullptr) return InvalidArgumentError("replay: no metric given");
  const std::string& name = request.spec->name;
  auto it = metrics_.find(name);
  if (it == metrics_.end()) {
    std::string list;
    for (const auto& [n, m] : metrics_) list += (list.empty() ? "" : ", ") + n;
    return NotFoundError(source_ + ": the recording has no metric \"" + name +
                         "\" (recorded: " + (list.empty() ? "none" : list) + ")");
  }
  const RecordedMetric& m = it->second;
  if (!m.error.ok()) return m.error;
  const Needs needs = NeedsFor(request.spec->kind);
  const std::string kind = rules::MetricKindName(request.spec->kind);
  for (const bool canary : {true, false}) {
    if (!canary && !needs.control) continue;
    const char* side = canary ? "canary" : "control";
    const bool present = canary ? m.has_canary : m.has_control;
    const std::set<std::string>& fields = canary ? m.canary_fields : m.control_fields;
    for (const std::string& f : needs.fields) {
      if (!present || fields.count(f) == 0) {
        return InvalidArgumentError(source_ + ": " + m.path + "." + side +
                                    (present ? "." + f : "") + ": missing (" + kind +
                                    " metrics need " + needs.text + ")");
      }
    }
  }
  return m.data;
}

std::vector<std::string> ReplaySource::MetricNames() const {
  std::vector<std::string> names;
  for (const auto& [n, m] : metrics_) names.push_back(n);
  return names;
}

StatusOr<std::unique_ptr<ReplaySource>> LoadReplay(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgumentError(path + ": cannot open file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return ReplaySource::FromJson(text.str(), path);
}

StatusOr<std::unique_ptr<MetricSource>> LoadReplayFile(const std::string& path) {
  auto replay = LoadReplay(path);
  if (!replay.ok()) return replay.status();
  return std::unique_ptr<MetricSource>(std::move(*replay));
}

}  // namespace verdict::analyzer
