// Activations: golden values and gradients, odd lengths around the vector widths, the parallel path, extreme and
// non-finite inputs, and finite-difference gradients.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose, goldenCases, toTensor } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { unaryReference } from '../helpers/reference.js';

type Activation = (x: tn.Tensor) => tn.Tensor;

const byGoldenOp: Record<string, Activation> = {
  relu: (x) => tn.relu(x),
  sigmoid: (x) => tn.sigmoid(x),
  tanh: (x) => tn.tanh(x),
  elu: (x) => tn.elu(x),
  selu: (x) => tn.selu(x),
  softplus: (x) => tn.softplus(x),
  swish: (x) => tn.swish(x),
  gelu: (x) => tn.gelu(x),
  gelu_tanh: (x) => tn.gelu(x, true),
  'leakyRelu_0.3': (x) => tn.leakyRelu(x, 0.3),
};

// name, op, reference, alpha, kinks to keep finite-difference points away from
const activations: [string, Activation, number, number[]][] = [
  ['relu', (x) => tn.relu(x), 0, [0]],
  ['leakyRelu', (x) => tn.leakyRelu(x), 0.3, [0]],
  ['leakyRelu(0.01)', (x) => tn.leakyRelu(x, 0.01), 0.01, [0]],
  ['elu', (x) => tn.elu(x), 1, [0]],
  ['elu(0.5)', (x) => tn.elu(x, 0.5), 0.5, [0]],
  ['selu', (x) => tn.selu(x), 0, [0]],
  ['sigmoid', (x) => tn.sigmoid(x), 0, []],
  ['tanh', (x) => tn.tanh(x), 0, []],
  ['softplus', (x) => tn.softplus(x), 0, []],
  ['swish', (x) => tn.swish(x), 0, []],
  ['gelu', (x) => tn.gelu(x), 0, []],
  ['geluTanh', (x) => tn.gelu(x, true), 0, []],
  ['relu6', (x) => tn.relu6(x), 0, [0, 6]],
  ['hardSigmoid', (x) => tn.hardSigmoid(x), 0, [-3, 3]],
  ['softsign', (x) => tn.softsign(x), 0, [0]],
];

function reference(name: string): (x: number) => number {
  const [base] = name.split('(');
  const entry = activations.find(([n]) => n === name)!;
  const f = unaryReference[base];
  if (!f) throw new Error(`no reference for ${name}`);
  return (x) => f(x, entry[2]);
}

function expectMatchesReference(name: string, f: Activation, x: tn.Tensor, rtol = 1e-4, atol = 1e-6): void {
  const ref = reference(name);
  const expected = Array.from(x.data(), (v) => Math.fround(ref(v)));
  expectClose(f(x), { shape: x.shape, data: expected }, rtol, atol, `${name}(${x.shape})`);
}

describe('activations: golden values', () => {
  for (const c of goldenCases('activations').filter((c) => c.op in byGoldenOp)) {
    it(`${c.name}: forward and gradient`, () => {
      const f = byGoldenOp[c.op];
      const x = toTensor(c.inputs.x);
      expectClose(f(x), c.outputs.y, 1e-4, 1e-5, 'y');
      const g = tn.grad(f)(x, toTensor(c.upstream));
      expectClose(g, c.grads.x, 1e-4, 1e-5, 'dx');
    });
  }
});

describe('activations: every length around the vector widths', () => {
  // 8 and 16 floats are the AVX2 and AVX-512 vector widths: tails of every length must be handled.
  const lengths = [1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 100];
  for (const [name, f, , kinks] of activations) {
    it(`${name} matches float64 on lengths ${lengths.join(', ')}`, () => {
      for (const n of lengths) expectMatchesReference(name, f, randomTensor([n], n, -6, 6, kinks, 1e-3));
    });
  }

  it('the parallel path (large inputs) gives the same values as the reference', () => {
    const x = randomTensor([70001], 3, -10, 10);
    for (const [name, f] of activations) expectMatchesReference(name, f, x);
  });
});

describe('activations: extreme and non-finite inputs', () => {
  const extremes = tn.tensor([-1e30, -1000, -100, -88, -20, -1e-30, 0, 1e-30, 20, 88, 100, 1000, 1e30]);
  for (const [name, f] of activations) {
    it(`${name} stays finite and accurate on huge and tiny inputs`, () => {
      expectMatchesReference(name, f, extremes, 1e-4, 1e-6);
    });
    it(`${name} propagates NaN and maps infinities to their limits`, () => {
      const y = f(tn.tensor([NaN, Infinity, -Infinity, 1])).data();
      expect(Number.isNaN(y[0]), `${name}(NaN)`).toBe(true);
      const ref = reference(name);
      const limit = (v: number) => (Number.isFinite(ref(v)) ? Math.fround(ref(v)) : ref(v));
      // x * sigmoid(x) at -inf is -inf * 0: the limit is 0 (-0 included), which the kernel must produce.
      const expectAt = (got: number, x: number) => {
        const want = limit(x);
        if (Number.isNaN(want)) expect(got === 0 || Number.isNaN(got)).toBe(true);
        else expect(Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)) || got === want, `${name}(${x}) = ${got}, want ${want}`).toBe(true);
      };
      expectAt(y[1], Infinity);
      expectAt(y[2], -Infinity);
    });
  }
});

describe('activations: gradients by finite differences', () => {
  for (const [name, f, , kinks] of activations) {
    it(`${name} on odd shapes`, () => {
      for (const shape of [[1], [3, 5], [17], [2, 9]]) {
        gradCheck(f, [randomTensor(shape, shape.length * 31 + shape[0], -4, 4, kinks, 0.05)]);
      }
    });
  }

  it('smooth activations give a NaN gradient at NaN; piecewise-linear ones mask it like TensorFlow', () => {
    // relu-like rules select a slope by comparing x with a breakpoint, so NaN picks a branch instead of spreading.
    const piecewise = new Set(['relu', 'leakyRelu', 'leakyRelu(0.01)', 'relu6', 'hardSigmoid']);
    for (const [name, f] of activations) {
      const g = tn.grad(f)(tn.tensor([NaN, 0.5])).data();
      expect(Number.isNaN(g[0]), name).toBe(!piecewise.has(name));
      if (piecewise.has(name)) expect(Number.isFinite(g[0]), name).toBe(true);
      expect(Number.isFinite(g[1]), name).toBe(true);
    }
  });
});

describe('activations: integer input and bad arguments', () => {
  it('int32 input is computed as float32', () => {
    const y = tn.sigmoid(tn.tensor([0, 1], undefined, 'int32'));
    expect(y.dtype).toBe('float32');
    expect(y.data()[0]).toBe(0.5);
  });

  it('leakyRelu and elu reject a non-finite alpha', () => {
    expect(() => tn.leakyRelu([1], NaN)).toThrow('leakyRelu: alpha must be a finite number, received NaN');
    expect(() => tn.elu([1], Infinity)).toThrow('elu: alpha must be a finite number, received Infinity');
  });

  it('a non-numeric argument names the op', () => {
    // Strings make a string tensor, which only the text preprocessing layers take.
    expect(() => tn.relu(['a'] as unknown as number[])).toThrow(/^relu: received a string tensor; only the text preprocessing layers/);
    expect(() => tn.relu([{}] as unknown as number[])).toThrow(/^relu: could not convert the argument to a tensor/);
  });
});
