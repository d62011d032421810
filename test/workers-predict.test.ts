// predictAsync and evaluateAsync: predict's and evaluate's results, computed on a shared worker thread; concurrent
// calls on different models each get their own answer; the worker never keeps the process alive.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { Scale } from './workers/custom-objects.js';

const bytes = (t: tn.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer.slice(0));

function model(units: number, seed: number): tn.Sequential {
  tn.setSeed(seed);
  const m = new tn.Sequential([
    new tn.layers.Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
    new tn.layers.BatchNormalization(),
    new tn.layers.Dropout(0.5),
    new tn.layers.Flatten(),
    new tn.layers.Dense(units, { activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

describe('predictAsync', () => {
  it('gives predict\'s values bit for bit, for one output and several', async () => {
    const m = model(5, 1);
    const x = tn.randomUniform([70, 8, 8, 1], 0, 1, 'float32', 2);
    await m.fit(x, tn.tensor(Array.from({ length: 70 }, (_, i) => i % 5), [70], 'int32'), { epochs: 1, verbose: 0 });
    const got = (await m.predictAsync(x, { batchSize: 16 })) as tn.Tensor;
    expect(got.shape).toEqual([70, 5]);
    expect(bytes(got).equals(bytes(m.predict(x, { batchSize: 16 }) as tn.Tensor))).toBe(true);

    const a = tn.input({ shape: [3] });
    const two = new tn.Model({ inputs: a, outputs: [new tn.layers.Dense(2).apply(a) as tn.SymbolicTensor, new tn.layers.Dense(4).apply(a) as tn.SymbolicTensor] });
    const z = tn.randomNormal([9, 3]);
    const outs = (await two.predictAsync(z, { batchSize: 4 })) as tn.Tensor[];
    expect(outs.map((t) => t.shape)).toEqual([[9, 2], [9, 4]]);
    (two.predict(z) as tn.Tensor[]).forEach((t, i) => expect(bytes(outs[i]).equals(bytes(t))).toBe(true));
  });

  it('answers concurrent calls on different models, each with its own rows and current weights', async () => {
    const models = [model(3, 1), model(3, 2), model(6, 3)];
    const inputs = [0, 1, 2, 3, 4, 5].map((i) => tn.randomUniform([5 + 7 * i, 8, 8, 1], 0, 1, 'float32', 10 + i));
    const calls = inputs.flatMap((x, i) => models.map((m, j) => ({ m, x, batchSize: 1 + ((i + j) % 5) })));
    const results = await Promise.all(calls.map((c) => c.m.predictAsync(c.x, { batchSize: c.batchSize })));
    calls.forEach((c, k) => expect(bytes(results[k] as tn.Tensor).equals(bytes(c.m.predict(c.x) as tn.Tensor))).toBe(true));
    // New weights are used at once (the worker caches the architecture, never the weights).
    const m = models[0];
    const before = (await m.predictAsync(inputs[0])) as tn.Tensor;
    m.setWeights(m.getWeights().map((w) => tn.mul(w, 0.5)));
    const after = (await m.predictAsync(inputs[0])) as tn.Tensor;
    expect(bytes(after).equals(bytes(before))).toBe(false);
    expect(bytes(after).equals(bytes(m.predict(inputs[0]) as tn.Tensor))).toBe(true);
  });

  it('leaves the event loop free while it computes', async () => {
    const m = new tn.Sequential([new tn.layers.Dense(512, { activation: 'relu', inputShape: [512] }), new tn.layers.Dense(512)]);
    const x = tn.randomNormal([16384, 512]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const start = performance.now();
    await m.predictAsync(x, { batchSize: 16384 });
    const elapsed = performance.now() - start;
    clearInterval(timer);
    // One batch: predict would hold the thread for all of it.
    expect(ticks).toBeGreaterThan(Math.min(10, elapsed / 20));
  });

  it('builds an unbuilt model first, takes custom layers through modules, and rejects bad arguments as predict throws them', async () => {
    const unbuilt = new tn.Sequential([new tn.layers.Dense(2)]);
    const x = tn.randomNormal([4, 3]);
    const y = (await unbuilt.predictAsync(x)) as tn.Tensor;
    expect(bytes(y).equals(bytes(unbuilt.predict(x) as tn.Tensor))).toBe(true);
    const custom = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [3] }), new Scale()]);
    // Registered on this thread only: the error says where the worker's registrations come from.
    await expect(custom.predictAsync(x)).rejects.toThrow(/unknown layer class "Scale".*A worker thread does not see classes registered on the main thread: .*modules/);
    const c = (await custom.predictAsync(x, { modules: [new URL('./workers/custom-objects.ts', import.meta.url)] })) as tn.Tensor;
    expect(bytes(c).equals(bytes(custom.predict(x) as tn.Tensor))).toBe(true);
    await expect(unbuilt.predictAsync(tn.zeros([4, 3]), { batchSize: 0 })).rejects.toThrow('predictAsync: batchSize must be a positive integer, received 0');
    await expect(unbuilt.predictAsync(tn.zeros([4, 5]))).rejects.toThrow(/incompatible|expected/);
    // The worker survives an error and answers the next call.
    expect(((await unbuilt.predictAsync(x)) as tn.Tensor).shape).toEqual([4, 2]);
  });

  it('does not keep the process alive', () => {
    const script = fileURLToPath(new URL('./workers/predict-exit.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('predicted 10x3 loss 1\n');
    expect(r.status).toBe(0);
  });
});

describe('evaluateAsync', () => {
  it('gives evaluate\'s results, as a list or a dict, with sample weights, under concurrency', async () => {
    const models = [model(3, 4), model(3, 5)];
    const x = tn.randomUniform([37, 8, 8, 1], 0, 1, 'float32', 6);
    const y = tn.tensor(Array.from({ length: 37 }, (_, i) => i % 3), [37], 'int32');
    const sw = tn.randomUniform([37], 0, 1, 'float32', 7);
    const want = await Promise.all(models.map((m) => m.evaluate(x, y, { batchSize: 8, verbose: 0, sampleWeight: sw })));
    const got = await Promise.all(models.map((m) => m.evaluateAsync(x, y, { batchSize: 8, verbose: 0, sampleWeight: sw })));
    expect(got).toEqual(want);
    expect(got[0]).not.toEqual(got[1]);
    expect(await models[0].evaluateAsync(x, y, { verbose: 0, returnDict: true })).toEqual(await models[0].evaluate(x, y, { verbose: 0, returnDict: true }));
    await expect(models[0].evaluateAsync(x, y, { callbacks: [new tn.Callback()] })).rejects.toThrow(/evaluateAsync: callbacks are not supported/);
    const uncompiled = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [3] })]);
    await expect(uncompiled.evaluateAsync(tn.zeros([2, 3]), tn.zeros([2, 2]))).rejects.toThrow(/compile\(\)/);
  });
});
