// 3-D pooling, direct loops with the channel axis innermost (contiguous, so the compiler vectorizes it). The
// forward passes split output rows over threads; the backward passes gather per input row (each input cell sums the
// windows that contain it), so no two threads write one cell and the sums run in a fixed order.
#include "pool3d.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "parallel.h"

namespace tn {
namespace {

// The window of output index o along one axis, clipped to the input: [lo, hi).
inline void window(int64_t o, int64_t stride, int64_t pad, int64_t size, int64_t pool, int64_t* lo, int64_t* hi) {
  const int64_t start = o * stride - pad;
  *lo = std::max<int64_t>(start, 0);
  *hi = std::min<int64_t>(start + pool, size);
}

// The outputs whose windows contain input index i along one axis: [lo, hi).
inline void containing(int64_t i, int64_t stride, int64_t pad, int64_t pool, int64_t out, int64_t* lo, int64_t* hi) {
  // o * stride - pad <= i < o * stride - pad + pool
  const int64_t top = i + pad;
  *lo = top - pool + 1 <= 0 ? 0 : (top - pool + 1 + stride - 1) / stride;
  *hi = std::min<int64_t>(top / stride + 1, out);
}

template <typename F>
void for_output_rows(const Pool3dShape& s, F&& f) {
  parallel_for(s.n * s.od * s.oh, s.ow * s.c * s.pd * s.ph * s.pw / 4 + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) f(r / (s.oh * s.od), (r / s.oh) % s.od, r % s.oh, r);
  });
}

}  // namespace

void max_pool3d_forward(const Pool3dShape& s, const float* x, float* y) {
  for_output_rows(s, [&](int64_t n, int64_t od, int64_t oh, int64_t r) {
    int64_t d0, d1, h0, h1;
    window(od, s.stride_d, s.pad_front, s.d, s.pd, &d0, &d1);
    window(oh, s.stride_h, s.pad_top, s.h, s.ph, &h0, &h1);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      int64_t w0, w1;
      window(ow, s.stride_w, s.pad_left, s.w, s.pw, &w0, &w1);
      float* out = y + (r * s.ow + ow) * s.c;
      std::fill(out, out + s.c, -std::numeric_limits<float>::infinity());
      for (int64_t id = d0; id < d1; ++id)
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) {
            const float* in = x + (((n * s.d + id) * s.h + ih) * s.w + iw) * s.c;
            // A NaN, once in, stays: (m == m) is false for NaN.
            for (int64_t c = 0; c < s.c; ++c) out[c] = (out[c] == out[c] && !(in[c] <= out[c])) ? in[c] : out[c];
          }
    }
  });
}

void max_pool3d_backward(const Pool3dShape& s, const float* x, const float* dy, float* dx) {
  // Each window's winner is found again from x (the first position holding its maximum), then the gradient is
  // gathered per input cell: a cell receives dy from every window that it wins.
  const int64_t outputs = s.n * s.od * s.oh * s.ow * s.c;
  std::vector<int64_t> winner(static_cast<size_t>(outputs));
  for_output_rows(s, [&](int64_t n, int64_t od, int64_t oh, int64_t r) {
    int64_t d0, d1, h0, h1;
    window(od, s.stride_d, s.pad_front, s.d, s.pd, &d0, &d1);
    window(oh, s.stride_h, s.pad_top, s.h, s.ph, &h0, &h1);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      int64_t w0, w1;
      window(ow, s.stride_w, s.pad_left, s.w, s.pw, &w0, &w1);
      const int64_t o = (r * s.ow + ow) * s.c;
      for (int64_t c = 0; c < s.c; ++c) {
        float best = -std::numeric_limits<float>::infinity();
        int64_t at = -1;
        for (int64_t id = d0; id < d1; ++id)
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) {
              const int64_t i = (((n * s.d + id) * s.h + ih) * s.w + iw) * s.c + c;
              // The first maximum wins; a NaN beats every number and the first NaN stays.
              if (at < 0 || (best == best && (x[i] > best || x[i] != x[i]))) {
                best = x[i];
                at = i;
              }
            }
        winner[static_cast<size_t>(o + c)] = at;
      }
    }
  });
  parallel_for(s.n * s.d * s.h, s.w * s.c * s.pd * s.ph * s.pw / 4 + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ih = r % s.h, id = (r / s.h) % s.d, n = r / (s.h * s.d);
      int64_t a0, a1, b0, b1;
      containing(id, s.stride_d, s.pad_front, s.pd, s.od, &a0, &a1);
      containing(ih, s.stride_h, s.pad_top, s.ph, s.oh, &b0, &b1);
      for (int64_t iw = 0; iw < s.w; ++iw) {
        int64_t e0, e1;
        containing(iw, s.stride_w, s.pad_left, s.pw, s.ow, &e0, &e1);
        const int64_t base = (r * s.w + iw) * s.c;
        for (int64_t c = 0; c < s.c; ++c) {
          float acc = 0;
          for (int64_t od = a0; od < a1; ++od)
            for (int64_t oh = b0; oh < b1; ++oh)
              for (int64_t ow = e0; ow < e1; ++ow) {
                const int64_t o = (((n * s.od + od) * s.oh + oh) * s.ow + ow) * s.c + c;
                if (winner[static_cast<size_t>(o)] == base + c) acc += dy[o];
              }
          dx[base + c] = acc;
        }
      }
    }
  });
}

void avg_pool3d_forward(const Pool3dShape& s, const float* x, float* y) {
  for_output_rows(s, [&](int64_t n, int64_t od, int64_t oh, int64_t r) {
    int64_t d0, d1, h0, h1;
    window(od, s.stride_d, s.pad_front, s.d, s.pd, &d0, &d1);
    window(oh, s.stride_h, s.pad_top, s.h, s.ph, &h0, &h1);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      int64_t w0, w1;
      window(ow, s.stride_w, s.pad_left, s.w, s.pw, &w0, &w1);
      float* out = y + (r * s.ow + ow) * s.c;
      std::fill(out, out + s.c, 0.0f);
      for (int64_t id = d0; id < d1; ++id)
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) {
            const float* in = x + (((n * s.d + id) * s.h + ih) * s.w + iw) * s.c;
            for (int64_t c = 0; c < s.c; ++c) out[c] += in[c];
          }
      const float inv = 1.0f / static_cast<float>((d1 - d0) * (h1 - h0) * (w1 - w0));
      for (int64_t c = 0; c < s.c; ++c) out[c] *= inv;
    }
  });
}

void avg_pool3d_backward(const Pool3dShape& s, const float* dy, float* dx) {
  parallel_for(s.n * s.d * s.h, s.w * s.c * s.pd * s.ph * s.pw / 4 + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ih = r % s.h, id = (r / s.h) % s.d, n = r / (s.h * s.d);
      int64_t a0, a1, b0, b1;
      containing(id, s.stride_d, s.pad_front, s.pd, s.od, &a0, &a1);
      containing(ih, s.stride_h, s.pad_top, s.ph, s.oh, &b0, &b1);
      for (int64_t iw = 0; iw < s.w; ++iw) {
        int64_t e0, e1;
        containing(iw, s.stride_w, s.pad_left, s.pw, s.ow, &e0, &e1);
        float* out = dx + (r * s.w + iw) * s.c;
        std::fill(out, out + s.c, 0.0f);
        for (int64_t od = a0; od < a1; ++od)
          for (int64_t oh = b0; oh < b1; ++oh)
            for (int64_t ow = e0; ow < e1; ++ow) {
              int64_t d0, d1, h0, h1, w0, w1;
              window(od, s.stride_d, s.pad_front, s.d, s.pd, &d0, &d1);
              window(oh, s.stride_h, s.pad_top, s.h, s.ph, &h0, &h1);
              window(ow, s.stride_w, s.pad_left, s.w, s.pw, &w0, &w1);
              const float inv = 1.0f / static_cast<float>((d1 - d0) * (h1 - h0) * (w1 - w0));
              const float* g = dy + (((n * s.od + od) * s.oh + oh) * s.ow + ow) * s.c;
              for (int64_t c = 0; c < s.c; ++c) out[c] += g[c] * inv;
            }
      }
    }
  });
}

}  // namespace tn
