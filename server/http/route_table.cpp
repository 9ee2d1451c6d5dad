#include "server/http/route_table.h"

#include <set>

namespace verdict::server::detail {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "/a/b" -> {"a", "b"}; "/" -> {}; "/a/" -> {"a", ""}. Precondition: starts with '/'.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path == "/") return out;
  size_t start = 1;
  while (true) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool IsParamName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool IsMethodToken(const std::string& method) {
  if (method.empty()) return false;
  for (char c : method) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::multimap<std::string, std::string> ParseQuery(std::string_view raw_query) {
  std::multimap<std::string, std::string> out;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    const std::string_view piece = raw_query.substr(start, amp - start);
    const size_t eq = piece.find('=');
    const std::string key = PercentDecode(piece.substr(0, eq), true);
    if (!key.empty()) {
      const std::string value =
          eq == std::string_view::npos ? std::string() : PercentDecode(piece.substr(eq + 1), true);
      out.emplace(key, value);
    }
    start = amp + 1;
  }
  return out;
}

TargetParts SplitTarget(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

Status RouteTable::Add(const std::string& method, const std::string& pattern) {
  const std::string where = "route " + method + " " + pattern;
  if (!IsMethodToken(method)) {
    return InvalidArgumentError(where + ": method must be an upper-case token like GET");
  }
  if (pattern.empty() || pattern[0] != '/') {
    return InvalidArgumentError(where + ": pattern must start with '/'");
  }
  if (pattern.find_first_of("?#") != std::string::npos) {
    return InvalidArgumentError(where + ": pattern must not contain '?' or '#'");
  }
  Route route{method, pattern, {}};
  std::set<std::string> names;
  for (std::string_view segment : SplitPath(pattern)) {
    if (segment.empty()) return InvalidArgumentError(where + ": empty path segment");
    if (segment[0] != ':') {
      route.segments.push_back({false, std::string(segment)});
      continue;
    }
    const std::string name(segment.substr(1));
    if (!IsParamName(name)) {
      return InvalidArgumentError(where + ": parameter \"" + std::string(segment) +
                                  "\" needs a name of letters, digits or '_'");
    }
    if (!names.insert(name).second) {
      return InvalidArgumentError(where + ": parameter \":" + name + "\" appears twice");
    }
    route.segments.push_back({true, name});
  }
  for (const Route& other : routes_) {
    if (other.method != method || other.segments.size() != route.segments.size()) continue;
    bool same_shape = true;
    for (size_t i = 0; i < route.segments.size() && same_shape; ++i) {
      const Segment& a = route.segments[i];
      const Segment& b = other.segments[i];
      same_shape = a.param == b.param && (a.param || a.text == b.text);
    }
    if (same_shape) return InvalidArgumentError(where + ": conflicts with " + other.pattern);
  }
  routes_.push_back(std::move(route));
  return Status::Ok();
}

bool RouteTable::Matches(const Route& route, const std::vector<std::string_view>& raw_segments) {
  if (route.segments.size() != raw_segments.size()) return false;
  for (size_t i = 0; i < raw_segments.size(); ++i) {
    const Segment& segment = route.segments[i];
    if (raw_segments[i].empty()) return false;
    if (!segment.param && PercentDecode(raw_segments[i], false) != segment.text) return false;
  }
  return true;
}

bool RouteTable::MoreSpecific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].param != b.segments[i].param) return !a.segments[i].param;
  }
  return false;
}

RouteMatch RouteTable::Find(const std::string& method, std::string_view raw_path) const {
  RouteMatch match;
  if (raw_path.empty() || raw_path[0] != '/') return match;
  const std::vector<std::string_view> raw_segments = SplitPath(raw_path);

  const Route* best = nullptr;       // best route for this method
  const Route* best_head = nullptr;  // best GET route, for HEAD without a HEAD route
  const Route* best_any = nullptr;   // best route of any method, for 405
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (!Matches(route, raw_segments)) continue;
    allowed.insert(route.method);
    if (route.method == "GET") allowed.insert("HEAD");
    auto pick = [&route](const Route*& slot) {
      if (slot == nullptr || MoreSpecific(route, *slot)) slot = &route;
    };
    pick(best_any);
    if (route.method == method) pick(best);
    if (method == "HEAD" && route.method == "GET") pick(best_head);
  }
  if (best == nullptr) best = best_head;
  if (best == nullptr) {
    if (best_any == nullptr) return match;
    match.kind = MatchKind::kMethodNotAllowed;
    match.pattern = best_any->pattern;
    for (const std::string& m : allowed) {
      if (!match.allow.empty()) match.allow += ", ";
      match.allow += m;
    }
    return match;
  }
  match.kind = MatchKind::kFound;
  match.index = static_cast<size_t>(best - routes_.data());
  match.pattern = best->pattern;
  for (size_t i = 0; i < raw_segments.size(); ++i) {
    if (best->segments[i].param) {
      match.params[best->segments[i].text] = PercentDecode(raw_segments[i], false);
    }
  }
  return match;
}

}  // namespace verdict::server::detail
