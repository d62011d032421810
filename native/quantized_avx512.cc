// The AVX-512 VNNI path of the int8 kernels (quantized.h): a 6 x 32 tile of int32 sums in 12 zmm accumulators.
// Weights are packed in panels of 16 columns, four consecutive k of one column in each 32-bit lane
// ([panel][k / 4][16][4] int8), so that one vpdpbusd multiplies a broadcast dword of four activations of a row by
// 16 columns' four weights and adds the four products into each column's sum. Two panels per tile read two weight
// vectors for 12 vpdpbusd: at two per cycle and about 5 cycles latency, 12 independent accumulators keep both pipes
// busy.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quantized.h"

#if defined(__x86_64__)
// GCC 12 reports the deliberately uninitialised _mm512_undefined_*() inside these headers once they are inlined; the
// pragma must cover the header lines, where the warning is located.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx512vnni,avx2,fma")

namespace tn {
namespace vnni {

namespace {

constexpr int kMr = 6;
constexpr int64_t kPanel = 16;

int64_t groups(int64_t k) { return (k + 3) / 4; }

int64_t packed_bytes(int64_t k, int64_t n) { return (n + kPanel - 1) / kPanel * kPanel * groups(k) * 4; }

void pack(int64_t k, int64_t n, const int8_t* w, uint8_t* packed) {
  const int64_t g = groups(k), panels = (n + kPanel - 1) / kPanel;
  int8_t* out = reinterpret_cast<int8_t*>(packed);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t q = 0; q < g; ++q)
      for (int64_t c = 0; c < kPanel; ++c)
        for (int64_t j = 0; j < 4; ++j) {
          const int64_t kk = 4 * q + j, nn = p * kPanel + c;
          *out++ = kk < k && nn < n ? w[kk * n + nn] : 0;
        }
}

// The epilogue's per-column terms for 16 columns (mask: those that exist), loaded once per tile.
struct Columns {
  __mmask16 mask;
  __m512i zero_sums;  // a_zero * weight_sums
  __m512 multiplier, bias;
};

inline Columns columns(int64_t col, int64_t left, const QuantizedEpilogue& e, QuantizedOutput output) {
  Columns c;
  c.mask = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
  if (output == QuantizedOutput::int32) return c;
  c.zero_sums = _mm512_mullo_epi32(_mm512_set1_epi32(e.a_zero), _mm512_maskz_loadu_epi32(c.mask, e.weight_sums + col));
  c.multiplier = _mm512_maskz_loadu_ps(c.mask, e.multiplier + col);
  c.bias = e.bias ? _mm512_maskz_loadu_ps(c.mask, e.bias + col) : _mm512_setzero_ps();
  return c;
}

inline void finish(__m512i acc, const Columns& c, const QuantizedEpilogue& e, QuantizedOutput output, void* y,
                   int64_t at) {
  if (output == QuantizedOutput::int32) {
    _mm512_mask_storeu_epi32(static_cast<int32_t*>(y) + at, c.mask, acc);
    return;
  }
  __m512 z = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc, c.zero_sums)), c.multiplier, c.bias);
  if (e.relu) z = _mm512_max_ps(z, _mm512_setzero_ps());
  if (output == QuantizedOutput::float32) {
    _mm512_mask_storeu_ps(static_cast<float*>(y) + at, c.mask, z);
    return;
  }
  // Clamped before the conversion so that huge values saturate instead of wrapping to INT_MIN.
  __m512 r = _mm512_mul_ps(z, _mm512_set1_ps(e.out_inv_scale));
  r = _mm512_min_ps(_mm512_max_ps(r, _mm512_set1_ps(-65536.0f)), _mm512_set1_ps(65536.0f));
  __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(r), _mm512_set1_epi32(e.out_zero));
  q = _mm512_min_epi32(_mm512_max_epi32(q, _mm512_setzero_si512()), _mm512_set1_epi32(255));
  _mm512_mask_cvtepi32_storeu_epi8(static_cast<uint8_t*>(y) + at, c.mask, q);
}

template <int R, int P>
void tile(int64_t g, const uint8_t* a, int64_t lda, const int8_t* b, int64_t panel_stride, int64_t row0, int64_t col,
          int64_t n, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t ldy) {
  __m512i acc[R][P];
  for (int r = 0; r < R; ++r)
    for (int p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_si512();
  for (int64_t q = 0; q < g; ++q) {
    __m512i w[P];
    for (int p = 0; p < P; ++p) w[p] = _mm512_loadu_si512(b + p * panel_stride + q * 64);
    for (int r = 0; r < R; ++r) {
      int32_t quad;
      std::memcpy(&quad, a + r * lda + 4 * q, 4);
      const __m512i x = _mm512_set1_epi32(quad);
      for (int p = 0; p < P; ++p) acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], x, w[p]);
    }
  }
  for (int p = 0; p < P; ++p) {
    const int64_t c = col + p * kPanel;
    const Columns cols = columns(c, n - c, e, output);
    for (int r = 0; r < R; ++r) finish(acc[r][p], cols, e, output, y, (row0 + r) * ldy + c);
  }
}

template <int R>
void tiles(int64_t g, const uint8_t* a, int64_t lda, const int8_t* packed, int64_t row0, int64_t n0, int64_t n1,
           int64_t n, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t ldy) {
  const int64_t panel_stride = g * 64;
  for (int64_t c = n0; c < n1; c += 2 * kPanel) {
    const int8_t* b = packed + c / kPanel * panel_stride;
    if (n1 - c > kPanel) tile<R, 2>(g, a, lda, b, panel_stride, row0, c, n, e, output, y, ldy);
    else tile<R, 1>(g, a, lda, b, panel_stride, row0, c, n, e, output, y, ldy);
  }
}

void block(int64_t m, int64_t n0, int64_t n1, int64_t n, int64_t k, const uint8_t* a, int64_t lda,
           const uint8_t* packed_bytes, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t ldy) {
  const int64_t g = groups(k), width = 4 * g;
  const int8_t* packed = reinterpret_cast<const int8_t*>(packed_bytes);
  // Rows copied with k padded to a multiple of 4 (the padded weights are 0) when k is not one, so that every dword
  // read stays inside the row.
  static thread_local std::vector<uint8_t> rows;
  if (rows.size() < static_cast<size_t>(kMr * width)) rows.resize(kMr * width);
  for (int64_t r0 = 0; r0 < m; r0 += kMr) {
    const int64_t rc = std::min<int64_t>(kMr, m - r0);
    const uint8_t* ra = a + r0 * lda;
    int64_t stride = lda;
    if (k != width) {
      for (int64_t r = 0; r < rc; ++r) {
        std::memcpy(rows.data() + r * width, a + (r0 + r) * lda, k);
        std::memset(rows.data() + r * width + k, 0, width - k);
      }
      ra = rows.data();
      stride = width;
    }
    switch (rc) {
      case 6: tiles<6>(g, ra, stride, packed, r0, n0, n1, n, e, output, y, ldy); break;
      case 5: tiles<5>(g, ra, stride, packed, r0, n0, n1, n, e, output, y, ldy); break;
      case 4: tiles<4>(g, ra, stride, packed, r0, n0, n1, n, e, output, y, ldy); break;
      case 3: tiles<3>(g, ra, stride, packed, r0, n0, n1, n, e, output, y, ldy); break;
      case 2: tiles<2>(g, ra, stride, packed, r0, n0, n1, n, e, output, y, ldy); break;
      default: tiles<1>(g, ra, stride, packed, r0, n0, n1, n, e, output, y, ldy); break;
    }
  }
}

void quantize(int64_t count, const float* x, float inv_scale, int32_t zero, uint8_t* y) {
  const __m512 inv = _mm512_set1_ps(inv_scale), lo = _mm512_set1_ps(-65536.0f), hi = _mm512_set1_ps(65536.0f);
  const __m512i z = _mm512_set1_epi32(zero), top = _mm512_set1_epi32(255);
  for (int64_t i = 0; i < count; i += 16) {
    const __mmask16 m = count - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (count - i)) - 1);
    __m512 r = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv);
    // NaN becomes 0 (then the zero point), as in the scalar path.
    r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(r, r, _CMP_ORD_Q), _mm512_min_ps(_mm512_max_ps(r, lo), hi));
    __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(r), z);
    q = _mm512_min_epi32(_mm512_max_epi32(q, _mm512_setzero_si512()), top);
    _mm512_mask_cvtepi32_storeu_epi8(y + i, m, q);
  }
}

void dequantize(int64_t count, const uint8_t* q, float scale, int32_t zero, float* y) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i z = _mm512_set1_epi32(zero);
  for (int64_t i = 0; i < count; i += 16) {
    const __mmask16 m = count - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (count - i)) - 1);
    const __m512i v = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, q + i));
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, z)), s));
  }
}

}  // namespace

const QuantizedKernels quantized_kernels{"avx512-vnni", 2 * kPanel, 4, packed_bytes, pack, block, quantize, dequantize};

}  // namespace vnni
}  // namespace tn

#pragma GCC pop_options
#endif
