// The unary kernels, written once as plain loops. Each including translation unit defines TN_ISA_NS and wraps the
// include in its own target pragma; the vectoriser then emits that ISA's code. Include only after system headers.

namespace tn {
namespace TN_ISA_NS {

#include "vecmath.h"

namespace {

constexpr float kSeluAlpha = 1.67326324235437728481f;
constexpr float kSeluScale = 1.05070098735548049342f;
constexpr float kSqrt2OverPi = 0.79788456080286535588f;
constexpr float kGeluCoef = 0.044715f;

template <typename F>
inline void map(const float* x, float* y, int64_t n, F f) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <typename F>
inline void map_grad(const float* x, const float* y, const float* dy, float* dx, int64_t n, F f) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dx[i] = f(x[i], y[i], dy[i]);
}

}  // namespace

void unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha) {
  switch (op) {
    case UnaryOp::linear: map(x, y, n, [](float v) { return v; }); break;
    case UnaryOp::neg: map(x, y, n, [](float v) { return -v; }); break;
    case UnaryOp::abs: map(x, y, n, [](float v) { return __builtin_fabsf(v); }); break;
    case UnaryOp::exp: map(x, y, n, [](float v) { return vm::exp(v); }); break;
    case UnaryOp::log: map(x, y, n, [](float v) { return vm::log(v); }); break;
    case UnaryOp::sqrt: map(x, y, n, [](float v) { return __builtin_sqrtf(v); }); break;
    case UnaryOp::rsqrt: map(x, y, n, [](float v) { return 1.0f / __builtin_sqrtf(v); }); break;
    case UnaryOp::square: map(x, y, n, [](float v) { return v * v; }); break;
    case UnaryOp::reciprocal: map(x, y, n, [](float v) { return 1.0f / v; }); break;
    // relu and friends keep NaN (v > 0 is false for NaN, so select v explicitly when v != v).
    case UnaryOp::relu: map(x, y, n, [](float v) { return v > 0.0f || v != v ? v : 0.0f; }); break;
    case UnaryOp::relu6:
      map(x, y, n, [](float v) { return v != v ? v : (v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v)); });
      break;
    case UnaryOp::leaky_relu: map(x, y, n, [alpha](float v) { return v < 0.0f ? alpha * v : v; }); break;
    case UnaryOp::elu: map(x, y, n, [alpha](float v) { return v > 0.0f ? v : alpha * vm::expm1(v); }); break;
    case UnaryOp::selu:
      map(x, y, n, [](float v) { return kSeluScale * (v > 0.0f ? v : kSeluAlpha * vm::expm1(v)); });
      break;
    case UnaryOp::sigmoid: map(x, y, n, [](float v) { return vm::sigmoid(v); }); break;
    case UnaryOp::hard_sigmoid:  // Keras 3: relu6(x + 3) / 6
      map(x, y, n, [](float v) {
        const float t = v * (1.0f / 6.0f) + 0.5f;
        return v != v ? v : (t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t));
      });
      break;
    case UnaryOp::tanh: map(x, y, n, [](float v) { return vm::tanh(v); }); break;
    case UnaryOp::softplus: map(x, y, n, [](float v) { return vm::softplus(v); }); break;
    case UnaryOp::softsign: map(x, y, n, [](float v) { return v / (1.0f + __builtin_fabsf(v)); }); break;
    case UnaryOp::swish: map(x, y, n, [](float v) { return v * vm::sigmoid(v); }); break;
    case UnaryOp::gelu: map(x, y, n, [](float v) { return v * vm::normal_cdf(v); }); break;
    case UnaryOp::gelu_tanh:
      map(x, y, n, [](float v) {
        return 0.5f * v * (1.0f + vm::tanh(kSqrt2OverPi * (v + kGeluCoef * v * v * v)));
      });
      break;
    case UnaryOp::floor: map(x, y, n, [](float v) { return __builtin_floorf(v); }); break;
    case UnaryOp::ceil: map(x, y, n, [](float v) { return __builtin_ceilf(v); }); break;
    case UnaryOp::round: map(x, y, n, [](float v) { return __builtin_rintf(v); }); break;  // half to even
    case UnaryOp::sign:
      map(x, y, n, [](float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v); });  // keeps 0, -0, NaN
      break;
    case UnaryOp::log1p: map(x, y, n, [](float v) { return vm::log1p(v); }); break;
    case UnaryOp::expm1: map(x, y, n, [](float v) { return vm::expm1(v); }); break;
    case UnaryOp::sin:  // not vectorised: libm's range reduction is what makes large arguments right
      for (int64_t i = 0; i < n; ++i) y[i] = __builtin_sinf(x[i]);
      break;
    case UnaryOp::cos:
      for (int64_t i = 0; i < n; ++i) y[i] = __builtin_cosf(x[i]);
      break;
    case UnaryOp::count: break;
  }
}

void unary_grad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha) {
  switch (op) {
    case UnaryOp::linear: map_grad(x, y, dy, dx, n, [](float, float, float g) { return g; }); break;
    case UnaryOp::neg: map_grad(x, y, dy, dx, n, [](float, float, float g) { return -g; }); break;
    case UnaryOp::abs:
      map_grad(x, y, dy, dx, n, [](float v, float, float g) { return v > 0.0f ? g : (v < 0.0f ? -g : 0.0f * g); });
      break;
    case UnaryOp::exp: map_grad(x, y, dy, dx, n, [](float, float r, float g) { return g * r; }); break;
    case UnaryOp::log: map_grad(x, y, dy, dx, n, [](float v, float, float g) { return g / v; }); break;
    case UnaryOp::sqrt: map_grad(x, y, dy, dx, n, [](float, float r, float g) { return g * 0.5f / r; }); break;
    case UnaryOp::rsqrt:
      map_grad(x, y, dy, dx, n, [](float v, float r, float g) { return -0.5f * g * r / v; });
      break;
    case UnaryOp::square: map_grad(x, y, dy, dx, n, [](float v, float, float g) { return 2.0f * v * g; }); break;
    case UnaryOp::reciprocal:
      map_grad(x, y, dy, dx, n, [](float, float r, float g) { return -g * r * r; });
      break;
    case UnaryOp::relu: map_grad(x, y, dy, dx, n, [](float v, float, float g) { return v > 0.0f ? g : 0.0f * g; }); break;
    case UnaryOp::relu6:
      map_grad(x, y, dy, dx, n, [](float v, float, float g) { return v > 0.0f && v < 6.0f ? g : 0.0f * g; });
      break;
    case UnaryOp::leaky_relu:
      map_grad(x, y, dy, dx, n, [alpha](float v, float, float g) { return v < 0.0f ? alpha * g : g; });
      break;
    case UnaryOp::elu:  // for v <= 0, y = alpha*(e^v - 1) so dy/dv = y + alpha
      map_grad(x, y, dy, dx, n, [alpha](float v, float r, float g) { return v > 0.0f ? g : g * (r + alpha); });
      break;
    case UnaryOp::selu:
      map_grad(x, y, dy, dx, n, [](float v, float r, float g) {
        return v > 0.0f ? g * kSeluScale : g * (r + kSeluScale * kSeluAlpha);
      });
      break;
    case UnaryOp::sigmoid:
      map_grad(x, y, dy, dx, n, [](float, float r, float g) { return g * r * (1.0f - r); });
      break;
    case UnaryOp::hard_sigmoid:
      map_grad(x, y, dy, dx, n, [](float v, float, float g) {
        return v > -3.0f && v < 3.0f ? g * (1.0f / 6.0f) : 0.0f * g;
      });
      break;
    case UnaryOp::tanh: map_grad(x, y, dy, dx, n, [](float, float r, float g) { return g * (1.0f - r * r); }); break;
    case UnaryOp::softplus:
      map_grad(x, y, dy, dx, n, [](float v, float, float g) { return g * vm::sigmoid(v); });
      break;
    case UnaryOp::softsign:
      map_grad(x, y, dy, dx, n, [](float v, float, float g) {
        const float d = 1.0f + __builtin_fabsf(v);
        return g / (d * d);
      });
      break;
    case UnaryOp::swish:
      map_grad(x, y, dy, dx, n, [](float v, float, float g) {
        const float s = vm::sigmoid(v);
        return g * s * (1.0f + v * (1.0f - s));
      });
      break;
    case UnaryOp::gelu:
      map_grad(x, y, dy, dx, n, [](float v, float, float g) { return g * (vm::normal_cdf(v) + v * vm::normal_pdf(v)); });
      break;
    case UnaryOp::gelu_tanh:
      map_grad(x, y, dy, dx, n, [](float v, float, float g) {
        const float t = vm::tanh(kSqrt2OverPi * (v + kGeluCoef * v * v * v));
        const float dt = (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluCoef * v * v);
        return g * (0.5f * (1.0f + t) + 0.5f * v * dt);
      });
      break;
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::round:
    case UnaryOp::sign:  // piecewise constant: zero gradient (NaN stays NaN through 0 * g)
      map_grad(x, y, dy, dx, n, [](float, float, float g) { return 0.0f * g; });
      break;
    case UnaryOp::log1p: map_grad(x, y, dy, dx, n, [](float v, float, float g) { return g / (1.0f + v); }); break;
    case UnaryOp::expm1: map_grad(x, y, dy, dx, n, [](float, float r, float g) { return g * (r + 1.0f); }); break;
    case UnaryOp::sin:
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * __builtin_cosf(x[i]);
      break;
    case UnaryOp::cos:
      for (int64_t i = 0; i < n; ++i) dx[i] = -dy[i] * __builtin_sinf(x[i]);
      break;
    case UnaryOp::count: break;
  }
}

}  // namespace TN_ISA_NS
}  // namespace tn
