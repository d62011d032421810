#include "optim.h"

#include <cstddef>
#include <vector>

#include "cpu.h"
#include "gemm/gemm.h"
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
  decltype(&generic::adadelta_range) adadelta;
  decltype(&generic::adamax_range) adamax;
  decltype(&generic::nadam_range) nadam;
  decltype(&generic::lion_range) lion;
};

// One path's loops, in the table's order.
#define TN_OPTIM_TABLE(ns)                                                                                   \
  OptimTable {                                                                                               \
    ns::sgd_range, ns::adam_range, ns::rmsprop_range, ns::adagrad_range, ns::adadelta_range, ns::adamax_range, \
        ns::nadam_range, ns::lion_range                                                                      \
  }

const OptimTable& table() {
  static const OptimTable t = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512: return TN_OPTIM_TABLE(avx512);
      case Isa::avx2: return TN_OPTIM_TABLE(avx2);
#endif
      default: return TN_OPTIM_TABLE(generic);
    }
  }();
  return t;
}

#undef TN_OPTIM_TABLE

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

void adadelta_update(float* w, const float* g, float* a, float* d, int64_t n, float lr, float rho, float epsilon) {
  const auto f = table().adadelta;
  parallel_for(n, 6, [&](int64_t b, int64_t e) { f(w, g, a, d, b, e, lr, rho, epsilon); });
}

void adamax_update(float* w, const float* g, float* m, float* u, int64_t n, float alpha, float beta1, float beta2,
                   float epsilon) {
  const auto f = table().adamax;
  parallel_for(n, 4, [&](int64_t b, int64_t e) { f(w, g, m, u, b, e, alpha, 1.0f - beta1, beta2, epsilon); });
}

void nadam_update(float* w, const float* g, float* m, float* v, int64_t n, float cm, float cg, float cv, float beta1,
                  float beta2, float epsilon) {
  const auto f = table().nadam;
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
  parallel_for(n, 4, [&](int64_t b, int64_t e) { f(w, g, m, v, b, e, cm, cg, cv, c1, c2, epsilon); });
}

void lion_update(float* w, const float* g, float* m, int64_t n, float lr, float beta1, float beta2) {
  const auto f = table().lion;
  parallel_for(n, 2, [&](int64_t b, int64_t e) { f(w, g, m, b, e, lr, beta1, beta2); });
}

namespace {

// A Dense layer's backward pass with an update of its kernel, one block of kernel rows at a time: update(offset, g,
// n) applies the optimizer to the n parameters from `offset` with their gradient g. Blocks of rows whose gradient
// (and w and the slots) take about 64 KiB each: the block's dx columns read w, the gradient's GEMM writes g, and the
// update reads both back from L2. Blocks are independent (each owns its rows of w and its columns of dx), so the
// result does not depend on the number of threads.
template <typename Update>
void dense_backward_update(const float* x, const float* dz, float* dx, float* w, int64_t rows, int64_t in,
                           int64_t units, Update&& update) {
  int64_t block = (int64_t(16384) / (units > 0 ? units : 1)) / 8 * 8;
  // At least one block per thread: a kernel of few rows at a large batch (128 x 128 at batch 256) ran 0.83x the
  // separate passes' time as one block on one thread. And at least 32 rows, a full tile of the microkernel for dx's
  // columns: 8-row blocks of a 32 x 2048 kernel at batch 256 ran 0.70x.
  const int64_t per_thread = (in + max_threads() - 1) / max_threads();
  if (block > (per_thread + 7) / 8 * 8) block = (per_thread + 7) / 8 * 8;
  if (block < 32) block = 32;
  if (block > in) block = in;
  const int64_t blocks = in > 0 ? (in + block - 1) / block : 0;
  auto run = [&](int64_t b0, int64_t b1) {
    std::vector<float> g(static_cast<size_t>(block * units));
    for (int64_t bi = b0; bi < b1; ++bi) {
      const int64_t r0 = bi * block, nr = (r0 + block < in ? block : in - r0);
      if (dx) sgemm_serial(false, true, rows, nr, units, dz, units, w + r0 * units, units, 0.f, dx + r0, in);
      sgemm_serial(true, false, nr, units, rows, x + r0, in, dz, units, 0.f, g.data(), units);
      update(r0 * units, g.data(), nr * units);
    }
  };
  // About 2 * rows FLOPs per kernel element for each product: split only when each thread gets real work.
  int threads = max_threads();
  const int64_t work = in * units * (rows + 4);
  if (threads > blocks) threads = static_cast<int>(blocks);
  if (work < 8 * kParallelGrain) threads = 1;
  if (threads <= 1) {
    run(0, blocks);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    run(blocks * t / nt, blocks * (t + 1) / nt);
  }
#else
  run(0, blocks);
#endif
}

}  // namespace

void dense_backward_adam(const float* x, const float* dz, float* dx, float* w, float* m, float* v, float* vhat,
                         int64_t rows, int64_t in, int64_t units, float lr, float alpha, float beta1, float beta2,
                         float epsilon, float weight_decay) {
  const auto f = table().adam;
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2, decay = weight_decay * lr;
  dense_backward_update(x, dz, dx, w, rows, in, units, [&](int64_t off, const float* g, int64_t n) {
    f(w + off, g, m + off, v + off, vhat ? vhat + off : nullptr, 0, n, alpha, c1, c2, epsilon, decay);
  });
}

void dense_backward_sgd(const float* x, const float* dz, float* dx, float* w, float* m, int64_t rows, int64_t in,
                        int64_t units, float lr, float momentum, bool nesterov) {
  const auto f = table().sgd;
  dense_backward_update(x, dz, dx, w, rows, in, units, [&](int64_t off, const float* g, int64_t n) {
    f(w + off, g, m ? m + off : nullptr, 0, n, lr, momentum, nesterov);
  });
}

}  // namespace tn
