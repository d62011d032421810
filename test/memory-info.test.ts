// tn.memory(): the bytes the buffer pool keeps between training steps, which fit gives back when it ends.
import { expect, it } from 'vitest';
import * as tn from '../lib/index.js';

it('tn.memory().pooledBytes counts the buffers kept between steps during fit, and is 0 again after it', async () => {
  tn.setSeed(2);
  const model = tn.sequential({ layers: [tn.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }), tn.layers.dense({ units: 1 })] });
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  const during: number[] = [];
  const probe = new tn.LambdaCallback({ onBatchEnd: () => void during.push(tn.memory().pooledBytes) });
  await model.fit(tn.randomUniform([64, 8]), tn.randomUniform([64, 1]), { epochs: 1, batchSize: 16, verbose: 0, callbacks: [probe] });
  expect(during).toHaveLength(4);
  // At least a step's activations of 16 x 16 float32 are pooled once a step has run, and the amount is steady.
  expect(Math.min(...during)).toBeGreaterThanOrEqual(16 * 16 * 4);
  expect(new Set(during.slice(1)).size).toBe(1);
  expect(tn.memory().pooledBytes).toBe(0);
});
