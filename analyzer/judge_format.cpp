#include "analyzer/judge_format.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace verdict::analyzer {
namespace {

std::string Printf(const char* format, int precision, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, precision, value);
  return buf;
}

std::string NonFinite(double value) {
  if (std::isnan(value)) return "n/a";
  return value > 0 ? "infinity" : "-infinity";
}

}  // namespace

std::string FormatNumber(double value, int significant) {
  if (!std::isfinite(value)) return NonFinite(value);
  if (value == 0) return "0";
  if (significant < 1) significant = 1;
  const double magnitude = std::fabs(value);
  // Very small and very large magnitudes in scientific notation: "%f" would
  // print a 1e300 as hundreds of digits (cut off by the buffer, so wrong).
  if (magnitude < 1e-4 || magnitude >= 1e15) return Printf("%.*e", significant - 1, value);
  const int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
  int decimals = significant - 1 - exponent;
  if (decimals < 0) decimals = 0;
  std::string text = Printf("%.*f", decimals, value);
  // Rounding can carry into one more digit (9.996 -> "10.00"): drop one decimal.
  if (decimals > 0) {
    const double rounded = std::fabs(std::stod(text));
    if (rounded > 0 && static_cast<int>(std::floor(std::log10(rounded))) > exponent) {
      text = Printf("%.*f", decimals - 1, value);
    }
  }
  return text;
}

std::string FormatShort(double value) {
  if (!std::isfinite(value)) return NonFinite(value);
  if (value == std::floor(value) && std::fabs(value) < 1e15) return Printf("%.*f", 0, value);
  return Printf("%.*g", 6, value);
}

std::string FormatSigned(double value, int significant) {
  const std::string text = FormatNumber(value, significant);
  return value > 0 ? "+" + text : text;
}

std::string FormatCount(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return Printf("%.*f", 0, value);
  }
  return FormatNumber(value);
}

std::string FormatPercent(double fraction, int significant) {
  if (!std::isfinite(fraction)) return NonFinite(fraction);
  return FormatNumber(fraction * 100, significant) + "%";
}

std::string FormatConfidence(double confidence) {
  if (!std::isfinite(confidence)) return NonFinite(confidence);
  std::string text = Printf("%.*f", 4, confidence * 100);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text + "%";
}

std::pair<std::string, std::string> FormatApart(double a, double b, double scale, bool sign,
                                                int significant) {
  auto format = [&](double v, int digits) {
    return sign ? FormatSigned(v * scale, digits) : FormatNumber(v * scale, digits);
  };
  int digits = significant;
  std::string ta = format(a, digits);
  std::string tb = format(b, digits);
  while (a != b && ta == tb && digits < 12) {
    ++digits;
    ta = format(a, digits);
    tb = format(b, digits);
  }
  return {ta, tb};
}

std::pair<std::string, std::string> FormatShortApart(double a, double b) {
  std::string ta = FormatShort(a), tb = FormatShort(b);
  if (ta == tb && a != b) return FormatApart(a, b, 1, false, 6);
  return {ta, tb};
}

}  // namespace verdict::analyzer
