#include "indexing.h"

#include <cstring>

#include "parallel.h"

namespace tn {

void gather_rows(const uint32_t* src, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k,
                 uint32_t* dst) {
  for (int64_t o = 0; o < outer; ++o) {
    const uint32_t* s = src + o * n * inner;
    uint32_t* d = dst + o * k * inner;
    parallel_for(k, inner, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) std::memcpy(d + j * inner, s + idx[j] * inner, sizeof(uint32_t) * inner);
    });
  }
}

void scatter_add_rows(const float* dy, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k,
                      float* g) {
  // Serial over j: two rows may hit the same index, and the order of their sums stays fixed.
  for (int64_t o = 0; o < outer; ++o) {
    const float* s = dy + o * k * inner;
    float* d = g + o * n * inner;
    for (int64_t j = 0; j < k; ++j) {
      float* row = d + idx[j] * inner;
      const float* from = s + j * inner;
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) row[i] += from[i];
    }
  }
}

}  // namespace tn
