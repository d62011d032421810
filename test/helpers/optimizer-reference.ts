// Float64 references for optimizer options the golden file does not cover, written from Keras 3's update_step
// (keras/src/optimizers/adam.py and rmsprop.py) line by line, independently of lib/optimizers. Each returns the
// weights after every step, starting from w0 with the given gradient per step.

export interface AdamReference {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  amsgrad: boolean;
}

/**
 * Keras 3 Adam: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
 * with amsgrad vHat = max(vHat, v) replaces v in the update; w -= alpha m / (sqrt(v) + eps).
 */
export function kerasAdam(w0: number[], grads: number[][], o: AdamReference): number[][] {
  const w = w0.slice();
  const m = w0.map(() => 0);
  const v = w0.map(() => 0);
  const vHat = w0.map(() => 0);
  return grads.map((g, step) => {
    const t = step + 1;
    const alpha = (o.learningRate * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
    for (let i = 0; i < w.length; i++) {
      m[i] += (g[i] - m[i]) * (1 - o.beta1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - o.beta2);
      let denom = v[i];
      if (o.amsgrad) {
        vHat[i] = Math.max(vHat[i], v[i]);
        denom = vHat[i];
      }
      w[i] -= (m[i] * alpha) / (Math.sqrt(denom) + o.epsilon);
    }
    return w.slice();
  });
}

export interface RmspropReference {
  learningRate: number;
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
}

/**
 * Keras 3 RMSprop: a = rho a + (1 - rho) g^2; centered keeps mg = rho mg + (1 - rho) g and uses a - mg^2;
 * increment = lr g / sqrt(denominator + eps); with momentum, mom = momentum mom + increment and w -= mom.
 */
export function kerasRmsprop(w0: number[], grads: number[][], o: RmspropReference): number[][] {
  const w = w0.slice();
  const a = w0.map(() => 0);
  const mg = w0.map(() => 0);
  const mom = w0.map(() => 0);
  return grads.map((g) => {
    for (let i = 0; i < w.length; i++) {
      a[i] = o.rho * a[i] + (1 - o.rho) * g[i] * g[i];
      let denominator = a[i] + o.epsilon;
      if (o.centered) {
        mg[i] = o.rho * mg[i] + (1 - o.rho) * g[i];
        denominator = a[i] - mg[i] * mg[i] + o.epsilon;
      }
      const increment = (o.learningRate * g[i]) / Math.sqrt(denominator);
      if (o.momentum > 0) {
        mom[i] = o.momentum * mom[i] + increment;
        w[i] -= mom[i];
      } else {
        w[i] -= increment;
      }
    }
    return w.slice();
  });
}
