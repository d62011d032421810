// The addon is context-aware: it loads and computes in worker_threads, several at once and alongside the main
// thread, each with its own thread setting, and a new worker can load it again after another has exited.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck } from './helpers/gradcheck.js';

interface Result {
  backend: tn.BackendInfo;
  product: Float32Array;
  gradA: Float32Array;
  gradB: Float32Array;
  conv: Float32Array;
}

const plain = (t: tn.Tensor) => ({ shape: t.shape, data: t.data() });
const inputs = {
  a: plain(tn.randomNormal([37, 29], 0, 1, 'float32', 1)),
  b: plain(tn.randomNormal([29, 19], 0, 1, 'float32', 2)),
  x: plain(tn.randomNormal([2, 9, 11, 3], 0, 1, 'float32', 3)),
  k: plain(tn.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 4)),
};

// Softmax's outputs sum to 1 along the axis, so the softmax must be weighted (here by a fixed ramp) for the score to
// have a gradient at all; test/workers/compute.mjs differentiates the same function.
const scoreOf = (p: tn.Tensor, q: tn.Tensor) => tn.sum(tn.mul(tn.softmax(tn.matMul(p, q)), tn.linspace(-1, 1, q.shape[1])), -1);
const upstream = tn.range(1, 38);

function inMainThread(): Result {
  const A = tn.tensor(inputs.a.data, inputs.a.shape);
  const B = tn.tensor(inputs.b.data, inputs.b.shape);
  const X = tn.tensor(inputs.x.data, inputs.x.shape);
  const K = tn.tensor(inputs.k.data, inputs.k.shape);
  const [ga, gb] = tn.grads(scoreOf)([A, B], upstream);
  return {
    backend: tn.backendInfo(),
    product: tn.matMul(A, B).data() as Float32Array,
    gradA: ga.data() as Float32Array,
    gradB: gb.data() as Float32Array,
    conv: tn.maxPool2d(tn.relu(tn.conv2d(X, K, 1, 'same')), 2, 2, 'same').data() as Float32Array,
  };
}

function inWorker(options: { threads?: number; repeat?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./workers/compute.mjs', import.meta.url), {
      workerData: { ...inputs, threads: options.threads ?? 0, repeat: options.repeat ?? 1 },
    });
    let result: Result | null = null;
    worker.once('message', (m: Result) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`worker exited with code ${code}${result ? '' : ' before posting a result'}`));
    });
  });
}

function expectSameResults(got: Result, want: Result): void {
  expect(got.backend.isa).toBe(want.backend.isa);
  for (const key of ['product', 'gradA', 'gradB', 'conv'] as const) {
    expect(got[key].length, key).toBe(want[key].length);
    for (let i = 0; i < want[key].length; i++) {
      expect(Math.abs(got[key][i] - want[key][i]) <= 1e-5 * Math.max(1, Math.abs(want[key][i])), `${key}[${i}]`).toBe(true);
    }
  }
}

describe('worker_threads', () => {
  it('the gradients compared below are real: far from zero and equal to finite differences', () => {
    const want = inMainThread();
    for (const g of [want.gradA, want.gradB]) {
      const rms = Math.sqrt(g.reduce((s, v) => s + v * v, 0) / g.length);
      expect(rms).toBeGreaterThan(0.1);
    }
    const a = tn.tensor(inputs.a.data, inputs.a.shape);
    const b = tn.tensor(inputs.b.data, inputs.b.shape);
    gradCheck(scoreOf, [a, b], { maxPoints: 24 });
  });

  it('a worker loads the addon and computes what the main thread computes', async () => {
    const want = inMainThread();
    expectSameResults(await inWorker(), want);
  });

  it('several workers at once, each with its own thread count, while the main thread keeps working', async () => {
    const want = inMainThread();
    const running = [inWorker({ threads: 1, repeat: 20 }), inWorker({ threads: 2, repeat: 20 }), inWorker({ repeat: 20 })];
    for (let i = 0; i < 20; i++) expectSameResults(inMainThread(), want);
    const results = await Promise.all(running);
    for (const r of results) expectSameResults(r, want);
    expect(results[0].backend.threads).toBe(1);
    expect(results[1].backend.threads).toBe(2);
  });

  it('a new worker loads the addon again after others have exited, and the main thread is unaffected', async () => {
    const want = inMainThread();
    for (let i = 0; i < 3; i++) expectSameResults(await inWorker(), want);
    expectSameResults(inMainThread(), want);
  });
});
