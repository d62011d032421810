// The optimizer updates' loops over a range [b, e) of parameters, written once as plain loops. Each including
// translation unit defines TN_ISA_NS and wraps the include in its own target pragma (optim.cc: the baseline ISA;
// optim_avx512.cc, optim_avx2.cc); optim.cc splits the parameters over threads and calls the active path's loops.
// Adam's sqrt and division dominate its update (not memory traffic): on the baseline SSE2 they took 0.75 ns per
// parameter, a third of the reference CNN's training step at batch 32. Include only after system headers.

namespace tn {
namespace TN_ISA_NS {

// The moving averages of a weight whose gradient stays zero (a Dense input that is always 0, as MNIST's border
// pixels after a conv and relu) decay geometrically into the subnormal range, where every multiply takes a microcode
// assist: 15% of Adam's first moments of the reference CNN's Dense kernel were subnormal after two epochs, and an
// epoch took 1.4x as long as the first two. TensorFlow, and so Keras, flushes them to zero (it runs its kernels with
// flush-to-zero on); so do these updates, for the state they keep. Zero is what the decay tends to anyway.
static inline float flush(float x) { return __builtin_fabsf(x) < __FLT_MIN__ ? 0.0f : x; }

void sgd_range(float* w, const float* g, float* m, int64_t b, int64_t e, float lr, float momentum,
                      bool nesterov) {
  if (!m) {
#pragma omp simd
    for (int64_t i = b; i < e; ++i) w[i] -= lr * g[i];
  } else if (nesterov) {
#pragma omp simd
    for (int64_t i = b; i < e; ++i) {
      const float mi = flush(momentum * m[i] - lr * g[i]);
      m[i] = mi;
      w[i] += momentum * mi - lr * g[i];
    }
  } else {
#pragma omp simd
    for (int64_t i = b; i < e; ++i) {
      const float mi = flush(momentum * m[i] - lr * g[i]);
      m[i] = mi;
      w[i] += mi;
    }
  }
}

// One loop with and one without AMSGrad's running maximum, so that each vectorises without a branch.
template <bool Amsgrad>
inline void adam_loop(float* w, const float* g, float* m, float* v, float* vhat, int64_t b, int64_t e, float alpha,
                      float c1, float c2, float epsilon, float decay) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float wi = w[i] - w[i] * decay;
    const float gi = g[i];
    const float mi = flush(m[i] + (gi - m[i]) * c1);
    const float vi = flush(v[i] + (gi * gi - v[i]) * c2);
    m[i] = mi;
    v[i] = vi;
    float denom = vi;
    if (Amsgrad) {
      denom = vhat[i] > vi ? vhat[i] : vi;
      vhat[i] = denom;
    }
    w[i] = wi - mi * alpha / (__builtin_sqrtf(denom) + epsilon);
  }
}

void adam_range(float* w, const float* g, float* m, float* v, float* vhat, int64_t b, int64_t e, float alpha,
                float c1, float c2, float epsilon, float decay) {
  if (vhat) adam_loop<true>(w, g, m, v, vhat, b, e, alpha, c1, c2, epsilon, decay);
  else adam_loop<false>(w, g, m, v, vhat, b, e, alpha, c1, c2, epsilon, decay);
}

// One loop per combination of centered (mg) and momentum (m), so that each vectorises without branches.
template <bool Centered, bool Momentum>
inline void rmsprop_loop(float* w, const float* g, float* a, float* m, float* mg, int64_t b, int64_t e, float lr,
                         float rho, float momentum, float epsilon) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float gi = g[i];
    const float ai = flush(rho * a[i] + (1.0f - rho) * gi * gi);
    a[i] = ai;
    float denom = ai;
    if (Centered) {
      const float mgi = flush(rho * mg[i] + (1.0f - rho) * gi);
      mg[i] = mgi;
      denom = ai - mgi * mgi;
    }
    const float inc = lr * gi / __builtin_sqrtf(denom + epsilon);
    if (Momentum) {
      const float mi = flush(momentum * m[i] + inc);
      m[i] = mi;
      w[i] -= mi;
    } else {
      w[i] -= inc;
    }
  }
}

void rmsprop_range(float* w, const float* g, float* a, float* m, float* mg, int64_t b, int64_t e, float lr,
                          float rho, float momentum, float epsilon) {
  if (mg && m) rmsprop_loop<true, true>(w, g, a, m, mg, b, e, lr, rho, momentum, epsilon);
  else if (mg) rmsprop_loop<true, false>(w, g, a, m, mg, b, e, lr, rho, momentum, epsilon);
  else if (m) rmsprop_loop<false, true>(w, g, a, m, mg, b, e, lr, rho, momentum, epsilon);
  else rmsprop_loop<false, false>(w, g, a, m, mg, b, e, lr, rho, momentum, epsilon);
}

void adagrad_range(float* w, const float* g, float* a, int64_t b, int64_t e, float lr, float epsilon) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float ai = a[i] + g[i] * g[i];
    a[i] = ai;
    w[i] -= lr * g[i] / __builtin_sqrtf(ai + epsilon);
  }
}

// Adadelta: both moving averages decay towards zero where the gradient stays zero, so both are flushed.
void adadelta_range(float* w, const float* g, float* a, float* d, int64_t b, int64_t e, float lr, float rho,
                    float epsilon) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float gi = g[i];
    const float ai = flush(rho * a[i] + (1.0f - rho) * gi * gi);
    const float delta = -__builtin_sqrtf(d[i] + epsilon) * gi / __builtin_sqrtf(ai + epsilon);
    a[i] = ai;
    d[i] = flush(rho * d[i] + (1.0f - rho) * delta * delta);
    w[i] += lr * delta;
  }
}

// Adamax: the infinity norm u is compared as b2*u > |g| so that a NaN gradient reaches u (and w), as Keras's maximum.
void adamax_range(float* w, const float* g, float* m, float* u, int64_t b, int64_t e, float alpha, float c1,
                  float beta2, float epsilon) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float gi = g[i];
    const float mi = flush(m[i] + (gi - m[i]) * c1);
    const float decayed = beta2 * u[i], ag = __builtin_fabsf(gi);
    const float ui = flush(decayed > ag ? decayed : ag);
    m[i] = mi;
    u[i] = ui;
    w[i] -= alpha * mi / (ui + epsilon);
  }
}

// Nadam with its step-dependent factors folded into three scalars: w -= (cm*m + cg*g) / (sqrt(cv*v) + eps).
void nadam_range(float* w, const float* g, float* m, float* v, int64_t b, int64_t e, float cm, float cg, float cv,
                 float c1, float c2, float epsilon) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float gi = g[i];
    const float mi = flush(m[i] + (gi - m[i]) * c1);
    const float vi = flush(v[i] + (gi * gi - v[i]) * c2);
    m[i] = mi;
    v[i] = vi;
    w[i] -= (cm * mi + cg * gi) / (__builtin_sqrtf(cv * vi) + epsilon);
  }
}

// Lion: sign(0) is 0, and c * 0 keeps a NaN (Keras's sign of NaN is NaN) without a branch.
void lion_range(float* w, const float* g, float* m, int64_t b, int64_t e, float lr, float beta1, float beta2) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float gi = g[i];
    const float c = beta1 * m[i] + (1.0f - beta1) * gi;
    const float sign = c > 0.0f ? 1.0f : c < 0.0f ? -1.0f : c * 0.0f;
    w[i] -= lr * sign;
    m[i] = flush(beta2 * m[i] + (1.0f - beta2) * gi);
  }
}

}  // namespace TN_ISA_NS
}  // namespace tn
