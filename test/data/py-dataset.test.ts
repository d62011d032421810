// tn.utils.PyDataset (Keras 3's keras.utils.PyDataset, Keras 2's Sequence): batches by index, read by fit, evaluate
// and predictAsync exactly as the same batches as tensors.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { cnn, data, weightsOf } from '../helpers/dataset-cnn.js';

beforeEach(() => {
  tn.clearSession();
});

/** keras.io's pattern: a batch of rows per index, with a log of the calls the loop makes. */
class Batches extends tn.utils.PyDataset<[tn.Tensor, tn.Tensor]> {
  readonly log: string[] = [];
  constructor(private readonly x: tn.Tensor, private readonly y: tn.Tensor, private readonly batchSize: number, options?: tn.utils.PyDatasetOptions) {
    super(options);
  }
  get numBatches() {
    return Math.ceil(this.x.shape[0] / this.batchSize);
  }
  getItem(i: number): [tn.Tensor, tn.Tensor] | Promise<[tn.Tensor, tn.Tensor]> {
    this.log.push(`item ${i}`);
    const start = i * this.batchSize;
    const size = Math.min(this.batchSize, this.x.shape[0] - start);
    return [tn.slice(this.x, start, size), tn.slice(this.y, start, size)];
  }
  override onEpochBegin() {
    this.log.push('begin');
  }
  override onEpochEnd() {
    this.log.push('end');
  }
}

describe('PyDataset', () => {
  it('trains, validates and evaluates as the same batches as tensors, calling the epoch hooks around each pass', async () => {
    const { x, y } = data(37);
    const v = data(10, 5);
    const a = cnn();
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, validationData: [v.x, v.y], validationBatchSize: 4 });
    const b = cnn();
    const train = new Batches(x, y, 8);
    const hb = await b.fit(train, { epochs: 3, verbose: 0, validationData: new Batches(v.x, v.y, 4) });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(hb.history.loss).toEqual(ha.history.loss);
    expect(hb.history.val_loss.map((l) => l.toFixed(5))).toEqual(ha.history.val_loss.map((l) => l.toFixed(5)));
    const pass = ['begin', 'item 0', 'item 1', 'item 2', 'item 3', 'item 4', 'end'];
    expect(train.log).toEqual([...pass, ...pass, ...pass]);
    expect(await b.evaluate(new Batches(v.x, v.y, 4), { verbose: 0 })).toEqual(await b.evaluate(v.x, v.y, { batchSize: 4, verbose: 0 }));
    // TF.js's names take it too.
    const c = cnn();
    await c.fitDataset(new Batches(x, y, 8), { epochs: 3, verbose: 0 });
    expect(weightsOf(c)).toEqual(weightsOf(a));
  });

  it('predictAsync reads batches of x alone; predict, being synchronous, says to use predictAsync', async () => {
    const { x } = data(13);
    const m = cnn();
    class Images extends tn.utils.PyDataset<tn.Tensor> {
      get numBatches() {
        return 4;
      }
      getItem(i: number) {
        return tn.slice(x, i * 4, Math.min(4, 13 - i * 4));
      }
    }
    const out = (await m.predictAsync(new Images())) as tn.Tensor;
    expect(out.shape).toEqual([13, 3]);
    expect(Array.from(out.data())).toEqual(Array.from((m.predict(x) as tn.Tensor).data()));
    expect(() => m.predict(new Images() as unknown as tn.Tensor)).toThrow(/predict: a PyDataset is read asynchronously.*predictAsync/);
  });

  it('keeps up to `workers` async getItem calls in flight, and yields the batches in order', async () => {
    const { x, y } = data(40);
    let inFlight = 0;
    let most = 0;
    const order: number[] = [];
    class Slow extends Batches {
      override async getItem(i: number): Promise<[tn.Tensor, tn.Tensor]> {
        inFlight++;
        most = Math.max(most, inFlight);
        // Later batches finish first, so order is the loop's doing.
        await new Promise((r) => setTimeout(r, 12 - (i % 4) * 3));
        inFlight--;
        order.push(i);
        return super.getItem(i);
      }
    }
    const a = cnn();
    await a.fit(x, y, { epochs: 1, batchSize: 5, shuffle: false, verbose: 0 });
    const b = cnn();
    await b.fit(new Slow(x, y, 5, { workers: 3 }), { epochs: 1, verbose: 0 });
    expect(most).toBe(3);
    expect(order).not.toEqual([...order].sort((p, q) => p - q));
    expect(weightsOf(b)).toEqual(weightsOf(a));
    most = 0;
    await cnn().fit(new Slow(x, y, 5), { epochs: 1, verbose: 0 });
    expect(most).toBe(1);
  });

  it('is Keras 2\'s Sequence too', () => {
    expect(tn.utils.Sequence).toBe(tn.utils.PyDataset);
  });

  it('names the class and the batch when getItem fails or returns nothing, and checks its options', async () => {
    const { x, y } = data(12);
    class Broken extends Batches {
      override getItem(i: number) {
        if (i === 2) throw new Error('file missing');
        return super.getItem(i);
      }
    }
    await expect(cnn().fit(new Broken(x, y, 4), { epochs: 1, verbose: 0 })).rejects.toThrow(/Broken\.getItem\(2\) failed: file missing/);
    class Empty extends Batches {
      override getItem(): [tn.Tensor, tn.Tensor] {
        return undefined as unknown as [tn.Tensor, tn.Tensor];
      }
    }
    await expect(cnn().fit(new Empty(x, y, 4), { epochs: 1, verbose: 0 })).rejects.toThrow(/Empty\.getItem\(0\) returned undefined; it must return a batch/);
    class Bad extends Batches {
      override get numBatches() {
        return 2.5;
      }
    }
    await expect(cnn().fit(new Bad(x, y, 4), { epochs: 1, verbose: 0 })).rejects.toThrow(/Bad: numBatches must be a non-negative integer or Infinity, received 2.5/);
    expect(() => new Batches(x, y, 4, { workers: 0 })).toThrow(/PyDataset: workers must be a positive integer, received 0/);
    expect(() => new Batches(x, y, 4, { useMultiprocessing: true })).toThrow(/useMultiprocessing is not supported/);
    expect(() => new Batches(x, y, 4, { worker: 2 } as tn.utils.PyDatasetOptions)).toThrow(/PyDataset.*worker/);
    await expect(cnn().fit(x, y, { epochs: 1, verbose: 0, validationData: new Batches(x, y, 4) as unknown as [tn.Tensor, tn.Tensor] })).rejects.toThrow(/a PyDataset as validationData goes with a Dataset or PyDataset as x/);
  });
});
