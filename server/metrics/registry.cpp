#include "server/metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <utility>

#include "server/metrics/exposition.h"

namespace verdict::server {
namespace {

enum class Kind { kCounter, kGauge, kHistogram };

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kCounter:
      return "counter";
    case Kind::kGauge:
      return "gauge";
    case Kind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// Prometheus client libraries' default buckets (seconds).
const std::vector<double>& DefaultBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                               0.5,   1,    2.5,   5,    10};
  return kBuckets;
}

// Ascending, without duplicates, NaN or +Inf (the +Inf bucket is implicit).
std::vector<double> CleanBuckets(std::vector<double> buckets) {
  buckets.erase(std::remove_if(buckets.begin(), buckets.end(),
                               [](double b) { return std::isnan(b) || b == INFINITY; }),
                buckets.end());
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  return buckets;
}

struct HistogramSeries {
  std::vector<uint64_t> bucket_counts;  // per finite bound, not cumulative
  uint64_t count = 0;                   // every observation (the +Inf bucket)
  double sum = 0;
};

struct Family {
  Kind kind = Kind::kCounter;
  std::string help;
  std::vector<double> buckets;                   // histograms only
  std::map<Labels, double> values;               // counters and gauges
  std::map<Labels, HistogramSeries> histograms;  // histograms
  bool empty() const { return values.empty() && histograms.empty(); }
};

Labels SanitizeLabels(const Labels& labels) {
  Labels out;
  for (const auto& [k, v] : labels) out[detail::SanitizeName(k, false)] = v;
  return out;
}

void AppendLabels(std::string& out, const Labels& labels, const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += detail::EscapeLabelValue(v);
    out += '"';
  }
  if (le != nullptr) {
    if (!first) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, const std::string& name, const Labels& labels, double value,
                  const std::string* le = nullptr) {
  out += name;
  AppendLabels(out, labels, le);
  out += ' ';
  out += detail::PromNumber(value);
  out += '\n';
}

void AppendHistogram(std::string& out, const std::string& name, const Family& family) {
  for (const auto& [labels, series] : family.histograms) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < family.buckets.size(); ++i) {
      cumulative += series.bucket_counts[i];
      const std::string le = detail::PromNumber(family.buckets[i]);
      AppendSample(out, name + "_bucket", labels, static_cast<double>(cumulative), &le);
    }
    const std::string inf = "+Inf";
    AppendSample(out, name + "_bucket", labels, static_cast<double>(series.count), &inf);
    AppendSample(out, name + "_sum", labels, series.sum);
    AppendSample(out, name + "_count", labels, static_cast<double>(series.count));
  }
}

}  // namespace

class MetricsRegistry::Impl {
 public:
  // The family `name` (sanitised), declared as `kind` with default settings
  // when new. Caller holds mu.
  Family& Get(const std::string& name, Kind kind) {
    auto [it, inserted] = families.try_emplace(name);
    if (inserted) {
      it->second.kind = kind;
      if (kind == Kind::kHistogram) it->second.buckets = DefaultBuckets();
    }
    return it->second;
  }

  void Declare(const std::string& raw_name, Kind kind, const std::string& help,
               std::vector<double>* buckets) {
    const std::string name = detail::SanitizeName(raw_name, true);
    std::lock_guard<std::mutex> lock(mu);
    Family& family = Get(name, kind);
    if (family.kind != kind) return;  // first declaration wins
    if (!help.empty()) family.help = help;
    if (buckets != nullptr && family.histograms.empty()) family.buckets = CleanBuckets(*buckets);
  }

  mutable std::mutex mu;
  std::map<std::string, Family> families;  // guarded by mu
};

MetricsRegistry::MetricsRegistry() : impl_(std::make_unique<Impl>()) {}
MetricsRegistry::~MetricsRegistry() = default;

void MetricsRegistry::DeclareCounter(const std::string& name, const std::string& help) {
  impl_->Declare(name, Kind::kCounter, help, nullptr);
}

void MetricsRegistry::DeclareGauge(const std::string& name, const std::string& help) {
  impl_->Declare(name, Kind::kGauge, help, nullptr);
}

void MetricsRegistry::DeclareHistogram(const std::string& name, const std::string& help,
                                       std::vector<double> buckets) {
  impl_->Declare(name, Kind::kHistogram, help, &buckets);
}

void MetricsRegistry::Increment(const std::string& name, const Labels& labels, double by) {
  if (std::isnan(by)) return;
  const std::string clean = detail::SanitizeName(name, true);
  const Labels clean_labels = SanitizeLabels(labels);
  std::lock_guard<std::mutex> lock(impl_->mu);
  Family& family = impl_->Get(clean, Kind::kCounter);
  if (family.kind == Kind::kHistogram) return;
  if (family.kind == Kind::kCounter && by < 0) return;  // counters only go up
  family.values[clean_labels] += by;
}

void MetricsRegistry::Set(const std::string& name, const Labels& labels, double value) {
  const std::string clean = detail::SanitizeName(name, true);
  const Labels clean_labels = SanitizeLabels(labels);
  std::lock_guard<std::mutex> lock(impl_->mu);
  Family& family = impl_->Get(clean, Kind::kGauge);
  if (family.kind != Kind::kGauge) return;
  family.values[clean_labels] = value;
}

void MetricsRegistry::Observe(const std::string& name, const Labels& labels, double value) {
  const std::string clean = detail::SanitizeName(name, true);
  const Labels clean_labels = SanitizeLabels(labels);
  std::lock_guard<std::mutex> lock(impl_->mu);
  Family& family = impl_->Get(clean, Kind::kHistogram);
  if (family.kind != Kind::kHistogram) return;
  HistogramSeries& series = family.histograms[clean_labels];
  if (series.bucket_counts.empty()) series.bucket_counts.assign(family.buckets.size(), 0);
  // The first bound >= value takes it (upper bounds are inclusive); NaN and
  // values above every bound land in +Inf only.
  const auto it = std::lower_bound(family.buckets.begin(), family.buckets.end(), value);
  if (!std::isnan(value) && it != family.buckets.end()) {
    ++series.bucket_counts[static_cast<size_t>(it - family.buckets.begin())];
  }
  ++series.count;
  series.sum += value;
}

double MetricsRegistry::Value(const std::string& name, const Labels& labels) const {
  const std::string clean = detail::SanitizeName(name, true);
  const Labels clean_labels = SanitizeLabels(labels);
  std::lock_guard<std::mutex> lock(impl_->mu);
  const auto family = impl_->families.find(clean);
  if (family == impl_->families.end()) return 0;
  if (family->second.kind == Kind::kHistogram) {
    const auto series = family->second.histograms.find(clean_labels);
    return series == family->second.histograms.end() ? 0
                                                     : static_cast<double>(series->second.count);
  }
  const auto series = family->second.values.find(clean_labels);
  return series == family->second.values.end() ? 0 : series->second;
}

std::string MetricsRegistry::Exposition() const {
  std::string out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& [name, family] : impl_->families) {
    if (family.empty()) continue;
    if (!family.help.empty())
      out += "# HELP " + name + " " + detail::EscapeHelp(family.help) + "\n";
    out += "# TYPE " + name + " " + KindName(family.kind) + "\n";
    if (family.kind == Kind::kHistogram) {
      AppendHistogram(out, name, family);
    } else {
      for (const auto& [labels, value] : family.values) AppendSample(out, name, labels, value);
    }
  }
  return out;
}

}  // namespace verdict::server
