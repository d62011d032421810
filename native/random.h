// Counter-based random numbers: value i of a stream is a hash of (key, i), so any thread can produce any part of
// a stream and the values do not depend on how the work was split.
#pragma once
#include <cstdint>

namespace tn {

// out[i] = 1 / keep with probability keep, else 0 (a dropout mask with its scale folded in); 0 < keep <= 1.
void dropout_mask(float* out, int64_t n, float keep, uint64_t key);

// splitmix64's output function over a Weyl sequence: strong enough that neighbouring counters give unrelated
// values.
inline uint64_t random_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Per-ISA loops (random_impl.h): out[i] for i in [begin, end) from the stream's base and the keep threshold.
namespace avx512 {
void dropout_mask_range(float* out, int64_t begin, int64_t end, float scale, uint64_t threshold, uint64_t base);
}
namespace avx2 {
void dropout_mask_range(float* out, int64_t begin, int64_t end, float scale, uint64_t threshold, uint64_t base);
}
namespace generic {
void dropout_mask_range(float* out, int64_t begin, int64_t end, float scale, uint64_t threshold, uint64_t base);
}

}  // namespace tn
