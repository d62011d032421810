// tn.memory(): the bytes the buffer pool keeps between steps; kept across fit, evaluate and predict calls that follow
// one another, and given back once no step has run for a while.
import { afterEach, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { setPoolIdleTrim } from '../lib/memory.js';

afterEach(() => setPoolIdleTrim(10_000));

// First in the file, so that no variable of an earlier test is left for the garbage collector to take meanwhile.
it("tn.memory()'s TF.js counts numTensors, numDataBuffers and numBytes are the live variables, flat over training", async () => {
  const before = tn.memory();
  const model = tn.sequential({ layers: [tn.layers.dense({ units: 4, inputShape: [3] }), tn.layers.dense({ units: 2 })] });
  const made = tn.memory();
  // Two kernels and two biases: 3 * 4 + 4 + 4 * 2 + 2 values.
  expect(made.numTensors - before.numTensors).toBe(4);
  expect(made.numDataBuffers - before.numDataBuffers).toBe(4);
  expect(made.numBytes - before.numBytes).toBe(26 * 4);
  expect(made.unreliable).toBe(true);
  expect(made.reasons.join(' ')).toMatch(/counts variables only/);
  // Tensors made and dropped are the garbage collector's, as those inside TF.js's tidy() are freed.
  const x = tn.randomUniform([16, 3]);
  tn.mul(tn.add(x, 1), 2);
  expect(tn.memory().numTensors).toBe(made.numTensors);
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  const during: number[] = [];
  await model.fit(x, tn.randomUniform([16, 2]), { epochs: 2, batchSize: 4, verbose: 0, callbacks: { onBatchEnd: () => void during.push(tn.memory().numTensors) } });
  expect(new Set(during)).toEqual(new Set([made.numTensors]));
  expect(model.countParams()).toBe(26);
});

it('tn.memory().pooledBytes counts the buffers kept between steps, across calls, and is 0 after the idle time', async () => {
  setPoolIdleTrim(1000);
  tn.setSeed(2);
  const model = tn.sequential({ layers: [tn.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }), tn.layers.dense({ units: 1 })] });
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  const during: number[] = [];
  const probe = new tn.LambdaCallback({ onBatchEnd: () => void during.push(tn.memory().pooledBytes) });
  const x = tn.randomUniform([64, 8]);
  await model.fit(x, tn.randomUniform([64, 1]), { epochs: 1, batchSize: 16, verbose: 0, callbacks: [probe] });
  expect(during).toHaveLength(4);
  // At least a step's activations of 16 x 16 float32 are pooled once a step has run, and the amount is steady.
  expect(Math.min(...during)).toBeGreaterThanOrEqual(16 * 16 * 4);
  expect(new Set(during.slice(1)).size).toBe(1);
  // The next call reuses them: a predict right after fit finds its batch buffers warm.
  expect(tn.memory().pooledBytes).toBe(during[during.length - 1]);
  model.predict(x, { batchSize: 16 });
  expect(tn.memory().pooledBytes).toBeGreaterThanOrEqual(during[during.length - 1]);
  // Still there while steps keep coming within the idle time...
  await new Promise((r) => setTimeout(r, 400));
  model.predict(x, { batchSize: 16 });
  await new Promise((r) => setTimeout(r, 300));
  expect(tn.memory().pooledBytes).toBeGreaterThan(0);
  // ...and given back once none has run for it.
  await new Promise((r) => setTimeout(r, 1500));
  expect(tn.memory().pooledBytes).toBe(0);
});
