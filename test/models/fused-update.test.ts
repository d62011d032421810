// Adam's and SGD's updates of a wide Dense kernel run inside the layer's backward pass (Optimizer.fusedDenseUpdate,
// the native denseBackwardAdam and denseBackwardSgd). Training must come out as with the separate gradient and update,
// and the fused pass must stay out of every case where the gradient has to be seen whole or is not the whole gradient.
import { afterEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native } from '../../lib/native.js';

const { Dense } = tn.layers;

// Counts the fused native calls; the rest of the binding is untouched.
let fusedCalls = 0;
const realAdam = native.denseBackwardAdam;
native.denseBackwardAdam = (...args: Parameters<typeof realAdam>) => {
  fusedCalls++;
  realAdam(...args);
};
const realSgd = native.denseBackwardSgd;
native.denseBackwardSgd = (...args: Parameters<typeof realSgd>) => {
  fusedCalls++;
  realSgd(...args);
};
afterEach(() => {
  fusedCalls = 0;
});

/** An Adam whose update() is its own: the optimizer must then keep the separate passes (it cannot know the rule). */
class SeparateAdam extends tn.optimizers.Adam {
  protected override update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number, t: number): void {
    super.update(w, g, slots, lr, t);
  }
}
class SeparateSGD extends tn.optimizers.SGD {
  protected override update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number): void {
    super.update(w, g, slots, lr);
  }
}
class SeparateAdamW extends tn.optimizers.AdamW {
  protected override update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number, t: number): void {
    super.update(w, g, slots, lr, t);
  }
}

function data(n: number, features: number, classes: number): [tn.Tensor, tn.Tensor] {
  tn.setSeed(11);
  const x = tn.randomNormal([n, features]);
  const y = tn.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % classes), [n], 'int32');
  return [x, y];
}

/** A 300 -> 96 -> 10 classifier (the first kernel, 28,800 values, is wide enough to fuse), trained for 3 epochs. */
async function train(optimizer: tn.optimizers.Optimizer, options: { regularize?: boolean } = {}): Promise<{ weights: Float32Array[]; losses: number[] }> {
  const [x, y] = data(96, 300, 10);
  tn.setSeed(5);
  const model = new tn.Sequential([
    new Dense(96, { activation: 'relu', inputShape: [300], kernelRegularizer: options.regularize ? 'l2' : undefined }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer, loss: 'sparse_categorical_crossentropy' });
  const history = await model.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
  return { weights: model.getWeights().map((w) => Float32Array.from(w.values as Float32Array)), losses: history.history.loss as number[] };
}

/**
 * The largest difference between two sets of weights, and how many values differ by more than 1e-6. The kernel's
 * gradient is summed in another order by the fused pass, so a gradient element that is nearly zero may round to the
 * other sign and Adam's step (about lr whatever the gradient's size) flips for that one value; a wrong rule moves
 * nearly every value.
 */
function compare(a: Float32Array[], b: Float32Array[]): { max: number; differing: number; total: number } {
  let max = 0, differing = 0, total = 0;
  a.forEach((w, k) => {
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs(w[i] - b[k][i]);
      max = Math.max(max, d);
      if (d > 1e-6) differing++;
      total++;
    }
  });
  return { max, differing, total };
}

describe('Adam fused into the Dense backward pass', () => {
  it('trains as the separate gradient and update do (Adam, AMSGrad, AdamW and SGD, with momentum and Nesterov, some with a learning-rate schedule)', async () => {
    const schedule = () => new tn.optimizers.schedules.ExponentialDecay({ initialLearningRate: 0.01, decaySteps: 4, decayRate: 0.5 });
    const pairs: [string, () => tn.optimizers.Optimizer, () => tn.optimizers.Optimizer][] = [
      ['adam', () => new tn.optimizers.Adam(), () => new SeparateAdam()],
      ['amsgrad', () => new tn.optimizers.Adam({ amsgrad: true, learningRate: 0.003 }), () => new SeparateAdam({ amsgrad: true, learningRate: 0.003 })],
      ['adamw', () => new tn.optimizers.AdamW({ learningRate: schedule() }), () => new SeparateAdamW({ learningRate: schedule() })],
      ['sgd', () => new tn.optimizers.SGD({ learningRate: 0.05 }), () => new SeparateSGD({ learningRate: 0.05 })],
      ['sgd momentum', () => new tn.optimizers.SGD({ learningRate: 0.02, momentum: 0.9 }), () => new SeparateSGD({ learningRate: 0.02, momentum: 0.9 })],
      ['sgd nesterov', () => new tn.optimizers.SGD({ learningRate: schedule(), momentum: 0.9, nesterov: true }), () => new SeparateSGD({ learningRate: schedule(), momentum: 0.9, nesterov: true })],
    ];
    for (const [name, fused, separate] of pairs) {
      const a = await train(fused());
      expect(fusedCalls, name).toBe(18); // 6 steps a epoch, 3 epochs, one wide kernel
      fusedCalls = 0;
      const b = await train(separate());
      expect(fusedCalls, name).toBe(0);
      const d = compare(a.weights, b.weights);
      expect(d.differing, `${name}: ${d.differing} of ${d.total} values differ, by up to ${d.max}`).toBeLessThanOrEqual(d.total / 1000);
      expect(d.max, name).toBeLessThan(0.05);
      a.losses.forEach((l, i) => expect(Math.abs(l - b.losses[i]), `${name} epoch ${i + 1}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.losses[i]))));
      // And training did something: the weights moved from where they started.
      expect(a.losses[2]).toBeLessThan(a.losses[0]);
    }
  });

  it('keeps the separate passes where the gradient must be whole or is not the whole gradient', async () => {
    // Clipping needs the whole gradient (clipnorm its norm).
    await train(new tn.optimizers.Adam({ clipnorm: 1 }));
    expect(fusedCalls).toBe(0);
    // A regularized kernel gets a second gradient from the penalty: the Dense op's is only part of it.
    const reg = await train(new tn.optimizers.Adam(), { regularize: true });
    expect(fusedCalls).toBe(0);
    expect(reg.losses[2]).toBeLessThan(reg.losses[0]);
    // Shapes where the separate, fully threaded products are faster: a kernel of fewer than 64 rows, a batch over 512.
    const separateShape = async (features: number, units: number, batchSize: number) => {
      const [x, y] = data(batchSize, features, 10);
      const model = new tn.Sequential([new Dense(units, { activation: 'relu', inputShape: [features] }), new Dense(10, { activation: 'softmax' })]);
      model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
      await model.fit(x, y, { epochs: 1, batchSize, verbose: 0 });
    };
    await separateShape(32, 1024, 16);
    await separateShape(300, 96, 600);
    expect(fusedCalls).toBe(0);
    await separateShape(64, 256, 512);
    expect(fusedCalls).toBe(1);
    fusedCalls = 0;
    // The distributed optimizer averages the gradients across processes before the update.
    const v = tn.variable(tn.zeros([300, 96]));
    expect(new tn.distributed.DistributedOptimizer(new tn.optimizers.Adam()).fusedDenseUpdate(v)).toBeNull();
    expect(new tn.optimizers.Adam().fusedDenseUpdate(v)).not.toBeNull();
    // SGD's weight decay is a separate pass before its update; RMSprop has no fused pass.
    expect(new tn.optimizers.SGD({ weightDecay: 0.01 }).fusedDenseUpdate(v)).toBeNull();
    expect(new tn.optimizers.SGD().fusedDenseUpdate(v)).not.toBeNull();
    expect(new tn.optimizers.RMSprop().fusedDenseUpdate(v)).toBeNull();
  });

  it('a Dense layer used twice sums both gradients before one update', async () => {
    // One layer applied to two inputs: its kernel has two uses, so no single backward rule sees the whole gradient.
    const run = async (optimizer: tn.optimizers.Optimizer) => {
      tn.setSeed(3);
      const a = tn.input({ shape: [300] });
      const b = tn.input({ shape: [300] });
      const shared = new Dense(64, { activation: 'relu' });
      const merged = tn.layers.add().apply([shared.apply(a) as tn.SymbolicTensor, shared.apply(b) as tn.SymbolicTensor]) as tn.SymbolicTensor;
      const out = new Dense(10, { activation: 'softmax' }).apply(merged) as tn.SymbolicTensor;
      const model = tn.model({ inputs: [a, b], outputs: out });
      model.compile({ optimizer, loss: 'sparse_categorical_crossentropy' });
      const [x, y] = data(64, 300, 10);
      const x2 = tn.mul(x, tn.scalar(0.5));
      await model.fit([x, x2], y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
      return model.getWeights().map((w) => Float32Array.from(w.values as Float32Array));
    };
    const fused = await run(new tn.optimizers.Adam());
    expect(fusedCalls).toBe(0);
    const separate = await run(new SeparateAdam());
    const d = compare(fused, separate);
    expect(d.differing).toBe(0);
  });
});
