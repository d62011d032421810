// tn.mixedPrecision: Keras's policy API and its errors, layers' dtype policies, and the reference CNN trained on real
// MNIST under mixed_bfloat16 reaching float32's test accuracy. The kernels and gradients are tested per ISA path in
// test/native/gemm-bf16.test.ts and test/ops/mixed-precision.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';

const { Policy, setGlobalPolicy, globalPolicy } = tn.mixedPrecision;

afterEach(() => setGlobalPolicy('float32'));

describe('mixedPrecision policies', () => {
  it('names the compute and variable dtypes as Keras does', () => {
    const mixed = new Policy('mixed_bfloat16');
    expect([mixed.name, mixed.computeDtype, mixed.variableDtype]).toEqual(['mixed_bfloat16', 'bfloat16', 'float32']);
    const plain = new Policy('float32');
    expect([plain.name, plain.computeDtype, plain.variableDtype]).toEqual(['float32', 'float32', 'float32']);
    expect(String(mixed)).toBe('<Policy "mixed_bfloat16">');
    expect(mixed.getConfig()).toEqual({ name: 'mixed_bfloat16' });
  });

  it('sets and reads the global policy from a name, a Policy or a config; null restores float32', () => {
    expect(globalPolicy().name).toBe('float32');
    setGlobalPolicy('mixed_bfloat16');
    expect(globalPolicy().name).toBe('mixed_bfloat16');
    setGlobalPolicy(null);
    expect(globalPolicy().name).toBe('float32');
    setGlobalPolicy(new Policy('mixed_bfloat16'));
    expect(globalPolicy().computeDtype).toBe('bfloat16');
  });

  it('rejects mixed_float16 and unknown names with what it takes instead', () => {
    expect(() => setGlobalPolicy('mixed_float16')).toThrow(/'mixed_float16' is not supported: tensornode has no float16 arithmetic.*Use 'mixed_bfloat16'/);
    expect(() => new Policy('bfloat16')).toThrow(/Policy: received an invalid name, expected one of 'float32', 'mixed_bfloat16'. Received: name="bfloat16"/);
    expect(() => setGlobalPolicy(42 as unknown as string)).toThrow(/setGlobalPolicy: expected a policy name/);
    expect(globalPolicy().name).toBe('float32');
    expect(() => new tn.layers.Dense(4, { name: 'd16', dtype: 'mixed_float16' as 'mixed_bfloat16' })).toThrow(/Dense "d16": Policy: 'mixed_float16' is not supported/);
    expect(() => new tn.layers.Dense(4, { name: 'd64', dtype: 'float64' as 'float32' })).toThrow(/Dense "d64": dtype "float64" is not supported.*'mixed_bfloat16'/);
  });

  it('gives layers the global policy at construction unless their dtype says otherwise, and serializes it', () => {
    const before = new tn.layers.Dense(4);
    setGlobalPolicy('mixed_bfloat16');
    const after = new tn.layers.Dense(4);
    const own = new tn.layers.Dense(4, { dtype: 'float32' });
    const spelled = new tn.layers.Conv2D(8, 3, { dtype: { className: 'DTypePolicy', config: { name: 'mixed_bfloat16' } } });
    setGlobalPolicy('float32');
    const given = new tn.layers.Dense(4, { dtype: new Policy('mixed_bfloat16') });
    expect([before, after, own, spelled, given].map((l) => l.computeDtype)).toEqual(['float32', 'bfloat16', 'float32', 'bfloat16', 'bfloat16']);
    expect([before, after, own, spelled, given].map((l) => l.dtype)).toEqual(new Array(5).fill('float32'));
    expect(after.getConfig().dtype).toBe('mixed_bfloat16');
    expect(new tn.layers.Dense(after.getConfig() as { units: number }).computeDtype).toBe('bfloat16');
    expect(own.getConfig().dtype).toBe('float32');
  });
});

describe('the reference CNN on MNIST under mixed_bfloat16', () => {
  function build(policy: 'float32' | 'mixed_bfloat16'): tn.Sequential {
    setGlobalPolicy(policy);
    tn.setSeed(5);
    const { Conv2D, MaxPooling2D, Flatten, Dense } = tn.layers;
    const model = new tn.Sequential([
      new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D([2, 2]),
      new Flatten(),
      new Dense(128, { activation: 'relu' }),
      new Dense(10, { activation: 'softmax' }),
    ]);
    setGlobalPolicy('float32');
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    return model;
  }

  it('reaches float32 test accuracy within 0.5 points (2 epochs, 8,000 training and 2,000 test images)', async () => {
    const [[x, y], [xt, yt]] = await tn.datasets.mnist.loadData();
    const result: Record<string, { accuracy: number; weights: Float32Array }> = {};
    for (const policy of ['float32', 'mixed_bfloat16'] as const) {
      const model = build(policy);
      tn.setSeed(6);
      await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
      const logs = await model.evaluate(xt, yt, { returnDict: true, batchSize: 500 });
      result[policy] = { accuracy: 100 * (logs.accuracy as number), weights: model.getWeights()[2].data() as Float32Array };
    }
    // Two epochs reach 94-96% depending on the sample order (94.3 float32 and 94.0 mixed_bfloat16 on the fixed order
    // loadData gives since 2026-12-06); the floor only says training worked, the 0.5-point gap is the claim.
    expect(result.float32.accuracy).toBeGreaterThan(93);
    expect(Math.abs(result.mixed_bfloat16.accuracy - result.float32.accuracy)).toBeLessThanOrEqual(0.5);
    // The policy changed the arithmetic where the CPU computes in bfloat16 (and nothing where it warns and does not).
    const same = result.float32.weights.every((v, i) => v === result.mixed_bfloat16.weights[i]);
    expect(same).toBe(!tn.backendInfo().avx512Bf16);
  });
});

describe('mixed_bfloat16 in saved models', () => {
  it('a layer keeps its policy through both save formats, so the loaded model computes as the saved one', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tn-bf16-'));
    try {
      const m = new tn.Sequential([new tn.layers.Dense(64, { inputShape: [32], dtype: 'mixed_bfloat16' }), new tn.layers.Dense(10)]);
      const x = tn.randomNormal([4, 32], 0, 1, 'float32', 1);
      const want = Array.from((m.predict(x) as tn.Tensor).data());
      for (const path of [join(dir, 'tfjs'), join(dir, 'm.keras')]) {
        await m.save(path);
        const r = await tn.models.loadModel(path);
        expect(r.layers[0].dtypePolicy.name).toBe('mixed_bfloat16');
        expect(r.layers[1].dtypePolicy.name).toBe('float32');
        expect(Array.from((r.predict(x) as tn.Tensor).data())).toEqual(want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
