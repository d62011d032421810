#include "optim.h"

#include <cfloat>
#include <cmath>

#include "parallel.h"

namespace tn {

// The moving averages of a weight whose gradient stays zero (a Dense input that is always 0, as MNIST's border
// pixels after a conv and relu) decay geometrically into the subnormal range, where every multiply takes a microcode
// assist: 15% of Adam's first moments of the reference CNN's Dense kernel were subnormal after two epochs, and an
// epoch took 1.4x as long as the first two. TensorFlow, and so Keras, flushes them to zero (it runs its kernels with
// flush-to-zero on); so do these updates, for the state they keep. Zero is what the decay tends to anyway.
static inline float flush(float x) { return std::fabs(x) < FLT_MIN ? 0.0f : x; }

void sgd_update(float* w, const float* g, float* m, int64_t n, float lr, float momentum, bool nesterov) {
  parallel_for(n, 2, [&](int64_t b, int64_t e) {
    if (!m) {
#pragma omp simd
      for (int64_t i = b; i < e; ++i) w[i] -= lr * g[i];
      return;
    }
    if (nesterov) {
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
  });
}

void adam_update(float* w, const float* g, float* m, float* v, float* vhat, int64_t n, float lr, float alpha,
                 float beta1, float beta2, float epsilon, float weight_decay) {
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2, decay = weight_decay * lr;
  parallel_for(n, 4, [&](int64_t b, int64_t e) {
    if (vhat) {
      for (int64_t i = b; i < e; ++i) {
        const float wi = w[i] - w[i] * decay;
        const float gi = g[i];
        const float mi = flush(m[i] + (gi - m[i]) * c1);
        const float vi = flush(v[i] + (gi * gi - v[i]) * c2);
        const float hi = vhat[i] > vi ? vhat[i] : vi;
        m[i] = mi;
        v[i] = vi;
        vhat[i] = hi;
        w[i] = wi - mi * alpha / (std::sqrt(hi) + epsilon);
      }
      return;
    }
#pragma omp simd
    for (int64_t i = b; i < e; ++i) {
      const float wi = w[i] - w[i] * decay;
      const float gi = g[i];
      const float mi = flush(m[i] + (gi - m[i]) * c1);
      const float vi = flush(v[i] + (gi * gi - v[i]) * c2);
      m[i] = mi;
      v[i] = vi;
      w[i] = wi - mi * alpha / (std::sqrt(vi) + epsilon);
    }
  });
}

void rmsprop_update(float* w, const float* g, float* a, float* m, float* mg, int64_t n, float lr, float rho,
                    float momentum, float epsilon) {
  parallel_for(n, 4, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float gi = g[i];
      const float ai = flush(rho * a[i] + (1.0f - rho) * gi * gi);
      a[i] = ai;
      float denom = ai;
      if (mg) {
        const float mgi = flush(rho * mg[i] + (1.0f - rho) * gi);
        mg[i] = mgi;
        denom = ai - mgi * mgi;
      }
      const float inc = lr * gi / std::sqrt(denom + epsilon);
      if (m) {
        const float mi = flush(momentum * m[i] + inc);
        m[i] = mi;
        w[i] -= mi;
      } else {
        w[i] -= inc;
      }
    }
  });
}

void adagrad_update(float* w, const float* g, float* a, int64_t n, float lr, float epsilon) {
  parallel_for(n, 4, [&](int64_t b, int64_t e) {
#pragma omp simd
    for (int64_t i = b; i < e; ++i) {
      const float ai = a[i] + g[i] * g[i];
      a[i] = ai;
      w[i] -= lr * g[i] / std::sqrt(ai + epsilon);
    }
  });
}

}  // namespace tn
