// GEMM with bfloat16 operands and float32 accumulation (mixed precision): C = op(A') @ op(B') + beta * C, then the
// epilogue, where A' and B' are A and B rounded to bfloat16 (round to nearest even, NaN kept quiet, denormals
// flushed to signed zero, which is what vcvtne2ps2bf16 does). The products of two bfloat16 numbers are exact in
// float32, so the result differs from float32 arithmetic on A' and B' only by the order of the float32 sums.
// With AVX512_BF16 (cpu.h: avx512_bf16()) the operands are packed as bfloat16 pairs and multiplied by vdpbf16ps;
// elsewhere A' and B' are formed as float32 copies and multiplied by sgemm, so every ISA path computes the same
// rounded product.
#pragma once
#include <cstdint>

#include "gemm/gemm.h"

namespace tn {

void bgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& epilogue = GemmEpilogue());

// x rounded to the nearest bfloat16, returned as the float32 it equals.
float round_to_bfloat16(float x);

namespace gemm {
// The AVX512_BF16 path (kernel_avx512_bf16.cc); callers check avx512_bf16() first.
void bgemm_avx512_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                       const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& epilogue);
}  // namespace gemm

}  // namespace tn
