// The pooling kernels over ranges of output rows, written once as plain loops over channels (contiguous in NHWC,
// so each inner loop is one vector stream). Each including translation unit defines TN_ISA_NS and wraps the include
// in its own target pragma; include only after system headers. pool.cc splits the rows over threads.

namespace tn {
namespace TN_ISA_NS {

namespace {

// Valid window bounds for output coordinate o: [begin, end) in input coordinates, clipped to the image.
inline void pool_window(int64_t o, int64_t stride, int64_t pad, int64_t size, int64_t extent, int64_t& b,
                        int64_t& e) {
  b = o * stride - pad;
  e = b + size;
  if (b < 0) b = 0;
  if (e > extent) e = extent;
}

// Channels per pass of max_pool_backward_rows, so that the per-channel argmax state fits on the stack.
constexpr int64_t kArgmaxChunk = 256;

}  // namespace

// Output rows r in [r0, r1) (r indexes n and oh).
void max_pool_forward_rows(const Pool2dShape& s, const float* x, float* y, int64_t r0, int64_t r1) {
  const int64_t c = s.c;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / s.oh, oh = r % s.oh;
    int64_t h0, h1;
    pool_window(oh, s.stride_h, s.pad_top, s.ph, s.h, h0, h1);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      int64_t w0, w1;
      pool_window(ow, s.stride_w, s.pad_left, s.pw, s.w, w0, w1);
      float* out = y + (r * s.ow + ow) * c;
      if (h0 >= h1 || w0 >= w1) {  // only for a geometry whose window misses the image entirely
        for (int64_t ch = 0; ch < c; ++ch) out[ch] = -__builtin_inff();
        continue;
      }
      const float* first = x + ((n * s.h + h0) * s.w + w0) * c;
#pragma omp simd
      for (int64_t ch = 0; ch < c; ++ch) out[ch] = first[ch];
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = (h == h0 ? w0 + 1 : w0); w < w1; ++w) {
          const float* in = x + ((n * s.h + h) * s.w + w) * c;
          // A NaN anywhere in the window wins (as TensorFlow and PyTorch propagate it).
#pragma omp simd
          for (int64_t ch = 0; ch < c; ++ch) {
            const float v = in[ch], m = out[ch];
            out[ch] = m != m ? m : (v > m || v != v ? v : m);
          }
        }
    }
  }
}

void avg_pool_forward_rows(const Pool2dShape& s, const float* x, float* y, int64_t r0, int64_t r1) {
  const int64_t c = s.c;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / s.oh, oh = r % s.oh;
    int64_t h0, h1;
    pool_window(oh, s.stride_h, s.pad_top, s.ph, s.h, h0, h1);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      int64_t w0, w1;
      pool_window(ow, s.stride_w, s.pad_left, s.pw, s.w, w0, w1);
      float* out = y + (r * s.ow + ow) * c;
#pragma omp simd
      for (int64_t ch = 0; ch < c; ++ch) out[ch] = 0.0f;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) {
          const float* in = x + ((n * s.h + h) * s.w + w) * c;
#pragma omp simd
          for (int64_t ch = 0; ch < c; ++ch) out[ch] += in[ch];
        }
      // Only cells inside the image count ('same' padding is excluded from the average, as in Keras).
      const int64_t count = (h1 - h0) * (w1 - w0);
      const float inv = count > 0 ? 1.0f / static_cast<float>(count) : 0.0f;
#pragma omp simd
      for (int64_t ch = 0; ch < c; ++ch) out[ch] *= inv;
    }
  }
}

// dx += the gradient of output rows [r0, r1), routed per channel to the first position holding the window's max
// (the first NaN if there is one, matching the forward pass).
void max_pool_backward_rows(const Pool2dShape& s, const float* x, const float* dy, float* dx, int64_t r0,
                            int64_t r1) {
  const int64_t c = s.c;
  float best[kArgmaxChunk];
  int32_t at[kArgmaxChunk];
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / s.oh, oh = r % s.oh;
    int64_t h0, h1;
    pool_window(oh, s.stride_h, s.pad_top, s.ph, s.h, h0, h1);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      int64_t w0, w1;
      pool_window(ow, s.stride_w, s.pad_left, s.pw, s.w, w0, w1);
      if (h0 >= h1 || w0 >= w1) continue;
      const float* g = dy + (r * s.ow + ow) * c;
      for (int64_t c0 = 0; c0 < c; c0 += kArgmaxChunk) {
        const int64_t cn = c - c0 < kArgmaxChunk ? c - c0 : kArgmaxChunk;
        const float* first = x + ((n * s.h + h0) * s.w + w0) * c + c0;
#pragma omp simd
        for (int64_t ch = 0; ch < cn; ++ch) {
          best[ch] = first[ch];
          at[ch] = 0;
        }
        int32_t k = 0;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w, ++k) {
            if (k == 0) continue;
            const float* in = x + ((n * s.h + h) * s.w + w) * c + c0;
#pragma omp simd
            for (int64_t ch = 0; ch < cn; ++ch) {
              const float v = in[ch], b = best[ch];
              const bool take = b == b && (v > b || v != v);
              best[ch] = take ? v : b;
              at[ch] = take ? k : at[ch];
            }
          }
        k = 0;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w, ++k) {
            float* d = dx + ((n * s.h + h) * s.w + w) * c + c0;
            const float* gc = g + c0;
#pragma omp simd
            for (int64_t ch = 0; ch < cn; ++ch) d[ch] += at[ch] == k ? gc[ch] : 0.0f;
          }
      }
    }
  }
}

void avg_pool_backward_rows(const Pool2dShape& s, const float* dy, float* dx, int64_t r0, int64_t r1) {
  const int64_t c = s.c;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / s.oh, oh = r % s.oh;
    int64_t h0, h1;
    pool_window(oh, s.stride_h, s.pad_top, s.ph, s.h, h0, h1);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      int64_t w0, w1;
      pool_window(ow, s.stride_w, s.pad_left, s.pw, s.w, w0, w1);
      const int64_t count = (h1 - h0) * (w1 - w0);
      if (count <= 0) continue;
      const float inv = 1.0f / static_cast<float>(count);
      const float* g = dy + (r * s.ow + ow) * c;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) {
          float* d = dx + ((n * s.h + h) * s.w + w) * c;
#pragma omp simd
          for (int64_t ch = 0; ch < c; ++ch) d[ch] += g[ch] * inv;
        }
    }
  }
}

}  // namespace TN_ISA_NS
}  // namespace tn
