#include "elementwise.h"

#include <cmath>
#include <cstring>

#include "cpu.h"
#include "parallel.h"

// The portable path: the same kernels compiled for the baseline ISA of the build (SSE2 on x86-64, NEON on arm64).
#define TN_ISA_NS generic
#include "elementwise_impl.h"
#undef TN_ISA_NS

namespace tn {

namespace {

using UnaryFn = void (*)(UnaryOp, const float*, float*, int64_t, float);
using UnaryGradFn = void (*)(UnaryOp, const float*, const float*, const float*, float*, int64_t, float);

struct UnaryTable {
  UnaryFn unary;
  UnaryGradFn grad;
};

const UnaryTable& unary_table() {
  static const UnaryTable table = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512: return UnaryTable{avx512::unary, avx512::unary_grad};
      case Isa::avx2: return UnaryTable{avx2::unary, avx2::unary_grad};
#endif
      default: return UnaryTable{generic::unary, generic::unary_grad};
    }
  }();
  return table;
}

int64_t unary_cost(UnaryOp op) {
  switch (op) {
    case UnaryOp::linear: case UnaryOp::neg: case UnaryOp::abs: case UnaryOp::square: case UnaryOp::relu:
    case UnaryOp::relu6: case UnaryOp::leaky_relu: case UnaryOp::sign: case UnaryOp::floor: case UnaryOp::ceil:
    case UnaryOp::round:
      return 1;
    case UnaryOp::sin: case UnaryOp::cos: return 16;
    default: return 6;
  }
}

template <typename F>
void binary_loop(const float* a, const int64_t* sa, const float* b, const int64_t* sb, float* out,
                 const int64_t* shape, int rank, F f) {
  if (rank == 0) {
    out[0] = f(a[0], b[0]);
    return;
  }
  const int64_t inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; ++d) outer *= shape[d];
  const int64_t cost = inner * outer;
  // Parallel over rows of the innermost axis; each row resolves its operand offsets from its multi-index.
  auto rows = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, oa = 0, ob = 0;
      for (int d = rank - 2; d >= 0; --d) {
        const int64_t i = rem % shape[d];
        rem /= shape[d];
        oa += i * sa[d];
        ob += i * sb[d];
      }
      const float* pa = a + oa;
      const float* pb = b + ob;
      float* po = out + r * inner;
      if (ia == 1 && ib == 1) {
#pragma omp simd
        for (int64_t j = 0; j < inner; ++j) po[j] = f(pa[j], pb[j]);
      } else if (ia == 1 && ib == 0) {
        const float vb = pb[0];
#pragma omp simd
        for (int64_t j = 0; j < inner; ++j) po[j] = f(pa[j], vb);
      } else if (ia == 0 && ib == 1) {
        const float va = pa[0];
#pragma omp simd
        for (int64_t j = 0; j < inner; ++j) po[j] = f(va, pb[j]);
      } else {
        for (int64_t j = 0; j < inner; ++j) po[j] = f(pa[j * ia], pb[j * ib]);
      }
    }
  };
  if (cost >= 2 * kParallelGrain && outer > 1) {
    parallel_for(outer, inner, rows);
  } else {
    rows(0, outer);
  }
}

}  // namespace

void unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha) {
  const UnaryFn fn = unary_table().unary;
  parallel_for(n, unary_cost(op), [&](int64_t b, int64_t e) { fn(op, x + b, y + b, e - b, alpha); });
}

void unary_grad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha) {
  const UnaryGradFn fn = unary_table().grad;
  parallel_for(n, unary_cost(op), [&](int64_t b, int64_t e) {
    fn(op, x ? x + b : nullptr, y ? y + b : nullptr, dy + b, dx + b, e - b, alpha);
  });
}

void binary(BinaryOp op, const float* a, const int64_t* sa, const float* b, const int64_t* sb, float* out,
            const int64_t* shape, int rank) {
  switch (op) {
    case BinaryOp::add: binary_loop(a, sa, b, sb, out, shape, rank, [](float u, float v) { return u + v; }); break;
    case BinaryOp::sub: binary_loop(a, sa, b, sb, out, shape, rank, [](float u, float v) { return u - v; }); break;
    case BinaryOp::mul: binary_loop(a, sa, b, sb, out, shape, rank, [](float u, float v) { return u * v; }); break;
    case BinaryOp::div: binary_loop(a, sa, b, sb, out, shape, rank, [](float u, float v) { return u / v; }); break;
    case BinaryOp::pow:
      binary_loop(a, sa, b, sb, out, shape, rank, [](float u, float v) { return std::pow(u, v); });
      break;
    // maximum/minimum propagate NaN from either side, as numpy and TensorFlow do.
    case BinaryOp::maximum:
      binary_loop(a, sa, b, sb, out, shape, rank,
                  [](float u, float v) { return u != u ? u : (v != v ? v : (u > v ? u : v)); });
      break;
    case BinaryOp::minimum:
      binary_loop(a, sa, b, sb, out, shape, rank,
                  [](float u, float v) { return u != u ? u : (v != v ? v : (u < v ? u : v)); });
      break;
    case BinaryOp::squared_difference:
      binary_loop(a, sa, b, sb, out, shape, rank, [](float u, float v) { return (u - v) * (u - v); });
      break;
    case BinaryOp::count: break;
  }
}

void transpose(const uint32_t* x, const int64_t* shape, const int64_t* perm, int rank, uint32_t* y) {
  int64_t in_strides[kMaxRank], out_shape[kMaxRank], src_strides[kMaxRank];
  int64_t total = 1;
  for (int d = rank - 1; d >= 0; --d) {
    in_strides[d] = total;
    total *= shape[d];
  }
  for (int d = 0; d < rank; ++d) {
    out_shape[d] = shape[perm[d]];
    src_strides[d] = in_strides[perm[d]];
  }
  if (total == 0) return;
  if (rank == 0) {
    y[0] = x[0];
    return;
  }
  const int64_t inner = out_shape[rank - 1], step = src_strides[rank - 1];
  const int64_t outer = total / inner;
  parallel_for(outer, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, off = 0;
      for (int d = rank - 2; d >= 0; --d) {
        off += (rem % out_shape[d]) * src_strides[d];
        rem /= out_shape[d];
      }
      uint32_t* dst = y + r * inner;
      const uint32_t* src = x + off;
      if (step == 1) {
        std::memcpy(dst, src, inner * sizeof(uint32_t));
      } else {
        for (int64_t j = 0; j < inner; ++j) dst[j] = src[j * step];
      }
    }
  });
}

}  // namespace tn
