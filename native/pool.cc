#include "pool.h"

#include <cstring>
#include <limits>

#include "parallel.h"

namespace tn {

namespace {

// Valid window bounds for output coordinate o: [begin, end) in input coordinates, clipped to the image.
inline void window(int64_t o, int64_t stride, int64_t pad, int64_t size, int64_t extent, int64_t& b, int64_t& e) {
  b = o * stride - pad;
  e = b + size;
  if (b < 0) b = 0;
  if (e > extent) e = extent;
}

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y) {
  const int64_t c = s.c;
  parallel_for(s.n * s.oh, s.ow * s.ph * s.pw * c, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / s.oh, oh = r % s.oh;
      int64_t h0, h1;
      window(oh, s.stride_h, s.pad_top, s.ph, s.h, h0, h1);
      for (int64_t ow = 0; ow < s.ow; ++ow) {
        int64_t w0, w1;
        window(ow, s.stride_w, s.pad_left, s.pw, s.w, w0, w1);
        float* out = y + ((n * s.oh + oh) * s.ow + ow) * c;
        for (int64_t ch = 0; ch < c; ++ch) out[ch] = -std::numeric_limits<float>::infinity();
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const float* in = x + ((n * s.h + h) * s.w + w) * c;
            for (int64_t ch = 0; ch < c; ++ch) {
              const float v = in[ch], m = out[ch];
              out[ch] = m != m ? m : (v > m || v != v ? v : m);
            }
          }
      }
    }
  });
}

void max_pool2d_backward(const Pool2dShape& s, const float* x, const float* dy, float* dx) {
  const int64_t c = s.c;
  std::memset(dx, 0, sizeof(float) * s.n * s.h * s.w * c);
  // Each image is independent, and windows of one image may overlap: split threads over images only.
  parallel_for(s.n, s.oh * s.ow * s.ph * s.pw * c, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t oh = 0; oh < s.oh; ++oh) {
        int64_t h0, h1;
        window(oh, s.stride_h, s.pad_top, s.ph, s.h, h0, h1);
        for (int64_t ow = 0; ow < s.ow; ++ow) {
          int64_t w0, w1;
          window(ow, s.stride_w, s.pad_left, s.pw, s.w, w0, w1);
          const float* g = dy + ((n * s.oh + oh) * s.ow + ow) * c;
          for (int64_t ch = 0; ch < c; ++ch) {
            float best = -std::numeric_limits<float>::infinity();
            int64_t at = -1;
            for (int64_t h = h0; h < h1 && !(best != best); ++h)
              for (int64_t w = w0; w < w1; ++w) {
                const float v = x[((n * s.h + h) * s.w + w) * c + ch];
                if (at < 0 || v > best || v != v) {
                  best = v;
                  at = (n * s.h + h) * s.w + w;
                  if (v != v) break;
                }
              }
            if (at >= 0) dx[at * c + ch] += g[ch];
          }
        }
      }
  });
}

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y) {
  const int64_t c = s.c;
  parallel_for(s.n * s.oh, s.ow * s.ph * s.pw * c, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / s.oh, oh = r % s.oh;
      int64_t h0, h1;
      window(oh, s.stride_h, s.pad_top, s.ph, s.h, h0, h1);
      for (int64_t ow = 0; ow < s.ow; ++ow) {
        int64_t w0, w1;
        window(ow, s.stride_w, s.pad_left, s.pw, s.w, w0, w1);
        float* out = y + ((n * s.oh + oh) * s.ow + ow) * c;
        for (int64_t ch = 0; ch < c; ++ch) out[ch] = 0;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const float* in = x + ((n * s.h + h) * s.w + w) * c;
            for (int64_t ch = 0; ch < c; ++ch) out[ch] += in[ch];
          }
        const int64_t count = (h1 - h0) * (w1 - w0);
        const float inv = count > 0 ? 1.0f / static_cast<float>(count) : 0.0f;
        for (int64_t ch = 0; ch < c; ++ch) out[ch] *= inv;
      }
    }
  });
}

void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx) {
  const int64_t c = s.c;
  std::memset(dx, 0, sizeof(float) * s.n * s.h * s.w * c);
  parallel_for(s.n, s.oh * s.ow * s.ph * s.pw * c, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t oh = 0; oh < s.oh; ++oh) {
        int64_t h0, h1;
        window(oh, s.stride_h, s.pad_top, s.ph, s.h, h0, h1);
        for (int64_t ow = 0; ow < s.ow; ++ow) {
          int64_t w0, w1;
          window(ow, s.stride_w, s.pad_left, s.pw, s.w, w0, w1);
          const int64_t count = (h1 - h0) * (w1 - w0);
          if (count <= 0) continue;
          const float inv = 1.0f / static_cast<float>(count);
          const float* g = dy + ((n * s.oh + oh) * s.ow + ow) * c;
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) {
              float* d = dx + ((n * s.h + h) * s.w + w) * c;
              for (int64_t ch = 0; ch < c; ++ch) d[ch] += g[ch] * inv;
            }
        }
      }
  });
}

}  // namespace tn
