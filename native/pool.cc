// Pooling: threads split output rows; the per-ISA kernels (pool_impl.h) vectorise over channels.
#include "pool.h"

#include <cstring>

#include "cpu.h"
#include "team.h"

// The portable path: the same kernels compiled for the baseline ISA of the build (SSE2 on x86-64, NEON on arm64).
#define TN_ISA_NS generic
#include "pool_impl.h"
#undef TN_ISA_NS

namespace tn {

namespace {

using ForwardRows = void (*)(const Pool2dShape&, const float*, float*, int64_t, int64_t);

struct PoolKernels {
  ForwardRows max_forward, avg_forward;
  void (*max_backward)(const Pool2dShape&, const float*, const float*, float*, int64_t, int64_t);
  void (*avg_backward)(const Pool2dShape&, const float*, float*, int64_t, int64_t);
};

const PoolKernels& kernels() {
  static const PoolKernels table = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512:
        return PoolKernels{avx512::max_pool_forward_rows, avx512::avg_pool_forward_rows,
                           avx512::max_pool_backward_rows, avx512::avg_pool_backward_rows};
      case Isa::avx2:
        return PoolKernels{avx2::max_pool_forward_rows, avx2::avg_pool_forward_rows, avx2::max_pool_backward_rows,
                           avx2::avg_pool_backward_rows};
#endif
      default:
        return PoolKernels{generic::max_pool_forward_rows, generic::avg_pool_forward_rows,
                           generic::max_pool_backward_rows, generic::avg_pool_backward_rows};
    }
  }();
  return table;
}

// Floats a pass reads and writes: the window reads dominate.
int64_t pool_work(const Pool2dShape& s) { return s.n * s.oh * s.ow * s.c * s.ph * s.pw; }

void forward(const Pool2dShape& s, const float* x, float* y, ForwardRows rows) {
  const int64_t units = s.n * s.oh;
  run_team(team_size(units, pool_work(s), kParallelGrain), units,
           [&](int, int64_t r0, int64_t r1) { rows(s, x, y, r0, r1); });
}

// First input row of the band that output row oh owns when windows do not overlap vertically (pool_h <= stride_h):
// band oh is [band_start(oh), band_start(oh + 1)), the bands tile the image, and each window lies inside its band.
int64_t band_start(const Pool2dShape& s, int64_t oh) {
  if (oh <= 0) return 0;
  if (oh >= s.oh) return s.h;
  const int64_t h = oh * s.stride_h - s.pad_top;
  return h < 0 ? 0 : (h > s.h ? s.h : h);
}

// Zeroes dx and adds every output row's gradient into it. Each thread zeroes exactly the part of dx that its rows
// write (so the zeroing is spread over the threads and stays in cache for the accumulation): a band of rows per
// output row when windows do not overlap vertically, whole images otherwise (overlapping windows from adjacent
// output rows would race on the rows they share).
template <typename Rows>
void backward(const Pool2dShape& s, float* dx, Rows rows) {
  const int64_t row_floats = s.w * s.c;
  const bool bands = s.ph <= s.stride_h;
  const int64_t units = bands ? s.n * s.oh : s.n;
  const int threads = team_size(units, pool_work(s) + s.n * s.h * row_floats, kParallelGrain);
  if (s.oh == 0) {
    std::memset(dx, 0, sizeof(float) * s.n * s.h * row_floats);
    return;
  }
  run_team(threads, units, [&](int, int64_t u0, int64_t u1) {
    if (bands) {
      auto global_row = [&](int64_t u) { return (u / s.oh) * s.h + band_start(s, u % s.oh); };
      const int64_t g0 = global_row(u0), g1 = u1 == units ? s.n * s.h : global_row(u1);
      std::memset(dx + g0 * row_floats, 0, sizeof(float) * (g1 - g0) * row_floats);
      rows(u0, u1);
    } else {
      std::memset(dx + u0 * s.h * row_floats, 0, sizeof(float) * (u1 - u0) * s.h * row_floats);
      rows(u0 * s.oh, u1 * s.oh);
    }
  });
}

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y) { forward(s, x, y, kernels().max_forward); }

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y) { forward(s, x, y, kernels().avg_forward); }

void max_pool2d_backward(const Pool2dShape& s, const float* x, const float* dy, float* dx) {
  const auto kernel = kernels().max_backward;
  backward(s, dx, [&](int64_t r0, int64_t r1) { kernel(s, x, dy, dx, r0, r1); });
}

void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx) {
  const auto kernel = kernels().avg_backward;
  backward(s, dx, [&](int64_t r0, int64_t r1) { kernel(s, dy, dx, r0, r1); });
}

}  // namespace tn
