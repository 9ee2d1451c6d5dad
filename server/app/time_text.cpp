// RFC 3339 and Unix-seconds text (server/app/time_text.h).
#include "server/app/time_text.h"

#include <cctype>
#include <cstdio>

namespace verdict::app {
namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// The civil date of a day count since 1970-01-01 (inverse of DaysFromCivil).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

}  // namespace

std::optional<int64_t> ParseRfc3339(std::string_view s) {
  size_t i = 0;
  auto digits = [&](size_t n) -> std::optional<int> {
    if (i + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      const char c = s[i + k];
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i += n;
    return v;
  };
  auto expect = [&](std::string_view chars) {
    if (i < s.size() && chars.find(s[i]) != std::string_view::npos) {
      ++i;
      return true;
    }
    return false;
  };
  const auto year = digits(4);
  if (!year || !expect("-")) return std::nullopt;
  const auto month = digits(2);
  if (!month || !expect("-")) return std::nullopt;
  const auto day = digits(2);
  if (!day || !expect("Tt ")) return std::nullopt;
  const auto hour = digits(2);
  if (!hour || !expect(":")) return std::nullopt;
  const auto minute = digits(2);
  if (!minute || !expect(":")) return std::nullopt;
  const auto second = digits(2);
  if (!second) return std::nullopt;
  if (expect(".")) {
    const size_t frac_start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == frac_start) return std::nullopt;
  }
  int offset_minutes = 0;
  if (!expect("Zz")) {
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return std::nullopt;
    const int sign = s[i] == '-' ? -1 : 1;
    ++i;
    const auto oh = digits(2);
    if (!oh || !expect(":")) return std::nullopt;
    const auto om = digits(2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  }
  if (i != s.size()) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 ||
      static_cast<unsigned>(*day) > DaysInMonth(*year, static_cast<unsigned>(*month)) ||
      *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const int64_t days =
      DaysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return days * 86400 + *hour * 3600 + *minute * 60 + *second -
         static_cast<int64_t>(offset_minutes) * 60;
}

std::optional<int64_t> ParseUnixSeconds(std::string_view s) {
  if (s.empty() || s.size() > 30) return std::nullopt;
  size_t i = 0;
  int64_t v = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    if (i >= 12) return std::nullopt;  // beyond year 33658: a typo, not a time
    v = v * 10 + (s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  if (i < s.size()) {
    if (s[i] != '.' || i + 1 == s.size()) return std::nullopt;
    for (++i; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    }
  }
  return v;
}

std::string FormatRfc3339(int64_t unix_seconds) {
  const int64_t days = unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
  const int64_t secs = unix_seconds - days * 86400;
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  const int s = static_cast<int>(secs);  // [0, 86400)
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m,
                d, s / 3600, s / 60 % 60, s % 60);
  return buf;
}

}  // namespace verdict::app
