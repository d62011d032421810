// Fused optimizer updates (Keras 3 rules), one pass over parameters, gradients and slots.
#pragma once
#include <cstdint>

namespace tn {

// SGD: momentum 0 -> w -= lr*g. Else m = momentum*m - lr*g; w += m (or, nesterov, w += momentum*m - lr*g).
void sgd_update(float* w, const float* g, float* m, int64_t n, float lr, float momentum, bool nesterov);
// Adam: m += (1-b1)(g-m); v += (1-b2)(g^2-v); w -= alpha*m/(sqrt(v)+eps), alpha = lr*sqrt(1-b2^t)/(1-b1^t).
// With amsgrad, vhat = max(vhat, v) replaces v in the denominator. weight_decay > 0 first does w -= w*wd*lr (AdamW).
void adam_update(float* w, const float* g, float* m, float* v, float* vhat, int64_t n, float lr, float alpha,
                 float beta1, float beta2, float epsilon, float weight_decay);
// RMSprop: a = rho*a + (1-rho)g^2; with momentum: m = momentum*m + lr*g/sqrt(a+eps), w -= m; else w -= lr*g/sqrt(a+eps).
// centered keeps mg = rho*mg + (1-rho)*g and uses a - mg^2.
void rmsprop_update(float* w, const float* g, float* a, float* m, float* mg, int64_t n, float lr, float rho,
                    float momentum, float epsilon);
// Adagrad: a += g^2; w -= lr*g/sqrt(a+eps).
void adagrad_update(float* w, const float* g, float* a, int64_t n, float lr, float epsilon);

// Adadelta: a = rho*a + (1-rho)g^2; delta = -sqrt(d+eps)/sqrt(a+eps)*g; d = rho*d + (1-rho)delta^2; w += lr*delta.
void adadelta_update(float* w, const float* g, float* a, float* d, int64_t n, float lr, float rho, float epsilon);
// Adamax: m += (1-b1)(g-m); u = max(b2*u, |g|); w -= alpha*m/(u+eps), alpha = lr/(1-b1^t).
void adamax_update(float* w, const float* g, float* m, float* u, int64_t n, float alpha, float beta1, float beta2,
                   float epsilon);
// Nadam: m += (1-b1)(g-m); v += (1-b2)(g^2-v); w -= (cm*m + cg*g)/(sqrt(cv*v)+eps), the step's factors (learning
// rate, momentum schedule and bias corrections) computed by the caller.
void nadam_update(float* w, const float* g, float* m, float* v, int64_t n, float cm, float cg, float cv, float beta1,
                  float beta2, float epsilon);
// Lion: w -= lr*sign(b1*m + (1-b1)g); m = b2*m + (1-b2)g.
void lion_update(float* w, const float* g, float* m, int64_t n, float lr, float beta1, float beta2);

// A Dense layer's backward pass and Adam's update of its kernel in one pass over the kernel. With y = x @ w, x
// [rows, in], w [in, units] and dz = dL/dy [rows, units]: dx = dz @ w^T with w before the update (skipped when dx is
// null), then adam_update of w with g = x^T @ dz. The kernel's gradient, m and v then stream through the cache once
// per step instead of three times (written by the gradient's GEMM, read back by the update), which is most of a
// small batch's step for a wide Dense layer: g lives only as one L2-sized block of rows at a time.
void dense_backward_adam(const float* x, const float* dz, float* dx, float* w, float* m, float* v, float* vhat,
                         int64_t rows, int64_t in, int64_t units, float lr, float alpha, float beta1, float beta2,
                         float epsilon, float weight_decay);
// The same with SGD's update (m null without momentum).
void dense_backward_sgd(const float* x, const float* dz, float* dx, float* w, float* m, int64_t rows, int64_t in,
                        int64_t units, float lr, float momentum, bool nesterov);

// The loops of those updates over parameters [b, e), one set per SIMD path (native/optim_impl.h); optim.cc picks the
// active path's and splits the parameters over threads.
#define TN_OPTIM_LOOPS(ns)                                                                                         \
  namespace ns {                                                                                                   \
  void sgd_range(float* w, const float* g, float* m, int64_t b, int64_t e, float lr, float momentum, bool nesterov); \
  void adam_range(float* w, const float* g, float* m, float* v, float* vhat, int64_t b, int64_t e, float alpha,     \
                  float c1, float c2, float epsilon, float decay);                                                 \
  void rmsprop_range(float* w, const float* g, float* a, float* m, float* mg, int64_t b, int64_t e, float lr,       \
                     float rho, float momentum, float epsilon);                                                    \
  void adagrad_range(float* w, const float* g, float* a, int64_t b, int64_t e, float lr, float epsilon);           \
  void adadelta_range(float* w, const float* g, float* a, float* d, int64_t b, int64_t e, float lr, float rho,      \
                      float epsilon);                                                                              \
  void adamax_range(float* w, const float* g, float* m, float* u, int64_t b, int64_t e, float alpha, float c1,      \
                    float beta2, float epsilon);                                                                   \
  void nadam_range(float* w, const float* g, float* m, float* v, int64_t b, int64_t e, float cm, float cg, float cv, \
                   float c1, float c2, float epsilon);                                                             \
  void lion_range(float* w, const float* g, float* m, int64_t b, int64_t e, float lr, float beta1, float beta2);   \
  }
TN_OPTIM_LOOPS(avx512)
TN_OPTIM_LOOPS(avx2)
TN_OPTIM_LOOPS(generic)
#undef TN_OPTIM_LOOPS

}  // namespace tn
