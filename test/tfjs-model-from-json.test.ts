// TF.js's tf.models.modelFromJSON: a TF.js model's topology (alone, or with a weights manifest and pathPrefix)
// builds the model TF.js builds, with TF.js's weights and predictions when the shards are read; errors name the op.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, randomizeTfjs, randomValues, tf, tfjsArtifacts, useCpu, writeFolder } from './helpers/tfjs.js';

const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);
const dir = mkdtempSync(join(tmpdir(), 'tn-model-from-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tfjsModel(): ReturnType<typeof tf.sequential> {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  randomizeTfjs(m, 3);
  return m;
}

describe('tn.models.modelFromJSON', () => {
  it('reads the weights a manifest names from pathPrefix and predicts as TF.js', async () => {
    await useCpu();
    const theirs = tfjsModel();
    const artifacts = await tfjsArtifacts(theirs);
    const folder = join(dir, 'weights');
    writeFolder(folder, artifacts, { shardBytes: 100 });
    const manifest = (await import('node:fs')).readFileSync(join(folder, 'model.json'), 'utf8');
    const { weightsManifest } = JSON.parse(manifest);
    const x = randomValues(2 * 6 * 6 * 2, 9);
    for (const pathPrefix of [folder, `file://${folder}`, `${folder}/`]) {
      const ours = await tn.models.modelFromJSON({ modelTopology: artifacts.modelTopology!, weightsManifest, pathPrefix });
      const a = ours.predict(tn.tensor(x, [2, 6, 6, 2])) as tn.Tensor;
      const b = theirs.predict(tf.tensor(x, [2, 6, 6, 2])) as ReturnType<typeof tf.tensor>;
      expectClose(a.data() as Float32Array, b.dataSync() as Float32Array, 1e-5, 1e-6, `pathPrefix ${pathPrefix}`);
      // As TF.js's, the model is not compiled.
      expect(ours.optimizer ?? null).toBe(null);
    }
  });

  it('builds the architecture from the topology alone (given bare or as { modelTopology }), with new weights', async () => {
    await useCpu();
    const theirs = tfjsModel();
    const topology = theirs.toJSON(null, false) as object;
    for (const arg of [topology, { modelTopology: topology }, { modelTopology: { model_config: topology } }]) {
      const ours = await tn.models.modelFromJSON(arg);
      expect(ours.layers.map((l) => l.constructor.name)).toEqual(['Conv2D', 'Flatten', 'Dense']);
      expect(ours.weights.map((w) => w.shape)).toEqual(theirs.weights.map((w) => w.shape));
      expect((ours.predict(tn.zeros([1, 6, 6, 2])) as tn.Tensor).shape).toEqual([1, 4]);
    }
  });

  it('takes customObjects for the classes the topology names', async () => {
    await useCpu();
    const topology = JSON.parse(JSON.stringify(tfjsModel().toJSON(null, false))) as { config: { layers: { class_name: string }[] } };
    topology.config.layers[2].class_name = 'ScaledDense';
    class ScaledDense extends tn.layers.Dense {
      override call(x: tn.Tensor): tn.Tensor {
        return tn.mul(super.call(x) as tn.Tensor, 2);
      }
    }
    await expect(tn.models.modelFromJSON(topology)).rejects.toThrow(/ScaledDense/);
    const ours = await tn.models.modelFromJSON(topology, { ScaledDense });
    expect(ours.layers[2]).toBeInstanceOf(ScaledDense);
    const y = ours.predict(tn.ones([1, 6, 6, 2])) as tn.Tensor;
    expect(vals(y).reduce((p, q) => p + q, 0)).toBeCloseTo(2, 5);
  });

  it('names itself in its errors', async () => {
    await expect(tn.models.modelFromJSON(null as never)).rejects.toThrow(/models.modelFromJSON: expected a model topology/);
    const theirs = tfjsModel();
    const artifacts = await tfjsArtifacts(theirs);
    await expect(tn.models.modelFromJSON({ modelTopology: artifacts.modelTopology!, weightsManifest: [{ paths: ['../escape.bin'], weights: artifacts.weightSpecs! }], pathPrefix: dir })).rejects.toThrow(/models.modelFromJSON: .*leaves the model's folder/);
  });
});
