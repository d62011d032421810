#include "random.h"

#include "parallel.h"

namespace tn {

namespace {

// splitmix64's output function over a Weyl sequence: strong enough that neighbouring counters give unrelated
// values, and about a nanosecond per value.
inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void dropout_mask(float* out, int64_t n, float keep, uint64_t key) {
  const float scale = 1.0f / keep;
  // Compare 24 random bits with keep * 2^24, so that keep = 1 keeps everything.
  const uint64_t threshold = static_cast<uint64_t>(static_cast<double>(keep) * 16777216.0);
  const uint64_t base = mix(key);
  parallel_for(n, 4, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const uint64_t r = mix(base + static_cast<uint64_t>(i + 1) * 0x9e3779b97f4a7c15ULL) >> 40;
      out[i] = r < threshold ? scale : 0.0f;
    }
  });
}

}  // namespace tn
