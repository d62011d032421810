// AVX2 + FMA microkernel: a 6 x 16 tile of C in 12 ymm accumulators (the Haswell-era shape): with two B vectors
// and one broadcast that uses 15 of the 16 registers, and 12 chains cover two FMA pipes at 4-5 cycles latency.
#include <cstddef>
#include <cstdint>
#include <utility>

#include "gemm/kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace tn {
namespace gemm {

namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;

using TileFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int,
                        const TileStore&);

// Lanes j < n enabled (all eight when n >= 8).
inline __m256i tail_mask(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

template <int M, int NV, bool UnitRows>
void tile(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
          int64_t ldc, int n, const TileStore& st) {
  __m256 acc[M][NV];
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();
  const bool full = n == 8 * NV;
  const __m256i last = tail_mask(n - 8 * (NV - 1));

  // Masked loads cost more than plain ones on AVX2 machines, so the full-width case gets its own loop.
  auto run = [&](auto masked) __attribute__((always_inline)) {
    auto step = [&](const float* ap, const float* bp) __attribute__((always_inline)) {
      __m256 bv[NV];
#pragma GCC unroll 2
      for (int v = 0; v < NV - 1; ++v) bv[v] = _mm256_loadu_ps(bp + 8 * v);
      bv[NV - 1] = decltype(masked)::value ? _mm256_maskload_ps(bp + 8 * (NV - 1), last)
                                           : _mm256_loadu_ps(bp + 8 * (NV - 1));
#pragma GCC unroll 6
      for (int i = 0; i < M; ++i) {
        const __m256 ai = _mm256_broadcast_ss(UnitRows ? ap + i : ap + i * rs_a);
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
      }
    };
    // Plain pointer bumps: unrolling by offsets makes GCC keep a register per row and offset and spill them.
    for (int64_t p = 0; p < k; ++p) {
      step(a, b);
      a += cs_a;
      b += rs_b;
    }
  };
  if (full) run(std::false_type());
  else run(std::true_type());

  // Copies: C stores may alias `st` as far as the compiler knows, which would reload it per vector.
  const float beta_s = st.beta;
  const float* const bias = st.bias;
  const bool relu = st.relu;
  const __m256i all = _mm256_set1_epi32(-1);
  // The plain store (beta 0, nothing fused) and the accumulating one (later k blocks) get branch-free loops: with
  // a short k (a weight gradient has k = batch) the tile's finish is a sizeable share of its time.
  if (!bias && !relu && (beta_s == 0.f || beta_s == 1.f)) {
    const bool add = beta_s == 1.f;
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      float* cr = c + i * ldc;
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const bool whole = v < NV - 1 || full;
        const __m256i mask = v == NV - 1 ? last : all;
        __m256 x = acc[i][v];
        if (add) x = _mm256_add_ps(x, whole ? _mm256_loadu_ps(cr + 8 * v) : _mm256_maskload_ps(cr + 8 * v, mask));
        if (whole) _mm256_storeu_ps(cr + 8 * v, x);
        else _mm256_maskstore_ps(cr + 8 * v, mask, x);
      }
    }
    return;
  }
  const __m256 beta = _mm256_set1_ps(beta_s);
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) {
    float* cr = c + i * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const bool whole = v < NV - 1 || full;
      const __m256i mask = v == NV - 1 ? last : all;
      __m256 x = acc[i][v];
      if (beta_s != 0.f) {
        const __m256 old = whole ? _mm256_loadu_ps(cr + 8 * v) : _mm256_maskload_ps(cr + 8 * v, mask);
        x = beta_s == 1.f ? _mm256_add_ps(x, old) : _mm256_fmadd_ps(beta, old, x);
      }
      if (bias)
        x = _mm256_add_ps(x, whole ? _mm256_loadu_ps(bias + 8 * v) : _mm256_maskload_ps(bias + 8 * v, mask));
      // max(0, x) returns its second operand when either is NaN, so NaN passes through as relu keeps it.
      if (relu) x = _mm256_max_ps(zero, x);
      if (whole) _mm256_storeu_ps(cr + 8 * v, x);
      else _mm256_maskstore_ps(cr + 8 * v, mask, x);
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
  table[n > 8][rs_a == 1].rows[m - 1](k, a, rs_a, cs_a, b, rs_b, c, ldc, n, st);
}

// One row of C, up to 8 vectors (64 columns) in as many accumulators: each k step broadcasts a[p] and streams a
// contiguous piece of B's row p, with 8 independent FMA chains (the 1-row tile above has 2). NV vectors, the last
// masked.
template <int NV>
void row_tile(int64_t k, const float* a, int64_t cs_a, const float* b, int64_t rs_b, float* c, int n,
              const TileStore& st) {
  __m256 acc[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) acc[v] = _mm256_setzero_ps();
  const __m256i last = tail_mask(n - 8 * (NV - 1));
  for (int64_t p = 0; p < k; ++p) {
    const __m256 ap = _mm256_broadcast_ss(a);
#pragma GCC unroll 8
    for (int v = 0; v < NV - 1; ++v) acc[v] = _mm256_fmadd_ps(ap, _mm256_loadu_ps(b + 8 * v), acc[v]);
    acc[NV - 1] = _mm256_fmadd_ps(ap, _mm256_maskload_ps(b + 8 * (NV - 1), last), acc[NV - 1]);
    a += cs_a;
    b += rs_b;
  }
  const float beta_s = st.beta;
  const float* const bias = st.bias;
  const bool relu = st.relu;
  const __m256i all = _mm256_set1_epi32(-1);
  const __m256 beta = _mm256_set1_ps(beta_s);
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) {
    const __m256i mask = v == NV - 1 ? last : all;
    __m256 x = acc[v];
    if (beta_s != 0.f) {
      const __m256 old = _mm256_maskload_ps(c + 8 * v, mask);
      x = beta_s == 1.f ? _mm256_add_ps(x, old) : _mm256_fmadd_ps(beta, old, x);
    }
    if (bias) x = _mm256_add_ps(x, _mm256_maskload_ps(bias + 8 * v, mask));
    if (relu) x = _mm256_max_ps(zero, x);
    _mm256_maskstore_ps(c + 8 * v, mask, x);
  }
}

using RowFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int, const TileStore&);
struct RowTable {
  RowFn widths[8];
};
template <std::size_t... I>
constexpr RowTable row_table(std::index_sequence<I...>) {
  return {{row_tile<int(I) + 1>...}};
}

void row(int64_t k, const float* a, int64_t cs_a, const float* b, int64_t rs_b, float* c, int n, const TileStore& st) {
  static constexpr RowTable table = row_table(std::make_index_sequence<8>());
  table.widths[(n + 7) / 8 - 1](k, a, cs_a, b, rs_b, c, n, st);
}

// r[j][i] afterwards holds the former r[i][j] (8 x 8 block, 24 shuffles).
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {
    u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
    u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
    u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
    u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
  }
  for (int q = 0; q < 4; ++q) {
    r[q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x20);
    r[4 + q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x31);
  }
}

void pack_b_transposed(int64_t k, int n, const float* src, int64_t ld, float* dst) {
  for (int jb = 0; jb < kNr; jb += 8) {
    const int rows = n - jb < 8 ? (n - jb > 0 ? n - jb : 0) : 8;
    if (rows == 0) {
      for (int64_t p = 0; p < k; ++p) _mm256_storeu_ps(dst + p * kNr + jb, _mm256_setzero_ps());
      continue;
    }
    for (int64_t p0 = 0; p0 < k; p0 += 8) {
      const int cols = k - p0 < 8 ? int(k - p0) : 8;
      const __m256i mask = tail_mask(cols);
      __m256 r[8];
      for (int i = 0; i < 8; ++i) {
        const float* s = src + (jb + i) * ld + p0;
        r[i] = i >= rows ? _mm256_setzero_ps() : cols == 8 ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, mask);
      }
      transpose8(r);
      for (int q = 0; q < cols; ++q) _mm256_storeu_ps(dst + (p0 + q) * kNr + jb, r[q]);
    }
  }
}

}  // namespace

const Kernel& kernel_avx2() {
  static const Kernel k{"avx2 6x16", kMr, kNr, 192, 512, 512, micro, pack_b_transposed, avx2::unary, 64, row};
  return k;
}

}  // namespace gemm
}  // namespace tn

#pragma GCC pop_options
#endif
