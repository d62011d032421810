// Kernels split work across OpenMP threads only above a size threshold. Every threaded kernel must give the same
// answer on one thread as on several (no races, no chunk-boundary mistakes), on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { conv2dFused } from '../../lib/ops/conv.js';
import { UnaryOp } from '../../lib/native.js';

const initial = tn.backendInfo().threads;
afterAll(() => tn.setNumThreads(initial));

type Case = [string, () => tn.Tensor[]];

const x = tn.randomNormal([96, 700], 0, 1, 'float32', 1);
const w = tn.randomNormal([700, 130], 0, 0.05, 'float32', 2);
const img = tn.randomNormal([4, 30, 31, 16], 0, 1, 'float32', 3);
const kernel = tn.randomNormal([3, 3, 16, 12], 0, 0.2, 'float32', 4);
const bias = tn.randomNormal([12], 0, 1, 'float32', 5);

const cases: Case[] = [
  ['unary maps and their gradients', () => [tn.gelu(x), tn.grad((t) => tn.swish(t))(x), tn.exp(tn.mul(x, 0.1))]],
  ['broadcasting binary ops', () => [tn.add(x, tn.mean(x, 0)), tn.mul(x, tn.sum(x, 1, true)), tn.maximum(x, tn.mean(x, 1, true)), tn.pow(tn.abs(x), tn.slice(x, [0, 0], [1, 700]))]],
  ['reductions over each axis', () => [tn.sum(x, 0), tn.sum(x, 1), tn.max(x, 0), tn.min(x, 1), tn.logSumExp(x, 1), tn.mean(x)]],
  ['softmax and its gradient', () => [tn.softmax(x), tn.grad((t) => tn.logSoftmax(t))(x, x)]],
  ['transpose', () => [tn.transpose(x), tn.transpose(img, [3, 1, 0, 2])]],
  ['matMul and its gradients', () => [tn.matMul(x, w), ...tn.grads((a, b) => tn.matMul(a, b))([x, w])]],
  ['conv2d forward with epilogue and both gradients', () => [
    conv2dFused(img, kernel, bias, [1, 1], 'same', [1, 1], UnaryOp.tanh),
    ...tn.grads((a, k, b) => conv2dFused(a, k, b, [2, 2], 'same', [1, 1]))([img, kernel, bias]),
  ]],
  ['pooling and its gradients', () => [
    tn.maxPool2d(img, 3, 2, 'same'),
    tn.avgPool2d(img, 3, 1, 'same'),
    tn.grad((t) => tn.maxPool2d(t, 3, 2, 'same'))(img),
    tn.grad((t) => tn.avgPool2d(t, 2, 1, 'valid'))(img),
  ]],
];

describe('threads', () => {
  it('setNumThreads validates its argument and reports through backendInfo', () => {
    expect(() => tn.setNumThreads(0)).toThrow('setNumThreads: n must be a positive integer, received 0');
    expect(() => tn.setNumThreads(1.5)).toThrow('setNumThreads: n must be a positive integer, received 1.5');
    tn.setNumThreads(1);
    expect(tn.backendInfo().threads).toBe(1);
    tn.setNumThreads(initial);
  });

  for (const [name, run] of cases) {
    it(`${name}: one thread and several give the same values`, () => {
      tn.setNumThreads(1);
      const single = run().map((t) => t.data());
      tn.setNumThreads(Math.max(2, initial));
      const multi = run().map((t) => t.data());
      tn.setNumThreads(initial);
      expect(multi.length).toBe(single.length);
      multi.forEach((m, j) => {
        expect(m.length).toBe(single[j].length);
        for (let i = 0; i < m.length; i++) {
          const a = m[i];
          const b = single[j][i];
          if (!(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)))) expect.fail(`output ${j}, element ${i}: ${a} on several threads, ${b} on one`);
        }
      });
    });
  }
});
