// Renders the tables of a simulation study (analyzer/study/simulation_runner.h) as
// aligned plain text (the terminal) or Markdown (docs/sequential.md). Pure.
//
// Tables:
//  1. Healthy canary (H0): per method and K, the rate of ever failing with its
//     Wilson 95% interval.
//  2. Regressions: per scenario, method and K, the power (rate of ever
//     failing) and the median look of detection among detected runs.
//  3. The peeking check against the published table, and the AR(1)
//     Mann-Whitney check, with intervals and the published values.
#pragma once

#include <string>

#include "analyzer/study/simulation_runner.h"

namespace verdict::study {

enum class ReportFormat { kText, kMarkdown };

std::string RenderReport(const StudyResults& results, ReportFormat format);

// "0.0123 [0.0105, 0.0144]": a rate with its interval, 4 decimals.
std::string FormatRateWithInterval(double rate, const Interval& ci);

}  // namespace verdict::study
