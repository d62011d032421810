#include "normalization.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "parallel.h"

namespace tn {

namespace {

// Rows are cut into at most kMaxChunks chunks of whole rows; each chunk sums into its own row of partial sums (in
// double) and the chunks are added in order afterwards, so the sums do not depend on the number of threads.
constexpr int64_t kMaxChunks = 64;

struct Chunks {
  int64_t rows_per, count;
  Chunks(int64_t rows, int64_t channels) {
    const int64_t min_rows = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, channels));
    rows_per = std::max(min_rows, (rows + kMaxChunks - 1) / kMaxChunks);
    count = rows == 0 ? 0 : (rows + rows_per - 1) / rows_per;
  }
  // f(chunk, first row, end row), chunks spread over threads.
  template <typename F>
  void run(int64_t rows, F&& f) const {
    const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(max_threads(), count)));
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t q = 0; q < count; ++q) f(q, q * rows_per, std::min(rows, (q + 1) * rows_per));
  }
};

// total[c] = sum over chunks of part[q * channels + c], in chunk order.
void add_chunks(const std::vector<double>& part, int64_t count, int64_t channels, std::vector<double>& total) {
  std::fill(total.begin(), total.end(), 0.0);
  for (int64_t q = 0; q < count; ++q)
    for (int64_t c = 0; c < channels; ++c) total[c] += part[q * channels + c];
}

}  // namespace

void batch_norm_stats(const float* x, int64_t rows, int64_t channels, float* mean, float* variance) {
  const Chunks ch(rows, channels);
  std::vector<double> part(ch.count * channels), total(channels), m(channels);
  ch.run(rows, [&](int64_t q, int64_t r0, int64_t r1) {
    double* s = part.data() + q * channels;
    std::fill(s, s + channels, 0.0);
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = x + r * channels;
      for (int64_t c = 0; c < channels; ++c) s[c] += row[c];
    }
  });
  add_chunks(part, ch.count, channels, total);
  for (int64_t c = 0; c < channels; ++c) m[c] = total[c] / static_cast<double>(rows);
  // Second pass over the deviations: E[x^2] - E[x]^2 would lose the variance to cancellation for large means.
  ch.run(rows, [&](int64_t q, int64_t r0, int64_t r1) {
    double* s = part.data() + q * channels;
    std::fill(s, s + channels, 0.0);
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = x + r * channels;
      for (int64_t c = 0; c < channels; ++c) {
        const double d = row[c] - m[c];
        s[c] += d * d;
      }
    }
  });
  add_chunks(part, ch.count, channels, total);
  for (int64_t c = 0; c < channels; ++c) {
    mean[c] = static_cast<float>(m[c]);
    variance[c] = static_cast<float>(total[c] / static_cast<double>(rows));
  }
}

void batch_norm_forward(const float* x, int64_t rows, int64_t channels, const float* mean, const float* variance,
                        const float* gamma, const float* beta, float eps, float* y) {
  std::vector<float> scale(channels), shift(channels);
  for (int64_t c = 0; c < channels; ++c) {
    scale[c] = static_cast<float>((gamma ? gamma[c] : 1.0) / std::sqrt(static_cast<double>(variance[c]) + eps));
    shift[c] = beta ? beta[c] : 0.0f;
  }
  const float* a = scale.data();
  const float* b = shift.data();
  parallel_for(rows, channels, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * channels;
      float* yr = y + r * channels;
#pragma omp simd
      for (int64_t c = 0; c < channels; ++c) yr[c] = (xr[c] - mean[c]) * a[c] + b[c];
    }
  });
}

void batch_norm_backward(const float* dy, const float* x, int64_t rows, int64_t channels, const float* mean,
                         const float* variance, const float* gamma, float eps, bool batch_stats, float* dx,
                         float* dgamma, float* dbeta) {
  std::vector<double> inv(channels);
  for (int64_t c = 0; c < channels; ++c) inv[c] = 1.0 / std::sqrt(static_cast<double>(variance[c]) + eps);
  // sum_dy[c] = sum dy, sum_dyd[c] = sum dy * (x - mean): dbeta, and dgamma before the factor inv.
  std::vector<double> sum_dy(channels), sum_dyd(channels);
  if (batch_stats || dgamma || dbeta) {
    const Chunks ch(rows, channels);
    std::vector<double> part1(ch.count * channels), part2(ch.count * channels);
    ch.run(rows, [&](int64_t q, int64_t r0, int64_t r1) {
      double* s1 = part1.data() + q * channels;
      double* s2 = part2.data() + q * channels;
      std::fill(s1, s1 + channels, 0.0);
      std::fill(s2, s2 + channels, 0.0);
      for (int64_t r = r0; r < r1; ++r) {
        const float* g = dy + r * channels;
        const float* xr = x + r * channels;
        for (int64_t c = 0; c < channels; ++c) {
          s1[c] += g[c];
          s2[c] += static_cast<double>(g[c]) * (xr[c] - mean[c]);
        }
      }
    });
    add_chunks(part1, ch.count, channels, sum_dy);
    add_chunks(part2, ch.count, channels, sum_dyd);
    for (int64_t c = 0; c < channels; ++c) {
      if (dbeta) dbeta[c] = static_cast<float>(sum_dy[c]);
      if (dgamma) dgamma[c] = static_cast<float>(sum_dyd[c] * inv[c]);
    }
  }
  if (!dx) return;
  // dx = k * (dy - c2 - (x - mean) * c3), k = gamma * inv, c2 = mean(dy), c3 = inv^2 * mean(dy * (x - mean)).
  std::vector<float> k(channels), c2(channels), c3(channels);
  const double m = static_cast<double>(rows);
  for (int64_t c = 0; c < channels; ++c) {
    k[c] = static_cast<float>((gamma ? gamma[c] : 1.0) * inv[c]);
    c2[c] = batch_stats ? static_cast<float>(sum_dy[c] / m) : 0.0f;
    c3[c] = batch_stats ? static_cast<float>(inv[c] * inv[c] * sum_dyd[c] / m) : 0.0f;
  }
  const float *kp = k.data(), *c2p = c2.data(), *c3p = c3.data();
  parallel_for(rows, channels * 2, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* g = dy + r * channels;
      const float* xr = x + r * channels;
      float* d = dx + r * channels;
#pragma omp simd
      for (int64_t c = 0; c < channels; ++c) d[c] = kp[c] * (g[c] - c2p[c] - (xr[c] - mean[c]) * c3p[c]);
    }
  });
}

}  // namespace tn
