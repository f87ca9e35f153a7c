// Where a bench's CPU went: this process's CPU time (getrusage) and the whole machine's busy time
// (/proc/stat, all cores) between two snapshots. On a machine that runs only the bench and its
// Postgres, the machine's busy time less this process's is Postgres's, so a bench can say what one
// unit of work cost each side, and whether the cores were the limit.
#pragma once

namespace o2c {

struct CpuSnapshot {
  double process_s = 0;        // this process, user + system
  double machine_busy_s = 0;   // all cores: user, nice, system, irq, softirq
  double machine_total_s = 0;  // the same plus idle, iowait and steal
};

// Never throws: without /proc/stat the machine's figures stay 0.
CpuSnapshot TakeCpuSnapshot();

struct CpuUsage {
  double process_s = 0, others_s = 0;  // others: the machine's busy time less this process's
  double busy_fraction = 0;            // of all cores over the window, 0..1
};

CpuUsage CpuBetween(const CpuSnapshot& before, const CpuSnapshot& after);

}  // namespace o2c
