// The dropout mask for one ISA (see random.h). Included once per ISA, inside that ISA's target pragma, with
// TN_ISA_NS set (as elementwise_impl.h). The loop is plain 64-bit integer arithmetic that the compiler vectorises
// (AVX-512 DQ multiplies 8 lanes of 64 bits at once; AVX2 builds them from 32-bit products), so every path gives
// the same bits.
#include <cstdint>

#include "random.h"

namespace tn {
namespace TN_ISA_NS {

void dropout_mask_range(float* out, int64_t begin, int64_t end, float scale, uint64_t threshold, uint64_t base) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    const uint64_t r = random_mix(base + static_cast<uint64_t>(i + 1) * 0x9e3779b97f4a7c15ULL) >> 40;
    out[i] = r < threshold ? scale : 0.0f;
  }
}

}  // namespace TN_ISA_NS
}  // namespace tn
