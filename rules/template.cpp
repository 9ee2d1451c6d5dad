#include "rules/template.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace verdict::rules {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Matches "{{ name }}" at text[i]; returns its length and sets `name`, or 0.
size_t MatchPlaceholder(std::string_view text, size_t i, std::string* name) {
  if (text.substr(i, 2) != "{{") return 0;
  size_t j = i + 2;
  while (j < text.size() && IsSpace(text[j])) ++j;
  if (j >= text.size() || !IsNameStart(text[j])) return 0;
  const size_t start = j;
  while (j < text.size() && IsNameChar(text[j])) ++j;
  const size_t stop = j;
  while (j < text.size() && IsSpace(text[j])) ++j;
  if (text.substr(j, 2) != "}}") return 0;
  *name = std::string(text.substr(start, stop - start));
  return j + 2 - i;
}

// The text of a malformed placeholder starting at i, for error messages.
std::string Snippet(std::string_view text, size_t i) {
  const size_t close = text.find("}}", i + 2);
  const size_t end = close == std::string_view::npos ? std::min(text.size(), i + 20) : close + 2;
  return std::string(text.substr(i, std::min<size_t>(end - i, 40)));
}

// True if the string opening at `quote` is the operand of =~ or !~.
bool OpensRegexOperand(std::string_view text, size_t quote) {
  size_t k = quote;
  while (k > 0 && (IsSpace(text[k - 1]) || text[k - 1] == '\n')) --k;
  return k >= 2 && text[k - 1] == '~' && (text[k - 2] == '=' || text[k - 2] == '!');
}

char Closing(char open) { return open == '(' ? ')' : open == '[' ? ']' : '}'; }

void AppendHex(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\x%02x", c);
  out += buf;
}

std::string EscapeQuoted(std::string_view value, char quote) {
  std::string out;
  out.reserve(value.size() + 8);
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '\\' || ch == quote) {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      AppendHex(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  StatusOr<ParsedTemplate> Run() {
    std::string brackets;  // open ( [ { outside strings
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == '{' && text_.substr(i, 2) == "{{" && text_.substr(i, 3) != "{{{") {
        std::string name;
        const size_t len = MatchPlaceholder(text_, i, &name);
        if (len == 0) {
          return InvalidArgumentError("malformed placeholder \"" + Snippet(text_, i) +
                                      "\" (expected {{ name }})");
        }
        AddPlaceholder(name, quote_, regex_);
        i += len;
        continue;
      }
      if (quote_ != 0) {
        if (c == '\\' && quote_ != '`' && i + 1 < text_.size()) {
          literal_ += text_.substr(i, 2);
          i += 2;
          continue;
        }
        if (c == quote_) quote_ = 0;
        literal_ += c;
        ++i;
        continue;
      }
      if (in_comment_) {
        if (c == '\n') in_comment_ = false;
      } else if (c == '"' || c == '\'' || c == '`') {
        quote_ = c;
        regex_ = OpensRegexOperand(text_, i);
      } else if (c == '#') {
        in_comment_ = true;
      } else if (c == '(' || c == '[' || c == '{') {
        brackets += c;
      } else if (c == ')' || c == ']' || c == '}') {
        if (brackets.empty() || Closing(brackets.back()) != c) {
          return InvalidArgumentError(std::string("unbalanced '") + c + "' at offset " +
                                      std::to_string(i));
        }
        brackets.pop_back();
      }
      literal_ += c;
      ++i;
    }
    if (quote_ != 0) {
      return InvalidArgumentError(std::string("unterminated string (missing closing ") + quote_ +
                                  ")");
    }
    if (!brackets.empty()) {
      return InvalidArgumentError(std::string("unbalanced '") + brackets.back() + "' (missing '" +
                                  Closing(brackets.back()) + "')");
    }
    if (!error_.ok()) return error_;
    FlushLiteral();
    return std::move(parsed_);
  }

 private:
  void AddPlaceholder(const std::string& name, char quote, bool regex) {
    if (quote == '`' && error_.ok()) {
      error_ = InvalidArgumentError("placeholder {{ " + name +
                                    " }} inside a backtick string cannot be escaped; use \"...\"");
    }
    FlushLiteral();
    ParsedTemplate::Piece piece;
    piece.is_placeholder = true;
    piece.placeholder.name = name;
    piece.placeholder.context = quote == '"'    ? PlaceholderContext::kDoubleQuoted
                                : quote == '\'' ? PlaceholderContext::kSingleQuoted
                                                : PlaceholderContext::kBare;
    piece.placeholder.regex = quote != 0 && regex;
    parsed_.pieces.push_back(std::move(piece));
  }

  void FlushLiteral() {
    if (literal_.empty()) return;
    ParsedTemplate::Piece piece;
    piece.literal = std::move(literal_);
    parsed_.pieces.push_back(std::move(piece));
    literal_.clear();
  }

  std::string_view text_;
  ParsedTemplate parsed_;
  std::string literal_;
  char quote_ = 0;  // 0 outside strings, else the opening quote character
  bool regex_ = false;
  bool in_comment_ = false;
  Status error_;
};

}  // namespace

bool IsValidVariableName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::string EscapeDoubleQuoted(std::string_view value) { return EscapeQuoted(value, '"'); }
std::string EscapeSingleQuoted(std::string_view value) { return EscapeQuoted(value, '\''); }

std::string QuoteRegexMeta(std::string_view value) {
  static constexpr std::string_view kMeta = "\\.+*?()|[]{}^$";
  std::string out;
  out.reserve(value.size() + 8);
  for (char c : value) {
    if (kMeta.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::vector<Placeholder> ParsedTemplate::Placeholders() const {
  std::vector<Placeholder> out;
  for (const Piece& p : pieces) {
    if (p.is_placeholder) out.push_back(p.placeholder);
  }
  return out;
}

bool ParsedTemplate::Uses(std::string_view name) const {
  for (const Piece& p : pieces) {
    if (p.is_placeholder && p.placeholder.name == name) return true;
  }
  return false;
}

StatusOr<ParsedTemplate> ParseTemplate(std::string_view text) { return Lexer(text).Run(); }

StatusOr<std::string> RenderTemplate(const ParsedTemplate& parsed, const ValueLookup& lookup,
                                     MissingValue missing) {
  std::string out;
  for (const ParsedTemplate::Piece& piece : parsed.pieces) {
    if (!piece.is_placeholder) {
      out += piece.literal;
      continue;
    }
    const Placeholder& ph = piece.placeholder;
    std::optional<std::string> value = lookup(ph.name);
    if (!value.has_value()) {
      if (missing == MissingValue::kVerbatim) {
        out += "{{ " + ph.name + " }}";
        continue;
      }
      return InvalidArgumentError("variable {{ " + ph.name + " }} has no value");
    }
    const std::string v = ph.regex ? QuoteRegexMeta(*value) : *value;
    switch (ph.context) {
      case PlaceholderContext::kBare:
        out += v;
        break;
      case PlaceholderContext::kDoubleQuoted:
        out += EscapeDoubleQuoted(v);
        break;
      case PlaceholderContext::kSingleQuoted:
        out += EscapeSingleQuoted(v);
        break;
    }
  }
  return out;
}

}  // namespace verdict::rules
