// fit, evaluate and predict on tn.data datasets give exactly what the same batches as tensors give.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { cnn, data, weightsOf } from '../helpers/dataset-cnn.js';

const { Dense } = tn.layers;

beforeEach(() => {
  tn.clearSession();
});

/** Rows of x and y as a dataset of [x, y] pairs, batched. */
function asDataset(x: tn.Tensor, y: tn.Tensor, batchSize: number) {
  const xs = x.array() as number[][][][];
  const ys = y.data();
  return tn.data.zip([tn.data.array(xs.map((r) => tn.tensor(r))), tn.data.array(Array.from(ys).map((v) => tn.tensor(v, [], 'int32')))]).batch(batchSize);
}


describe('fit on a dataset', () => {
  it('trains to the same weights and history as fit on tensors with the same batches', async () => {
    const { x, y } = data(37);
    const a = cnn();
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    const b = cnn();
    const hb = await b.fit(asDataset(x, y, 8), { epochs: 3, verbose: 0 });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(hb.history).toEqual(ha.history);
    // TF.js's fitDataset with { xs, ys } elements, prefetched, is the same training.
    const c = cnn();
    await c.fitDataset(asDataset(x, y, 8).map(([xb, yb]) => ({ xs: xb, ys: yb })).prefetch(2), { epochs: 3, verbose: 0 });
    expect(weightsOf(c)).toEqual(weightsOf(a));
  });

  it('validates on a dataset as on tensors', async () => {
    const { x, y } = data(30);
    const vx = tn.randomUniform([10, 6, 6, 1], 0, 1, 'float32', 5);
    const vy = tn.tensor(Int32Array.from({ length: 10 }, (_, i) => i % 3), [10], 'int32');
    const a = cnn();
    const ha = await a.fit(x, y, { epochs: 2, batchSize: 10, shuffle: false, verbose: 0, validationData: [vx, vy] });
    const b = cnn();
    const hb = await b.fit(asDataset(x, y, 10), { epochs: 2, verbose: 0, validationData: asDataset(vx, vy, 4) });
    expect(hb.history.val_loss.map((v) => v.toFixed(5))).toEqual(ha.history.val_loss.map((v) => v.toFixed(5)));
    expect(hb.history.val_accuracy).toEqual(ha.history.val_accuracy);
    expect(hb.history.loss).toEqual(ha.history.loss);
    // validationSteps takes the first batches of a fresh iteration each time.
    const c = cnn();
    const hc = await c.fit(asDataset(x, y, 10), { epochs: 2, verbose: 0, validationData: asDataset(vx, vy, 4).repeat(), validationSteps: 1 });
    // The last validation ran with the final weights on the first 4 validation rows.
    const [lastLoss, lastAccuracy] = await c.evaluate(tn.slice(vx, 0, 4), tn.slice(vy, 0, 4), { batchSize: 4, verbose: 0 });
    expect(hc.history.val_loss[1]).toBe(lastLoss);
    expect(hc.history.val_accuracy[1]).toBe(lastAccuracy);
    expect(hc.history.val_loss.length).toBe(2);
  });

  it('stepsPerEpoch continues the iteration across epochs (Keras), and a dataset that runs out stops training', async () => {
    const { x, y } = data(24);
    // 3 epochs of 2 batches over a repeating dataset of 3 batches: batches 0 1 | 2 0 | 1 2.
    const a = cnn();
    await a.fit(asDataset(x, y, 8).repeat(), { epochs: 3, stepsPerEpoch: 2, verbose: 0 });
    const b = cnn();
    const order = [0, 1, 2, 0, 1, 2];
    for (const k of order) {
      const rows = (t: tn.Tensor) => tn.slice(t, k * 8, 8);
      b.trainOnBatch(rows(x), rows(y));
    }
    expect(weightsOf(a)).toEqual(weightsOf(b));
    // Without repeat, the iterator runs out after 3 batches: Keras's warning, and training stops.
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => void warnings.push(m);
    try {
      const c = cnn();
      const h = await c.fit(asDataset(x, y, 8), { epochs: 3, stepsPerEpoch: 2, verbose: 0 });
      expect(h.epoch).toEqual([0, 1]);
    } finally {
      console.warn = warn;
    }
    expect(warnings.join('\n')).toMatch(/ran out of data/);
    const d = cnn();
    await expect(d.fit(asDataset(x, y, 8).repeat(), { epochs: 1, verbose: 0 })).rejects.toThrow(/repeats forever, so fit needs stepsPerEpoch/);
  });

  it('sample weights from [x, y, sampleWeight] elements equal sampleWeight on tensors', async () => {
    const { x, y } = data(16);
    const w = tn.tensor(Float32Array.from({ length: 16 }, (_, i) => (i % 4) / 2));
    const a = cnn();
    await a.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, sampleWeight: w });
    const b = cnn();
    const ds = tn.data.zip([asDataset(x, y, 8), tn.data.array(Array.from(w.data())).batch(8)]).map(([[xb, yb], wb]) => [xb, yb, wb]);
    await b.fit(ds, { epochs: 1, verbose: 0 });
    expect(weightsOf(b)).toEqual(weightsOf(a));
  });

  it('a multi-input model takes objects keyed by input name', async () => {
    tn.setSeed(4);
    const i1 = tn.input({ shape: [3], name: 'left' });
    const i2 = tn.input({ shape: [2], name: 'right' });
    const joined = new tn.layers.Concatenate().apply([i1, i2]) as tn.SymbolicTensor;
    const out = new Dense({ units: 1 }).apply(joined) as tn.SymbolicTensor;
    const make = () => {
      tn.setSeed(4);
      const m = tn.model({ inputs: [i1, i2], outputs: out });
      return m;
    };
    const m1 = make();
    const initial = weightsOf(m1);
    m1.compile({ optimizer: 'sgd', loss: 'mse' });
    const left = tn.randomUniform([12, 3], 0, 1, 'float32', 1);
    const right = tn.randomUniform([12, 2], 0, 1, 'float32', 2);
    const y = tn.randomUniform([12, 1], 0, 1, 'float32', 3);
    await m1.fit({ left, right }, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    const after = weightsOf(m1);
    m1.weights.forEach((w, i) => w.assign(tn.tensor(initial[i], w.shape)));
    m1.compile({ optimizer: 'sgd', loss: 'mse' });
    const rows = (t: tn.Tensor) => tn.data.array(t.array() as number[][]).map((r) => Float32Array.from(r));
    const ds = tn.data.zip([tn.data.zip({ left: rows(left), right: rows(right) }), rows(y)]).batch(4);
    await m1.fit(ds, { epochs: 2, verbose: 0 });
    expect(weightsOf(m1)).toEqual(after);
  });

  it('BackupAndRestore resumes a dataset fit mid-epoch and ends with the uninterrupted weights', async () => {
    const { x, y } = data(24);
    const reference = cnn();
    await reference.fit(asDataset(x, y, 4), { epochs: 3, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'tn-data-backup-'));
    let batches = 0;
    const crash = new tn.LambdaCallback({ onBatchEnd: () => { if (++batches === 9) throw new Error('crash'); } });
    await expect(cnn().fit(asDataset(x, y, 4), { epochs: 3, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, saveFreq: 4 }), crash] })).rejects.toThrow('crash');
    const resumed = cnn();
    await resumed.fit(asDataset(x, y, 4), { epochs: 3, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, saveFreq: 4 })] });
    expect(weightsOf(resumed)).toEqual(weightsOf(reference));
    expect(resumed.optimizer!.iterations).toBe(18);
  });

  it('progress bars show the step count when known and an open count when not (learned after the first epoch)', async () => {
    const { x, y } = data(16);
    const m = cnn();
    const out = await capture(() => m.fit(asDataset(x, y, 8).filter(() => true), { epochs: 2, verbose: 2 }));
    expect(out).toMatch(/Epoch 1\/2\n2\/2 - /);
    const lines: string[] = [];
    const bar = new tn.callbacks.Progbar(null, 1, { write: (s: string) => lines.push(s) });
    bar.update(37, { loss: 0.5 }, true);
    expect(lines.join('')).toMatch(/^\s+37\/Unknown \d+s .*loss: 0\.5000\n$/);
    const known = await capture(() => m.fit(asDataset(x, y, 8), { epochs: 1, verbose: 1 }));
    expect(known).toMatch(/2\/2 ━+ /);
    const unknown = await capture(() => m.fit(asDataset(x, y, 8).filter(() => true), { epochs: 1, verbose: 1 }));
    expect(unknown).toMatch(/2\/Unknown \d+s/);
  });
});

async function capture(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

describe('evaluate and predict on a dataset', () => {
  it('evaluate(dataset) and evaluateDataset equal evaluate on tensors', async () => {
    const { x, y } = data(29);
    const m = cnn();
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const onTensors = await m.evaluate(x, y, { batchSize: 8, verbose: 0 });
    expect(await m.evaluate(asDataset(x, y, 8), { verbose: 0 })).toEqual(onTensors);
    expect(await m.evaluateDataset(asDataset(x, y, 8).prefetch(1), { verbose: 0 })).toEqual(onTensors);
    const dict = await m.evaluate(asDataset(x, y, 8), { verbose: 0, returnDict: true });
    expect(dict.loss).toBe(onTensors[0]);
    // steps: the first batches only, as evaluating the same rows as tensors.
    const two = await m.evaluate(tn.slice(x, 0, 16), tn.slice(y, 0, 16), { batchSize: 8, verbose: 0 });
    expect(await m.evaluate(asDataset(x, y, 8), { steps: 2, verbose: 0 })).toEqual(two);
  });

  it('predictAsync(dataset) equals predict on tensors; predict(dataset) points to predictAsync', async () => {
    const { x, y } = data(21);
    const m = cnn();
    const expected = m.predict(x, { batchSize: 5 }) as tn.Tensor;
    const ds = asDataset(x, y, 5);
    const got = (await m.predictAsync(ds)) as tn.Tensor;
    expect(got.shape).toEqual([21, 3]);
    expect(Array.from(got.data())).toEqual(Array.from(expected.data()));
    // Elements holding x alone work too.
    const xOnly = (await m.predictAsync(ds.map(([xb]) => xb))) as tn.Tensor;
    expect(Array.from(xOnly.data())).toEqual(Array.from(expected.data()));
    expect(() => m.predict(ds as unknown as tn.Tensor)).toThrow(/use `await model.predictAsync\(dataset\)`/);
  });

  it('an element without targets is a clear error in fit', async () => {
    const { x } = data(8);
    const m = cnn();
    const ds = tn.data.array([x]);
    await expect(m.fit(ds, { verbose: 0 })).rejects.toThrow(/elements must hold targets, as \[x, y\], \[x, y, sampleWeight\] or \{ xs, ys \}/);
  });
});
