// AVX-512 microkernel: a 12 x 32 tile of C in 24 zmm accumulators, B rows loaded as two vectors, A broadcast.
// Zen 4/5 and Skylake-X retire two 512-bit FMAs per cycle at 4 cycles latency, so 8 independent accumulators would
// keep both pipes busy; 12 rows rather than 8 read each B vector for 12 FMAs instead of 8, and take a 9-row
// product (a 3x3 single-channel filter gradient) in one tile: 1.4x on 9 x 32 x 21632, even elsewhere (measured
// side by side against the 8-row kernel). 24 accumulators, 2 B vectors and a broadcast fit the 32 registers.
#include <cstddef>
#include <cstdint>
#include <utility>

#include "gemm/kernel.h"

#if defined(__x86_64__)
// GCC 12 reports the deliberately uninitialised _mm512_undefined_ps() inside these headers' shuffles once they are
// inlined; the pragma must cover the header lines, where the warning is located.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")

namespace tn {
namespace gemm {

namespace {

constexpr int kMr = 12;
constexpr int kNr = 32;

using TileFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int,
                        const TileStore&);

inline __mmask16 tail_mask(int n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1); }

// M rows (1..12) and NV vectors of 16 columns (1..2); the last vector is masked so that n need not fill it.
// UnitRows: A's row stride is 1 (packed panels, or A stored transposed), so broadcasts use constant offsets.
template <int M, int NV, bool UnitRows>
void tile(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
          int64_t ldc, int n, const TileStore& st) {
  __m512 acc[M][NV];
  // Every loop over rows must unroll fully (the count at least kMr), or acc lives in memory: 3x slower.
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  const __mmask16 last = tail_mask(n - 16 * (NV - 1));
  // No software prefetch of C: measured, prefetchw of the tile's lines gained nothing at long k and cost 8% (k = 32)
  // to 35% (k = 9) on the skinny shapes, where the tile's finish is a large share of its time.

  auto step = [&](const float* ap, const float* bp) __attribute__((always_inline)) {
    __m512 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV - 1; ++v) bv[v] = _mm512_loadu_ps(bp + 16 * v);
    bv[NV - 1] = _mm512_maskz_loadu_ps(last, bp + 16 * (NV - 1));
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
      const __m512 ai = _mm512_set1_ps(UnitRows ? ap[i] : ap[i * rs_a]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  };

  // One k step per iteration with plain pointer bumps: unrolling by offsets makes GCC keep a register per row and
  // offset, spill them and shuffle accumulators; the loop overhead (3 uops) fits in the idle issue slots.
  for (int64_t p = 0; p < k; ++p) {
    step(a, b);
    a += cs_a;
    b += rs_b;
  }

  // Copies: C stores may alias `st` as far as the compiler knows, which would reload it per vector.
  // The plain store (beta 0, nothing fused) and the accumulating one (later k blocks) get branch-free loops: with
  // a short k (a weight gradient has k = batch) the tile's finish is a sizeable share of its time.
  const float beta_s = st.beta;
  const float* const bias = st.bias;
  const bool relu = st.relu;
  if (!bias && !relu && (beta_s == 0.f || beta_s == 1.f)) {
    const bool add = beta_s == 1.f;
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
      float* cr = c + i * ldc;
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const __mmask16 mask = v == NV - 1 ? last : __mmask16(0xffff);
        __m512 x = acc[i][v];
        if (add) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, cr + 16 * v));
        _mm512_mask_storeu_ps(cr + 16 * v, mask, x);
      }
    }
    return;
  }
  const __m512 beta = _mm512_set1_ps(beta_s);
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
    float* cr = c + i * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const __mmask16 mask = v == NV - 1 ? last : __mmask16(0xffff);
      __m512 x = acc[i][v];
      if (beta_s != 0.f) {
        const __m512 old = _mm512_maskz_loadu_ps(mask, cr + 16 * v);
        x = beta_s == 1.f ? _mm512_add_ps(x, old) : _mm512_fmadd_ps(beta, old, x);
      }
      if (bias) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, bias + 16 * v));
      // max(0, x) returns its second operand when either is NaN, so NaN passes through as relu keeps it.
      if (relu) x = _mm512_max_ps(zero, x);
      _mm512_mask_storeu_ps(cr + 16 * v, mask, x);
    }
  }
}

// A plain array in a local type, not std::array: no inline function with external linkage gets compiled under
// this file's target options (the linker could pick that copy for other files).
struct RowsTable {
  TileFn rows[kMr];
};

template <int NV, bool UnitRows, std::size_t... I>
constexpr RowsTable rows_table(std::index_sequence<I...>) {
  return {{tile<int(I) + 1, NV, UnitRows>...}};
}

void micro(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
           int64_t ldc, int m, int n, const TileStore& st) {
  static constexpr RowsTable table[2][2] = {
      {rows_table<1, false>(std::make_index_sequence<kMr>()), rows_table<1, true>(std::make_index_sequence<kMr>())},
      {rows_table<2, false>(std::make_index_sequence<kMr>()), rows_table<2, true>(std::make_index_sequence<kMr>())},
  };
  table[n > 16][rs_a == 1].rows[m - 1](k, a, rs_a, cs_a, b, rs_b, c, ldc, n, st);
}

// One row of C, up to 16 vectors (256 columns) in as many accumulators: each k step broadcasts a[p] and streams a
// contiguous piece of B's row p, with 16 independent FMA chains (the 1-row tile above has 2, one per 4-cycle
// latency). NV vectors, the last masked.
template <int NV>
void row_tile(int64_t k, const float* a, int64_t cs_a, const float* b, int64_t rs_b, float* c, int n,
              const TileStore& st) {
  __m512 acc[NV];
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) acc[v] = _mm512_setzero_ps();
  const __mmask16 last = tail_mask(n - 16 * (NV - 1));
  for (int64_t p = 0; p < k; ++p) {
    const __m512 ap = _mm512_set1_ps(*a);
#pragma GCC unroll 16
    for (int v = 0; v < NV - 1; ++v) acc[v] = _mm512_fmadd_ps(ap, _mm512_loadu_ps(b + 16 * v), acc[v]);
    acc[NV - 1] = _mm512_fmadd_ps(ap, _mm512_maskz_loadu_ps(last, b + 16 * (NV - 1)), acc[NV - 1]);
    a += cs_a;
    b += rs_b;
  }
  const float beta_s = st.beta;
  const float* const bias = st.bias;
  const bool relu = st.relu;
  const __m512 beta = _mm512_set1_ps(beta_s);
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    const __mmask16 mask = v == NV - 1 ? last : __mmask16(0xffff);
    __m512 x = acc[v];
    if (beta_s != 0.f) {
      const __m512 old = _mm512_maskz_loadu_ps(mask, c + 16 * v);
      x = beta_s == 1.f ? _mm512_add_ps(x, old) : _mm512_fmadd_ps(beta, old, x);
    }
    if (bias) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, bias + 16 * v));
    if (relu) x = _mm512_max_ps(zero, x);
    _mm512_mask_storeu_ps(c + 16 * v, mask, x);
  }
}

using RowFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int, const TileStore&);
struct RowTable {
  RowFn widths[16];
};
template <std::size_t... I>
constexpr RowTable row_table(std::index_sequence<I...>) {
  return {{row_tile<int(I) + 1>...}};
}

void row(int64_t k, const float* a, int64_t cs_a, const float* b, int64_t rs_b, float* c, int n, const TileStore& st) {
  static constexpr RowTable table = row_table(std::make_index_sequence<16>());
  table.widths[(n + 15) / 16 - 1](k, a, cs_a, b, rs_b, c, n, st);
}

// Rows i of r become columns: r[j][i] afterwards holds the former r[i][j] (a 16 x 16 block in 64 shuffles).
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  __m512 u[16];
  for (int i = 0; i < 4; ++i) {
    const __m512d t0 = _mm512_castps_pd(t[4 * i]), t1 = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d t2 = _mm512_castps_pd(t[4 * i + 2]), t3 = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  // u[4i + q], 128-bit lane L, holds column 4L + q of rows 4i..4i+3; gather the four lanes of each column.
  __m512 v[8], w[8];
  for (int q = 0; q < 4; ++q) {
    v[q] = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x88);
    v[4 + q] = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xdd);
    w[q] = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x88);
    w[4 + q] = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xdd);
  }
  for (int q = 0; q < 4; ++q) {
    r[q] = _mm512_shuffle_f32x4(v[q], w[q], 0x88);
    r[8 + q] = _mm512_shuffle_f32x4(v[q], w[q], 0xdd);
    r[4 + q] = _mm512_shuffle_f32x4(v[4 + q], w[4 + q], 0x88);
    r[12 + q] = _mm512_shuffle_f32x4(v[4 + q], w[4 + q], 0xdd);
  }
}

void pack_b_transposed(int64_t k, int n, const float* src, int64_t ld, float* dst) {
  for (int jb = 0; jb < kNr; jb += 16) {
    const int rows = n - jb < 16 ? (n - jb > 0 ? n - jb : 0) : 16;
    if (rows == 0) {
      for (int64_t p = 0; p < k; ++p) _mm512_storeu_ps(dst + p * kNr + jb, _mm512_setzero_ps());
      continue;
    }
    for (int64_t p0 = 0; p0 < k; p0 += 16) {
      const int cols = k - p0 < 16 ? int(k - p0) : 16;
      const __mmask16 mask = tail_mask(cols);
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = i < rows ? _mm512_maskz_loadu_ps(mask, src + (jb + i) * ld + p0) : _mm512_setzero_ps();
      transpose16(r);
      for (int q = 0; q < cols; ++q) _mm512_storeu_ps(dst + (p0 + q) * kNr + jb, r[q]);
    }
  }
}

}  // namespace

const Kernel& kernel_avx512() {
  static const Kernel k{"avx512 12x32", kMr, kNr, 256, 512, 512, micro, pack_b_transposed, avx512::unary,
                        256, row};
  return k;
}

}  // namespace gemm
}  // namespace tn

#pragma GCC pop_options
#endif
