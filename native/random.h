// Counter-based random numbers: value i of a stream is a hash of (key, i), so any thread can produce any part of
// a stream and the values do not depend on how the work was split.
#pragma once
#include <cstdint>

namespace tn {

// out[i] = 1 / keep with probability keep, else 0 (a dropout mask with its scale folded in); 0 < keep <= 1.
void dropout_mask(float* out, int64_t n, float keep, uint64_t key);

}  // namespace tn
