// 3-D convolution as im2col + GEMM (the layout conv.cc uses for 2-D): the output rows (n, od, oh, ow) are taken in
// chunks of a fixed size; per chunk the windows are unfolded into col [rows, kd*kh*kw*c] (zero where a window leaves
// the volume) and one sgemm does the arithmetic: y = col @ w (bias and activation in the GEMM epilogue),
// dcol = dy @ w^T (folded back into dx), dw += col^T @ dy. The chunks run in order, col2im folds each sample's rows in
// order, and the GEMM adds its partial sums in a fixed order, so every result is bitwise the same from call to call.
#include "conv3d.h"

#include <algorithm>
#include <cstring>

#include "gemm/gemm.h"
#include "parallel.h"
#include "workspace.h"

namespace tn {
namespace {

// The input index an output index reads through kernel tap k, or -1 when that falls in the padding.
inline int64_t source(int64_t o, int64_t k, int64_t stride, int64_t dilation, int64_t pad, int64_t size) {
  const int64_t i = o * stride - pad + k * dilation;
  return i >= 0 && i < size ? i : -1;
}

inline int64_t window_size(const Conv3dShape& s) { return s.kd * s.kh * s.kw * s.c; }
inline int64_t output_rows(const Conv3dShape& s) { return s.n * s.od * s.oh * s.ow; }

// About 4 MB of unfolded windows per chunk.
int64_t chunk_rows(const Conv3dShape& s) {
  const int64_t budget = (int64_t(4) << 20) / static_cast<int64_t>(sizeof(float));
  return std::min(std::max<int64_t>(1, budget / std::max<int64_t>(1, window_size(s))), output_rows(s));
}

// Calls f(tap offset in a col row, input offset or -1) for every tap of output row r.
template <typename F>
inline void for_taps(const Conv3dShape& s, int64_t r, F&& f) {
  const int64_t ow = r % s.ow, oh = (r / s.ow) % s.oh, od = (r / (s.ow * s.oh)) % s.od, n = r / (s.ow * s.oh * s.od);
  for (int64_t a = 0; a < s.kd; ++a) {
    const int64_t id = source(od, a, s.stride_d, s.dilation_d, s.pad_front, s.d);
    for (int64_t b = 0; b < s.kh; ++b) {
      const int64_t ih = source(oh, b, s.stride_h, s.dilation_h, s.pad_top, s.h);
      for (int64_t e = 0; e < s.kw; ++e) {
        const int64_t iw = source(ow, e, s.stride_w, s.dilation_w, s.pad_left, s.w);
        const int64_t tap = ((a * s.kh + b) * s.kw + e) * s.c;
        f(tap, id < 0 || ih < 0 || iw < 0 ? int64_t(-1) : (((n * s.d + id) * s.h + ih) * s.w + iw) * s.c);
      }
    }
  }
}

void im2col(const Conv3dShape& s, const float* x, int64_t r0, int64_t r1, float* col) {
  const int64_t k = window_size(s);
  parallel_for(r1 - r0, k, [&](int64_t a, int64_t b) {
    for (int64_t r = r0 + a; r < r0 + b; ++r) {
      float* row = col + (r - r0) * k;
      for_taps(s, r, [&](int64_t tap, int64_t in) {
        if (in < 0) std::memset(row + tap, 0, sizeof(float) * s.c);
        else std::memcpy(row + tap, x + in, sizeof(float) * s.c);
      });
    }
  });
}

// dx += the windows of dcol, folded back. Rows of one sample touch only that sample's dx, so samples run on separate
// threads, each in row order.
void col2im_add(const Conv3dShape& s, const float* dcol, int64_t r0, int64_t r1, float* dx) {
  const int64_t k = window_size(s), per_sample = s.od * s.oh * s.ow;
  const int64_t n0 = r0 / per_sample, n1 = (r1 + per_sample - 1) / per_sample;
  parallel_for(n1 - n0, per_sample * k, [&](int64_t a, int64_t b) {
    for (int64_t n = n0 + a; n < n0 + b; ++n) {
      const int64_t rb = std::max(r0, n * per_sample), re = std::min(r1, (n + 1) * per_sample);
      for (int64_t r = rb; r < re; ++r) {
        const float* src = dcol + (r - r0) * k;
        for_taps(s, r, [&](int64_t tap, int64_t in) {
          if (in < 0) return;
          float* d = dx + in;
          const float* g = src + tap;
#pragma omp simd
          for (int64_t c = 0; c < s.c; ++c) d[c] += g[c];
        });
      }
    }
  });
}

}  // namespace

void conv3d_forward(const Conv3dShape& s, const float* x, const float* w, const float* bias, UnaryOp act,
                    float alpha, float* y) {
  const int64_t k = window_size(s), total = output_rows(s), rows = chunk_rows(s);
  GemmEpilogue ep;
  ep.bias = bias;
  ep.activation = act;
  ep.alpha = alpha;
  if (total == 0) return;
  float* col = workspace(WorkspaceSlot::im2col, static_cast<size_t>(rows * k));
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    im2col(s, x, r0, r1, col);
    sgemm(false, false, r1 - r0, s.oc, k, col, k, w, s.oc, 0.0f, y + r0 * s.oc, s.oc, ep);
  }
}

void conv3d_backward_input(const Conv3dShape& s, const float* dy, const float* w, float* dx) {
  const int64_t k = window_size(s), total = output_rows(s), rows = chunk_rows(s);
  std::memset(dx, 0, sizeof(float) * s.n * s.d * s.h * s.w * s.c);
  if (total == 0) return;
  float* dcol = workspace(WorkspaceSlot::im2col, static_cast<size_t>(rows * k));
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    sgemm(false, true, r1 - r0, k, s.oc, dy + r0 * s.oc, s.oc, w, s.oc, 0.0f, dcol, k);
    col2im_add(s, dcol, r0, r1, dx);
  }
}

void conv3d_backward_filter(const Conv3dShape& s, const float* x, const float* dy, float* dw, float* dbias) {
  const int64_t k = window_size(s), total = output_rows(s), rows = chunk_rows(s);
  if (total == 0) std::memset(dw, 0, sizeof(float) * k * s.oc);
  if (total > 0) {
    float* col = workspace(WorkspaceSlot::im2col, static_cast<size_t>(rows * k));
    for (int64_t r0 = 0; r0 < total; r0 += rows) {
      const int64_t r1 = std::min(total, r0 + rows);
      im2col(s, x, r0, r1, col);
      sgemm(true, false, k, s.oc, r1 - r0, col, k, dy + r0 * s.oc, s.oc, r0 == 0 ? 0.0f : 1.0f, dw, s.oc);
    }
  }
  if (dbias) {
    // Summed in row order on one thread: the same bits on any thread count.
    std::memset(dbias, 0, sizeof(float) * s.oc);
    for (int64_t p = 0; p < total; ++p) {
      const float* g = dy + p * s.oc;
      for (int64_t o = 0; o < s.oc; ++o) dbias[o] += g[o];
    }
  }
}

}  // namespace tn
