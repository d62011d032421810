// Row gathers and scatter-adds (gather and its gradient, an Embedding's lookup): memory copies a JavaScript loop of
// subarray views would make per row.
#pragma once
#include <cstdint>

namespace tn {

// dst[o, j, :] = src[o, idx[j], :] for o < outer, j < k, rows of `inner` 4-byte words (float32 or int32 alike).
// Every idx[j] must be in [0, n).
void gather_rows(const uint32_t* src, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k,
                 uint32_t* dst);

// g[o, idx[j], :] += dy[o, j, :]; repeated indices accumulate, in order of j.
void scatter_add_rows(const float* dy, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k,
                      float* g);

}  // namespace tn
