#include "reduce.h"

#include <cmath>
#include <limits>
#include <vector>

#include "parallel.h"

namespace tn {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Reduces each column i of x[o, :, i] for o in one outer slice, striding over k so that the inner axis is read
// contiguously (a plain row-at-a-time walk would stride by `inner` for every element).
template <typename Init, typename Step, typename Finish>
void reduce_generic(const float* x, int64_t outer, int64_t n, int64_t inner, float* out, Init init, Step step,
                    Finish finish) {
  parallel_for(outer, n * inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      float* acc = out + o * inner;
      for (int64_t i = 0; i < inner; ++i) acc[i] = init();
      const float* xo = x + o * n * inner;
      for (int64_t k = 0; k < n; ++k) {
        const float* row = xo + k * inner;
        for (int64_t i = 0; i < inner; ++i) acc[i] = step(acc[i], row[i]);
      }
      for (int64_t i = 0; i < inner; ++i) acc[i] = finish(acc[i]);
    }
  });
}

// Sum of a contiguous run in double-free pairwise blocks: 8 accumulators keep float error near sqrt(n) ulp.
float sum_contiguous(const float* x, int64_t n) {
  float acc[16] = {0};
  int64_t k = 0;
  for (; k + 16 <= n; k += 16)
    for (int j = 0; j < 16; ++j) acc[j] += x[k + j];
  float s = 0;
  for (; k < n; ++k) s += x[k];
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

}  // namespace

void reduce(ReduceOp op, const float* x, int64_t outer, int64_t n, int64_t inner, float* out) {
  if (op == ReduceOp::log_sum_exp) {
    // Two passes per column: the max, then sum exp(x - max). An infinite max is returned as is (all -inf gives -inf).
    std::vector<float> mx(static_cast<size_t>(outer * inner));
    reduce(ReduceOp::max, x, outer, n, inner, mx.data());
    parallel_for(outer, n * inner * 4, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          const float m = mx[o * inner + i];
          if (!std::isfinite(m)) {
            out[o * inner + i] = n == 0 ? -kInf : m;
            continue;
          }
          double s = 0;
          const float* p = x + o * n * inner + i;
          for (int64_t k = 0; k < n; ++k) s += std::exp(static_cast<double>(p[k * inner] - m));
          out[o * inner + i] = m + static_cast<float>(std::log(s));
        }
      }
    });
    return;
  }
  if (inner == 1 && (op == ReduceOp::sum || op == ReduceOp::mean)) {
    const float scale = op == ReduceOp::mean ? 1.0f / static_cast<float>(n) : 1.0f;
    parallel_for(outer, n, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) out[o] = n == 0 && op == ReduceOp::mean ? NAN : sum_contiguous(x + o * n, n) * scale;
    });
    return;
  }
  switch (op) {
    case ReduceOp::sum:
      reduce_generic(x, outer, n, inner, out, [] { return 0.0f; }, [](float a, float v) { return a + v; },
                     [](float a) { return a; });
      break;
    case ReduceOp::mean: {
      const float scale = 1.0f / static_cast<float>(n);
      reduce_generic(x, outer, n, inner, out, [] { return 0.0f; }, [](float a, float v) { return a + v; },
                     [scale](float a) { return a * scale; });
      break;
    }
    case ReduceOp::prod:
      reduce_generic(x, outer, n, inner, out, [] { return 1.0f; }, [](float a, float v) { return a * v; },
                     [](float a) { return a; });
      break;
    case ReduceOp::max:  // NaN wins (a != a keeps a NaN accumulator; v != v adopts a NaN element)
      reduce_generic(x, outer, n, inner, out, [] { return -kInf; },
                     [](float a, float v) { return a != a ? a : (v > a || v != v ? v : a); }, [](float a) { return a; });
      break;
    case ReduceOp::min:
      reduce_generic(x, outer, n, inner, out, [] { return kInf; },
                     [](float a, float v) { return a != a ? a : (v < a || v != v ? v : a); }, [](float a) { return a; });
      break;
    default: break;
  }
}

void arg_reduce(bool is_max, const float* x, int64_t outer, int64_t n, int64_t inner, int32_t* out) {
  parallel_for(outer, n * inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const float* p = x + o * n * inner + i;
        int64_t best = 0;
        float bv = n > 0 ? p[0] : 0.0f;
        for (int64_t k = 1; k < n && bv == bv; ++k) {
          const float v = p[k * inner];
          if (v != v || (is_max ? v > bv : v < bv)) {
            bv = v;
            best = k;
          }
        }
        out[o * inner + i] = static_cast<int32_t>(best);
      }
    }
  });
}

void softmax(const float* x, int64_t outer, int64_t n, float* y, bool log) {
  parallel_for(outer, n * 8, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      const float* xr = x + o * n;
      float* yr = y + o * n;
      float m = -kInf;
      for (int64_t k = 0; k < n; ++k) m = xr[k] > m || xr[k] != xr[k] ? xr[k] : m;
      // Subtracting the max makes every exponent <= 0: no overflow for any finite logits.
      if (!std::isfinite(m)) m = m != m ? m : (m > 0 ? m : 0.0f);
      float s = 0;
      for (int64_t k = 0; k < n; ++k) {
        const float e = std::exp(xr[k] - m);
        yr[k] = e;
        s += e;
      }
      if (log) {
        const float ls = std::log(s);
        for (int64_t k = 0; k < n; ++k) yr[k] = xr[k] - m - ls;
      } else {
        const float inv = 1.0f / s;
        for (int64_t k = 0; k < n; ++k) yr[k] *= inv;
      }
    }
  });
}

void softmax_grad(const float* y, const float* dy, int64_t outer, int64_t n, float* dx, bool log) {
  parallel_for(outer, n * 4, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      const float* yr = y + o * n;
      const float* gr = dy + o * n;
      float* dr = dx + o * n;
      if (log) {
        float s = 0;
        for (int64_t k = 0; k < n; ++k) s += gr[k];
        for (int64_t k = 0; k < n; ++k) dr[k] = gr[k] - std::exp(yr[k]) * s;
      } else {
        float s = 0;
        for (int64_t k = 0; k < n; ++k) s += gr[k] * yr[k];
        for (int64_t k = 0; k < n; ++k) dr[k] = yr[k] * (gr[k] - s);
      }
    }
  });
}

}  // namespace tn
