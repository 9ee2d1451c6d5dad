// PromQL templates: `{{ name }}` placeholders and context-aware escaping.
//
// A template is PromQL text with placeholders `{{ name }}` (spaces optional,
// name matching [a-zA-Z_][a-zA-Z0-9_]*). The lexer knows where each
// placeholder sits, and that decides how its value is inserted:
//   - inside a double-quoted string "...": the value is escaped for a PromQL
//     string (backslash, double quote, newline, CR, tab, other control bytes);
//   - inside a single-quoted string '...': the same, escaping ' instead of ";
//   - inside the string of a regex matcher (=~ or !~): the value is first
//     regex-quoted (\.+*?()|[]{}^$ get a backslash, so it matches literally)
//     and then string-escaped;
//   - outside strings ("bare"): only values Verdict itself produced may go
//     there ({{ selector }}, {{ step }}, {{ interval }}); everything else is a
//     config error, so no variable value can ever become raw PromQL.
// Backtick (raw) strings cannot hold placeholders: raw strings have no escapes.
//
// "{{{ selector }}}" reads as a literal "{" followed by the placeholder
// "{{ selector }}" and a literal "}", so `up{{{ selector }}}` works.
// Pure functions, thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stats/status.h"

namespace verdict::rules {

// True if `name` matches [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidVariableName(std::string_view name);

// Escapes `value` for the inside of a PromQL double-quoted string:
// \ -> \\, " -> \", newline -> \n, CR -> \r, tab -> \t, other bytes < 0x20
// and 0x7f -> \xHH. Bytes >= 0x80 (UTF-8) pass through.
std::string EscapeDoubleQuoted(std::string_view value);
// The same for a single-quoted string: ' -> \' (and " is left alone).
std::string EscapeSingleQuoted(std::string_view value);
// Quotes RE2 metacharacters \.+*?()|[]{}^$ with a backslash (like Go's
// regexp.QuoteMeta), so the value matches itself literally. The result still
// needs string escaping (EscapeDoubleQuoted) before it goes into PromQL.
std::string QuoteRegexMeta(std::string_view value);

// Where a placeholder sits; see the file comment.
enum class PlaceholderContext { kBare, kDoubleQuoted, kSingleQuoted };

struct Placeholder {
  std::string name;
  PlaceholderContext context = PlaceholderContext::kBare;
  bool regex = false;  // inside the string operand of =~ or !~
};

// A template split into literal text and placeholders, alternating:
// pieces[i] is literal text when is_placeholder[i] is false.
struct ParsedTemplate {
  struct Piece {
    bool is_placeholder = false;
    std::string literal;      // when !is_placeholder
    Placeholder placeholder;  // when is_placeholder
  };
  std::vector<Piece> pieces;

  // Every placeholder, in order of appearance.
  std::vector<Placeholder> Placeholders() const;
  bool Uses(std::string_view name) const;
};

// Lexes `text`. kInvalidArgument (message without a path; callers prefix it):
//   malformed placeholder "{{ 1x }}"; unterminated string; placeholder in a
//   backtick string; unbalanced ( ) [ ] { } outside strings.
StatusOr<ParsedTemplate> ParseTemplate(std::string_view text);

// Produces the value for one placeholder: nullopt means "no value".
using ValueLookup = std::function<std::optional<std::string>(const std::string& name)>;

// What RenderTemplate does with a placeholder whose lookup gives no value.
enum class MissingValue {
  kError,    // kInvalidArgument "variable {{ name }} has no value"
  kVerbatim  // leave "{{ name }}" in the output (previews in check-config)
};

// Renders a parsed template, escaping each value for its context (see the
// file comment). Bare placeholders are inserted verbatim: the caller must only
// allow values it produced itself there (rules/render.cpp enforces this).
StatusOr<std::string> RenderTemplate(const ParsedTemplate& parsed, const ValueLookup& lookup,
                                     MissingValue missing = MissingValue::kError);

}  // namespace verdict::rules
