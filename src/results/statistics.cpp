#include "ssdbuild/results/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

namespace ssdbuild {
namespace {

// An index in [0, n) from the generator. std::uniform_int_distribution would do, but its
// algorithm is the library's choice, and the interval must be the same with libstdc++
// and libc++. Draws below 2^64 mod n are rejected so that every index is equally likely.
size_t draw_index(std::mt19937_64& generator, size_t n) {
  const std::uint64_t bound = n;
  const std::uint64_t rejected = (std::numeric_limits<std::uint64_t>::max() - bound + 1) % bound;
  std::uint64_t draw = generator();
  while (draw < rejected) draw = generator();
  return static_cast<size_t>(draw % bound);
}

// The median of `values` (not empty), by the same rule as quantile(.., 0.5), in linear
// time: only the one or two middle ranks are needed, and the bootstrap computes
// thousands of medians. Reorders `values`.
double median_in_place(std::vector<double>& values) {
  const size_t n = values.size();
  const size_t low = (n - 1) / 2;
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(low);
  std::nth_element(values.begin(), middle, values.end());
  if (n % 2 == 1) return *middle;
  const double next = *std::min_element(middle + 1, values.end());
  return *middle + 0.5 * (next - *middle);
}

void resample(const std::vector<double>& sample, std::mt19937_64& generator,
              std::vector<double>& into) {
  into.resize(sample.size());
  for (double& value : into) value = sample[draw_index(generator, sample.size())];
}

}  // namespace

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw std::invalid_argument("quantile of an empty sample");
  if (!(q >= 0 && q <= 1)) throw std::invalid_argument("quantile outside [0, 1]");
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const auto low = static_cast<size_t>(std::floor(h));
  const size_t high = std::min(low + 1, sorted.size() - 1);
  return sorted[low] + (h - static_cast<double>(low)) * (sorted[high] - sorted[low]);
}

Summary summarize(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("summary of an empty sample");
  std::sort(values.begin(), values.end());
  Summary summary;
  summary.count = values.size();
  const auto n = static_cast<double>(values.size());
  summary.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  // Two passes (mean, then squared deviations): summing squares directly loses the
  // digits that matter when the spread is small next to the mean, as with timings.
  double squares = 0;
  for (double value : values) squares += (value - summary.mean) * (value - summary.mean);
  summary.stddev = values.size() > 1 ? std::sqrt(squares / (n - 1)) : 0.0;
  summary.median = quantile(values, 0.5);
  summary.p10 = quantile(values, 0.1);
  summary.p90 = quantile(values, 0.9);
  summary.min = values.front();
  summary.max = values.back();
  return summary;
}

Interval bootstrap_median_ratio(const std::vector<double>& numerator,
                                const std::vector<double>& denominator, double confidence,
                                int resamples, std::uint64_t seed) {
  if (numerator.empty() || denominator.empty())
    throw std::invalid_argument("bootstrap of an empty sample");
  if (!(confidence > 0 && confidence < 1))
    throw std::invalid_argument("bootstrap confidence outside (0, 1)");
  if (resamples < 1) throw std::invalid_argument("bootstrap needs at least one resample");
  std::mt19937_64 generator(seed);
  std::vector<double> ratios;
  ratios.reserve(static_cast<size_t>(resamples));
  std::vector<double> top, bottom;
  for (int i = 0; i < resamples; ++i) {
    resample(numerator, generator, top);
    resample(denominator, generator, bottom);
    ratios.push_back(median_in_place(top) / median_in_place(bottom));
  }
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - confidence) / 2;
  return {quantile(ratios, tail), quantile(ratios, 1 - tail)};
}

}  // namespace ssdbuild
