// GET /v1/districts/{id}/indicators (?format=json|csv|xlsx), /indicators.csv and
// /indicators.xlsx: the balanced-development indicators of a district on a date, under one
// standard, as JSON, as the official CSV table, or as an Excel workbook.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "services/audit/indicators.h"
#include "services/audit/query_params.h"
#include "services/views/view_store.h"

namespace annals::routes {

// The indicators of one question, ready to be written in any format.
struct IndicatorsAnswer {
  DistrictAt question;
  std::string district_name;  // as registered; the district's id when it never was
  IndicatorReport report;
  nlohmann::json consistent_to;
};

// The indicators of `q.district` on `q.at` as recorded at `q.as_of` under `standard`, chosen
// for the reason `why` (routes/standards.h: choose_standard). `standard` must outlive it.
IndicatorsAnswer indicators(views::Reader reader, const DistrictAt& q, const Standard& standard,
                            std::string why);

// The JSON answer, as text: the report (indicator_tables.h: report_json) with district,
// district_name, at, recorded_at and consistent_to.
std::string indicators_json(const IndicatorsAnswer& answer);

// A file to download.
struct Download {
  std::string filename;
  std::string content_type;
  std::string bytes;
};

// The official table as CSV, UTF-8 with a byte order mark (so that Excel reads it as UTF-8):
// "<district>-indicators-<at>.csv", text/csv.
Download indicators_csv(const IndicatorsAnswer& answer);

// The official table as an Excel workbook: "<district>-indicators-<at>.xlsx". Throws
// std::runtime_error when it cannot be written.
Download indicators_xlsx(const IndicatorsAnswer& answer);

}  // namespace annals::routes
