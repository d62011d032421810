#include "bench.h"

#include <chrono>
#include <cstdint>

#include "cpu.h"
#include "parallel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tn {

namespace {

// Each function runs `iters` rounds of independent FMA chains and returns the flops done. Chains exceed
// pipes x latency (2 x 4 on recent x86), so throughput, not latency, bounds the loop. The multiplier is just
// below 1 and the addend small, so the values stay normal (denormals would slow some cores down).
// The portable path's peak uses 4-wide vectors (SSE2 or NEON, as kernel_generic.cc does), multiply then add.
using Vec4 = float __attribute__((vector_size(16)));

double fma_generic(int64_t iters, float* sink) {
  constexpr int kChains = 16;
  Vec4 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = Vec4{1.0f, 1.0f, 1.0f, 1.0f} + c * 1e-3f;
  const Vec4 mul = {0.999999f, 0.999999f, 0.999999f, 0.999999f}, add = {1e-6f, 1e-6f, 1e-6f, 1e-6f};
  for (int64_t it = 0; it < iters; ++it)
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * mul + add;
  Vec4 s = acc[0];
  for (int c = 1; c < kChains; ++c) s += acc[c];
  *sink = s[0] + s[3];
  return 2.0 * 4 * kChains * double(iters);
}

}  // namespace

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")
namespace {
double fma_avx512(int64_t iters, float* sink) {
  constexpr int kChains = 16;
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(1.0f + c * 1e-3f);
  const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-6f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], mul, add);
  }
  __m512 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm512_add_ps(s, acc[c]);
  float lanes[16];
  _mm512_storeu_ps(lanes, s);
  *sink = lanes[0] + lanes[15];
  return 2.0 * 16 * kChains * double(iters);
}
}  // namespace
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace {
double fma_avx2(int64_t iters, float* sink) {
  constexpr int kChains = 12;
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(1.0f + c * 1e-3f);
  const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-6f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], mul, add);
  }
  __m256 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm256_add_ps(s, acc[c]);
  float lanes[8];
  _mm256_storeu_ps(lanes, s);
  *sink = lanes[0] + lanes[7];
  return 2.0 * 8 * kChains * double(iters);
}
}  // namespace
#pragma GCC pop_options
#endif

double fma_peak_gflops(double seconds, int threads) {
  using clock = std::chrono::steady_clock;
  double (*run)(int64_t, float*) = fma_generic;
#if defined(__x86_64__)
  if (active_isa() == Isa::avx512) run = fma_avx512;
  else if (active_isa() == Isa::avx2) run = fma_avx2;
#endif
  // Slices of about 1e7 FMA instructions (a few ms): short enough that the best one dodges noise.
  const int64_t iters = 600000;
  double best = 0.0;
  const auto start = clock::now();
  do {
    double flops = 0.0;
    const auto t0 = clock::now();
#ifdef _OPENMP
#pragma omp parallel num_threads(threads > 0 ? threads : 1) reduction(+ : flops)
#endif
    {
      float local = 0.f;
      flops += run(iters, &local);
      if (local == 12345.f) flops += 1.0;  // keeps the chains' results live
    }
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (dt > 0 && flops / dt > best) best = flops / dt;
  } while (std::chrono::duration<double>(clock::now() - start).count() < seconds);
  return best * 1e-9;
}

}  // namespace tn
