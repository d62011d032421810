// Reductions over the middle axis of an [outer, n, inner] view, arg-reductions and softmax.
#pragma once
#include <cstdint>

namespace tn {

enum class ReduceOp : int { sum = 0, mean, max, min, log_sum_exp, prod, count };

// out[o, i] = reduce_k x[o, k, i]. n may be 0 (sum 0, mean NaN, max -inf, min +inf, logsumexp -inf, prod 1).
void reduce(ReduceOp op, const float* x, int64_t outer, int64_t n, int64_t inner, float* out);
// out[o, i] = first k at which x[o, k, i] is the max (or min); NaN wins, as in numpy.
void arg_reduce(bool is_max, const float* x, int64_t outer, int64_t n, int64_t inner, int32_t* out);
// Softmax (or log-softmax) over the last axis of an [outer, n] array, stable for any finite logits.
void softmax(const float* x, int64_t outer, int64_t n, float* y, bool log);
// dx from the forward result y and upstream dy: softmax dx = y * (dy - sum(dy*y)); log dx = dy - exp(y) * sum(dy).
void softmax_grad(const float* y, const float* dy, int64_t outer, int64_t n, float* dx, bool log);

}  // namespace tn
