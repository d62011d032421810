// The gradient API: grad, grads, valueAndGrad, valueAndGrads, variables, noGrad, fan-out accumulation, and a
// two-layer network against finite differences.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck, gradCheckErrors, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';

describe('grad and valueAndGrad', () => {
  it('grad gives d sum(f(x) * dy) / dx, with dy defaulting to ones', () => {
    const g = tn.grad((x) => tn.mul(x, x))([1, -2, 3]);
    expect(Array.from(g.data())).toEqual([2, -4, 6]);
    const h = tn.grad((x) => tn.mul(x, x))([1, -2, 3], [1, 0, 2]);
    expect(Array.from(h.data())).toEqual([2, -0, 12]);
  });

  it('valueAndGrad returns the value too', () => {
    const { value, grad } = tn.valueAndGrad((x) => tn.sum(tn.square(x)))([3, 4]);
    expect(value.item()).toBe(25);
    expect(Array.from(grad.data())).toEqual([6, 8]);
  });

  it('valueAndGrads and grads return one gradient per argument', () => {
    const f = (a: tn.Tensor, b: tn.Tensor) => tn.sum(tn.mul(a, b));
    const { value, grads } = tn.valueAndGrads(f)([[1, 2], [3, 4]]);
    expect(value.item()).toBe(11);
    expect(grads.map((g) => Array.from(g.data()))).toEqual([[3, 4], [1, 2]]);
    expect(tn.grads(f)([[1, 2], [3, 4]]).map((g) => Array.from(g.data()))).toEqual([[3, 4], [1, 2]]);
  });

  it('gradients accumulate where a tensor is used more than once', () => {
    // f(x) = x*x + x + exp(x)*x: every use of x contributes.
    const f = (x: tn.Tensor) => tn.add(tn.add(tn.mul(x, x), x), tn.mul(tn.exp(x), x));
    const x = [0.5, -1, 2];
    const g = tn.grad(f)(x).data();
    x.forEach((v, i) => expect(g[i]).toBeCloseTo(2 * v + 1 + Math.exp(v) * (1 + v), 5));
    gradCheck(f, [randomTensor([7], 1)]);
    // A diamond: y feeds two branches that join again.
    gradCheck((t) => {
      const y = tn.tanh(t);
      return tn.mul(tn.sigmoid(y), tn.square(y));
    }, [randomTensor([3, 3], 2)]);
  });

  it('an argument the output does not depend on gets a zero gradient', () => {
    const [ga, gb] = tn.grads((a, _b) => tn.mul(a, 2))([[1, 2], [3, 4, 5]]);
    expect(Array.from(ga.data())).toEqual([2, 2]);
    expect(Array.from(gb.data())).toEqual([0, 0, 0]);
    expect(tn.grad((_x) => tn.tensor([1, 2]))([5]).data()).toEqual(new Float32Array([0]));
  });

  it('the identity function has gradient dy', () => {
    expect(Array.from(tn.grad((x) => x)([1, 2], [3, 4]).data())).toEqual([3, 4]);
  });

  it('does not mark the caller\'s tensor: it stays a plain tensor', () => {
    const x = tn.tensor([1, 2]);
    tn.grad((t) => tn.square(t))(x);
    expect(x.requiresGrad).toBe(false);
    expect(tn.square(x).requiresGrad).toBe(false);
  });

  it('noGrad stops recording', () => {
    const g = tn.grad((x) => tn.add(tn.mul(x, 3), tn.noGrad(() => tn.mul(x, x))))([2, 5]);
    expect(Array.from(g.data())).toEqual([3, 3]);
    const v = tn.variable([1, 2]);
    expect(tn.noGrad(() => tn.mul(v, 2)).requiresGrad).toBe(false);
    expect(tn.mul(v, 2).requiresGrad).toBe(true);
  });

  it('errors name the function and the problem', () => {
    expect(() => tn.grad((x) => x)(tn.tensor([1], undefined, 'int32'))).toThrow('grad: argument 0 has dtype int32; gradients need float32');
    expect(() => tn.grad(() => 3 as unknown as tn.Tensor)([1])).toThrow('grad: the function must return a tensor, received number');
    expect(() => tn.grad((x) => x)([1, 2], [1, 2, 3])).toThrow('grad: dy has shape [3] but the function\'s output has shape [2]');
    expect(() => tn.grads((x) => x)(tn.tensor([1]) as unknown as tn.Tensor[])).toThrow('grads: arguments must be passed as an array');
    expect(() => tn.grad(5 as unknown as (x: tn.Tensor) => tn.Tensor)([1])).toThrow('grad: expected a function, received number');
  });
});

describe('variables', () => {
  it('a trainable variable is a gradient source; a frozen one is not', () => {
    const w = tn.variable([[1, 2], [3, 4]], true, 'w');
    const frozen = tn.variable([1, 1], false, 'frozen');
    const { value, grads } = tn.variableGrads(() => tn.sum(tn.mul(tn.matMul(tn.tensor([[1, 1]]), w), frozen)));
    expect(value.item()).toBe(10);
    expect(Object.keys(grads)).toEqual(['w']);
    expect(grads.w.array()).toEqual([[1, 1], [1, 1]]);
  });

  it('holds a copy, and assign replaces its values in place', () => {
    const src = tn.tensor([1, 2]);
    const v = tn.variable(src);
    v.assign(tn.tensor([5, 6]));
    expect(Array.from(src.data())).toEqual([1, 2]);
    expect(Array.from(v.data())).toEqual([5, 6]);
    expect(() => v.assign([1, 2, 3])).toThrow(`assign to variable '${v.name}': shape [3] does not match the variable's shape [2]`);
    expect(v.name).toMatch(/^Variable(_\d+)?$/);
    expect(tn.variable([1]).name).not.toBe(v.name);
  });

  it('tn.gradients takes gradients of a target computed from variables', () => {
    const a = tn.variable([2, 3]);
    const loss = tn.sum(tn.square(a));
    const [g] = tn.gradients(loss, [a]);
    expect(Array.from(g.data())).toEqual([4, 6]);
  });
});

describe('a two-layer network', () => {
  it('tn.grad of matMul + bias + relu + matMul + logSumExp-based cross-entropy matches finite differences', () => {
    const x = randomTensor([6, 5], 3);
    const labels = tn.oneHot([0, 2, 1, 3, 3, 0], 4);
    const loss = (w1: tn.Tensor, b1: tn.Tensor, w2: tn.Tensor, b2: tn.Tensor) => {
      const h = tn.relu(tn.add(tn.matMul(x, w1), b1));
      const logits = tn.add(tn.matMul(h, w2), b2);
      // mean over the batch of logSumExp(logits) - logits[label]
      const picked = tn.sum(tn.mul(logits, labels), -1);
      return tn.mean(tn.sub(tn.logSumExp(logits, -1), picked));
    };
    const w1 = randomTensor([5, 7], 4, -1, 1);
    const b1 = randomTensor([7], 5, -0.5, 0.5);
    const w2 = randomTensor([7, 4], 7, -1, 1);
    const b2 = randomTensor([4], 6, -0.5, 0.5);
    // Hidden pre-activations away from relu's kink keep the finite differences meaningful.
    const pre = tn.add(tn.matMul(x, w1), b1).data();
    expect(Array.from(pre).every((v) => Math.abs(v) > 0.02)).toBe(true);
    const grads = gradCheck(loss, [w1, b1, w2, b2]);
    expect(grads.every((g) => Array.from(g.data()).some((v) => v !== 0))).toBe(true);
    // tn.grad of the loss as a function of one weight gives the same gradient as taking all four at once.
    const all = tn.grads(loss)([w1, b1, w2, b2]);
    const dw1 = tn.grad((w) => loss(w, b1, w2, b2))(w1);
    expect(dw1.data()).toEqual(all[0].data());
    const { value, grad } = tn.valueAndGrad((w) => loss(w1, b1, w, b2))(w2);
    expect(value.item()).toBe(loss(w1, b1, w2, b2).item());
    expect(grad.data()).toEqual(all[2].data());
  });

  it('the same network with softmax probabilities and a log-likelihood loss', () => {
    const x = randomTensor([4, 3], 11);
    const labels = tn.oneHot([2, 0, 1, 1], 3);
    const loss = (w1: tn.Tensor, b1: tn.Tensor, w2: tn.Tensor) => {
      const h = tn.relu(tn.add(tn.matMul(x, w1), b1));
      const p = tn.softmax(tn.matMul(h, w2));
      return tn.neg(tn.mean(tn.sum(tn.mul(tn.log(p), labels), 1)));
    };
    gradCheck(loss, [randomTensor([3, 9], 12, -1, 1), randomTensor([9], 13, 0.1, 0.5), randomTensor([9, 3], 14, -1, 1)]);
  });
});

describe('the finite-difference checker itself', () => {
  it('rejects a gradient that misses a term, so the checks above can fail', () => {
    // noGrad hides x*x from the tape: the analytic gradient is 1 where the true one is 2x + 1.
    expect(() => gradCheck((x) => tn.add(tn.noGrad(() => tn.mul(x, x)), x), [randomTensor([5], 1)])).toThrow(/finite difference/);
  });

  // f(x) + noGrad(c * f(x)) has the value (1 + c) f(x) but the tape only sees f: its analytic gradient is off by the
  // factor 1 / (1 + c), about c, everywhere the mask is 1.
  const tanhOff = (c: number | tn.Tensor) => (x: tn.Tensor) => {
    const y = tn.mul(tn.tanh(x), tn.sigmoid(tn.mul(x, 3)));
    return tn.add(y, tn.noGrad(() => tn.mul(y, c)));
  };

  it('accepts a correct gradient with room to spare', () => {
    const { errors } = gradCheckErrors(tanhOff(0), [randomTensor([4, 9], 2)]);
    expect(errors[0].normError).toBeLessThan(1e-4);
    gradCheck(tanhOff(0), [randomTensor([4, 9], 2)]);
  });

  it('rejects a gradient 1% off everywhere, and one 0.3% off', () => {
    expect(() => gradCheck(tanhOff(0.01), [randomTensor([4, 9], 2)])).toThrow(/norm-wise relative error/);
    expect(() => gradCheck(tanhOff(-0.01), [randomTensor([4, 9], 2)])).toThrow(/norm-wise relative error/);
    expect(() => gradCheck(tanhOff(0.003), [randomTensor([4, 9], 2)])).toThrow(/norm-wise relative error/);
  });

  it('rejects a gradient 1% off in a single element', () => {
    const x = randomTensor([4, 9], 2);
    // The element where the gradient is largest, so the error is 1% of the gradient's scale.
    const g = tn.grad(tanhOff(0))(x).data();
    let at = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[at])) at = i;
    const mask = new Float32Array(g.length);
    mask[at] = 0.01;
    const wrong = tanhOff(tn.tensor(mask, [4, 9]));
    expect(() => gradCheck(wrong, [x])).toThrow(/finite difference/);
    // The per-element bound alone catches it, at that element.
    const { worstElement } = gradCheckErrors(wrong, [x]).errors[0];
    expect(worstElement.index).toBe(at);
    expect(worstElement.excess).toBeGreaterThan(0);
  });

  it('rejects a 1% error in one input of several and names that input', () => {
    const f = (a: tn.Tensor, b: tn.Tensor) => tn.add(tn.matMul(a, b), tn.noGrad(() => tn.mul(tn.matMul(a, b), 0.01)));
    // Both inputs see the same error in f; with a copy of b detached in g only b's gradient is wrong.
    const g = (a: tn.Tensor, b: tn.Tensor) => tn.add(tn.matMul(a, b), tn.mul(tn.matMul(a, tn.noGrad(() => tn.mul(b, 1))), 0.01));
    expect(() => gradCheck(f, [randomTensor([3, 4], 3), randomTensor([4, 5], 4)])).toThrow(/input 0/);
    expect(() => gradCheck(g, [randomTensor([3, 4], 3), randomTensor([4, 5], 4)])).toThrow(/input 1/);
  });

  it('checks variables the same way: a weight gradient 1% off fails, the right one passes and the weight is restored', () => {
    const w = tn.variable(randomTensor([4, 3], 7), true, 'w');
    const x = randomTensor([2, 4], 8);
    const before = w.data();
    variableGradCheck(() => tn.tanh(tn.matMul(x, w)), [w]);
    expect(w.data()).toEqual(before);
    const off = () => {
      const y = tn.tanh(tn.matMul(x, w));
      return tn.add(y, tn.noGrad(() => tn.mul(y, 0.01)));
    };
    expect(() => variableGradCheck(off, [w])).toThrow(/variable 'w': norm-wise relative error/);
    expect(w.data()).toEqual(before);
  });

  it('passes an input whose true gradient is zero, where the finite difference is only float32 noise', () => {
    const f = (a: tn.Tensor, b: tn.Tensor) => tn.add(tn.exp(a), tn.mul(b, 0));
    gradCheck(f, [randomTensor([6], 5), randomTensor([6], 6)]);
  });
});

describe('second-order gradients', () => {
  it('are refused with a clear error rather than returned as zeros', () => {
    const x = tn.tensor([2]);
    expect(() => tn.grad((z) => tn.grad((y) => tn.pow(y, 3).sum())(z).sum())(x)).toThrow(/grad: .*first-order gradients only/);
    const w = tn.variable(tn.tensor([1]));
    expect(() => tn.variableGrads(() => tn.sum(tn.square(tn.grad((z) => tn.mul(w, tn.square(z)).sum())(x))))).toThrow(/variableGrads: .*gradient of a gradient is not supported/);
    // A function that takes a gradient inside and also depends on its input directly keeps working (first order).
    const g = tn.grad((z) => tn.add(tn.sum(tn.mul(z, z)), tn.sum(tn.grad((y) => tn.sum(tn.mul(y, y)))(z))))(tn.tensor([3]));
    expect(Array.from(g.data())).toEqual([6]);
    // So does a gradient of a function that is constant in its input without any inner gradient (zeros, as before).
    expect(Array.from(tn.grad(() => tn.scalar(1))(x).data())).toEqual([0]);
  });
});

describe('custom loops across two models with the same layer names (a DQN target network)', () => {
  it('applyGradients(variableGrads(f).grads) updates the variables f used, not same-named ones of another model', () => {
    const build = () => new tn.Sequential([new tn.layers.Dense(4, { inputShape: [2], name: 'h' }), new tn.layers.Dense(1, { name: 'q' })]);
    const online = build();
    const target = build();
    const x = tn.randomNormal([8, 2], 0, 1, 'float32', 1);
    const y = tn.randomNormal([8, 1], 0, 1, 'float32', 2);
    const before = [online, target].map((m) => m.getWeights().map((w) => Array.from(w.data())));
    const { grads } = tn.variableGrads(() => tn.mean(tn.square(tn.sub(online.apply(x) as tn.Tensor, y))), online.trainableWeights);
    new tn.optimizers.SGD({ learningRate: 0.1 }).applyGradients(grads);
    expect(online.getWeights().map((w) => Array.from(w.data()))).not.toEqual(before[0]);
    expect(target.getWeights().map((w) => Array.from(w.data()))).toEqual(before[1]);
    // A hand-made record of an ambiguous name is refused rather than guessed.
    expect(() => new tn.optimizers.SGD().applyGradients({ 'h/kernel': tn.zeros([2, 4]) })).toThrow(/more than one variable is named 'h\/kernel'/);
  });

  it('model.trainable reaches every layer and variable inside, both ways, as in Keras', () => {
    const G = new tn.Sequential([new tn.layers.Dense(8, { inputShape: [2] }), new tn.layers.Dense(2)]);
    const D = new tn.Sequential([new tn.layers.Dense(8, { inputShape: [2] }), new tn.layers.Dense(1)]);
    D.trainable = false;
    expect(D.weights.map((v) => v.trainable)).toEqual([false, false, false, false]);
    const dBefore = D.getWeights().map((w) => Array.from(w.data()));
    new tn.optimizers.Adam().minimize(() => tn.mean(D.apply(G.apply(tn.randomNormal([4, 2], 0, 1, 'float32', 3)) as tn.Tensor) as tn.Tensor));
    expect(D.getWeights().map((w) => Array.from(w.data()))).toEqual(dBefore);
    D.trainable = true;
    expect(D.layers.map((l) => l.trainable)).toEqual([true, true]);
    expect(D.trainableWeights.length).toBe(4);
    const bi = new tn.layers.Bidirectional(new tn.layers.LSTM(2));
    bi.apply(tn.zeros([1, 3, 2]));
    bi.trainable = false;
    expect(bi.weights.every((v) => !v.trainable)).toBe(true);
  });
});
