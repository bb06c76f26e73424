// The indicator report in the forms supervisors use: JSON for programs, and the official
// 差异系数 table as CSV (a row block per stage: each indicator's district mean, coefficient
// of variation, threshold and verdict, then the composite; then the schools' values; then
// the guarantees), and the same as an Excel workbook.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "services/audit/indicators.h"
#include "services/http/json_writer.h"

namespace annals {

// The report's parts as the JSON answer holds them: "stages" (each stage's indicators, CVs,
// verdict and schools; written as one value, keys in the order a document dumps them),
// "standard" (id, title, reference, effective_from, why) and "complies".
void write_stages(JsonWriter& out, const IndicatorReport& report);
// "guarantees": each guarantee's id, name, kind, reference, threshold (and
// threshold_both_stages), value, met, schools_checked and the failing schools.
void write_guarantees(JsonWriter& out, const IndicatorReport& report);
nlohmann::json standard_json(const IndicatorReport& report);
nlohmann::json complies_json(const IndicatorReport& report);
// The four as one document.
nlohmann::json report_json(const IndicatorReport& report);
std::string report_csv(const IndicatorReport& report, const std::string& district_name, Date at);
// The same table as an Excel workbook (bytes of an .xlsx), verdicts coloured; throws
// std::runtime_error when it cannot be written.
std::string report_xlsx(const IndicatorReport& report, const std::string& district_name, Date at);

// A number with up to `digits` decimals, trailing zeros dropped.
std::string decimal(double v, int digits = 4);

}  // namespace annals
