// 3-D convolution, direct loops. Every pass keeps the channel axes innermost: the forward and the filter gradient
// run an axpy over the `oc` contiguous kernel (or gradient) values per input value, the input gradient a dot product
// over `oc`, so the compiler vectorizes the inner loop on every ISA. Threads split work that owns its outputs (output
// rows, input rows, kernel taps), so nothing is reduced across threads and results do not depend on the thread count.
#include "conv3d.h"

#include <cstring>

#include "parallel.h"

namespace tn {
namespace {

// The input index an output index reads through kernel tap k, or -1 when that falls in the padding.
inline int64_t source(int64_t o, int64_t k, int64_t stride, int64_t dilation, int64_t pad, int64_t size) {
  const int64_t i = o * stride - pad + k * dilation;
  return i >= 0 && i < size ? i : -1;
}

}  // namespace

void conv3d_forward(const Conv3dShape& s, const float* x, const float* w, const float* bias, UnaryOp act,
                    float alpha, float* y) {
  const int64_t rows = s.n * s.od * s.oh;  // one row: ow outputs of oc channels
  parallel_for(rows, s.ow * s.kd * s.kh * s.kw * s.c * s.oc / 16 + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t oh = r % s.oh, od = (r / s.oh) % s.od, n = r / (s.oh * s.od);
      for (int64_t ow = 0; ow < s.ow; ++ow) {
        float* out = y + ((r * s.ow) + ow) * s.oc;
        if (bias) std::memcpy(out, bias, sizeof(float) * s.oc);
        else std::memset(out, 0, sizeof(float) * s.oc);
        for (int64_t a = 0; a < s.kd; ++a) {
          const int64_t id = source(od, a, s.stride_d, s.dilation_d, s.pad_front, s.d);
          if (id < 0) continue;
          for (int64_t b = 0; b < s.kh; ++b) {
            const int64_t ih = source(oh, b, s.stride_h, s.dilation_h, s.pad_top, s.h);
            if (ih < 0) continue;
            for (int64_t e = 0; e < s.kw; ++e) {
              const int64_t iw = source(ow, e, s.stride_w, s.dilation_w, s.pad_left, s.w);
              if (iw < 0) continue;
              const float* in = x + (((n * s.d + id) * s.h + ih) * s.w + iw) * s.c;
              const float* tap = w + ((a * s.kh + b) * s.kw + e) * s.c * s.oc;
              for (int64_t c = 0; c < s.c; ++c) {
                const float v = in[c];
                const float* wc = tap + c * s.oc;
                for (int64_t o = 0; o < s.oc; ++o) out[o] += v * wc[o];
              }
            }
          }
        }
      }
      if (act != UnaryOp::linear) {
        float* row = y + r * s.ow * s.oc;
        unary(act, row, row, s.ow * s.oc, alpha);
      }
    }
  });
}

void conv3d_backward_input(const Conv3dShape& s, const float* dy, const float* w, float* dx) {
  // Gathered per input cell (no scatter, so no two threads write one cell): input index i receives from output o
  // through tap k when o * stride - pad + k * dilation = i.
  const int64_t rows = s.n * s.d * s.h;
  parallel_for(rows, s.w * s.kd * s.kh * s.kw * s.c * s.oc / 16 + 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ih = r % s.h, id = (r / s.h) % s.d, n = r / (s.h * s.d);
      for (int64_t iw = 0; iw < s.w; ++iw) {
        float* out = dx + (r * s.w + iw) * s.c;
        std::memset(out, 0, sizeof(float) * s.c);
        for (int64_t a = 0; a < s.kd; ++a) {
          const int64_t td = id + s.pad_front - a * s.dilation_d;
          if (td < 0 || td % s.stride_d != 0 || td / s.stride_d >= s.od) continue;
          const int64_t od = td / s.stride_d;
          for (int64_t b = 0; b < s.kh; ++b) {
            const int64_t th = ih + s.pad_top - b * s.dilation_h;
            if (th < 0 || th % s.stride_h != 0 || th / s.stride_h >= s.oh) continue;
            const int64_t oh = th / s.stride_h;
            for (int64_t e = 0; e < s.kw; ++e) {
              const int64_t tw = iw + s.pad_left - e * s.dilation_w;
              if (tw < 0 || tw % s.stride_w != 0 || tw / s.stride_w >= s.ow) continue;
              const int64_t ow = tw / s.stride_w;
              const float* g = dy + (((n * s.od + od) * s.oh + oh) * s.ow + ow) * s.oc;
              const float* tap = w + ((a * s.kh + b) * s.kw + e) * s.c * s.oc;
              for (int64_t c = 0; c < s.c; ++c) {
                const float* wc = tap + c * s.oc;
                float acc = 0;
                for (int64_t o = 0; o < s.oc; ++o) acc += g[o] * wc[o];
                out[c] += acc;
              }
            }
          }
        }
      }
    }
  });
}

void conv3d_backward_filter(const Conv3dShape& s, const float* x, const float* dy, float* dw, float* dbias) {
  // One kernel tap (a, b, e) per unit of work: its [c, oc] block of dw is summed over every output position in a
  // fixed order by the one thread that owns it.
  const int64_t taps = s.kd * s.kh * s.kw;
  const int64_t positions = s.n * s.od * s.oh * s.ow;
  parallel_for(taps, positions * s.c * s.oc / 16 + 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t e = t % s.kw, b = (t / s.kw) % s.kh, a = t / (s.kw * s.kh);
      float* block = dw + t * s.c * s.oc;
      std::memset(block, 0, sizeof(float) * s.c * s.oc);
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t od = 0; od < s.od; ++od) {
          const int64_t id = source(od, a, s.stride_d, s.dilation_d, s.pad_front, s.d);
          if (id < 0) continue;
          for (int64_t oh = 0; oh < s.oh; ++oh) {
            const int64_t ih = source(oh, b, s.stride_h, s.dilation_h, s.pad_top, s.h);
            if (ih < 0) continue;
            for (int64_t ow = 0; ow < s.ow; ++ow) {
              const int64_t iw = source(ow, e, s.stride_w, s.dilation_w, s.pad_left, s.w);
              if (iw < 0) continue;
              const float* in = x + (((n * s.d + id) * s.h + ih) * s.w + iw) * s.c;
              const float* g = dy + (((n * s.od + od) * s.oh + oh) * s.ow + ow) * s.oc;
              for (int64_t c = 0; c < s.c; ++c) {
                const float v = in[c];
                float* dc = block + c * s.oc;
                for (int64_t o = 0; o < s.oc; ++o) dc[o] += v * g[o];
              }
            }
          }
        }
    }
  });
  if (dbias) {
    std::memset(dbias, 0, sizeof(float) * s.oc);
    for (int64_t p = 0; p < positions; ++p) {
      const float* g = dy + p * s.oc;
      for (int64_t o = 0; o < s.oc; ++o) dbias[o] += g[o];
    }
  }
}

}  // namespace tn
