#include "engine/cpu_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace o2c {
namespace {

double Seconds(const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; }

}  // namespace

CpuSnapshot TakeCpuSnapshot() {
  CpuSnapshot s;
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0)
    s.process_s = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
  // First line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in clock
  // ticks summed over the cores. guest time is already counted in user.
  std::ifstream stat("/proc/stat");
  std::string label;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (stat >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal &&
      label == "cpu") {
    const double tick = static_cast<double>(std::max(sysconf(_SC_CLK_TCK), 1L));
    s.machine_busy_s = (user + nice + system + irq + softirq) / tick;
    s.machine_total_s = s.machine_busy_s + (idle + iowait + steal) / tick;
  }
  return s;
}

CpuUsage CpuBetween(const CpuSnapshot& before, const CpuSnapshot& after) {
  CpuUsage u;
  u.process_s = after.process_s - before.process_s;
  const double busy = after.machine_busy_s - before.machine_busy_s;
  const double total = after.machine_total_s - before.machine_total_s;
  // Why the clamp: the machine's ticks and the process's microseconds are counted apart, so over
  // a short window the process can seem to have used more than the machine.
  u.others_s = std::max(busy - u.process_s, 0.0);
  u.busy_fraction = total > 0 ? busy / total : 0;
  return u;
}

}  // namespace o2c
