// RouteTable: the HTTP server's routing, as pure data and functions (no
// sockets, no httplib), so every rule is tested directly.
//
// A pattern is "/" or "/"-separated non-empty segments; a segment is a literal
// or ":name" (letters, digits, '_'), e.g. "/api/v1/runs/:namespace/:name".
// Matching is against the RAW request path (before percent-decoding), one
// segment at a time, on the whole path: "/runs/a%2Fb" matches "/runs/:name"
// with name = "a/b", "/runs/x/" does not match "/runs/:name". Literal
// segments compare after decoding. HEAD is answered by a GET route unless a
// HEAD route exists. When several patterns match, the most specific wins: at
// the first segment where they differ, a literal beats a parameter.
//
// Thread safety: Add() before any Find(); Find() is const and may run
// concurrently.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "stats/status.h"

namespace verdict::server::detail {

// %XX (two hex digits) becomes the byte; a malformed '%' stays as is. With
// `plus_as_space`, '+' becomes ' ' (query strings).
std::string PercentDecode(std::string_view text, bool plus_as_space);

// "a=1&b=x%20y&a=2&flag" -> {a:1, a:2, b:"x y", flag:""}; keys and values are
// decoded ('+' is a space); pieces with an empty key are skipped.
std::multimap<std::string, std::string> ParseQuery(std::string_view raw_query);

// A request target "/path?query" split at the first '?'.
struct TargetParts {
  std::string_view path;
  std::string_view query;
};
TargetParts SplitTarget(std::string_view target);

enum class MatchKind { kFound, kMethodNotAllowed, kNotFound };

struct RouteMatch {
  MatchKind kind = MatchKind::kNotFound;
  size_t index = 0;     // kFound: the route's position in Add() order
  std::string pattern;  // kFound / kMethodNotAllowed: the (most specific) pattern
  std::map<std::string, std::string> params;  // kFound: decoded ":name" values
  std::string allow;                          // kMethodNotAllowed: "GET, HEAD, POST" (sorted)
};

class RouteTable {
 public:
  // Adds route number size(). kInvalidArgument naming the pattern when it is
  // malformed (no leading '/', an empty segment, '?' or '#', a bad or
  // repeated parameter name), when `method` is not an upper-case token, or
  // when the same method already has a pattern of the same shape.
  Status Add(const std::string& method, const std::string& pattern);

  RouteMatch Find(const std::string& method, std::string_view raw_path) const;

  size_t size() const { return routes_.size(); }

 private:
  struct Segment {
    bool param = false;
    std::string text;  // the literal, or the parameter name
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
  };
  static bool Matches(const Route& route, const std::vector<std::string_view>& raw_segments);
  static bool MoreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace verdict::server::detail
