// Dispatch of the bfloat16 GEMM, and its emulation on paths without AVX512_BF16: the operands are rounded into
// float32 copies once and multiplied by the float32 GEMM. The copies cost a pass over A and B (and their memory);
// they exist so that tests on every ISA path check the same arithmetic, and so that a caller asking for bfloat16
// gets bfloat16's rounding anywhere. The mixed-precision policy does not use them: without the instruction it
// computes in float32 (lib/mixed-precision.ts).
#include "gemm/gemm_bf16.h"

#include <algorithm>
#include <cstring>

#include "cpu.h"
#include "parallel.h"
#include "workspace.h"

namespace tn {

float round_to_bfloat16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) {
    u = (u | 0x00400000u) & 0xffff0000u;  // NaN: quiet, payload's top bits kept, never rounded into infinity
  } else if ((u & 0x7f800000u) == 0) {
    u &= 0x80000000u;  // zero or denormal: signed zero, as the hardware conversion flushes
  } else {
    u += 0x7fffu + ((u >> 16) & 1u);  // to nearest, ties to even; overflow carries into infinity as it should
    u &= 0xffff0000u;
  }
  float r;
  std::memcpy(&r, &u, sizeof r);
  return r;
}

namespace {

// op(X) (rows x cols) rounded into a row-major copy.
void rounded_copy(bool trans, int64_t rows, int64_t cols, const float* x, int64_t ld, float* dst) {
  parallel_for(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i)
      for (int64_t j = 0; j < cols; ++j) dst[i * cols + j] = round_to_bfloat16(trans ? x[j * ld + i] : x[i * ld + j]);
  });
}

}  // namespace

void bgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& ep) {
  if (m <= 0 || n <= 0) return;
  if (k > 0 && avx512_bf16()) {
    gemm::bgemm_avx512_bf16(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc, ep);
    return;
  }
  if (k <= 0) {
    sgemm(false, false, m, n, 0, a, 1, b, n, beta, c, ldc, ep);
    return;
  }
  static thread_local Workspace copy_a, copy_b;
  float* ra = copy_a.get(size_t(m * k));
  float* rb = copy_b.get(size_t(k * n));
  rounded_copy(trans_a, m, k, a, lda, ra);
  rounded_copy(trans_b, k, n, b, ldb, rb);
  sgemm(false, false, m, n, k, ra, k, rb, n, beta, c, ldc, ep);
}

}  // namespace tn
