// A model crosses to a worker thread as data (lib/workers/transfer.ts) and comes back bit for bit: architecture,
// weights, optimizer slots and step count.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { startWorker } from '../lib/workers/spawn.js';
import { packModel, packWeights, type WeightsPackage } from '../lib/workers/transfer.js';

describe('model transfer to a worker thread', () => {
  it('rebuilds the model on the worker with identical weights and optimizer state', async () => {
    tn.setSeed(7);
    const model = tn.sequential({ layers: [tn.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 1], activation: 'relu' }), tn.layers.batchNormalization(), tn.layers.flatten(), tn.layers.dense({ units: 2 })] });
    model.compile({ optimizer: tn.optimizers.adam({ learningRate: 0.01 }), loss: 'mse', metrics: ['mae'] });
    await model.fit(tn.randomNormal([16, 6, 6, 1]), tn.randomNormal([16, 2]), { epochs: 2, batchSize: 4, verbose: 0 });
    const worker = startWorker(new URL('./workers/spawn-probe.ts', import.meta.url));
    worker.postMessage(packModel(model, 'test'));
    const got = await new Promise<{ names: string[]; weights: WeightsPackage }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const want = packWeights(model);
    expect(got.names).toEqual(model.weights.map((w) => w.name));
    expect(got.weights.specs).toEqual(want.specs);
    expect(got.weights.optimizer).toEqual({ className: 'Adam', iterations: 8, learningRate: 0.01 });
    expect(want.specs.filter((s) => s.name.startsWith('optimizer/')).length).toBeGreaterThan(0);
    expect(Buffer.from(got.weights.data).equals(Buffer.from(want.data))).toBe(true);
  });

  it('refuses a model compiled with a plain-function loss, naming the way out', () => {
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: (a: tn.Tensor, b: tn.Tensor) => tn.mean(tn.square(tn.sub(a, b))) });
    expect(() => packModel(model, 'fit({ worker: true })')).toThrow(/fit\(\{ worker: true \}\): .*plain function.*registerClass/);
  });
});
