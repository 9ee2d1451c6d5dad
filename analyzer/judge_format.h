// Number formatting for the judge's sentences and reports.
//
// Every number a sentence shows comes from these functions, so a reader (and
// the tests) can parse it back: plain decimal notation, no thousands
// separators, "infinity" for an infinite value and "n/a" for NaN.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <utility>

namespace verdict::analyzer {

// `significant` significant digits in plain notation: 0.031 -> "0.0310",
// 6.2 -> "6.20", 1234.6 -> "1235" (values of 10^significant and more are
// rounded to integers), 0 -> "0". Values below 1e-4 in magnitude use
// scientific notation ("1.23e-05"). Non-finite: "infinity", "-infinity", "n/a".
std::string FormatNumber(double value, int significant = 3);

// Up to 6 significant digits without trailing zeros, for configured values
// and names: 99 -> "99", 0.05 -> "0.05", 0.005 -> "0.005", 1234567 -> "1234567".
std::string FormatShort(double value);

// As FormatNumber with a leading "+" for positive values ("+2.60", "-0.100", "0").
std::string FormatSigned(double value, int significant = 3);

// A count: integral values in full ("12345"), others as FormatNumber.
std::string FormatCount(double value);

// A fraction as a percentage: 0.031 -> "3.10%".
std::string FormatPercent(double fraction, int significant = 3);

// A confidence level: 0.9875 -> "98.75%", 0.95 -> "95%" (up to 4 decimals,
// trailing zeros removed).
std::string FormatConfidence(double confidence);

// Formats `a` and `b` with FormatNumber, adding significant digits (up to 12)
// until the two texts differ whenever a != b, so that a sentence comparing
// them ("1.104 exceeds 1.1") stays true after rounding. `scale` multiplies
// both before formatting (e.g. 100 for points), `sign` adds "+" to positives.
std::pair<std::string, std::string> FormatApart(double a, double b, double scale = 1,
                                                bool sign = false, int significant = 3);

// FormatShort for both, with more digits (FormatApart) only when the short
// texts would be equal although the values differ.
std::pair<std::string, std::string> FormatShortApart(double a, double b);

}  // namespace verdict::analyzer
