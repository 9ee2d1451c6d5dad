#include "analyzer/study/simulation_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace verdict::study {
namespace {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string Render(const Table& t, ReportFormat format) {
  std::string out;
  if (format == ReportFormat::kMarkdown) {
    auto line = [&out](const std::vector<std::string>& cells) {
      out += "|";
      for (const std::string& c : cells) out += " " + c + " |";
      out += "\n";
    };
    line(t.header);
    out += "|";
    for (std::size_t i = 0; i < t.header.size(); ++i) out += i == 0 ? "---|" : "---:|";
    out += "\n";
    for (const auto& row : t.rows) line(row);
    return out;
  }
  std::vector<std::size_t> width(t.header.size(), 0);
  auto measure = [&width](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], cells[i].size());
    }
  };
  measure(t.header);
  for (const auto& row : t.rows) measure(row);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l = "  ";
    for (std::size_t i = 0; i < cells.size(); ++i) {
      // First column left-aligned, numbers right-aligned.
      l += i == 0 ? fmt::format("{:<{}}", cells[i], width[i])
                  : fmt::format("  {:>{}}", cells[i], width[i]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(t.header);
  for (const auto& row : t.rows) line(row);
  return out;
}

std::string Heading(const std::string& title, ReportFormat format) {
  return format == ReportFormat::kMarkdown ? "#### " + title + "\n\n" : title + "\n";
}

const ScenarioResult* FindCell(const StudyResults& r, std::size_t scenario, int looks) {
  for (const ScenarioResult& c : r.scenarios) {
    if (c.scenario == scenario && c.looks == looks) return &c;
  }
  return nullptr;
}

const MethodSummary* FindMethod(const ScenarioResult& cell, Method m) {
  for (const MethodSummary& s : cell.methods) {
    if (s.method == m) return &s;
  }
  return nullptr;
}

std::vector<std::string> LooksHeader(const StudyResults& r, const std::string& first) {
  std::vector<std::string> h = {first};
  for (int k : r.plan.looks) h.push_back(fmt::format("K = {}", k));
  return h;
}

std::string Settings(const StudyResults& r) {
  const StudyOptions& o = r.plan.options;
  const RolloutConfig& c = o.rollout;
  std::string stages;
  for (double w : c.share_stages)
    stages += (stages.empty() ? "" : "/") + fmt::format("{:g}", 100 * w);
  const double p99 = LatencyQuantile(c.latency, 0.99);
  return fmt::format(
      "Seed {}. Each run is one rollout of K steps of {:g} s (one look per step): canary weight "
      "{}% in equal stages, load {:g}-{:g} requests/s on a diurnal curve (random time of day, "
      "per-step noise sd {:g}), control error rate {:g}% (shared step-to-step fluctuation sd "
      "{:g}, phi {:g}), latency a lognormal mixture (median {:g} ms x a per-rollout factor in "
      "[1/{:g}, {:g}], {:g}% tail at {:g}x; p99 {:.0f} ms before that factor) in Istio's default "
      "buckets. Every method tests \"the canary is worse\" at alpha = {:g}, except the Kayenta "
      "rule ({:g}% two-sided interval, tolerance {:g} x |estimate|); the quantile test compares "
      "p{:g}, the slow-request share counts requests slower than {:g} ms. Runs per K: {} healthy, "
      "{} per regression.\n",
      o.seed, c.step_seconds, stages, c.min_rps, c.max_rps, c.load_noise_sd,
      100 * c.control_error_rate, c.error_fluctuation_sd, c.fluctuation_phi, c.latency.median_ms,
      c.latency_median_spread, c.latency_median_spread, 100 * c.latency.tail_weight,
      c.latency.tail_median_factor, p99, o.methods.alpha, 100 * o.methods.kayenta_confidence,
      o.methods.kayenta_tolerance, 100 * o.methods.quantile, o.methods.slo_ms, r.plan.null_runs,
      r.plan.power_runs);
}

std::string NullTable(const StudyResults& r, std::size_t scenario, ReportFormat format) {
  Table t;
  t.header = LooksHeader(r, "method (healthy canary)");
  const std::vector<Method> skipped = SkippedMethods(r.plan.options);
  for (const MethodInfo& m : Methods()) {
    if (std::find(skipped.begin(), skipped.end(), m.method) != skipped.end()) continue;
    std::vector<std::string> row = {fmt::format("{} [{}]", m.label, FamilyName(m.family))};
    for (int k : r.plan.looks) {
      const ScenarioResult* cell = FindCell(r, scenario, k);
      const MethodSummary* s = cell ? FindMethod(*cell, m.method) : nullptr;
      if (!s) {
        row.push_back("-");
      } else if (std::isnan(s->median_look)) {
        row.push_back(FormatRateWithInterval(s->rate, s->ci));
      } else {
        row.push_back(
            fmt::format("{} ({:g})", FormatRateWithInterval(s->rate, s->ci), s->median_look));
      }
    }
    t.rows.push_back(row);
  }
  return Heading(fmt::format("Healthy canary: rate of ever failing it [95% Wilson interval] "
                             "(median look of the false alarm), {} runs per K",
                             r.plan.null_runs),
                 format) +
         Render(t, format);
}

std::string PowerTable(const StudyResults& r, const std::vector<std::size_t>& scenarios,
                       ReportFormat format) {
  Table t;
  t.header = LooksHeader(r, "scenario: method");
  const std::vector<Method> skipped = SkippedMethods(r.plan.options);
  for (std::size_t s : scenarios) {
    const Scenario& sc = Scenarios()[s];
    for (const MethodInfo& m : Methods()) {
      if (std::find(sc.families.begin(), sc.families.end(), m.family) == sc.families.end() ||
          std::find(skipped.begin(), skipped.end(), m.method) != skipped.end()) {
        continue;
      }
      std::vector<std::string> row = {fmt::format("{}: {}", sc.name, m.label)};
      for (int k : r.plan.looks) {
        const ScenarioResult* cell = FindCell(r, s, k);
        const MethodSummary* ms = cell ? FindMethod(*cell, m.method) : nullptr;
        if (!ms) {
          row.push_back("-");
        } else if (std::isnan(ms->median_look)) {
          row.push_back(fmt::format("{:.3f} (-)", ms->rate));
        } else {
          row.push_back(fmt::format("{:.3f} ({:g})", ms->rate, ms->median_look));
        }
      }
      t.rows.push_back(row);
    }
  }
  return Heading(fmt::format("Regressions: power (median look of detection), {} runs per K",
                             r.plan.power_runs),
                 format) +
         Render(t, format);
}

// `rounding`: half a unit of the published values' last decimal.
std::string CheckTable(const std::vector<CheckRow>& rows, const std::string& title,
                       const std::string& parameter, double rounding, ReportFormat format) {
  Table t;
  t.header = {parameter, "simulated", "95% interval", "published", "published within interval"};
  for (const CheckRow& row : rows) {
    const bool inside =
        row.published >= row.ci.low - rounding && row.published <= row.ci.high + rounding;
    t.rows.push_back({fmt::format("{:g}", row.parameter), fmt::format("{:.4f}", row.rate),
                      fmt::format("[{:.4f}, {:.4f}]", row.ci.low, row.ci.high),
                      std::isnan(row.published) ? "-" : fmt::format("{:.3f}", row.published),
                      std::isnan(row.published) ? "-" : (inside ? "yes" : "no")});
  }
  return Heading(title, format) + Render(t, format);
}

}  // namespace

std::string FormatRateWithInterval(double rate, const Interval& ci) {
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", rate, ci.low, ci.high);
}

std::string RenderReport(const StudyResults& r, ReportFormat format) {
  const std::string gap = "\n";
  std::string out = Settings(r) + gap;
  std::vector<std::size_t> regressions;
  for (std::size_t s : r.plan.scenarios) {
    if (Scenarios()[s].null) {
      out += NullTable(r, s, format) + gap;
    } else {
      regressions.push_back(s);
    }
  }
  if (!regressions.empty()) out += PowerTable(r, regressions, format) + gap;
  if (!r.peeking.empty()) {
    out += CheckTable(r.peeking,
                      fmt::format("Peeking check: two-sided z test at alpha = .05 on iid normal "
                                  "data, repeated at each of K looks ({} runs)",
                                  r.peeking.front().runs),
                      "looks K", 0.0005, format) +
           gap;
  }
  if (!r.autocorrelation.empty()) {
    out += CheckTable(r.autocorrelation,
                      fmt::format("Autocorrelation check: two-sided Mann-Whitney at alpha = .05 "
                                  "on two AR(1) series of 30 points ({} runs)",
                                  r.autocorrelation.front().runs),
                      "phi", 0.005, format) +
           gap;
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;  // ends with one newline
}

}  // namespace verdict::study
