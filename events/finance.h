// Finance events (财政): allocations and budgets, money in integer fen. Published by the
// finance service.
#pragma once

#include <optional>
#include <string>

#include "events/field.h"

namespace annals {

inline constexpr Rule kFiscalYear{.doc = "fiscal year", .min = kFirstYear, .max = kLastYear};

// To a school when school_id is present, otherwise to the district.
struct FundingAllocated {
  static constexpr const char* kType = "funding.allocated";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::finance;
  std::optional<std::string> school_id;
  FundingCategory category{};
  std::int64_t amount_fen = 0;
  std::int64_t fiscal_year = 0;
  std::string funding_source;  // 中央, 市级, 区级 ...
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("school_id", s.school_id,
      Rule{.doc = "recipient school; absent for the district", .id = true});
    v("category", s.category, Rule{});
    v("amount_fen", s.amount_fen,
      Rule{.doc = "amount in fen (1 yuan = 100 fen)", .min = 1, .max = kMaxAllocationFen});
    v("fiscal_year", s.fiscal_year, kFiscalYear);
    v("funding_source", s.funding_source, Rule{.doc = "level of government or programme"});
  }
  auto operator<=>(const FundingAllocated&) const = default;
};

// The district's education appropriation and recurring fiscal revenue for a year (三个增长).
struct BudgetAppropriated {
  static constexpr const char* kType = "budget.appropriated";
  static constexpr int kVersion = 1;
  static constexpr System kSystem = System::finance;
  std::int64_t fiscal_year = 0;
  std::int64_t education_appropriation_fen = 0;
  std::int64_t recurring_revenue_fen = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("fiscal_year", s.fiscal_year, kFiscalYear);
    v("education_appropriation_fen", s.education_appropriation_fen,
      Rule{.min = 0, .max = kMaxBudgetFen});
    v("recurring_revenue_fen", s.recurring_revenue_fen, Rule{.min = 0, .max = kMaxBudgetFen});
  }
  auto operator<=>(const BudgetAppropriated&) const = default;
};

}  // namespace annals
