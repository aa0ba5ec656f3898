#pragma once
// Summary statistics of benchmark timings, and a bootstrap confidence interval for the
// ratio of two medians (the GPU speed-up: median CPU time / median GPU time).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ssdbuild {

struct Summary {
  size_t count = 0;
  double median = 0, mean = 0, stddev = 0;  // stddev: the sample one (n - 1)
  double p10 = 0, p90 = 0, min = 0, max = 0;
};

/// The q-quantile (0 <= q <= 1) of `sorted` (ascending, not empty), by linear
/// interpolation between the closest ranks (numpy's default, Hyndman and Fan type 7).
double quantile(const std::vector<double>& sorted, double q);

/// Summary of `values`; throws std::invalid_argument when empty.
Summary summarize(std::vector<double> values);

struct Interval {
  double low = 0, high = 0;
};

/// Percentile bootstrap interval of median(numerator) / median(denominator): `resamples`
/// resamplings of each sample with replacement, from a generator seeded with `seed` (the
/// same inputs and seed give the same interval). Throws std::invalid_argument when a
/// sample is empty.
Interval bootstrap_median_ratio(const std::vector<double>& numerator,
                                const std::vector<double>& denominator, double confidence = 0.95,
                                int resamples = 2000, std::uint64_t seed = 20180101);

}  // namespace ssdbuild
