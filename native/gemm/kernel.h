// The contract between the shared GEMM driver (gemm.cc: loops, packing, threading) and the per-ISA files, which
// contribute only a register-blocked microkernel, its block sizes and (where a vector unit makes it pay) the
// transposing pack of B, the way BLIS lets each configuration supply packm kernels.
#pragma once
#include <cstdint>

#include "elementwise.h"

namespace tn {
namespace gemm {

// How a microkernel finishes its tile: C = acc + beta * C (C is not read when beta == 0), then + bias, then relu.
// Other activations are applied by the driver on the stored tile while it is still in L1.
struct TileStore {
  float beta = 0.f;
  const float* bias = nullptr;  // the tile's first column; null for none
  bool relu = false;
};

// C[i, j] (i < m, j < n) = sum_p A[i * rs_a + p * cs_a] * B[p * rs_b + j], p < k, finished as `store` says.
// A is read with any strides, so it may be packed (rs_a = 1, cs_a = mr), a row-major copy or the caller's matrix.
// B must be unit-stride along j. Requires 1 <= m <= mr, 1 <= n <= nr, k >= 1; never reads A or B outside that range.
using MicroKernel = void (*)(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                             float* c, int64_t ldc, int m, int n, const TileStore& store);

// dst[p * nr + j] = src[j * ld + p] for p < k, j < n, zero for n <= j < nr: one nr-wide panel of op(B) when B is
// stored transposed.
using PackTransposed = void (*)(int64_t k, int n, const float* src, int64_t ld, float* dst);

using UnaryFn = void (*)(UnaryOp, const float*, float*, int64_t, float);

// c[j] (j < n) = sum_p a[p * cs_a] * b[p * rs_b + j], p < k, finished as `store` says: one row of C with B swept a
// row at a time, each row's n floats read contiguously. For a product with one row of A (a Dense layer at batch 1),
// where every element of B is read once and the microkernel's nr-wide panels would take 128 bytes from each of
// B's rows, rows ldb apart. Requires 1 <= n <= row_width, k >= 1.
using RowKernel = void (*)(int64_t k, const float* a, int64_t cs_a, const float* b, int64_t rs_b, float* c, int n,
                           const TileStore& store);

struct Kernel {
  const char* name;
  int mr, nr;            // register tile
  // Cache blocks. The packed B block (kc x nc) stays in L2 while mr x kc slivers of A, each held in L1, sweep
  // over it; mc rows form one pass of that sweep (the ic loop), and B is worth packing once m exceeds it.
  int64_t mc, kc, nc;
  MicroKernel micro;
  PackTransposed pack_b_transposed;
  UnaryFn unary;         // the same ISA's activation for the epilogue
  int row_width;         // the most columns `row` takes (its accumulators fill the registers)
  RowKernel row;
};

const Kernel& kernel_avx512();
const Kernel& kernel_avx2();
const Kernel& kernel_generic();

}  // namespace gemm
}  // namespace tn
