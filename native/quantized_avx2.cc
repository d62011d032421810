// The AVX2 path of the int8 kernels (quantized.h), for CPUs without AVX-512 VNNI. vpmaddubsw would multiply u8 by
// s8 directly, but it adds pairs of products into int16 with saturation, and 255 * 127 * 2 overflows int16: results
// would depend on the data. Instead both operands are widened to int16 (weights once, when packed; a block of six
// activation rows once per block) and vpmaddwd adds each pair of int16 products into an int32 lane exactly. Weights
// are packed in panels of 8 columns, two consecutive k of a column per lane ([panel][k / 2][8][2] int16); a 6 x 16
// tile keeps 12 ymm accumulators.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quantized.h"

#if defined(__x86_64__)
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace tn {
namespace avx2 {

namespace {

constexpr int kMr = 6;
constexpr int64_t kPanel = 8;

int64_t pairs(int64_t k) { return (k + 1) / 2; }

int64_t packed_bytes(int64_t k, int64_t n) { return (n + kPanel - 1) / kPanel * kPanel * pairs(k) * 2 * 2; }

void pack(int64_t k, int64_t n, const int8_t* w, uint8_t* packed) {
  const int64_t g = pairs(k), panels = (n + kPanel - 1) / kPanel;
  int16_t* out = reinterpret_cast<int16_t*>(packed);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t q = 0; q < g; ++q)
      for (int64_t c = 0; c < kPanel; ++c)
        for (int64_t j = 0; j < 2; ++j) {
          const int64_t kk = 2 * q + j, nn = p * kPanel + c;
          *out++ = kk < k && nn < n ? w[kk * n + nn] : 0;
        }
}

// The epilogue's per-column terms for 8 columns (count: those that exist), loaded once per tile.
struct Columns {
  int64_t count;
  __m256i mask, zero_sums;  // zero_sums: a_zero * weight_sums
  __m256 multiplier, bias;
};

inline Columns columns(int64_t col, int64_t count, const QuantizedEpilogue& e, QuantizedOutput output) {
  Columns c;
  c.count = count;
  c.mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  if (output == QuantizedOutput::int32) return c;
  c.zero_sums = _mm256_mullo_epi32(_mm256_set1_epi32(e.a_zero), _mm256_maskload_epi32(e.weight_sums + col, c.mask));
  c.multiplier = _mm256_maskload_ps(e.multiplier + col, c.mask);
  c.bias = e.bias ? _mm256_maskload_ps(e.bias + col, c.mask) : _mm256_setzero_ps();
  return c;
}

inline void finish(__m256i acc, const Columns& c, const QuantizedEpilogue& e, QuantizedOutput output, void* y,
                   int64_t at) {
  if (output == QuantizedOutput::int32) {
    _mm256_maskstore_epi32(static_cast<int32_t*>(y) + at, c.mask, acc);
    return;
  }
  __m256 z = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(acc, c.zero_sums)), c.multiplier, c.bias);
  if (e.relu) z = _mm256_max_ps(z, _mm256_setzero_ps());
  if (output == QuantizedOutput::float32) {
    _mm256_maskstore_ps(static_cast<float*>(y) + at, c.mask, z);
    return;
  }
  __m256 r = _mm256_mul_ps(z, _mm256_set1_ps(e.out_inv_scale));
  r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-65536.0f)), _mm256_set1_ps(65536.0f));
  __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(r), _mm256_set1_epi32(e.out_zero));
  q = _mm256_min_epi32(_mm256_max_epi32(q, _mm256_setzero_si256()), _mm256_set1_epi32(255));
  // Eight int32 lanes to eight bytes (values already in [0, 255], so the saturating packs keep them).
  const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  const __m128i bytes = _mm_packus_epi16(words, words);
  uint8_t* out = static_cast<uint8_t*>(y) + at;
  if (c.count == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), bytes);
  } else {
    alignas(16) uint8_t lanes[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), bytes);
    for (int64_t i = 0; i < c.count; ++i) out[i] = lanes[i];
  }
}

template <int R, int P>
void tile(int64_t g, const int16_t* a, int64_t lda, const int16_t* b, int64_t panel_stride, int64_t row0,
          int64_t col, int64_t n, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t ldy) {
  __m256i acc[R][P];
  for (int r = 0; r < R; ++r)
    for (int p = 0; p < P; ++p) acc[r][p] = _mm256_setzero_si256();
  for (int64_t q = 0; q < g; ++q) {
    __m256i w[P];
    for (int p = 0; p < P; ++p) w[p] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + p * panel_stride + q * 16));
    for (int r = 0; r < R; ++r) {
      int32_t pair;
      std::memcpy(&pair, a + r * lda + 2 * q, 4);
      const __m256i x = _mm256_set1_epi32(pair);
      for (int p = 0; p < P; ++p) acc[r][p] = _mm256_add_epi32(acc[r][p], _mm256_madd_epi16(x, w[p]));
    }
  }
  for (int p = 0; p < P; ++p) {
    const int64_t c = col + p * kPanel;
    const Columns cols = columns(c, std::min<int64_t>(n - c, kPanel), e, output);
    for (int r = 0; r < R; ++r) finish(acc[r][p], cols, e, output, y, (row0 + r) * ldy + c);
  }
}

template <int R>
void tiles(int64_t g, const int16_t* a, int64_t lda, const int16_t* packed, int64_t row0, int64_t n0, int64_t n1,
           int64_t n, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t ldy) {
  const int64_t panel_stride = g * 16;
  for (int64_t c = n0; c < n1; c += 2 * kPanel) {
    const int16_t* b = packed + c / kPanel * panel_stride;
    if (n1 - c > kPanel) tile<R, 2>(g, a, lda, b, panel_stride, row0, c, n, e, output, y, ldy);
    else tile<R, 1>(g, a, lda, b, panel_stride, row0, c, n, e, output, y, ldy);
  }
}

void block(int64_t m, int64_t n0, int64_t n1, int64_t n, int64_t k, const uint8_t* a, int64_t lda,
           const uint8_t* packed_bytes, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t ldy) {
  const int64_t g = pairs(k), width = 2 * g;
  const int16_t* packed = reinterpret_cast<const int16_t*>(packed_bytes);
  static thread_local std::vector<int16_t> rows;
  if (rows.size() < static_cast<size_t>(kMr * width)) rows.resize(kMr * width);
  for (int64_t r0 = 0; r0 < m; r0 += kMr) {
    const int64_t rc = std::min<int64_t>(kMr, m - r0);
    for (int64_t r = 0; r < rc; ++r) {
      int16_t* dst = rows.data() + r * width;
      const uint8_t* src = a + (r0 + r) * lda;
      int64_t i = 0;
      for (; i + 16 <= k; i += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                            _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
      for (; i < k; ++i) dst[i] = src[i];
      if (width > k) dst[k] = 0;
    }
    const int16_t* ra = rows.data();
    switch (rc) {
      case 6: tiles<6>(g, ra, width, packed, r0, n0, n1, n, e, output, y, ldy); break;
      case 5: tiles<5>(g, ra, width, packed, r0, n0, n1, n, e, output, y, ldy); break;
      case 4: tiles<4>(g, ra, width, packed, r0, n0, n1, n, e, output, y, ldy); break;
      case 3: tiles<3>(g, ra, width, packed, r0, n0, n1, n, e, output, y, ldy); break;
      case 2: tiles<2>(g, ra, width, packed, r0, n0, n1, n, e, output, y, ldy); break;
      default: tiles<1>(g, ra, width, packed, r0, n0, n1, n, e, output, y, ldy); break;
    }
  }
}

void quantize(int64_t count, const float* x, float inv_scale, int32_t zero, uint8_t* y) {
  const __m256 inv = _mm256_set1_ps(inv_scale), lo = _mm256_set1_ps(-65536.0f), hi = _mm256_set1_ps(65536.0f);
  const __m256i z = _mm256_set1_epi32(zero), top = _mm256_set1_epi32(255);
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 r = _mm256_mul_ps(_mm256_loadu_ps(x + i), inv);
    // NaN becomes 0 (then the zero point), as in the scalar path.
    r = _mm256_and_ps(_mm256_cmp_ps(r, r, _CMP_ORD_Q), _mm256_min_ps(_mm256_max_ps(r, lo), hi));
    __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(r), z);
    q = _mm256_min_epi32(_mm256_max_epi32(q, _mm256_setzero_si256()), top);
    const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), _mm_packus_epi16(words, words));
  }
  for (; i < count; ++i) {
    float r = x[i] * inv_scale;
    r = r == r ? std::min(std::max(r, -65536.0f), 65536.0f) : 0.0f;
    const int32_t q = static_cast<int32_t>(std::nearbyint(r)) + zero;
    y[i] = static_cast<uint8_t>(std::min(std::max(q, 0), 255));
  }
}

void dequantize(int64_t count, const uint8_t* q, float scale, int32_t zero, float* y) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i z = _mm256_set1_epi32(zero);
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + i)));
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, z)), s));
  }
  for (; i < count; ++i) y[i] = static_cast<float>(q[i] - zero) * scale;
}

}  // namespace

const QuantizedKernels quantized_kernels{"avx2", 2 * kPanel, 2, packed_bytes, pack, block, quantize, dequantize};

}  // namespace avx2
}  // namespace tn

#pragma GCC pop_options
#endif
