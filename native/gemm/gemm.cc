// The GEMM driver, written once for every ISA in BLIS's structure: loops jc (nc columns of C) > pc (kc of the inner
// dimension) > ic (mc rows) > ir (mr) > jr (nr) around a register-blocked microkernel chosen at run time
// (gemm/kernel.h). Each operand is packed only when its reuse pays for the copy: deep-learning shapes are mostly
// skinny, and for them reading the caller's matrices in place beats packing them. Threads take chunks of rows,
// columns or k; a few shapes get their own route (the transposed output below).
#include "gemm/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "cpu.h"
#include "gemm/kernel.h"
#include "parallel.h"
#include "workspace.h"

namespace tn {

namespace {

using gemm::Kernel;
using gemm::TileStore;

const Kernel& active_kernel() {
  static const Kernel* kernel = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512: return &gemm::kernel_avx512();
      case Isa::avx2: return &gemm::kernel_avx2();
#endif
      default: return &gemm::kernel_generic();
    }
  }();
  return *kernel;
}

// Each thread gets at least this many multiply-adds (about 8 us of work on one core); below that, waking another
// thread and splitting cost more than they save (128^3, 2 threads: 420 GFLOP/s, one: 250).
constexpr double kParallelMacs = double(1 << 20);
// A split that leaves a thread with less than this fraction of an even share is rejected.
constexpr double kMinBalance = 0.75;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

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
  // op(A)[i, p] = a[i * rs_a() + p * cs_a()], read in place by the microkernel when A is not packed.
  int64_t rs_a() const { return ta ? 1 : lda; }
  int64_t cs_a() const { return ta ? lda : 1; }
};

enum class Split { none, m, n, k };

struct Plan {
  int threads = 1;
  Split split = Split::none;
  bool pack_a = false;
  bool pack_b = false;
};

// One thread's share: rows [m0, m1), columns [n0, n1), inner range [k0, k1) of the product, written to
// out[i * ldo + j] (global i, j): C itself, or a private buffer for a k-split partial sum.
struct Piece {
  int64_t m0, m1, n0, n1, k0, k1;
  float beta;     // for the first k block; later blocks accumulate
  bool epilogue;  // bias and activation after the last k block
  float* out;
  int64_t ldo;
};

bool activation_in_kernel(UnaryOp op) { return op == UnaryOp::linear || op == UnaryOp::relu; }

// One nr-wide panel of op(B) (rows pc..pc+kc, columns j..j+n), laid out p-major and zero-padded to nr columns.
void pack_b_panel(const Kernel& K, const Problem& P, int64_t pc, int64_t kc, int64_t j, int n, float* dst) {
  if (P.tb) {
    K.pack_b_transposed(kc, n, P.b + j * P.ldb + pc, P.ldb, dst);
    return;
  }
  // Rows of at most nr floats: an inline copy, as a memcpy call per row would cost more than the copy.
  const int nr = K.nr;
  for (int64_t p = 0; p < kc; ++p) {
    const float* src = P.b + (pc + p) * P.ldb + j;
    float* d = dst + p * nr;
    for (int q = 0; q < n; ++q) d[q] = src[q];
    for (int q = n; q < nr; ++q) d[q] = 0.f;
  }
}

// One mr-row sliver of op(A) for A stored transposed, whose rows i0..i0+m are adjacent at each p: copied p-major
// (unit row stride for the microkernel), no transpose needed. A stored plainly is never packed (see make_plan).
void pack_a_sliver(const Kernel& K, const Problem& P, int64_t i0, int m, int64_t pc, int64_t kc, float* dst) {
  const int mr = K.mr;
  for (int64_t p = 0; p < kc; ++p) {
    const float* src = P.a + (pc + p) * P.lda + i0;
    float* d = dst + p * mr;
    for (int i = 0; i < m; ++i) d[i] = src[i];
  }
}

// Bias then activation on rows of a finished C, for the paths that do not run the epilogue in the microkernel.
void epilogue_rows(const Kernel& K, const GemmEpilogue& ep, float* c, int64_t ldc, int64_t rows, int64_t n) {
  for (int64_t i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    if (ep.bias)
      for (int64_t j = 0; j < n; ++j) row[j] += ep.bias[j];
    if (ep.activation != UnaryOp::linear) K.unary(ep.activation, row, row, n, ep.alpha);
  }
}

// The five loops over one piece, on the calling thread, with its own packing buffers.
void run_piece(const Kernel& K, const Problem& P, const Plan& plan, const Piece& w) {
  const int mr = K.mr, nr = K.nr;
  const GemmEpilogue& ep = *P.ep;
  const bool act_after = w.epilogue && !activation_in_kernel(ep.activation);
  const bool relu = w.epilogue && ep.activation == UnaryOp::relu;
  const int64_t kc_max = std::min(K.kc, w.k1 - w.k0);
  const int64_t nc_max = std::min(K.nc, round_up(w.n1 - w.n0, nr));
  // A is packed one mr-row sliver at a time, just before the columns sweep over it: the copy lands in L1 where
  // the microkernel reads it nc / nr times.
  float* abuf = plan.pack_a && w.m1 > w.m0 ? workspace(WorkspaceSlot::gemm_a, size_t(mr * kc_max)) : nullptr;
  float* bbuf = plan.pack_b ? workspace(WorkspaceSlot::gemm_b, size_t(nc_max * kc_max)) : nullptr;
  const int64_t rs_a = P.rs_a(), cs_a = P.cs_a();

  for (int64_t jc = w.n0; jc < w.n1; jc += K.nc) {
    const int64_t nc = std::min(K.nc, w.n1 - jc);
    for (int64_t pc = w.k0; pc < w.k1; pc += K.kc) {
      const int64_t kc = std::min(K.kc, w.k1 - pc);
      const bool first = pc == w.k0, last = pc + kc == w.k1;
      if (bbuf)
        for (int64_t q = 0; q * nr < nc; ++q)
          pack_b_panel(K, P, pc, kc, jc + q * nr, int(std::min<int64_t>(nr, nc - q * nr)), bbuf + q * kc * nr);
      TileStore st;
      st.beta = first ? w.beta : 1.f;
      st.relu = last && relu;
      for (int64_t ic = w.m0; ic < w.m1; ic += K.mc) {
        const int64_t mc = std::min(K.mc, w.m1 - ic);
        // Rows outer, columns inner: the mr x kc sliver of A stays in L1 while the B block streams from L2
        // through it (the vector operand is the one worth streaming: 128 contiguous bytes per k step).
        // With a short k the tile's finish (loading and storing C) outweighs its FMAs, and full 12-row AVX-512
        // tiles measured 15% slower than 8-row ones on 21632 x 32 x 9 with 2 threads (equal on 1); the microkernel
        // takes any m <= mr, so such blocks step 8 rows at a time.
        const int64_t rows = kc < 32 ? std::min(mr, 8) : mr;
        for (int64_t ir = 0; ir < mc; ir += rows) {
          const int m = int(std::min<int64_t>(rows, mc - ir));
          if (abuf) pack_a_sliver(K, P, ic + ir, m, pc, kc, abuf);
          const float* ap = abuf ? abuf : P.a + (ic + ir) * rs_a + pc * cs_a;
          const int64_t ars = abuf ? 1 : rs_a, acs = abuf ? mr : cs_a;
          for (int64_t jr = 0; jr < nc; jr += nr) {
            const int n = int(std::min<int64_t>(nr, nc - jr));
            const float* bp = bbuf ? bbuf + jr * kc : P.b + pc * P.ldb + jc + jr;
            const int64_t rs_b = bbuf ? nr : P.ldb;
            st.bias = last && w.epilogue && ep.bias ? ep.bias + jc + jr : nullptr;
            float* cp = w.out + (ic + ir) * w.ldo + jc + jr;
            K.micro(kc, ap, ars, acs, bp, rs_b, cp, w.ldo, m, n, st);
            if (last && act_after) {
              // The tile is still in L1; rows that span all of C are contiguous and take one call.
              if (n == w.ldo) K.unary(ep.activation, cp, cp, int64_t(m) * n, ep.alpha);
              else
                for (int i = 0; i < m; ++i) K.unary(ep.activation, cp + i * w.ldo, cp + i * w.ldo, n, ep.alpha);
            }
          }
        }
      }
    }
  }
}

// Fraction of an even share that the busiest thread gets when `extent` is cut into blocks of `block` among t.
double balance(int64_t extent, int64_t block, int t) {
  const int64_t per = ceil_div(ceil_div(extent, block), t);
  return double(extent) / (double(t) * double(std::min(extent, per * block)));
}

Plan make_plan(const Kernel& K, const Problem& P, int max_threads) {
  Plan plan;
  // The B block is swept once per mr-row sliver. In place its rows sit ldb apart (cache-set conflicts and TLB
  // misses once the block outgrows L1); a packed copy is contiguous but costs a pass over B, which pays once more
  // than mc rows reuse it, or when B must be transposed for the microkernel's unit-stride loads.
  plan.pack_b = P.tb || P.m > K.mc;
  // A is re-read once per nr panel of B. Stored plainly, a sliver's mr rows stream as mr sequential lines and a
  // copy costs more than it saves (3% on 1024^3); stored transposed, each k step reads a 32-byte piece of another
  // line, and packing pays once several panels reuse it (14% on 1024^3).
  plan.pack_a = P.ta && P.n > 4 * K.nr;
  const double macs = double(P.m) * double(P.n) * double(P.k);
  int t = max_threads;
  if (t > 1 && macs < kParallelMacs * t) t = std::max(1, int(macs / kParallelMacs));
  plan.threads = t;
  if (t <= 1) return plan;
  // Splitting rows makes every thread read all of B, splitting columns all of A: cut the dimension that keeps the
  // duplicated reads on the smaller operand, unless it divides poorly into tiles.
  const double bm = balance(P.m, K.mr, t), bn = balance(P.n, K.nr, t);
  const bool prefer_m = P.n <= P.m;
  Split best;
  double best_balance;
  if (prefer_m) {
    best = bm >= kMinBalance || bm >= bn ? Split::m : Split::n;
  } else {
    best = bn >= kMinBalance || bn >= bm ? Split::n : Split::m;
  }
  // A large packed B would be packed again by every chunk of rows; chunks of columns each pack only their own
  // panels (and A, read in place or packed per nc columns anyway, costs nothing extra). Square products land here.
  if (plan.pack_b && double(P.k) * double(P.n) > 65536.0 && bn >= kMinBalance) best = Split::n;
  best_balance = best == Split::m ? bm : bn;
  // Few output tiles but a long inner dimension (a filter gradient), or a small C with k much longer than both
  // of its sides (a Dense layer's forward pass): each thread sums part of k into its own buffer, sweeping every
  // tile so that each sliver of A meets all columns, and reads its share of A and B once; the buffers are added.
  const bool small_c = double(P.m) * double(P.n) <= 65536.0 && P.k >= 4 * K.kc && P.k >= 4 * std::max(P.m, P.n);
  if ((best_balance < kMinBalance && P.k >= int64_t(64) * t) || small_c) best = Split::k;
  plan.split = best;
  return plan;
}

// Threads take chunks of the work from a shared counter rather than fixed halves: on a machine shared with other
// processes one thread is often preempted for a scheduler tick, and the others then finish its chunks instead of
// waiting for it. Chunks are big enough (a few per thread) that each still amortises its own packing of B.
void run(const Kernel& K, const Problem& P, const Plan& plan) {
  const Piece whole{0, P.m, 0, P.n, 0, P.k, P.beta, true, P.c, P.ldc};
  if (plan.threads <= 1 || plan.split == Split::none) {
    run_piece(K, P, plan, whole);
    return;
  }
#ifdef _OPENMP
  const int64_t per_thread = 6;
  if (plan.split != Split::k) {
    const bool rows = plan.split == Split::m;
    const int64_t extent = rows ? P.m : P.n, unit = rows ? K.mr : K.nr;
    int64_t chunk = round_up(ceil_div(extent, per_thread * plan.threads), unit);
    // A chunk of rows packs its own copy of B: keep it at least mc rows so that the copy stays a small fraction.
    // A chunk of columns packs its own slivers of A when A is packed: a whole nc block then adds no packing.
    // Columns otherwise come 8 panels at a time, so that each A sliver in L1 meets several.
    if (rows && plan.pack_b) chunk = std::max(chunk, K.mc);
    if (!rows) chunk = std::max(chunk, plan.pack_a ? K.nc : 8 * unit);
    chunk = std::min(chunk, round_up(ceil_div(extent, plan.threads), unit));
    const int64_t chunks = ceil_div(extent, chunk);
    std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(int(std::min<int64_t>(plan.threads, chunks)))
    {
      for (int64_t q; (q = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
        Piece w = whole;
        (rows ? w.m0 : w.n0) = q * chunk;
        (rows ? w.m1 : w.n1) = std::min(extent, (q + 1) * chunk);
        run_piece(K, P, plan, w);
      }
    }
    return;
  }
  // Split::k: each chunk of k is summed into its own zeroed m x n buffer, whichever thread takes it; the caller
  // then adds the buffers in chunk order to beta * C and applies the epilogue. Adding in a fixed order keeps the
  // result bitwise identical from call to call (per-thread sums would depend on which thread took which chunk).
  // m x n is small here, or this split would not have been chosen.
  const int64_t chunk = std::max<int64_t>(round_up(ceil_div(P.k, per_thread * plan.threads), 16), 64);
  const int64_t chunks = ceil_div(P.k, chunk);
  const int64_t size = P.m * P.n;
  float* partial = workspace(WorkspaceSlot::gemm_c, size_t(chunks * size));
  std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(int(std::min<int64_t>(plan.threads, chunks)))
  {
    for (int64_t q; (q = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      float* buf = partial + q * size;
      std::memset(buf, 0, sizeof(float) * size_t(size));
      Piece w{0, P.m, 0, P.n, q * chunk, std::min(P.k, (q + 1) * chunk), 1.f, false, buf, P.n};
      run_piece(K, P, plan, w);
    }
  }
  for (int64_t i = 0; i < P.m; ++i) {
    float* row = P.c + i * P.ldc;
    for (int64_t q = 0; q < chunks; ++q) {
      const float* src = partial + q * size + i * P.n;
      if (q == 0 && P.beta == 0.f) std::memcpy(row, src, sizeof(float) * size_t(P.n));
      else if (q == 0 && P.beta != 1.f)
        for (int64_t j = 0; j < P.n; ++j) row[j] = P.beta * row[j] + src[j];
      else
        for (int64_t j = 0; j < P.n; ++j) row[j] += src[j];
    }
  }
  epilogue_rows(K, *P.ep, P.c, P.ldc, P.m, P.n);
#else
  run_piece(K, P, plan, whole);
#endif
}

// B stored transposed, C with few rows and k longer than that (a Dense layer's input gradient dY W^T): transposing
// C (m x n) into place costs less than transposing B (n x k) into panels. So C^T = op(B)^T op(A)^T is computed
// instead, with B as the broadcast operand read in place, chunk by chunk of C's columns into scratch; each chunk is
// transposed into C while it is in cache, applying beta and the epilogue there.
bool transposed_output_pays(const Kernel& K, const Problem& P) {
  return P.tb && P.m < P.k && P.m >= K.nr / 2 && P.m <= 256 && P.n >= 4 * K.nr;
}

void store_transposed(const Kernel& K, const Problem& P, const float* ct, int64_t j0, int64_t j1) {
  const int nr = K.nr;
  const GemmEpilogue& ep = *P.ep;
  float* block = workspace(WorkspaceSlot::gemm_t, size_t(P.m * nr));
  for (int64_t j = j0; j < j1; j += nr) {
    const int nj = int(std::min<int64_t>(nr, j1 - j));
    // block[i * nr + jj] = C^T[j + jj, i] = C[i, j + jj]
    K.pack_b_transposed(P.m, nj, ct + (j - j0) * P.m, P.m, block);
    for (int64_t i = 0; i < P.m; ++i) {
      float* row = P.c + i * P.ldc + j;
      const float* src = block + i * nr;
      if (P.beta == 0.f) std::memcpy(row, src, sizeof(float) * size_t(nj));
      else if (P.beta == 1.f)
        for (int q = 0; q < nj; ++q) row[q] += src[q];
      else
        for (int q = 0; q < nj; ++q) row[q] = P.beta * row[q] + src[q];
      if (ep.bias)
        for (int q = 0; q < nj; ++q) row[q] += ep.bias[j + q];
      if (ep.activation != UnaryOp::linear) K.unary(ep.activation, row, row, nj, ep.alpha);
    }
  }
}

void run_transposed_output(const Kernel& K, const Problem& P, int threads) {
  const GemmEpilogue none;
  const int64_t unit = K.mr * K.nr;  // chunks end on tile boundaries of both C and C^T
  const int64_t chunk = std::max(round_up(ceil_div(P.n, 6 * int64_t(threads)), unit), unit);
  const int64_t chunks = ceil_div(P.n, chunk);
  auto one = [&](int64_t q) {
    const int64_t j0 = q * chunk, j1 = std::min(P.n, j0 + chunk);
    float* ct = workspace(WorkspaceSlot::gemm_c, size_t((j1 - j0) * P.m));
    const Problem Q{false, !P.ta, j1 - j0, P.m, P.k, P.b + j0 * P.ldb, P.ldb, P.a, P.lda, 0.f, ct, P.m, &none};
    const Plan plan = make_plan(K, Q, 1);
    run_piece(K, Q, plan, Piece{0, Q.m, 0, Q.n, 0, Q.k, 0.f, false, ct, Q.ldc});
    store_transposed(K, P, ct, j0, j1);
  };
#ifdef _OPENMP
  if (threads > 1 && chunks > 1) {
    std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(int(std::min<int64_t>(threads, chunks)))
    {
      for (int64_t q; (q = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) one(q);
    }
    return;
  }
#endif
  for (int64_t q = 0; q < chunks; ++q) one(q);
}

// k = 0: the product is empty, so C = beta * C (never reading C when beta is 0), then the epilogue.
void scale_only(const Kernel& K, const Problem& P) {
  for (int64_t i = 0; i < P.m; ++i) {
    float* row = P.c + i * P.ldc;
    if (P.beta == 0.f) std::memset(row, 0, sizeof(float) * P.n);
    else if (P.beta != 1.f)
      for (int64_t j = 0; j < P.n; ++j) row[j] *= P.beta;
  }
  epilogue_rows(K, *P.ep, P.c, P.ldc, P.m, P.n);
}

// One row of A and B not transposed (a Dense layer's forward pass at batch 1): every element of B is used once, so
// the product is a pass over B, and the row kernel reads B's rows contiguously. The microkernel's 1-row tiles read a
// 128-byte piece of each row, ldb apart: 1 x 512 x 2304 took 97 us and 1 x 1024 x 1024 164 us on 2 threads, against
// 58 and 56 us this way. Being a pass over memory, it gets a second thread by B's size, not its multiply-adds, and
// only for a large B: a second thread streams from the same memory, and on B of 2.8 and 4.7 MB (the two
// benchmark CNNs' Dense layers) it gained 0-15% alone and lost up to 15% inside a batch-1 predict (the other core
// waking, and the product no faster). Columns are split between threads when each gets a good length of every row;
// otherwise (few columns, a long k) k is, into per-chunk sums added in a fixed order.
constexpr double kRowBytesForThreads = double(8 << 20);

bool row_product(const Kernel& K, const Problem& P) { return P.m == 1 && !P.tb && K.row != nullptr; }

// Columns [j0, j1) of the row over inner range [k0, k1), into out (global column j at out[j]).
void row_columns(const Kernel& K, const Problem& P, int64_t j0, int64_t j1, int64_t k0, int64_t k1, float beta,
                 bool epilogue, float* out) {
  const GemmEpilogue& ep = *P.ep;
  const int64_t cs_a = P.cs_a();
  for (int64_t j = j0; j < j1; j += K.row_width) {
    const int n = int(std::min<int64_t>(K.row_width, j1 - j));
    TileStore st;
    st.beta = beta;
    st.bias = epilogue && ep.bias ? ep.bias + j : nullptr;
    st.relu = epilogue && ep.activation == UnaryOp::relu;
    K.row(k1 - k0, P.a + k0 * cs_a, cs_a, P.b + k0 * P.ldb + j, P.ldb, out + j, n, st);
    if (epilogue && !activation_in_kernel(ep.activation)) K.unary(ep.activation, out + j, out + j, n, ep.alpha);
  }
}

void run_row(const Kernel& K, const Problem& P, int max_threads) {
  const double bytes = double(P.k) * double(P.n) * double(sizeof(float));
  const int threads = bytes < kRowBytesForThreads ? 1 : int(std::min<double>(max_threads, bytes / (kRowBytesForThreads / 2)));
  if (threads <= 1) {
    row_columns(K, P, 0, P.n, 0, P.k, P.beta, true, P.c);
    return;
  }
#ifdef _OPENMP
  if (ceil_div(P.n, threads) >= 128) {
    // Chunks of whole vectors, a few per thread, taken from a shared counter (a preempted thread's share is
    // finished by the others).
    const int64_t chunk = round_up(ceil_div(P.n, int64_t(threads)), 16);
    const int64_t chunks = ceil_div(P.n, chunk);
#pragma omp parallel num_threads(threads)
    {
      for (int64_t q = omp_get_thread_num(); q < chunks; q += omp_get_num_threads())
        row_columns(K, P, q * chunk, std::min(P.n, (q + 1) * chunk), 0, P.k, P.beta, true, P.c);
    }
    return;
  }
  // k in `threads` * 2 chunks, each summed into its own row, added in chunk order afterwards (the same result
  // whichever thread took which chunk).
  const int64_t chunk = round_up(ceil_div(P.k, int64_t(threads)), 16);
  const int64_t chunks = ceil_div(P.k, chunk);
  float* partial = workspace(WorkspaceSlot::gemm_c, size_t(chunks * P.n));
#pragma omp parallel num_threads(threads)
  {
    for (int64_t q = omp_get_thread_num(); q < chunks; q += omp_get_num_threads())
      row_columns(K, P, 0, P.n, q * chunk, std::min(P.k, (q + 1) * chunk), 0.f, false, partial + q * P.n);
  }
  float* c = P.c;
  for (int64_t j = 0; j < P.n; ++j) {
    float x = partial[j];
    for (int64_t q = 1; q < chunks; ++q) x += partial[q * P.n + j];
    c[j] = P.beta == 0.f ? x : P.beta * c[j] + x;
  }
  epilogue_rows(K, *P.ep, c, P.ldc, 1, P.n);
#else
  row_columns(K, P, 0, P.n, 0, P.k, P.beta, true, P.c);
#endif
}

void sgemm_threads(int max_threads, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
                   const GemmEpilogue& ep) {
  if (m <= 0 || n <= 0) return;
  const Kernel& K = active_kernel();
  const Problem P{trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc, &ep};
  if (k <= 0) {
    scale_only(K, P);
    return;
  }
  if (row_product(K, P)) {
    run_row(K, P, max_threads);
    return;
  }
  const Plan plan = make_plan(K, P, max_threads);
  if (transposed_output_pays(K, P)) {
    run_transposed_output(K, P, plan.threads);
    return;
  }
  run(K, P, plan);
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& ep) {
  sgemm_threads(max_threads(), trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc, ep);
}

void sgemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& ep) {
  sgemm_threads(1, trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc, ep);
}

void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                   int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                   int64_t ldc, int64_t stride_c, const GemmEpilogue& ep) {
  const int threads = max_threads();
  const double macs = double(m) * double(n) * double(k);
  // Many small products: one whole product per thread beats splitting each (no barriers, no shared panels).
  // Only when every item has its own output, so that no two threads write the same C.
  const bool per_item = threads > 1 && batch >= threads && stride_c != 0 && macs < kParallelMacs * 16 &&
                        macs * double(batch) >= kParallelMacs;
  if (!per_item) {
    for (int64_t i = 0; i < batch; ++i)
      sgemm_threads(threads, trans_a, trans_b, m, n, k, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
                    c + i * stride_c, ldc, ep);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
  for (int64_t i = 0; i < batch; ++i)
    sgemm_threads(1, trans_a, trans_b, m, n, k, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
                  c + i * stride_c, ldc, ep);
}

}  // namespace tn
