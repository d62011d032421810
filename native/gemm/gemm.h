// Single-precision GEMM: C = op(A) @ op(B) + beta * C, then an optional per-column bias and activation.
// Row-major throughout; op(X) is X or its transpose, read in place (never materialised).
#pragma once
#include <cstdint>

#include "elementwise.h"

namespace tn {

struct GemmEpilogue {
  const float* bias = nullptr;      // length N, added to every row of C
  UnaryOp activation = UnaryOp::linear;
  float alpha = 0.f;                // parameter of the activation (leaky_relu slope, elu scale)
};

// A is M x K (or K x M when trans_a), B is K x N (or N x K when trans_b), C is M x N, with leading dimensions
// lda, ldb, ldc in elements. beta = 0 overwrites C without reading it (C may hold garbage or NaN).
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& epilogue = GemmEpilogue());

// The same on the calling thread only, for callers that already split their work over threads (Winograd's
// per-thread tiles): no OpenMP region is opened.
void sgemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
                  const GemmEpilogue& epilogue = GemmEpilogue());

// `batch` independent products; operand i starts at X + i * strideX. A stride of 0 reuses one operand for every item.
void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                   int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                   int64_t ldc, int64_t stride_c, const GemmEpilogue& epilogue = GemmEpilogue());

}  // namespace tn
