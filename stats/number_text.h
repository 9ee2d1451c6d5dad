// Numbers in stats/ error messages (internal to stats/; not a formatting API).
#pragma once

#include <cstdio>
#include <string>

namespace verdict::stats::detail {

// `v` printed with printf's %.<precision>g ("inf", "nan" for non-finite values).
inline std::string NumberText(double v, int precision = 17) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  return buf;
}

}  // namespace verdict::stats::detail
