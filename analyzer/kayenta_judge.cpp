// NetflixACAJudge-compatible classification (analyzer/kayenta_judge.h).
#include "analyzer/kayenta_judge.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "analyzer/judge_format.h"
#include "stats/descriptive.h"
#include "stats/mann_whitney.h"

namespace verdict::analyzer {
namespace {

using Method = stats::MannWhitneyOptions::Method;

std::vector<double> ApplyNan(const std::vector<double>& values, rules::NanStrategy strategy) {
  std::vector<double> out;
  for (double v : values) {
    if (!std::isnan(v)) {
      out.push_back(v);
    } else if (strategy == rules::NanStrategy::kReplace) {
      out.push_back(0);
    }
  }
  return out;
}

double MeanOf(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  auto m = stats::Mean(v);
  return m.ok() ? *m : kNaN;
}

bool SameMultiset(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

bool OneValue(const std::vector<double>& a, const std::vector<double>& b) {
  const double first = a.front();
  auto same = [first](double v) { return v == first; };
  return std::all_of(a.begin(), a.end(), same) && std::all_of(b.begin(), b.end(), same);
}

// The outcome of the rank comparison (steps 5-6), with or without the fixes.
struct Comparison {
  std::string label = "Pass";
  bool critical = false;
  bool overridden = false;  // High/Low only through the significant-shift fix
  bool tested = false;
  bool effect_gate = true;  // the effect-size gate of the interval's side held
  stats::MannWhitneyResult mw;
  double tolerance = kNaN, effect = kNaN;
};

Comparison Compare(const std::vector<double>& canary, const std::vector<double>& control,
                   const KayentaClassifyOptions& o, Method method, bool fixes) {
  Comparison c;
  stats::MannWhitneyOptions mwo;
  mwo.alternative = stats::Alternative::kTwoSided;
  mwo.confidence = o.confidence;
  mwo.method = method;
  auto mw = stats::MannWhitney(canary, control, mwo);
  if (!mw.ok()) return c;
  c.tested = true;
  c.mw = *mw;
  c.tolerance = o.tolerance * std::fabs(mw->estimate);
  const rules::KayentaEffectSize& es = o.kayenta.effect_size;
  if (es.measure == rules::EffectMeasure::kCles) {
    c.effect = mw->u / (static_cast<double>(canary.size()) * static_cast<double>(control.size()));
  } else {
    const double mc = MeanOf(canary), mb = MeanOf(control);
    c.effect = (mc == 0 || mb == 0) ? kNaN : mc / mb;
  }
  const bool up = o.direction != rules::Direction::kDecrease;
  const bool down = o.direction != rules::Direction::kIncrease;
  const bool gate_up = std::isnan(c.effect) || c.effect >= es.allowed_increase;
  const bool gate_down = std::isnan(c.effect) || c.effect <= es.allowed_decrease;
  if (up && mw->ci_low > c.tolerance && gate_up) {
    c.label = "High";
  } else if (down && mw->ci_high < -c.tolerance && gate_down) {
    c.label = "Low";
  } else if (fixes && mw->p_value < 1 - o.confidence) {
    if (up && mw->estimate > 0 && gate_up) {
      c.label = "High";
      c.overridden = true;
    } else if (down && mw->estimate < 0 && gate_down) {
      c.label = "Low";
      c.overridden = true;
    }
  }
  if (up && mw->ci_low > c.tolerance) c.effect_gate = gate_up;
  if (down && mw->ci_high < -c.tolerance) c.effect_gate = gate_down;
  if (o.critical && c.label == "High") {
    c.critical = std::isnan(c.effect) || c.effect >= es.critical_increase;
  } else if (o.critical && c.label == "Low") {
    c.critical = std::isnan(c.effect) || c.effect <= es.critical_decrease;
  }
  return c;
}

// NetflixACAJudge's label for the values (no fixes; its normal approximation).
std::string KayentaLabel(const std::vector<double>& canary, const std::vector<double>& control,
                         const KayentaClassifyOptions& o) {
  if (canary.empty() || control.empty()) {
    if (o.kayenta.nan_strategy == rules::NanStrategy::kReplace) return "Pass";
    return o.kayenta.must_have_data && !o.critical ? "NodataFailMetric" : "Nodata";
  }
  if (SameMultiset(canary, control) || OneValue(canary, control)) return "Pass";
  return Compare(canary, control, o, Method::kAsymptotic, false).label;
}

std::string EffectName(const KayentaClassifyOptions& o) {
  return o.kayenta.effect_size.measure == rules::EffectMeasure::kCles ? "CLES" : "mean ratio";
}

std::string Explain(const Comparison& c, const KayentaClassification& out,
                    const KayentaClassifyOptions& o) {
  const stats::MannWhitneyResult& mw = c.mw;
  const std::string conf = FormatConfidence(o.confidence);
  std::string text = "canary mean " + FormatNumber(out.canary_mean) + " vs control " +
                     FormatNumber(out.control_mean) + " (" + std::to_string(out.canary_values) +
                     " and " + std::to_string(out.control_values) +
                     " values): Hodges-Lehmann shift " + FormatSigned(mw.estimate) + " (" + conf +
                     " CI " + FormatSigned(mw.ci_low) + " to " + FormatSigned(mw.ci_high) +
                     ", Mann-Whitney " + stats::MethodName(mw.method_used) +
                     " p = " + FormatNumber(mw.p_value) + "), tolerance " +
                     FormatNumber(c.tolerance) + " (" + FormatShort(o.tolerance * 100) +
                     "% of |shift|), " + EffectName(o) + " " + FormatNumber(c.effect) + ": ";
  const rules::KayentaEffectSize& es = o.kayenta.effect_size;
  if (c.overridden) {
    const std::string alpha = FormatShort(1 - o.confidence);
    return text + "the interval reaches into the tolerance band (NetflixACAJudge: Pass), but " +
           "the test rejects no shift (p = " + FormatApart(mw.p_value, 1 - o.confidence).first +
           " < " + alpha + "): " + out.label + " (Verdict fix, spinnaker/kayenta#780)";
  }
  if (out.label == "High") {
    const auto [lo, tol] = FormatApart(mw.ci_low, c.tolerance);
    return text + "the interval's lower end " + lo + " is above the tolerance " + tol +
           " and the effect size reaches the allowed increase " +
           FormatNumber(es.allowed_increase) + ": High" + (out.critical ? " (critical)" : "");
  }
  if (out.label == "Low") {
    const auto [hi, tol] = FormatApart(mw.ci_high, -c.tolerance);
    return text + "the interval's upper end " + hi + " is below " + tol +
           " and the effect size reaches the allowed decrease " +
           FormatNumber(es.allowed_decrease) + ": Low" + (out.critical ? " (critical)" : "");
  }
  if (!c.effect_gate) {
    return text + "the interval clears the tolerance but the effect size does not reach the " +
           "allowed change (increase " + FormatNumber(es.allowed_increase) + ", decrease " +
           FormatNumber(es.allowed_decrease) + "): Pass";
  }
  const bool in_band = mw.ci_low <= c.tolerance && mw.ci_high >= -c.tolerance;
  if (in_band) {
    return text + "the interval reaches into the tolerance band [" + FormatNumber(-c.tolerance) +
           ", " + FormatNumber(c.tolerance) + "]: Pass";
  }
  return text + "the interval lies " + (mw.ci_low > c.tolerance ? "above" : "below") +
         " the tolerance band, a change the direction " + rules::DirectionName(o.direction) +
         " does not watch: Pass";
}

}  // namespace

std::vector<double> RemoveOutliersIqr(const std::vector<double>& values, double factor) {
  if (values.empty()) return values;
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const double p25 = stats::QuantileOfSorted(sorted, 0.25);
  const double p75 = stats::QuantileOfSorted(sorted, 0.75);
  const double p01 = stats::QuantileOfSorted(sorted, 0.01);
  const double p99 = stats::QuantileOfSorted(sorted, 0.99);
  const double iqr = p75 - p25;
  const double lower = std::min(p01, p25 - factor * iqr);
  const double upper = std::max(p99, p75 + factor * iqr);
  std::vector<double> out;
  for (double v : values) {
    if (!(v > upper || v < lower)) out.push_back(v);
  }
  return out;
}

KayentaClassification ClassifyKayentaValues(const std::vector<double>& canary,
                                            const std::vector<double>& control,
                                            const KayentaClassifyOptions& o) {
  KayentaClassification out;
  std::vector<double> kc = ApplyNan(canary, o.kayenta.nan_strategy);
  std::vector<double> kb = ApplyNan(control, o.kayenta.nan_strategy);
  if (o.kayenta.outlier_strategy == rules::OutlierStrategy::kRemove) {
    kc = RemoveOutliersIqr(kc, o.kayenta.outlier_factor);
    kb = RemoveOutliersIqr(kb, o.kayenta.outlier_factor);
  }
  out.kayenta_label = KayentaLabel(kc, kb, o);
  // Verdict: a side without any value is missing, whatever the NaN strategy.
  auto none = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
  };
  const std::vector<double> vc = none(canary) ? std::vector<double>{} : kc;
  const std::vector<double> vb = none(control) ? std::vector<double>{} : kb;
  out.canary_values = vc.size();
  out.control_values = vb.size();
  out.canary_mean = MeanOf(vc);
  out.control_mean = MeanOf(vb);
  out.deviation = (out.canary_mean == 0 || out.control_mean == 0 || vc.empty() || vb.empty())
                      ? kNaN
                      : out.canary_mean / out.control_mean;
  const auto min_data = static_cast<size_t>(std::max<int64_t>(1, o.min_data));
  if (vc.size() < min_data || vb.size() < min_data) {
    const bool fail_metric = o.kayenta.must_have_data && !o.critical;
    out.label = fail_metric ? "NodataFailMetric" : "Nodata";
    out.critical = o.critical && o.kayenta.must_have_data;
    out.reason = (vc.empty() || vb.empty()
                      ? std::string("no ") + (vc.empty() ? "canary" : "control") + " values"
                      : "fewer values than min_data " + std::to_string(min_data)) +
                 " (canary " + std::to_string(vc.size()) + ", control " +
                 std::to_string(vb.size()) +
                 " after NaN handling and outlier removal): " + out.label +
                 (o.kayenta.must_have_data ? " (must_have_data)" : "");
    if (out.label != out.kayenta_label) {
      out.fixes.push_back(vc.empty() || vb.empty() ? "missing data never passes"
                                                   : "min_data values per side before deciding");
    }
    return out;
  }
  if (SameMultiset(vc, vb) || OneValue(vc, vb)) {
    out.label = "Pass";
    out.reason = "the canary and control values are identical (" + std::to_string(vc.size()) +
                 " values): Pass";
    return out;
  }
  const Comparison c = Compare(vc, vb, o, Method::kAuto, true);
  if (!c.tested) {
    out.label = "Nodata";
    out.reason = "the Mann-Whitney test could not run on these values: Nodata";
    return out;
  }
  out.label = c.label;
  out.critical = c.critical;
  out.estimate = c.mw.estimate;
  out.ci_low = c.mw.ci_low;
  out.ci_high = c.mw.ci_high;
  out.p_value = c.mw.p_value;
  out.method = stats::MethodName(c.mw.method_used);
  out.tolerance = c.tolerance;
  out.effect_size = c.effect;
  out.reason = Explain(c, out, o);
  if (c.overridden) out.fixes.push_back("significant shift not passed (spinnaker/kayenta#780)");
  if (out.label != out.kayenta_label && !c.overridden) {
    out.fixes.push_back("exact small-sample Mann-Whitney (R wilcox.test semantics)");
  }
  return out;
}

}  // namespace verdict::analyzer
