// Latency samples and rates for the `o2c bench` commands.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace o2c {

class LatencySample {
 public:
  // Joins per-thread samples (milliseconds) taken over `elapsed_seconds`.
  static LatencySample Merge(const std::vector<std::vector<double>>& parts,
                             double elapsed_seconds) {
    LatencySample s;
    for (const auto& p : parts) s.ms_.insert(s.ms_.end(), p.begin(), p.end());
    std::sort(s.ms_.begin(), s.ms_.end());
    s.elapsed_ = elapsed_seconds;
    return s;
  }
  std::size_t count() const { return ms_.size(); }
  double per_second() const { return elapsed_ > 0 ? ms_.size() / elapsed_ : 0; }
  // Nearest-rank percentile in milliseconds; 0 with no samples.
  double Percentile(double p) const {
    if (ms_.empty()) return 0;
    std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * ms_.size()));
    return ms_[std::clamp<std::size_t>(rank, 1, ms_.size()) - 1];
  }

 private:
  std::vector<double> ms_;
  double elapsed_ = 0;
};

inline double Round(double v, int digits = 0) {
  double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

}  // namespace o2c
