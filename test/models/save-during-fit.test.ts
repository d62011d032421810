// A save that a callback starts and does not await writes the weights of the moment it was called: the writers read
// the weights only after their modules load (the first .keras save loads h5wasm), so fit waits for saves in flight
// before its next training step, as Keras's synchronous save would, and a save copies the model's state when called,
// for what does not wait (trainOnBatch, setWeights). This file runs alone so that the writer modules are loaded by the
// saves under test, not by earlier tests.
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

type Paths = { tfjs: string; keras: string; weights: string; folder: string };

/** The model each save wrote: the two whole-model formats loaded, the two weights formats loaded into a new model. */
async function loadEach(paths: Paths): Promise<Record<keyof Paths, tn.Model>> {
  const weights = build();
  await weights.loadWeights(paths.weights);
  const folder = build();
  await folder.loadWeights(paths.folder);
  return { tfjs: await tn.models.loadModel(paths.tfjs), keras: await tn.models.loadModel(paths.keras), weights, folder };
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
    const { tfjs: fromTfjs, keras: fromKeras, weights: fromWeights, folder: fromFolder } = await loadEach(paths);
    for (const [name, m] of Object.entries({ tfjs: fromTfjs, keras: fromKeras, weights: fromWeights, folder: fromFolder }))
      expect(m.getWeights().map((w) => Array.from(w.dataSync())), `${name}: the weights at the call`).toEqual(snapshot);
  });

  it('write the weights and optimizer state of their call when trainOnBatch runs before they finish (TF.js: save(), then await trainOnBatch())', async () => {
    tn.setSeed(4);
    const model = build();
    const x = tn.randomNormal([32, 16]);
    const y = tn.randomNormal([32, 1]);
    model.trainOnBatch(x, y);
    const paths = { tfjs: join(root, 'tob'), keras: join(root, 'tob.keras'), weights: join(root, 'tob.weights.h5'), folder: join(root, 'tob-w') };
    const snapshot = model.getWeights().map((w) => Array.from(w.dataSync()));
    const kernel = model.trainableWeights[0];
    const moments = model.optimizer!.slotsOf(kernel)!.map((a) => Array.from(a));
    const pending = [model.save(paths.tfjs), model.save(paths.keras), model.saveWeights(paths.weights), model.saveWeights(paths.folder)];
    // TF.js's trainOnBatch returns a promise, awaited in ported code; here it runs at once.
    await model.trainOnBatch(x, y);
    model.trainOnBatch(x, y);
    await Promise.all(pending);
    expect(model.optimizer!.iterations).toBe(3);
    expect(model.getWeights().map((w) => Array.from(w.dataSync())), 'training went on').not.toEqual(snapshot);
    const { tfjs: fromTfjs, keras: fromKeras, weights: fromWeights, folder: fromFolder } = await loadEach(paths);
    for (const [name, m] of Object.entries({ tfjs: fromTfjs, keras: fromKeras, weights: fromWeights, folder: fromFolder }))
      expect(m.getWeights().map((w) => Array.from(w.dataSync())), `${name}: the weights at the call`).toEqual(snapshot);
    // The optimizer's step and moments too, where the format holds them.
    for (const [name, m] of Object.entries({ tfjs: fromTfjs, keras: fromKeras, folder: fromFolder })) {
      expect(m.optimizer!.iterations, name).toBe(1);
      expect(m.optimizer!.slotsOf(m.trainableWeights[0])!.map((a) => Array.from(a)), name).toEqual(moments);
    }
    // The live model kept its own state through the saves.
    model.trainOnBatch(x, y);
    expect(model.optimizer!.iterations).toBe(4);
  });
});
