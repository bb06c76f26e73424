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

}  // namespace annals
