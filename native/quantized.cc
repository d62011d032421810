// The int8 kernels' driver (quantized.h): the choice of path, the split over threads, im2col on uint8 codes, and
// the scalar path that the SIMD paths must match bit for bit.
#include "quantized.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu.h"
#include "parallel.h"
#include "team.h"

namespace tn {

namespace generic {
namespace {

// Weights transposed to [n][k]: each output is one contiguous dot product.
int64_t packed_bytes(int64_t k, int64_t n) { return k * n; }

void pack(int64_t k, int64_t n, const int8_t* w, uint8_t* packed) {
  int8_t* out = reinterpret_cast<int8_t*>(packed);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < k; ++i) out[j * k + i] = w[i * n + j];
}

void finish(int32_t acc, int64_t col, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t at) {
  if (output == QuantizedOutput::int32) {
    static_cast<int32_t*>(y)[at] = acc;
    return;
  }
  // Wrapping int32 arithmetic, as the SIMD paths' vpmulld and vpsubd.
  const int32_t adjusted = static_cast<int32_t>(static_cast<uint32_t>(acc) -
                                                static_cast<uint32_t>(e.a_zero) * static_cast<uint32_t>(e.weight_sums[col]));
  float z = std::fma(static_cast<float>(adjusted), e.multiplier[col], e.bias ? e.bias[col] : 0.0f);
  if (e.relu) z = z > 0.0f ? z : 0.0f;
  if (output == QuantizedOutput::float32) {
    static_cast<float*>(y)[at] = z;
    return;
  }
  const float r = std::min(std::max(z * e.out_inv_scale, -65536.0f), 65536.0f);
  const int32_t q = static_cast<int32_t>(std::nearbyint(r)) + e.out_zero;
  static_cast<uint8_t*>(y)[at] = static_cast<uint8_t>(std::min(std::max(q, 0), 255));
}

void block(int64_t m, int64_t n0, int64_t n1, int64_t n, int64_t k, const uint8_t* a, int64_t lda,
           const uint8_t* packed, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t ldy) {
  const int8_t* w = reinterpret_cast<const int8_t*>(packed);
  (void)n;
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = n0; c < n1; ++c) {
      int32_t acc = 0;
      const uint8_t* x = a + r * lda;
      const int8_t* wc = w + c * k;
      for (int64_t i = 0; i < k; ++i) acc += static_cast<int32_t>(x[i]) * wc[i];
      finish(acc, c, e, output, y, r * ldy + c);
    }
}

void quantize(int64_t count, const float* x, float inv_scale, int32_t zero, uint8_t* y) {
  for (int64_t i = 0; i < count; ++i) {
    float r = x[i] * inv_scale;
    // NaN becomes the zero point; out-of-range values saturate.
    r = r == r ? std::min(std::max(r, -65536.0f), 65536.0f) : 0.0f;
    const int32_t q = static_cast<int32_t>(std::nearbyint(r)) + zero;
    y[i] = static_cast<uint8_t>(std::min(std::max(q, 0), 255));
  }
}

void dequantize(int64_t count, const uint8_t* q, float scale, int32_t zero, float* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = static_cast<float>(q[i] - zero) * scale;
}

}  // namespace

const QuantizedKernels quantized_kernels{"scalar", 1, 1, packed_bytes, pack, block, quantize, dequantize};

}  // namespace generic

namespace {

const QuantizedKernels& kernels() {
  static const QuantizedKernels* const table = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512:
        return hardware_has_avx512_vnni() ? &vnni::quantized_kernels : &avx2::quantized_kernels;
      case Isa::avx2: return &avx2::quantized_kernels;
#endif
      default: return &generic::quantized_kernels;
    }
  }();
  return *table;
}

// Multiply-adds that pay for waking one more thread (about 10 us of int8 work).
constexpr int64_t kMacsPerThread = int64_t(1) << 21;
// Rows of a GEMM one call of a path's block function takes at a time (its tiles are 6 rows high).
constexpr int64_t kRowBlock = 6;
// Bytes of im2col rows one thread builds before multiplying them: stays in L2 next to the packed weights.
constexpr int64_t kIm2colBytes = int64_t(192) << 10;
constexpr int64_t kPoolStepBytes = int64_t(40) << 10;

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

size_t element_bytes(QuantizedOutput output) { return output == QuantizedOutput::uint8 ? 1 : 4; }

void* offset(void* y, int64_t elements, QuantizedOutput output) {
  return static_cast<uint8_t*>(y) + elements * static_cast<int64_t>(element_bytes(output));
}

}  // namespace

int64_t quantized_packed_bytes(int64_t k, int64_t n) { return kernels().packed_bytes(k, n); }

void quantized_pack_weights(int64_t k, int64_t n, const int8_t* w, uint8_t* packed) { kernels().pack(k, n, w, packed); }

const char* quantized_path() { return kernels().name; }

void quantized_matmul(int64_t m, int64_t n, int64_t k, const uint8_t* a, const uint8_t* packed,
                      const QuantizedEpilogue& e, QuantizedOutput output, void* y) {
  if (m == 0 || n == 0) return;
  const QuantizedKernels& kern = kernels();
  const int64_t row_blocks = (m + kRowBlock - 1) / kRowBlock;
  const int64_t col_blocks = (n + kern.column_block - 1) / kern.column_block;
  const int threads = team_size(row_blocks * col_blocks, m * n * std::max<int64_t>(k, 1), kMacsPerThread);
  if (row_blocks >= 2 * threads || col_blocks < threads) {
    run_team(team_size(row_blocks, m * n * std::max<int64_t>(k, 1), kMacsPerThread), row_blocks,
             [&](int, int64_t b0, int64_t b1) {
               const int64_t r0 = b0 * kRowBlock, r1 = std::min(m, b1 * kRowBlock);
               kern.block(r1 - r0, 0, n, n, k, a + r0 * k, k, packed, e, output, offset(y, r0 * n, output), n);
             });
  } else {
    // Few rows (a small batch): threads take column panels instead, each reading only its part of the weights.
    run_team(threads, col_blocks, [&](int, int64_t c0, int64_t c1) {
      kern.block(m, c0 * kern.column_block, std::min(n, c1 * kern.column_block), n, k, a, k, packed, e, output, y,
                 n);
    });
  }
}

namespace {

// A short copy (the few bytes of a first layer's kernel row, a pooled pixel's channels): 8-byte moves of constant
// size, which compile to plain loads and stores, beat a call to memcpy. (GCC turns a byte loop into that call.)
inline void copy_bytes(uint8_t* __restrict d, const uint8_t* __restrict src, int64_t count) {
  int64_t t = 0;
  for (; t + 8 <= count; t += 8) std::memcpy(d + t, src + t, 8);
  for (; t < count; ++t) {
    d[t] = src[t];
    __asm__ volatile("" ::: "memory");  // keeps the tail a loop of at most 7 moves, not a memcpy call
  }
}

// The receptive fields of `count` output pixels of one output row (img, oh) from column ow0 on, each a row of kpad
// codes: the kernel's k = kh * kw * c, then zeros up to kpad. Padding cells read as `pad` (the code of 0).
void im2col_segment(const Conv2dShape& s, const uint8_t* x, uint8_t pad, int64_t kpad, int64_t img, int64_t oh,
                    int64_t ow0, int64_t count, uint8_t* dst) {
  const int64_t k = s.kh * s.kw * s.c, c = s.c;
  for (int64_t ow = ow0; ow < ow0 + count; ++ow, dst += kpad) {
    uint8_t* d = dst;
    const int64_t w0 = ow * s.stride_w - s.pad_left;
    // Undilated windows wholly inside the row: the kw * c codes of a kernel row are contiguous in x.
    const bool contiguous = s.dilation_w == 1 && w0 >= 0 && w0 + s.kw <= s.w;
    const int64_t span = s.kw * s.c;
    for (int64_t i = 0; i < s.kh; ++i) {
      const int64_t h = oh * s.stride_h - s.pad_top + i * s.dilation_h;
      if (contiguous && h >= 0 && h < s.h) {
        const uint8_t* src = x + ((img * s.h + h) * s.w + w0) * s.c;
        if (span < 32) copy_bytes(d, src, span);
        else std::memcpy(d, src, span);
        d += span;
        continue;
      }
      for (int64_t j = 0; j < s.kw; ++j, d += s.c) {
        const int64_t w = ow * s.stride_w - s.pad_left + j * s.dilation_w;
        if (h < 0 || h >= s.h || w < 0 || w >= s.w) {
          std::memset(d, pad, s.c);
        } else {
          const uint8_t* src = x + ((img * s.h + h) * s.w + w) * s.c;
          if (c < 16) copy_bytes(d, src, c);
          else std::memcpy(d, src, c);
        }
      }
    }
    for (int64_t t = k; t < kpad; ++t) dst[t] = 0;
  }
}

// out = max(out, in) byte-wise. Restrict pointers and a local count let the compiler vectorise it (pmaxub), which it
// cannot while a byte store might change the count it would otherwise reload from a struct.
inline void max_into(uint8_t* __restrict out, const uint8_t* __restrict in, int64_t count) {
  for (int64_t c = 0; c < count; ++c) out[c] = std::max(out[c], in[c]);
}

uint8_t* thread_bytes(size_t n) {
  static thread_local std::vector<uint8_t> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

}  // namespace

void quantized_conv2d(const Conv2dShape& s, const uint8_t* x, const uint8_t* packed, const QuantizedEpilogue& e,
                      QuantizedOutput output, void* y) {
  const int64_t rows = s.n * s.oh * s.ow, k = s.kh * s.kw * s.c;
  if (rows == 0 || s.oc == 0) return;
  const QuantizedKernels& kern = kernels();
  const int64_t kpad = round_up(k, kern.k_align);
  const int64_t work = rows * s.oc * std::max<int64_t>(k, 1);
  const int threads = team_size((rows + kRowBlock - 1) / kRowBlock, work, kMacsPerThread);
  // Chunks of output pixels small enough for their im2col rows to stay in L2, and enough of them for every thread.
  int64_t chunk = std::max<int64_t>(kRowBlock, kIm2colBytes / kpad / kRowBlock * kRowBlock);
  chunk = std::min(chunk, round_up((rows + threads - 1) / threads, kRowBlock));
  const int64_t chunks = (rows + chunk - 1) / chunk;
  const uint8_t pad = static_cast<uint8_t>(e.a_zero);
  run_team(threads, chunks, [&](int, int64_t c0, int64_t c1) {
    uint8_t* cols = thread_bytes(chunk * kpad);
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t r0 = c * chunk, r1 = std::min(rows, r0 + chunk);
      for (int64_t r = r0; r < r1;) {
        const int64_t img = r / (s.oh * s.ow), p = r % (s.oh * s.ow), oh = p / s.ow, ow = p % s.ow;
        const int64_t count = std::min(s.ow - ow, r1 - r);
        im2col_segment(s, x, pad, kpad, img, oh, ow, count, cols + (r - r0) * kpad);
        r += count;
      }
      kern.block(r1 - r0, 0, s.oc, s.oc, kpad, cols, kpad, packed, e, output, offset(y, r0 * s.oc, output), s.oc);
    }
  });
}

void quantized_conv2d_maxpool(const Conv2dShape& s, const uint8_t* x, const uint8_t* packed,
                              const QuantizedEpilogue& e, int64_t pool_h, int64_t pool_w, uint8_t* y) {
  const int64_t ph = s.oh / pool_h, pw = s.ow / pool_w, k = s.kh * s.kw * s.c, oc = s.oc;
  const int64_t units = s.n * ph;
  if (units == 0 || pw == 0 || s.oc == 0) return;
  const QuantizedKernels& kern = kernels();
  const int64_t kpad = round_up(k, kern.k_align);
  // Convolution pixels one pooled row needs: pool_h rows of the pw * pool_w columns that windows cover.
  const int64_t used_w = pw * pool_w, unit_rows = pool_h * used_w;
  const int threads = team_size(units, units * unit_rows * s.oc * std::max<int64_t>(k, 1), kMacsPerThread);
  // Pooled rows per step: their im2col rows and uint8 convolution rows stay in L1/L2 between the writes and reads.
  const int64_t group = std::max<int64_t>(1, std::min<int64_t>(kPoolStepBytes / (unit_rows * (kpad + oc)),
                                                                (units + threads - 1) / threads));
  const uint8_t pad = static_cast<uint8_t>(e.a_zero);
  run_team(threads, (units + group - 1) / group, [&](int, int64_t g0, int64_t g1) {
    uint8_t* cols = thread_bytes(group * unit_rows * (kpad + s.oc));
    uint8_t* conv = cols + group * unit_rows * kpad;
    for (int64_t g = g0; g < g1; ++g) {
      const int64_t u0 = g * group, u1 = std::min(units, u0 + group);
      for (int64_t u = u0; u < u1; ++u)
        for (int64_t i = 0; i < pool_h; ++i)
          im2col_segment(s, x, pad, kpad, u / ph, (u % ph) * pool_h + i, 0, used_w,
                         cols + ((u - u0) * unit_rows + i * used_w) * kpad);
      kern.block((u1 - u0) * unit_rows, 0, s.oc, s.oc, kpad, cols, kpad, packed, e, QuantizedOutput::uint8, conv,
                 s.oc);
      for (int64_t u = u0; u < u1; ++u)
        for (int64_t q = 0; q < pw; ++q) {
          uint8_t* __restrict out = y + (u * pw + q) * oc;
          const uint8_t* base = conv + ((u - u0) * unit_rows + q * pool_w) * oc;
          copy_bytes(out, base, oc);
          for (int64_t i = 0; i < pool_h; ++i)
            for (int64_t j = 0; j < pool_w; ++j) max_into(out, base + (i * used_w + j) * oc, oc);
        }
    }
  });
}

void quantize_uint8(int64_t count, const float* x, float inv_scale, int32_t zero, uint8_t* y) {
  const auto kernel = kernels().quantize;
  parallel_for(count, 2, [&](int64_t b, int64_t end) { kernel(end - b, x + b, inv_scale, zero, y + b); });
}

void dequantize_uint8(int64_t count, const uint8_t* q, float scale, int32_t zero, float* y) {
  const auto kernel = kernels().dequantize;
  parallel_for(count, 2, [&](int64_t b, int64_t end) { kernel(end - b, q + b, scale, zero, y + b); });
}

void max_pool2d_uint8(const Pool2dShape& s, const uint8_t* x, uint8_t* y) {
  const int64_t units = s.n * s.oh, channels = s.c;
  run_team(team_size(units, units * s.ow * s.c * s.ph * s.pw, kParallelGrain), units,
           [&](int, int64_t u0, int64_t u1) {
             for (int64_t u = u0; u < u1; ++u) {
               const int64_t img = u / s.oh, oh = u % s.oh;
               for (int64_t ow = 0; ow < s.ow; ++ow) {
                 uint8_t* out = y + (u * s.ow + ow) * channels;
                 std::memset(out, 0, channels);
                 for (int64_t i = 0; i < s.ph; ++i) {
                   const int64_t h = oh * s.stride_h - s.pad_top + i;
                   if (h < 0 || h >= s.h) continue;
                   for (int64_t j = 0; j < s.pw; ++j) {
                     const int64_t w = ow * s.stride_w - s.pad_left + j;
                     if (w < 0 || w >= s.w) continue;
                     max_into(out, x + ((img * s.h + h) * s.w + w) * channels, channels);
                   }
                 }
               }
             }
           });
}

}  // namespace tn
