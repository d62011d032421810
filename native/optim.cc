#include "optim.h"

#include "cpu.h"
#include "parallel.h"

// The portable path: the same loops compiled for the baseline ISA of the build (SSE2 on x86-64, NEON on arm64).
#define TN_ISA_NS generic
#include "optim_impl.h"
#undef TN_ISA_NS

namespace tn {

namespace {

struct OptimTable {
  decltype(&generic::sgd_range) sgd;
  decltype(&generic::adam_range) adam;
  decltype(&generic::rmsprop_range) rmsprop;
  decltype(&generic::adagrad_range) adagrad;
};

const OptimTable& table() {
  static const OptimTable t = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512: return OptimTable{avx512::sgd_range, avx512::adam_range, avx512::rmsprop_range, avx512::adagrad_range};
      case Isa::avx2: return OptimTable{avx2::sgd_range, avx2::adam_range, avx2::rmsprop_range, avx2::adagrad_range};
#endif
      default: return OptimTable{generic::sgd_range, generic::adam_range, generic::rmsprop_range, generic::adagrad_range};
    }
  }();
  return t;
}

}  // namespace

void sgd_update(float* w, const float* g, float* m, int64_t n, float lr, float momentum, bool nesterov) {
  const auto f = table().sgd;
  parallel_for(n, 2, [&](int64_t b, int64_t e) { f(w, g, m, b, e, lr, momentum, nesterov); });
}

void adam_update(float* w, const float* g, float* m, float* v, float* vhat, int64_t n, float lr, float alpha,
                 float beta1, float beta2, float epsilon, float weight_decay) {
  const auto f = table().adam;
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2, decay = weight_decay * lr;
  parallel_for(n, 4, [&](int64_t b, int64_t e) { f(w, g, m, v, vhat, b, e, alpha, c1, c2, epsilon, decay); });
}

void rmsprop_update(float* w, const float* g, float* a, float* m, float* mg, int64_t n, float lr, float rho,
                    float momentum, float epsilon) {
  const auto f = table().rmsprop;
  parallel_for(n, 4, [&](int64_t b, int64_t e) { f(w, g, a, m, mg, b, e, lr, rho, momentum, epsilon); });
}

void adagrad_update(float* w, const float* g, float* a, int64_t n, float lr, float epsilon) {
  const auto f = table().adagrad;
  parallel_for(n, 4, [&](int64_t b, int64_t e) { f(w, g, a, b, e, lr, epsilon); });
}

}  // namespace tn
