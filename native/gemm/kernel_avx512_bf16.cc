// The bfloat16 GEMM on AVX512_BF16: operands are packed as pairs of bfloat16 along k (one 32-bit word holds
// op(A)[i, 2p] in its low half and op(A)[i, 2p + 1] in its high half, and so for B), and vdpbf16ps multiplies a
// broadcast pair of A by 16 pairs of B and adds both products to 16 float32 sums: twice the multiply-adds of an FMA
// per instruction, on half the bytes. The loops are BLIS's (gemm.cc): B is packed per kc x nc block (each panel
// kc/2 x 32 words), A one 12-row sliver at a time just before the columns sweep over it. Unlike the float32 GEMM,
// both operands are always packed: the conversion has to be made somewhere, and the packed copy is where it pays.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "gemm/gemm_bf16.h"
#include "gemm/kernel.h"
#include "parallel.h"
#include "workspace.h"

#if defined(__x86_64__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16,avx2,fma")

namespace tn {
namespace gemm {

namespace {

constexpr int kMr = 12;
constexpr int kNr = 32;
// k per block (kKc / 2 pairs) and columns per block: the packed B block (256 x 512 words, 512 KiB) stays in L2,
// half the bytes of the float32 GEMM's block of the same extent.
constexpr int64_t kKc = 512;
constexpr int64_t kNc = 512;
// Below this many multiply-adds a second thread costs more than it saves (as for the float32 GEMM).
constexpr double kParallelMacs = double(1 << 20);

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
inline __mmask16 tail_mask(int64_t n) {
  return n >= 16 ? __mmask16(0xffff) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// 16 words, word j = (bf16(even[j]), bf16(odd[j])). vcvtne2ps2bf16 puts its second operand's 16 values in the low
// half, the first's in the high half; vpermw interleaves them.
inline __m512i pairs16(__m512 even, __m512 odd) {
  const __m512i halves = (__m512i)_mm512_cvtne2ps_pbh(odd, even);
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
                                              6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(interleave, halves);
}

struct Problem {
  bool ta, tb;
  int64_t m, n, k;
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float beta;
  float* c;
  int64_t ldc;
  const GemmEpilogue* ep;
};

// Panel q of the B block (rows pc..pc+kc of op(B), columns j0..j0+n, n <= 32): kp pairs of 32 words, columns past n
// and the odd half of a last unpaired row zero.
void pack_b_panel(const Problem& P, int64_t pc, int64_t kc, int64_t j0, int n, uint32_t* dst, float* scratch) {
  const int64_t kp = ceil_div(kc, 2);
  const float* src;
  int64_t ld;
  if (P.tb) {
    // Transposed by the float32 kernel's 16 x 16 shuffles into a p-major float panel first, then paired below.
    kernel_avx512().pack_b_transposed(kc, n, P.b + j0 * P.ldb + pc, P.ldb, scratch);
    src = scratch;
    ld = kNr;
  } else {
    src = P.b + pc * P.ldb + j0;
    ld = P.ldb;
  }
  const int cols = P.tb ? kNr : n;
  const __mmask16 m0 = tail_mask(cols), m1 = tail_mask(cols - 16);
  for (int64_t p = 0; p < kp; ++p) {
    const float* even = src + 2 * p * ld;
    const bool has_odd = 2 * p + 1 < kc;
    const float* odd = even + ld;
    const __m512 e0 = _mm512_maskz_loadu_ps(m0, even), e1 = _mm512_maskz_loadu_ps(m1, even + 16);
    const __m512 o0 = has_odd ? _mm512_maskz_loadu_ps(m0, odd) : _mm512_setzero_ps();
    const __m512 o1 = has_odd ? _mm512_maskz_loadu_ps(m1, odd + 16) : _mm512_setzero_ps();
    _mm512_storeu_si512(dst + p * kNr, pairs16(e0, o0));
    _mm512_storeu_si512(dst + p * kNr + 16, pairs16(e1, o1));
  }
}

// Rows i0..i0+m (m <= 12) of op(A), k range pc..pc+kc, as words addressed word(i, p) = dst[i * rs + p * cs]:
// A stored plainly has each row's k contiguous, so its pairs are already adjacent and a row converts in place
// (rs = padded row length, cs = 1); A stored transposed has each k's rows contiguous, so 12 rows pair up at once
// from two k rows (rs = 1, cs = 12).
void pack_a_sliver(const Problem& P, int64_t i0, int m, int64_t pc, int64_t kc, uint32_t* dst, int64_t& rs,
                   int64_t& cs) {
  const int64_t kp = ceil_div(kc, 2);
  if (!P.ta) {
    rs = round_up(kp, 16);
    cs = 1;
    for (int i = 0; i < m; ++i) {
      const float* row = P.a + (i0 + i) * P.lda + pc;
      uint32_t* d = dst + i * rs;
      for (int64_t w = 0; w < kp; w += 16) {
        const int64_t left = kc - 2 * w;  // floats of this row still to convert
        const __m512 lo = _mm512_maskz_loadu_ps(tail_mask(left), row + 2 * w);
        const __m512 hi = _mm512_maskz_loadu_ps(tail_mask(left - 16), row + 2 * w + 16);
        _mm512_storeu_si512(d + w, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
      }
    }
    return;
  }
  rs = 1;
  cs = kMr;
  const __mmask16 rows = tail_mask(m);
  for (int64_t p = 0; p < kp; ++p) {
    const float* even = P.a + (pc + 2 * p) * P.lda + i0;
    const __m512 e = _mm512_maskz_loadu_ps(rows, even);
    const __m512 o = 2 * p + 1 < kc ? _mm512_maskz_loadu_ps(rows, even + P.lda) : _mm512_setzero_ps();
    _mm512_mask_storeu_epi32(dst + p * kMr, __mmask16((1u << kMr) - 1), pairs16(e, o));
  }
}

using TileFn = void (*)(int64_t, const uint32_t*, int64_t, int64_t, const uint32_t*, float*, int64_t, int, float);

// M rows (1..12) by 32 columns (n of them stored) over kp pairs; C = acc + beta * C, C not read when beta is 0.
template <int M, bool UnitRows>
void tile(int64_t kp, const uint32_t* a, int64_t rs, int64_t cs, const uint32_t* b, float* c, int64_t ldc, int n,
          float beta) {
  __m512 acc[M][2];
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kp; ++p) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 16);
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
      const __m512bh ai = (__m512bh)_mm512_set1_epi32(int(UnitRows ? a[i] : a[i * rs]));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
    }
    a += cs;
    b += kNr;
  }
  const __mmask16 m0 = tail_mask(n), m1 = tail_mask(n - 16);
  const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
    float* cr = c + i * ldc;
    __m512 x0 = acc[i][0], x1 = acc[i][1];
    if (beta != 0.f) {
      x0 = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(m0, cr), x0);
      x1 = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(m1, cr + 16), x1);
    }
    _mm512_mask_storeu_ps(cr, m0, x0);
    _mm512_mask_storeu_ps(cr + 16, m1, x1);
  }
}

struct RowsTable {
  TileFn rows[kMr];
};

template <bool UnitRows, std::size_t... I>
constexpr RowsTable rows_table(std::index_sequence<I...>) {
  return {{tile<int(I) + 1, UnitRows>...}};
}

void micro(int m, int64_t kp, const uint32_t* a, int64_t rs, int64_t cs, const uint32_t* b, float* c, int64_t ldc,
           int n, float beta) {
  static constexpr RowsTable table[2] = {rows_table<false>(std::make_index_sequence<kMr>()),
                                         rows_table<true>(std::make_index_sequence<kMr>())};
  table[rs == 1].rows[m - 1](kp, a, rs, cs, b, c, ldc, n, beta);
}

// Rows [m0, m1) and columns [n0, n1) of C, on the calling thread with its own packing buffers.
void run_chunk(const Problem& P, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  static thread_local Workspace a_buf, b_buf, t_buf;
  const int64_t kp_max = ceil_div(std::min(kKc, P.k), 2);
  const int64_t nc_max = std::min(kNc, round_up(n1 - n0, kNr));
  uint32_t* abuf = reinterpret_cast<uint32_t*>(a_buf.get(size_t(kMr * round_up(kp_max, 16))));
  uint32_t* bbuf = reinterpret_cast<uint32_t*>(b_buf.get(size_t(nc_max * kp_max)));
  float* scratch = P.tb ? t_buf.get(size_t(kNr * 2 * kp_max)) : nullptr;
  const GemmEpilogue& ep = *P.ep;
  const UnaryFn unary = kernel_avx512().unary;
  for (int64_t jc = n0; jc < n1; jc += kNc) {
    const int64_t nc = std::min(kNc, n1 - jc);
    for (int64_t pc = 0; pc < P.k; pc += kKc) {
      const int64_t kc = std::min(kKc, P.k - pc), kp = ceil_div(kc, 2);
      const bool last = pc + kc == P.k;
      const float beta = pc == 0 ? P.beta : 1.f;
      for (int64_t q = 0; q * kNr < nc; ++q)
        pack_b_panel(P, pc, kc, jc + q * kNr, int(std::min<int64_t>(kNr, nc - q * kNr)), bbuf + q * kp * kNr, scratch);
      for (int64_t ir = m0; ir < m1; ir += kMr) {
        const int m = int(std::min<int64_t>(kMr, m1 - ir));
        int64_t rs, cs;
        pack_a_sliver(P, ir, m, pc, kc, abuf, rs, cs);
        for (int64_t jr = 0; jr < nc; jr += kNr) {
          const int n = int(std::min<int64_t>(kNr, nc - jr));
          float* cp = P.c + ir * P.ldc + jc + jr;
          micro(m, kp, abuf, rs, cs, bbuf + (jr / kNr) * kp * kNr, cp, P.ldc, n, beta);
          if (!last || (!ep.bias && ep.activation == UnaryOp::linear)) continue;
          // The tile is still in L1.
          for (int i = 0; i < m; ++i) {
            float* row = cp + i * P.ldc;
            if (ep.bias)
              for (int j = 0; j < n; ++j) row[j] += ep.bias[jc + jr + j];
            if (ep.activation != UnaryOp::linear) unary(ep.activation, row, row, n, ep.alpha);
          }
        }
      }
    }
  }
}

void run_k_split(const Problem& P, int threads) {
  const int64_t chunk = round_up(ceil_div(P.k, 2 * int64_t(threads)), 64);
  const int64_t chunks = ceil_div(P.k, chunk), size = P.m * P.n;
  static thread_local Workspace partial_buf;
  float* partial = partial_buf.get(size_t(chunks * size));
  const GemmEpilogue none;
  std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(int(std::min<int64_t>(threads, chunks)))
  {
    for (int64_t q; (q = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      const int64_t p0 = q * chunk;
      Problem Q = P;
      Q.k = std::min(P.k, p0 + chunk) - p0;
      Q.a = P.a + (P.ta ? p0 * P.lda : p0);
      Q.b = P.b + (P.tb ? p0 : p0 * P.ldb);
      Q.beta = 0.f;
      Q.c = partial + q * size;
      Q.ldc = P.n;
      Q.ep = &none;
      run_chunk(Q, 0, Q.m, 0, Q.n);
    }
  }
  const GemmEpilogue& ep = *P.ep;
  const UnaryFn unary = kernel_avx512().unary;
  for (int64_t i = 0; i < P.m; ++i) {
    float* row = P.c + i * P.ldc;
    for (int64_t j = 0; j < P.n; ++j) {
      float sum = P.beta == 0.f ? 0.f : P.beta * row[j];
      for (int64_t q = 0; q < chunks; ++q) sum += partial[q * size + i * P.n + j];
      row[j] = ep.bias ? sum + ep.bias[j] : sum;
    }
    if (ep.activation != UnaryOp::linear) unary(ep.activation, row, row, P.n, ep.alpha);
  }
}

}  // namespace

void bgemm_avx512_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                       const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& ep) {
  const Problem P{trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc, &ep};
  const double macs = double(m) * double(n) * double(k);
  int threads = max_threads();
  if (threads > 1 && macs < kParallelMacs * threads) threads = std::max(1, int(macs / kParallelMacs));
  if (threads <= 1) {
    run_chunk(P, 0, m, 0, n);
    return;
  }
  // A small C with a long k (a filter gradient): each chunk of k is summed into its own buffer, and the buffers are
  // added in chunk order, so that the result does not depend on which thread took which chunk.
  if (double(m) * double(n) <= 65536.0 && k >= 4 * std::max(m, n) && k >= 2 * kKc) {
    run_k_split(P, threads);
    return;
  }
  // Chunks of rows each pack all of B, chunks of columns all of A: split rows when there are enough of them for
  // the repacking of B to stay a small share, columns otherwise. Twice as many chunks as threads, taken from a
  // counter, so that a thread preempted on this shared machine leaves its chunks to the others.
  const bool rows = m >= int64_t(48) * threads || ceil_div(m, kMr) >= 2 * ceil_div(n, kNr);
  const int64_t extent = rows ? m : n, unit = rows ? kMr : kNr;
  const int64_t chunk = round_up(ceil_div(extent, 2 * int64_t(threads)), unit);
  const int64_t chunks = ceil_div(extent, chunk);
  std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(int(std::min<int64_t>(threads, chunks)))
  {
    for (int64_t q; (q = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      const int64_t lo = q * chunk, hi = std::min(extent, lo + chunk);
      if (rows) run_chunk(P, lo, hi, 0, n);
      else run_chunk(P, 0, m, lo, hi);
    }
  }
}

}  // namespace gemm
}  // namespace tn

#pragma GCC pop_options
#else
namespace tn::gemm {
void bgemm_avx512_bf16(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float,
                       float*, int64_t, const GemmEpilogue&) {}
}  // namespace tn::gemm
#endif
