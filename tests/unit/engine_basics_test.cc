#include <gtest/gtest.h>

#include "engine/bench_stats.h"
#include "engine/cli_args.h"
#include "engine/digest.h"
#include "engine/time_text.h"
#include "schema/embedded_migrations.h"

namespace o2c {
namespace {

TEST(TimeText, FormatsUtcWithMicroseconds) {
  EXPECT_EQ(FormatTimestamp(FromMicros(0)), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(FromMicros(1'800'000'000'123'456)), "2027-01-15T08:00:00.123456Z");
  EXPECT_EQ(FormatTimestamp(FromMicros(-1)), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(ToMicros(FromMicros(1'800'000'000'123'456)), 1'800'000'000'123'456);
}

TEST(Digest, Sha256OfKnownInputs) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CliArgs, ParsesFlagsBothWaysAndRefusesUnknownOnes) {
  CliArgs a({"store", "--seconds", "3", "--concurrency=1,8", "--status"},
            {"seconds", "concurrency"}, {"status"});
  EXPECT_EQ(a.positional(), std::vector<std::string>{"store"});
  EXPECT_EQ(a.GetInt("seconds", 10), 3);
  EXPECT_EQ(a.GetIntList("concurrency", {}), (std::vector<int>{1, 8}));
  EXPECT_TRUE(a.Has("status"));
  EXPECT_THROW(CliArgs({"--nope"}, {}, {}), UsageError);
  EXPECT_THROW(CliArgs({"--seconds"}, {"seconds"}, {}), UsageError);
  EXPECT_THROW(CliArgs({"--status=1"}, {}, {"status"}), UsageError);
  EXPECT_THROW(CliArgs({"--seconds", "ten"}, {"seconds"}, {}).GetInt("seconds", 1), UsageError);
  EXPECT_THROW(CliArgs({"--c", "1,,2"}, {"c"}, {}).GetIntList("c", {}), UsageError);
  EXPECT_THROW(CliArgs({"--c", "0"}, {"c"}, {}).GetIntList("c", {}), UsageError);
}

TEST(EmbeddedMigrations, AreNumberedInOrderFromOne) {
  const auto& migrations = EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1) << migrations[i].name;
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(migrations[0].name, "0001_initial.sql");
}

TEST(BenchStats, NearestRankPercentiles) {
  auto s = LatencySample::Merge({{1, 2, 3}, {4, 5, 6, 7, 8, 9, 10}}, 2.0);
  EXPECT_EQ(s.count(), 10u);
  EXPECT_DOUBLE_EQ(s.per_second(), 5.0);
  EXPECT_DOUBLE_EQ(s.Percentile(50), 5);
  EXPECT_DOUBLE_EQ(s.Percentile(99), 10);
  EXPECT_DOUBLE_EQ(s.Percentile(10), 1);
}

}  // namespace
}  // namespace o2c
