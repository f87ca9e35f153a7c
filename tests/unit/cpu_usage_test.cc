// engine/cpu_usage.h: the benches' CPU accounting — who spent the machine's busy time.
#include "engine/cpu_usage.h"

#include <gtest/gtest.h>

#include <chrono>

namespace o2c {
namespace {

TEST(CpuUsageTest, TheMachineLessThisProcessIsEveryoneElse) {
  CpuSnapshot before{10.0, 100.0, 400.0}, after{11.5, 103.0, 404.0};
  CpuUsage u = CpuBetween(before, after);
  EXPECT_DOUBLE_EQ(u.process_s, 1.5);
  EXPECT_DOUBLE_EQ(u.others_s, 1.5);        // 3 s busy, 1.5 of them ours
  EXPECT_DOUBLE_EQ(u.busy_fraction, 0.75);  // 3 of 4 core-seconds
}

TEST(CpuUsageTest, OthersNeverGoNegativeWhenTheTwoClocksDisagree) {
  // The process's microseconds can outrun the machine's 10 ms ticks over a short window.
  CpuUsage u = CpuBetween({0, 0, 0}, {0.02, 0.01, 0.02});
  EXPECT_DOUBLE_EQ(u.others_s, 0.0);
  EXPECT_DOUBLE_EQ(u.busy_fraction, 0.5);
}

TEST(CpuUsageTest, NoMachineFiguresGiveNoFraction) {
  EXPECT_DOUBLE_EQ(CpuBetween({0, 0, 0}, {1, 0, 0}).busy_fraction, 0.0);
}

TEST(CpuUsageTest, SnapshotsCountThisProcessAndTheMachineWorking) {
  const CpuSnapshot before = TakeCpuSnapshot();
  ASSERT_GT(before.machine_total_s, 0.0) << "/proc/stat unread";
  // Spin until getrusage has counted 30 ms of this process's CPU (a busy machine may give it less
  // than the wall clock), for at most 5 s.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  volatile unsigned long spin = 0;
  while (CpuBetween(before, TakeCpuSnapshot()).process_s < 0.03 &&
         std::chrono::steady_clock::now() < give_up)
    for (int i = 0; i < 100'000; ++i) spin = spin + 1;
  const CpuSnapshot after = TakeCpuSnapshot();
  CpuUsage u = CpuBetween(before, after);
  EXPECT_GE(u.process_s, 0.03);
  EXPECT_GT(after.machine_busy_s, before.machine_busy_s);  // the machine's ticks saw it too
  EXPECT_GT(u.busy_fraction, 0.0);
  EXPECT_LE(u.busy_fraction, 1.0);
}

}  // namespace
}  // namespace o2c
