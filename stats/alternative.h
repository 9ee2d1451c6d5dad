// The alternative hypothesis of a two-sample test, shared by every test in stats/.
// Convention throughout Verdict: x = canary, y = control, and "greater" means the
// canary's value (location, rate, quantile) is higher than the control's.
#pragma once

#include <optional>
#include <string>

namespace verdict::stats {

enum class Alternative { kTwoSided, kGreater, kLess };

// "two-sided", "greater" or "less".
inline const char* AlternativeName(Alternative a) {
  switch (a) {
    case Alternative::kTwoSided:
      return "two-sided";
    case Alternative::kGreater:
      return "greater";
    case Alternative::kLess:
      return "less";
  }
  return "two-sided";
}

// Parses "two-sided" (also "two.sided"), "greater" or "less"; nullopt otherwise.
inline std::optional<Alternative> ParseAlternative(const std::string& s) {
  if (s == "two-sided" || s == "two.sided") return Alternative::kTwoSided;
  if (s == "greater") return Alternative::kGreater;
  if (s == "less") return Alternative::kLess;
  return std::nullopt;
}

// Whether an interval lies within the margin for `a`: greater needs the
// canary "not worse" (upper end within the margin), less needs it "not
// better" (lower end within), two-sided needs both.
inline bool WithinMargin(Alternative a, bool not_worse, bool not_better) {
  switch (a) {
    case Alternative::kGreater: return not_worse;
    case Alternative::kLess: return not_better;
    case Alternative::kTwoSided: return not_worse && not_better;
  }
  return false;
}

}  // namespace verdict::stats
