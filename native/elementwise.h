// Elementwise kernels: unary maps and their gradients, broadcasting binary maps, transposition.
// Plain arithmetic on float arrays; the caller (native/binding/elementwise.cc) has validated every length.
#pragma once
#include <cstdint>

namespace tn {

// Unary maps. The numbering is shared with lib/native.ts (UnaryOp) and must not change order.
enum class UnaryOp : int {
  linear = 0, neg, abs, exp, log, sqrt, rsqrt, square, reciprocal,
  relu, relu6, leaky_relu, elu, selu, sigmoid, hard_sigmoid, tanh, softplus, softsign, swish, gelu, gelu_tanh,
  sin, cos, floor, ceil, round, sign, log1p, expm1,
  count
};

// y[i] = f(x[i]); alpha parameterises leaky_relu (slope) and elu (scale of the negative branch).
void unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha);
// dx[i] = dy[i] * f'(x[i]). Some rules read the forward result y instead of x (exp, sigmoid, tanh, sqrt, ...);
// both are passed so each rule uses whichever is cheaper and exact.
void unary_grad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha);

// Binary maps, numbering shared with lib/native.ts (BinaryOp).
enum class BinaryOp : int { add = 0, sub, mul, div, pow, maximum, minimum, squared_difference, count };

constexpr int kMaxRank = 8;

// out[idx] = f(a[idx . aStrides], b[idx . bStrides]) over out's shape, where a stride of 0 broadcasts.
// Shapes arrive already collapsed (adjacent dims merged where both strides allow).
void binary(BinaryOp op, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
            float* out, const int64_t* shape, int rank);

// y = x transposed by perm (y.shape[i] = x.shape[perm[i]]); works on any 4-byte element.
void transpose(const uint32_t* x, const int64_t* shape, const int64_t* perm, int rank, uint32_t* y);

// Per-ISA implementations (one source compiled under several target pragmas).
namespace avx512 {
void unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha);
void unary_grad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha);
}
namespace avx2 {
void unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha);
void unary_grad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha);
}
namespace generic {
void unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha);
void unary_grad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha);
}

}  // namespace tn
