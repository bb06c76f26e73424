#include "events/time.h"

#include <gtest/gtest.h>

namespace annals {

TEST(Date, ParsesRealDaysOnly) {
  EXPECT_EQ(Date::parse("1970-01-01")->days, 0);
  EXPECT_EQ(Date::parse("2019-09-01")->to_string(), "2019-09-01");
  EXPECT_EQ(Date::parse("2020-02-29")->to_string(), "2020-02-29");
  EXPECT_FALSE(Date::parse("2019-02-29"));
  EXPECT_FALSE(Date::parse("2019-13-01"));
  EXPECT_FALSE(Date::parse("2019-9-01"));
  EXPECT_FALSE(Date::parse("2019-09-01T00:00:00Z"));
  EXPECT_FALSE(Date::parse(""));
  EXPECT_EQ(Date::parse("1949-10-01")->to_string(), "1949-10-01");
  EXPECT_LT(*Date::parse("2014-08-31"), *Date::parse("2014-09-01"));
  EXPECT_EQ(Date::parse("2016-03-01")->year(), 2016);
}

TEST(Timestamp, ParsesRfc3339WithOffsetsAndFractions) {
  auto utc = Timestamp::parse("2019-09-01T00:00:00Z");
  auto beijing = Timestamp::parse("2019-09-01T08:00:00+08:00");
  ASSERT_TRUE(utc && beijing);
  EXPECT_EQ(*utc, *beijing);
  EXPECT_EQ(Timestamp::parse("2019-09-01T00:00:00.25Z")->micros - utc->micros, 250000);
  EXPECT_EQ(Timestamp::parse("2019-09-01T00:00:00.1234567Z")->micros - utc->micros, 123456);
  EXPECT_EQ(utc->to_string(), "2019-09-01T00:00:00.000000Z");
  EXPECT_EQ(Timestamp::parse(utc->to_string()), utc);
  EXPECT_FALSE(Timestamp::parse("2019-09-01 00:00:00Z"));
  EXPECT_FALSE(Timestamp::parse("2019-09-01T24:00:00Z"));
  EXPECT_FALSE(Timestamp::parse("2019-09-01T00:00:00"));
  EXPECT_FALSE(Timestamp::parse("2019-09-01T00:00:00.Z"));
  EXPECT_FALSE(Timestamp::parse("2019-09-01T00:00:00+0800"));
}

TEST(Timestamp, FormatsBeforeTheEpoch) {
  Timestamp t{-1};
  EXPECT_EQ(t.to_string(), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp::parse(t.to_string()), t);
}

TEST(BeijingDay, StartsAtSixteenHundredUtc) {
  EXPECT_EQ(beijing_date(*Timestamp::parse("2019-08-31T15:59:59.999999Z")).to_string(),
            "2019-08-31");
  EXPECT_EQ(beijing_date(*Timestamp::parse("2019-08-31T16:00:00Z")).to_string(), "2019-09-01");
  EXPECT_EQ(beijing_date(*Timestamp::parse("2019-09-01T00:00:00+08:00")).to_string(), "2019-09-01");
  // Before the epoch the day still starts at 16:00 UTC the day before.
  EXPECT_EQ(beijing_date(*Timestamp::parse("1969-12-31T15:59:59.5Z")).to_string(), "1969-12-31");
  EXPECT_EQ(beijing_date(*Timestamp::parse("1969-12-31T16:00:00Z")).to_string(), "1970-01-01");
  EXPECT_EQ(beijing_date(*Timestamp::parse("1960-06-01T00:00:00Z")).to_string(), "1960-06-01");
}

TEST(BeijingDay, EndsAtSixteenHundredUtcLessAMicrosecond) {
  Timestamp end = end_of_beijing_day(*Date::parse("2019-09-01"));
  EXPECT_EQ(end.micros, Timestamp::parse("2019-09-01T15:59:59.999999Z")->micros);
  EXPECT_EQ(beijing_date(end), *Date::parse("2019-09-01"));
  EXPECT_EQ(beijing_date(Timestamp{end.micros + 1}), *Date::parse("2019-09-02"));
}

TEST(BeijingDay, StartsAtSixteenHundredUtcTheDayBefore) {
  Timestamp start = start_of_beijing_day(*Date::parse("2019-09-01"));
  EXPECT_EQ(start.micros, Timestamp::parse("2019-08-31T16:00:00Z")->micros);
  EXPECT_EQ(beijing_date(start), *Date::parse("2019-09-01"));
  EXPECT_EQ(beijing_date(Timestamp{start.micros - 1}), *Date::parse("2019-08-31"));
  EXPECT_EQ(start_of_beijing_day(*Date::parse("1960-06-01")).micros,
            end_of_beijing_day(*Date::parse("1960-05-31")).micros + 1);
}

TEST(BeijingDay, TodayIsTheDayOfNowInBeijing) {
  Date before = beijing_date(Timestamp::now());
  Date today = today_in_beijing();
  Date after = beijing_date(Timestamp::now());
  EXPECT_LE(before, today);
  EXPECT_LE(today, after);
  EXPECT_LE(after.days - before.days, 1);
}

TEST(BeijingDay, AddingMonthsKeepsTheDayAndRunsOnWhenTheMonthIsShort) {
  auto plus = [](const char* d, int months) {
    return add_months(*Date::parse(d), months).to_string();
  };
  EXPECT_EQ(plus("2012-10-01", 0), "2012-10-01");
  EXPECT_EQ(plus("2012-10-01", 3), "2013-01-01");
  EXPECT_EQ(plus("2012-10-15", 27), "2015-01-15");
  EXPECT_EQ(plus("2019-01-31", 1), "2019-03-03");  // February 2019 has 28 days
  EXPECT_EQ(plus("2020-01-31", 1), "2020-03-02");  // 29 in 2020
  EXPECT_EQ(plus("2020-01-30", 1), "2020-03-01");
  EXPECT_EQ(plus("2019-01-29", 1), "2019-03-01");
  EXPECT_EQ(plus("2019-03-31", 1), "2019-05-01");  // April has 30
  EXPECT_EQ(plus("2019-01-31", 2), "2019-03-31");
  EXPECT_EQ(plus("2019-03-15", -3), "2018-12-15");
  EXPECT_EQ(plus("2019-03-15", -15), "2017-12-15");
  EXPECT_EQ(plus("2019-12-01", -12), "2018-12-01");
}

TEST(BeijingDay, AddingYearsIsAddingTwelveMonths) {
  auto plus = [](const char* d, int years) {
    return add_years(*Date::parse(d), years).to_string();
  };
  EXPECT_EQ(plus("2012-10-01", 9), "2021-10-01");
  EXPECT_EQ(plus("2020-02-29", 1), "2021-03-01");
  EXPECT_EQ(plus("2020-02-29", 4), "2024-02-29");
  EXPECT_EQ(plus("2020-02-29", -1), "2019-03-01");
  for (int k = -30; k <= 30; ++k)
    EXPECT_EQ(add_years(*Date::parse("2016-02-29"), k),
              add_months(*Date::parse("2016-02-29"), 12 * k));
}

}  // namespace annals
