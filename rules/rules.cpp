// Placeholder translation unit; the analysis configuration arrives with issue 4.
namespace verdict::rules {
int RulesPlaceholder() { return 0; }
}  // namespace verdict::rules
