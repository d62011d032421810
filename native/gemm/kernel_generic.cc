// The portable microkernel, plain C++ for the build's baseline (SSE2 on x86-64, NEON on arm64): a 4 x 8 tile whose
// accumulators the compiler keeps in eight 4-wide registers, the column loop becoming vector FMAs (or mul + add).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "gemm/kernel.h"

namespace tn {
namespace gemm {

namespace {

constexpr int kMr = 4;
constexpr int kNr = 8;

using Vec4 = float __attribute__((vector_size(16)));

using TileFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int,
                        const TileStore&);

template <int M, bool UnitRows>
void tile(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
          int64_t ldc, int n, const TileStore& st) {
  float acc[M][kNr] = {};
  if (n == kNr) {
    // Written with 4-wide vectors (GCC/clang vector extensions, SSE2 or NEON underneath) because, given plain
    // loops, GCC vectorises along p instead: it gathers A, transposes, and keeps the accumulators in memory.
    Vec4 vacc[M][kNr / 4] = {};
    for (int64_t p = 0; p < k; ++p) {
      const float* ap = a + p * cs_a;
      const float* bp = b + p * rs_b;
      Vec4 bv[kNr / 4];
      std::memcpy(bv, bp, sizeof(bv));
      for (int i = 0; i < M; ++i) {
        const float x = UnitRows ? ap[i] : ap[i * rs_a];
        const Vec4 ai = {x, x, x, x};
        for (int v = 0; v < kNr / 4; ++v) vacc[i][v] += ai * bv[v];
      }
    }
    std::memcpy(acc, vacc, sizeof(acc));
  } else {
    // Edge panel: columns past n may lie outside B, so the loop stops at n.
    for (int64_t p = 0; p < k; ++p) {
      const float* ap = a + p * cs_a;
      const float* bp = b + p * rs_b;
      for (int i = 0; i < M; ++i) {
        const float ai = UnitRows ? ap[i] : ap[i * rs_a];
        for (int j = 0; j < n; ++j) acc[i][j] += ai * bp[j];
      }
    }
  }
  for (int i = 0; i < M; ++i) {
    float* cr = c + i * ldc;
    for (int j = 0; j < n; ++j) {
      float x = acc[i][j];
      if (st.beta != 0.f) x = st.beta == 1.f ? x + cr[j] : x + st.beta * cr[j];
      if (st.bias) x += st.bias[j];
      if (st.relu) x = x > 0.f || x != x ? x : 0.f;
      cr[j] = x;
    }
  }
}

struct RowsTable {
  TileFn rows[kMr];
};

template <bool UnitRows, std::size_t... I>
constexpr RowsTable rows_table(std::index_sequence<I...>) {
  return {{tile<int(I) + 1, UnitRows>...}};
}

void micro(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b, float* c,
           int64_t ldc, int m, int n, const TileStore& st) {
  static constexpr RowsTable table[2] = {rows_table<false>(std::make_index_sequence<kMr>()),
                                                      rows_table<true>(std::make_index_sequence<kMr>())};
  table[rs_a == 1].rows[m - 1](k, a, rs_a, cs_a, b, rs_b, c, ldc, n, st);
}

// One row of C, up to 64 columns: B's rows read contiguously, the column loop vectorised by the compiler.
void row(int64_t k, const float* a, int64_t cs_a, const float* b, int64_t rs_b, float* c, int n, const TileStore& st) {
  float acc[64] = {};
  for (int64_t p = 0; p < k; ++p) {
    const float ap = a[p * cs_a];
    const float* bp = b + p * rs_b;
    for (int j = 0; j < n; ++j) acc[j] += ap * bp[j];
  }
  for (int j = 0; j < n; ++j) {
    float x = acc[j];
    if (st.beta != 0.f) x = st.beta == 1.f ? x + c[j] : x + st.beta * c[j];
    if (st.bias) x += st.bias[j];
    if (st.relu) x = x > 0.f || x != x ? x : 0.f;
    c[j] = x;
  }
}

// Blocks of 8 k steps keep the eight source rows' lines in L1 while their columns are scattered into the panel.
void pack_b_transposed(int64_t k, int n, const float* src, int64_t ld, float* dst) {
  for (int64_t p0 = 0; p0 < k; p0 += 8) {
    const int64_t p1 = p0 + 8 < k ? p0 + 8 : k;
    for (int j = 0; j < kNr; ++j) {
      if (j < n) {
        const float* s = src + j * ld;
        for (int64_t p = p0; p < p1; ++p) dst[p * kNr + j] = s[p];
      } else {
        for (int64_t p = p0; p < p1; ++p) dst[p * kNr + j] = 0.f;
      }
    }
  }
}

}  // namespace

const Kernel& kernel_generic() {
  static const Kernel k{"generic 4x8", kMr, kNr, 128, 256, 1024, micro, pack_b_transposed, generic::unary, 64, row};
  return k;
}

}  // namespace gemm
}  // namespace tn
