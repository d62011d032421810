#include "gemm/gemm.h"

#include <cstring>

#include "parallel.h"

namespace tn {

namespace {

inline float at(const float* p, int64_t ld, bool trans, int64_t r, int64_t c) {
  return trans ? p[c * ld + r] : p[r * ld + c];
}

void apply_epilogue(float* c, int64_t ldc, int64_t m, int64_t n, const GemmEpilogue& ep) {
  if (!ep.bias && ep.activation == UnaryOp::linear) return;
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    if (ep.bias)
      for (int64_t j = 0; j < n; ++j) row[j] += ep.bias[j];
  }
  if (ep.activation != UnaryOp::linear)
    for (int64_t i = 0; i < m; ++i) unary(ep.activation, c + i * ldc, c + i * ldc, n, ep.alpha);
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& ep) {
  if (m == 0 || n == 0) return;
  parallel_for(m, n * k, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      float* row = c + i * ldc;
      if (beta == 0.0f) {
        std::memset(row, 0, sizeof(float) * n);
      } else if (beta != 1.0f) {
        for (int64_t j = 0; j < n; ++j) row[j] *= beta;
      }
      for (int64_t p = 0; p < k; ++p) {
        const float av = at(a, lda, trans_a, i, p);
        if (!trans_b) {
          const float* brow = b + p * ldb;
          for (int64_t j = 0; j < n; ++j) row[j] += av * brow[j];
        } else {
          for (int64_t j = 0; j < n; ++j) row[j] += av * b[j * ldb + p];
        }
      }
    }
  });
  apply_epilogue(c, ldc, m, n, ep);
}

void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                   int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                   int64_t ldc, int64_t stride_c, const GemmEpilogue& ep) {
  for (int64_t i = 0; i < batch; ++i)
    sgemm(trans_a, trans_b, m, n, k, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc, ep);
}

}  // namespace tn
