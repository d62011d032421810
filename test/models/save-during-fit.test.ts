// A save that a callback starts and does not await writes the weights of the moment it was called: the writers read
// the weights only after their modules load (the first .keras save loads h5wasm), so fit waits for saves in flight
// before its next training step, as Keras's synchronous save would. This file runs alone so that the writer modules
// are loaded by the saves under test, not by earlier tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-save-fit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function build(): tn.Sequential {
  const m = new tn.Sequential([
    new tn.layers.Dense(32, { activation: 'relu', inputShape: [16] }),
    new tn.layers.Dense(1),
  ]);
  m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

describe('save and saveWeights started in a callback and not awaited', () => {
  it('write the weights of the batch they were called after, in every format', async () => {
    tn.setSeed(3);
    const model = build();
    const x = tn.randomNormal([512, 16]);
    const y = tn.randomNormal([512, 1]);
    const paths = { tfjs: join(root, 'tfjs'), keras: join(root, 'm.keras'), weights: join(root, 'w.weights.h5'), folder: join(root, 'w') };
    let snapshot: number[][] = [];
    const pending: Promise<unknown>[] = [];
    await model.fit(x, y, {
      epochs: 1, batchSize: 16, verbose: 0, callbacks: {
        onBatchEnd: (batch: number) => {
          if (batch !== 3) return;
          snapshot = model.getWeights().map((w) => Array.from(w.dataSync()));
          pending.push(model.save(paths.tfjs), model.save(paths.keras), model.saveWeights(paths.weights), model.saveWeights(paths.folder));
        },
      },
    });
    await Promise.all(pending);
    const final = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(final, 'training went on after the saves').not.toEqual(snapshot);
    const fromTfjs = await tn.models.loadModel(paths.tfjs);
    const fromKeras = await tn.models.loadModel(paths.keras);
    const fromWeights = build();
    await fromWeights.loadWeights(paths.weights);
    const fromFolder = build();
    await fromFolder.loadWeights(paths.folder);
    for (const [name, m] of Object.entries({ tfjs: fromTfjs, keras: fromKeras, weights: fromWeights, folder: fromFolder }))
      expect(m.getWeights().map((w) => Array.from(w.dataSync())), `${name}: the weights at the call`).toEqual(snapshot);
  });
});
