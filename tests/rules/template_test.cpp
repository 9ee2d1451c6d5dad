#include "rules/template.h"

#include <gtest/gtest.h>

#include <map>

namespace verdict::rules {
namespace {

// Renders `text` with values from `vars`.
std::string RenderWith(std::string_view text, const std::map<std::string, std::string>& vars) {
  StatusOr<ParsedTemplate> parsed = ParseTemplate(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return "";
  StatusOr<std::string> out = RenderTemplate(*parsed, [&vars](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "";
}

TEST(Template, VariableNamesFollowIdentifierSyntax) {
  EXPECT_TRUE(IsValidVariableName("namespace"));
  EXPECT_TRUE(IsValidVariableName("_x9"));
  EXPECT_FALSE(IsValidVariableName(""));
  EXPECT_FALSE(IsValidVariableName("1x"));
  EXPECT_FALSE(IsValidVariableName("a-b"));
  EXPECT_FALSE(IsValidVariableName("a b"));
}

TEST(Template, EscapesDoubleQuotedStringValues) {
  EXPECT_EQ(EscapeDoubleQuoted(R"(a\b"c)"), R"(a\\b\"c)");
  EXPECT_EQ(EscapeDoubleQuoted("line\nnext\r\tend"), R"(line\nnext\r\tend)");
  EXPECT_EQ(EscapeDoubleQuoted(std::string("nul\0x", 5)), R"(nul\x00x)");
  EXPECT_EQ(EscapeDoubleQuoted("it's"), "it's");
  EXPECT_EQ(EscapeDoubleQuoted("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 passes through
}

TEST(Template, EscapesSingleQuotedStringValues) {
  EXPECT_EQ(EscapeSingleQuoted(R"(it's "x")"), R"(it\'s "x")");
}

TEST(Template, QuotesEveryRegexMetacharacter) {
  EXPECT_EQ(QuoteRegexMeta(R"(a.b+c*d?e(f)g|h[i]j{k}l^m$n\o)"),
            R"(a\.b\+c\*d\?e\(f\)g\|h\[i\]j\{k\}l\^m\$n\\o)");
  EXPECT_EQ(QuoteRegexMeta("plain-name_1"), "plain-name_1");
}

TEST(Template, FindsPlaceholdersWithOrWithoutSpaces) {
  StatusOr<ParsedTemplate> p = ParseTemplate(R"(up{a="{{x}}", b="{{  y  }}"})");
  ASSERT_TRUE(p.ok());
  std::vector<Placeholder> ph = p->Placeholders();
  ASSERT_EQ(ph.size(), 2u);
  EXPECT_EQ(ph[0].name, "x");
  EXPECT_EQ(ph[1].name, "y");
  EXPECT_EQ(ph[0].context, PlaceholderContext::kDoubleQuoted);
  EXPECT_TRUE(p->Uses("y"));
  EXPECT_FALSE(p->Uses("z"));
}

TEST(Template, TripleBraceIsALiteralBraceAroundAPlaceholder) {
  EXPECT_EQ(RenderWith("up{{{ selector }}}", {{"selector", R"(job="a")"}}), R"(up{job="a"})");
  StatusOr<ParsedTemplate> p = ParseTemplate("up{{{ selector }}, code=\"5..\"}");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Placeholders()[0].context, PlaceholderContext::kBare);
}

TEST(Template, HostileValueStaysInsideItsLabelValue) {
  const std::string hostile = R"(prod"} or vector(1) #)";
  EXPECT_EQ(RenderWith(R"(up{namespace="{{ ns }}"})", {{"ns", hostile}}),
            R"(up{namespace="prod\"} or vector(1) #"})");
}

TEST(Template, NewlineAndBackslashAreEscapedInValues) {
  EXPECT_EQ(RenderWith(R"(up{a="{{ v }}"})", {{"v", "x\\\ny"}}), R"(up{a="x\\\ny"})");
}

TEST(Template, RegexMatcherValuesAreQuotedThenEscaped) {
  // The value "a.b(c" must match literally: regex-quoted to a\.b\(c, then
  // each backslash doubled for the PromQL string.
  EXPECT_EQ(RenderWith(R"(up{pod=~"{{ v }}-.*"})", {{"v", "a.b(c"}}), R"(up{pod=~"a\\.b\\(c-.*"})");
  EXPECT_EQ(RenderWith(R"(up{pod!~ "{{ v }}"})", {{"v", "x|y"}}), R"(up{pod!~ "x\\|y"})");
  // Plain equality matchers are not regex-quoted.
  EXPECT_EQ(RenderWith(R"(up{pod="{{ v }}"})", {{"v", "a.b"}}), R"(up{pod="a.b"})");
}

TEST(Template, SingleQuotedStringsEscapeSingleQuotes) {
  EXPECT_EQ(RenderWith("up{a='{{ v }}'}", {{"v", "it's"}}), R"(up{a='it\'s'})");
}

TEST(Template, DistinguishesBareAndQuotedPlaceholders) {
  StatusOr<ParsedTemplate> p =
      ParseTemplate(R"(rate(x{a="{{ q }}", b='{{ s }}'}[{{ interval }}]) # {{ c }})");
  ASSERT_TRUE(p.ok());
  std::vector<Placeholder> ph = p->Placeholders();
  ASSERT_EQ(ph.size(), 4u);
  EXPECT_EQ(ph[0].context, PlaceholderContext::kDoubleQuoted);
  EXPECT_EQ(ph[1].context, PlaceholderContext::kSingleQuoted);
  EXPECT_EQ(ph[2].context, PlaceholderContext::kBare);
  EXPECT_EQ(ph[3].context, PlaceholderContext::kBare);  // comments are not strings
}

TEST(Template, EscapedQuoteDoesNotEndTheString) {
  StatusOr<ParsedTemplate> p = ParseTemplate(R"(up{a="x\"{{ v }}"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Placeholders()[0].context, PlaceholderContext::kDoubleQuoted);
}

TEST(Template, RejectsMalformedPlaceholders) {
  for (const char* bad : {"up{a=\"{{ 1x }}\"}", "up{a=\"{{ x\"}", "up{a=\"{{}}\"}"}) {
    StatusOr<ParsedTemplate> p = ParseTemplate(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.status().message().find("malformed placeholder"), std::string::npos)
        << p.status().message();
  }
  EXPECT_EQ(ParseTemplate(R"(up{a="{{ 1x }}"})").status().message(),
            "malformed placeholder \"{{ 1x }}\" (expected {{ name }})");
}

TEST(Template, RejectsUnterminatedStringsAndUnbalancedBrackets) {
  EXPECT_EQ(ParseTemplate(R"(up{a="x})").status().message(),
            "unterminated string (missing closing \")");
  EXPECT_EQ(ParseTemplate("sum(up").status().message(), "unbalanced '(' (missing ')')");
  EXPECT_EQ(ParseTemplate("sum(up]").status().message(), "unbalanced ']' at offset 6");
  EXPECT_TRUE(ParseTemplate(R"(up{a=")(["})").ok());  // brackets inside strings don't count
}

TEST(Template, RejectsPlaceholdersInBacktickStrings) {
  EXPECT_EQ(ParseTemplate("up{a=`{{ v }}`}").status().message(),
            "placeholder {{ v }} inside a backtick string cannot be escaped; use \"...\"");
}

TEST(Template, MissingValueIsAnErrorOrLeftVerbatim) {
  StatusOr<ParsedTemplate> p = ParseTemplate(R"(up{a="{{ v }}"})");
  ASSERT_TRUE(p.ok());
  auto none = [](const std::string&) { return std::optional<std::string>(); };
  EXPECT_EQ(RenderTemplate(*p, none).status().message(), "variable {{ v }} has no value");
  EXPECT_EQ(*RenderTemplate(*p, none, MissingValue::kVerbatim), R"(up{a="{{ v }}"})");
}

}  // namespace
}  // namespace verdict::rules
