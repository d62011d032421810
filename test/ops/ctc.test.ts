// tn.ops.ctcLoss / ctcDecode (Keras 3's ops.ctc_loss and greedy ops.ctc_decode) and the CTC loss: the loss against
// the sum over every alignment enumerated by brute force, its gradient by finite differences, the best path, and
// a model trained with compile({ loss: 'ctc' }) reading its labels back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck } from '../helpers/gradcheck.js';

/** -log of the summed probability of every path of `steps` classes that collapses to `labels` (blank 0). */
function bruteForce(logits: number[][], labels: number[], blank = 0): number {
  const classes = logits[0].length;
  const probs = logits.map((row) => {
    const m = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
    return row.map((v) => Math.exp(v - m) / z);
  });
  let total = 0;
  const path: number[] = [];
  const walk = (t: number, p: number) => {
    if (t === logits.length) {
      const out = path.filter((k, i) => k !== blank && (i === 0 || k !== path[i - 1]));
      if (out.length === labels.length && out.every((k, i) => k === labels[i])) total += p;
      return;
    }
    for (let k = 0; k < classes; k++) {
      path.push(k);
      walk(t + 1, p * probs[t][k]);
      path.pop();
    }
  };
  walk(0, 1);
  return -Math.log(total);
}

describe('ctcLoss', () => {
  it('is -log of the probability summed over every alignment, per sample and for its own lengths', () => {
    const logits = tn.randomNormal([3, 5, 4], 0, 1.5, 'float32', 11);
    const rows = logits.arraySync() as number[][][];
    // A repeated label (needs a blank between), one label, and none; sample 1 uses 4 of its 5 steps.
    const target = tn.tensor([[1, 1, 2], [3, 0, 0], [0, 0, 0]], [3, 3], 'int32');
    const loss = tn.ops.ctcLoss(target, logits, [3, 1, 0], [5, 4, 5]).dataSync();
    expect(loss[0]).toBeCloseTo(bruteForce(rows[0], [1, 1, 2]), 4);
    expect(loss[1]).toBeCloseTo(bruteForce(rows[1].slice(0, 4), [3]), 4);
    expect(loss[2]).toBeCloseTo(bruteForce(rows[2], []), 4);
    // Another blank class (maskIndex), as Keras's mask_index.
    const other = tn.ops.ctcLoss(tn.tensor([[0, 2]], [1, 2], 'int32'), logits.slice([0, 0, 0], [1, 5, 4]), [2], [5], 3).dataSync();
    expect(other[0]).toBeCloseTo(bruteForce(rows[0], [0, 2], 3), 4);
  });

  it('has the gradient of finite differences in the logits, and is Infinity where no alignment fits', () => {
    const target = tn.tensor([[2, 2, 1], [1, 3, 0]], [2, 3], 'int32');
    gradCheck((x) => tn.sum(tn.ops.ctcLoss(target, x, [3, 2], [6, 5])), [tn.randomNormal([2, 6, 4], 0, 1, 'float32', 5)]);
    // [1, 1] needs three steps (1, blank, 1): two are too few.
    const loss = tn.ops.ctcLoss(tn.tensor([[1, 1]], [1, 2], 'int32'), tn.zeros([1, 2, 3]), [2], [2]);
    expect(loss.dataSync()[0]).toBe(Infinity);
  });

  it('refuses labels equal to the blank or out of range, and lengths that do not fit, naming ctcLoss', () => {
    const x = tn.zeros([1, 4, 3]);
    expect(() => tn.ops.ctcLoss(tn.tensor([[1, 0]], [1, 2], 'int32'), x, [2], [4])).toThrow(/ctcLoss: sample 0's label 1 is 0; labels must be classes in \[0, 3\) other than the blank \(maskIndex 0\)/);
    expect(() => tn.ops.ctcLoss(tn.tensor([[5]], [1, 1], 'int32'), x, [1], [4])).toThrow(/label 0 is 5/);
    expect(() => tn.ops.ctcLoss(tn.tensor([[1]], [1, 1], 'int32'), x, [1], [5])).toThrow(/ctcLoss: outputLength must be integers in \[0, 4\], received 5/);
    expect(() => tn.ops.ctcLoss(tn.tensor([[1]], [1, 1], 'int32'), x, [1, 1], [4])).toThrow(/targetLength must hold one length per sample, shape \[1\]/);
    expect(() => tn.ops.ctcLoss(tn.tensor([[1]], [1, 1], 'int32'), tn.zeros([4, 3]), [1], [4])).toThrow(/output must be logits \[batch, time, classes\]/);
  });
});

describe('ctcDecode (greedy)', () => {
  it('takes the best class per step, merges repeats unless told not to, drops blanks, pads with -1', () => {
    const best = [[1, 1, 0, 1, 2, 2], [3, 0, 3, 3, 1, 2]];
    const logits = tn.tensor(best.map((row) => row.map((k) => [0, 1, 2, 3].map((c) => (c === k ? 2 : 0)))));
    const [decoded, scores] = tn.ops.ctcDecode(logits, [6, 4]);
    expect(decoded.dtype).toBe('int32');
    expect(decoded.arraySync()).toEqual([[[1, 1, 2, -1, -1, -1], [3, 3, -1, -1, -1, -1]]]);
    // TensorFlow's greedy score: minus the sum of each step's greatest input.
    expect(Array.from(scores.dataSync())).toEqual([-12, -8]);
    const [unmerged] = tn.ops.ctcDecode(logits, [6, 6], 'greedy', 100, 1, false);
    expect(unmerged.arraySync()).toEqual([[[1, 1, 1, 2, 2, -1], [3, 3, 3, 1, 2, -1]]]);
    expect(() => tn.ops.ctcDecode(logits, [6, 6], 'beam_search')).toThrow(/ctcDecode: strategy "beam_search" is not supported/);
  });
});

describe("the CTC loss ('ctc')", () => {
  it("is ops.ctcLoss with each sample's nonzero labels and all its steps, and trains a model to read a sequence", async () => {
    const logits = tn.randomNormal([2, 5, 4], 0, 1, 'float32', 2);
    const y = tn.tensor([[2, 3, 0], [1, 0, 0]], [2, 3], 'int32');
    const perSample = tn.ops.ctcLoss(y, logits, [2, 1], [5, 5]).dataSync();
    expect(new tn.losses.CTC().apply(y, logits).dataSync()[0]).toBeCloseTo((perSample[0] + perSample[1]) / 2, 5);

    // Each step shows a one-hot symbol (1..3) or nothing (0); the labels are the symbols shown, in order.
    tn.setSeed(4);
    const n = 64;
    const xs: number[][][] = [];
    const ys: number[][] = [];
    for (let i = 0; i < n; i++) {
      const symbols = [1 + (i % 3), 1 + ((i * 7 + 1) % 3)];
      const steps = [0, symbols[0], symbols[0], 0, symbols[1], 0];
      xs.push(steps.map((s) => [0, 1, 2, 3].map((c) => (s !== 0 && c === s ? 1 : 0))));
      ys.push(symbols);
    }
    const input = tn.input({ shape: [6, 4] });
    const h = new tn.layers.Bidirectional(new tn.layers.GRU(8, { returnSequences: true })).apply(input);
    const model = new tn.Model({ inputs: input, outputs: new tn.layers.Dense(4).apply(h) });
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.03 }), loss: 'ctc' });
    const history = await model.fit(tn.tensor(xs), tn.tensor(ys, [n, 2], 'int32'), { epochs: 40, batchSize: 16, verbose: 0 });
    expect(history.history.loss.at(-1)!).toBeLessThan(history.history.loss[0] / 4);
    const [decoded] = tn.ops.ctcDecode(model.predict(tn.tensor(xs)) as tn.Tensor, new Array(n).fill(6));
    const read = (decoded.arraySync() as number[][][])[0].map((row) => row.filter((k) => k >= 0));
    expect(read).toEqual(ys);
    // Saved with its loss as Keras 3 writes keras.losses.CTC, and compiled with it again on loading.
    const dir = mkdtempSync(join(tmpdir(), 'tensornode-ctc-'));
    try {
      model.compile({ optimizer: 'adam', loss: new tn.losses.CTC() });
      await model.save(join(dir, 'asr.keras'));
      const loaded = await tn.models.loadModel(join(dir, 'asr.keras'));
      expect(loaded.compileArgs!.loss).toBeInstanceOf(tn.losses.CTC);
      const [want] = await model.evaluate(tn.tensor(xs), tn.tensor(ys, [n, 2], 'int32'), { verbose: 0 });
      expect((await loaded.evaluate(tn.tensor(xs), tn.tensor(ys, [n, 2], 'int32'), { verbose: 0 }))[0]).toBeCloseTo(want, 6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
