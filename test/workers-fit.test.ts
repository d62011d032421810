// fit({ worker: true }): the model trains on a worker thread while the callbacks run here, and the result is the
// in-thread result: the same weights, optimizer state and random state bit for bit, the same History, the same
// callback events with the same logs; stopTraining, learning-rate changes and weights set by callbacks cross to the
// worker; errors cross back; custom classes reach it through modules.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { getRandomState, setRandomState } from '../lib/random.js';
import { endIdleFitWorkers, startedFitWorkers } from '../lib/workers/remote-fit.js';
import { packWeights } from '../lib/workers/transfer.js';
import { Explode, HalfSquaredError, MeanPrediction, Scale } from './workers/custom-objects.js';

const customModule = new URL('./workers/custom-objects.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'tensornode-wfit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fresh = () => join(root, `run${dirs++}`);

function data(n = 96) {
  const x = tn.randomNormal([n, 6], 0, 1, 'float32', 5);
  const y = tn.tensor(Array.from({ length: n }, (_, i) => (i * 7) % 3), [n], 'int32');
  return { x, y };
}

/** Both kinds of Dropout (the global generator's and a seeded one) and BatchNormalization's moving statistics. */
function build(seed = 11): tn.Sequential {
  tn.clearSession();
  tn.setSeed(seed);
  const m = new tn.Sequential([
    new tn.layers.Dense(16, { activation: 'relu', inputShape: [6] }),
    new tn.layers.Dropout(0.3),
    new tn.layers.Dense(8, { activation: 'tanh' }),
    new tn.layers.Dropout(0.2, { seed: 7 }),
    new tn.layers.BatchNormalization(),
    new tn.layers.Dense(3, { activation: 'softmax' }),
  ]);
  m.compile({ optimizer: tn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

/** Weights, optimizer slots and step count as bytes. */
const state = (m: tn.Model) => Buffer.from(packWeights(m).data);

/** Trains build() twice with the same seed, in this thread and on a worker, with fresh callbacks for each run. */
async function inAndOut(args: () => tn.FitArgs, worker: tn.FitArgs['worker'] = true, n = 96) {
  const { x, y } = data(n);
  const inThread = build();
  const hIn = await inThread.fit(x, y, args());
  const randomIn = getRandomState();
  const onWorker = build();
  const hOut = await onWorker.fit(x, y, { ...args(), worker });
  const randomOut = getRandomState();
  return { inThread, onWorker, hIn, hOut, randomIn, randomOut, x, y };
}

/** Records every training hook with its arguments, and at each epoch's end a checksum of the weights it sees. */
class Recorder extends tn.Callback {
  events: unknown[] = [];
  constructor(private readonly batches = true) {
    super();
    if (!batches) for (const h of ['onTrainBatchBegin', 'onTrainBatchEnd', 'onBatchBegin', 'onBatchEnd', 'onTestBatchBegin', 'onTestBatchEnd'] as const) (this as Record<string, unknown>)[h] = tn.Callback.prototype[h];
  }
  // fit's validation runs evaluate's hooks, as in Keras 3.
  override onTestBegin(logs?: tn.callbacks.Logs) { this.events.push(['testBegin', { ...logs }, state(this.model!).toString('base64')]); }
  override onTestBatchBegin(b: number, logs?: tn.callbacks.Logs) { this.events.push(['testBatchBegin', b, { ...logs }]); }
  override onTestBatchEnd(b: number, logs?: tn.callbacks.Logs) { this.events.push(['testBatchEnd', b, { ...logs }]); }
  override onTestEnd(logs?: tn.callbacks.Logs) { this.events.push(['testEnd', { ...logs }]); }
  override onTrainBegin(logs?: tn.callbacks.Logs) { this.events.push(['trainBegin', { ...logs }, this.params]); }
  override onEpochBegin(e: number, logs?: tn.callbacks.Logs) { this.events.push(['epochBegin', e, { ...logs }]); }
  override onTrainBatchBegin(b: number, logs?: tn.callbacks.Logs) { this.events.push(['trainBatchBegin', b, { ...logs }]); }
  override onBatchBegin(b: number) { this.events.push(['batchBegin', b]); }
  override onTrainBatchEnd(b: number, logs?: tn.callbacks.Logs) { this.events.push(['trainBatchEnd', b, { ...logs }]); }
  override onBatchEnd(b: number) { this.events.push(['batchEnd', b]); }
  override onEpochEnd(e: number, logs?: tn.callbacks.Logs) { this.events.push(['epochEnd', e, { ...logs }, state(this.model!).toString('base64')]); }
  override onTrainEnd(logs?: tn.callbacks.Logs) { this.events.push(['trainEnd', { ...logs }]); }
}

/** The model's state at each epoch's end. */
class Snapshots extends tn.Callback {
  constructor(private readonly into: string[]) {
    super();
  }
  override onEpochEnd() {
    this.into.push(state(this.model!).toString('base64'));
  }
}

describe('fit({ worker: true })', () => {
  it('ends with the in-thread weights, optimizer state, random state and History, bit for bit (shuffle, dropout, validation)', async () => {
    const args = (): tn.FitArgs => ({ epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.25 });
    const r = await inAndOut(args);
    expect(r.hOut.history).toEqual(r.hIn.history);
    expect(r.hOut.epoch).toEqual([0, 1, 2]);
    expect(r.hIn.history.val_loss).toHaveLength(3);
    expect(state(r.onWorker).equals(state(r.inThread))).toBe(true);
    expect(r.onWorker.optimizer!.iterations).toBe(3 * 9);
    expect(r.randomOut).toEqual(r.randomIn);
    // The seeded Dropout's own generator came back too: from the same global state, the next fit continues identically.
    setRandomState(r.randomIn);
    await r.inThread.fit(r.x, r.y, { epochs: 1, batchSize: 8, verbose: 0 });
    setRandomState(r.randomIn);
    await r.onWorker.fit(r.x, r.y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(state(r.onWorker).equals(state(r.inThread))).toBe(true);
    // The user's tensors crossed as copies and stay usable.
    expect(r.x.shape).toEqual([96, 6]);
    expect((r.onWorker.predict(r.x) as tn.Tensor).shape).toEqual([96, 3]);
  });

  it('fits one after another reuse a worker (same modules and priority) and still give the in-thread result', async () => {
    endIdleFitWorkers();
    const { x, y } = data();
    const inThread = build();
    const onWorker = build(11);
    const before = startedFitWorkers();
    for (let i = 0; i < 3; i++) {
      const start = getRandomState();
      await inThread.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
      const after = getRandomState();
      setRandomState(start);
      await onWorker.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, worker: true });
      expect(getRandomState()).toEqual(after);
      expect(state(onWorker).equals(state(inThread))).toBe(true);
    }
    expect(startedFitWorkers() - before).toBe(1);
    // Another priority needs its own worker (a lowered thread cannot be raised again).
    await onWorker.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, worker: { priority: 5 } });
    expect(startedFitWorkers() - before).toBe(2);
    // A worker waiting for the next fit is one per key, and ends when told (or after 10 s idle).
    expect(endIdleFitWorkers()).toBe(2);
    expect(endIdleFitWorkers()).toBe(0);
  });

  it('runs every callback hook on this thread in the in-thread order, with the same params and logs and current weights', async () => {
    for (const batches of [true, false]) {
      const recorders: Recorder[] = [];
      const args = (): tn.FitArgs => {
        const rec = new Recorder(batches);
        recorders.push(rec);
        return { epochs: 2, batchSize: 16, verbose: 0, validationData: [tn.randomNormal([10, 6], 0, 1, 'float32', 9), tn.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], [10], 'int32')], callbacks: [rec] };
      };
      const r = await inAndOut(args);
      const [inThread, onWorker] = recorders.map((rec) => rec.events);
      expect(onWorker).toEqual(inThread);
      expect(inThread.filter((e) => (e as unknown[])[0] === 'trainBatchEnd')).toHaveLength(batches ? 12 : 0);
      // Per epoch: begin, end, the batches' four hooks, and validation's testBegin, testEnd and one batch's two hooks.
      expect(inThread).toHaveLength(batches ? 2 + 4 + 4 * 12 + 2 * 4 : 6 + 2 * 2);
      const names = inThread.map((e) => (e as unknown[])[0]);
      expect(names.slice(names.indexOf('testBegin') - 1, names.indexOf('epochEnd') + 1)).toEqual(batches ? ['batchEnd', 'testBegin', 'testBatchBegin', 'testBatchEnd', 'testEnd', 'epochEnd'] : ['epochBegin', 'testBegin', 'testEnd', 'epochEnd']);
      expect(state(r.onWorker).equals(state(r.inThread))).toBe(true);
    }
  });

  it('stops after the batch in which a callback sets model.stopTraining (a Callback subclass, or a LambdaCallback)', async () => {
    class StopAt extends tn.Callback {
      epoch = 0;
      override onEpochBegin(e: number) { this.epoch = e; }
      override onBatchEnd(b: number) { if (this.epoch === 1 && b === 2) this.model!.stopTraining = true; }
    }
    const r = await inAndOut(() => ({ epochs: 4, batchSize: 8, verbose: 0, callbacks: [new StopAt()] }));
    expect(r.hOut.epoch).toEqual([0, 1]);
    expect(r.onWorker.optimizer!.iterations).toBe(12 + 3);
    expect(state(r.onWorker).equals(state(r.inThread))).toBe(true);
    expect(r.hOut.history).toEqual(r.hIn.history);
    // A LambdaCallback's batch hooks are waited on without the weights crossing; the logs and the stop do.
    const losses: number[][] = [];
    const lambda = () => {
      const mine: number[] = [];
      losses.push(mine);
      let epoch = 0;
      const cb: tn.Callback = new tn.LambdaCallback({
        onEpochBegin: (e) => void (epoch = e),
        onBatchEnd: (b, logs) => {
          mine.push(logs!.loss);
          if (epoch === 2 && b === 5) cb.model!.stopTraining = true;
        },
      });
      return { epochs: 4, batchSize: 8, verbose: 0 as const, callbacks: [cb] };
    };
    const l = await inAndOut(lambda);
    expect(l.hOut.epoch).toEqual([0, 1, 2]);
    expect(l.onWorker.optimizer!.iterations).toBe(24 + 6);
    expect(losses[1]).toEqual(losses[0]);
    expect(losses[0]).toHaveLength(30);
    expect(state(l.onWorker).equals(state(l.inThread))).toBe(true);
  });

  it('stops when model.stopTraining is set on this thread outside any callback (a batch or two later)', async () => {
    const { x, y } = data(960);
    const model = build();
    // Set from a later turn of this thread's event loop, after epoch 1's reply has gone to the worker.
    const trigger = new tn.LambdaCallback({ onEpochEnd: (e) => void (e === 1 && setImmediate(() => (model.stopTraining = true))) });
    const history = await model.fit(x, y, { epochs: 50, batchSize: 4, verbose: 0, callbacks: [trigger], worker: true });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(model.optimizer!.iterations).toBeGreaterThan(2 * 240);
    expect(model.optimizer!.iterations).toBeLessThan(3 * 240);
  });

  it('learning rates set by LearningRateScheduler and ReduceLROnPlateau reach the worker', async () => {
    const r = await inAndOut(() => ({ epochs: 3, batchSize: 8, verbose: 0, callbacks: [new tn.LearningRateScheduler((epoch) => 0.05 / (epoch + 1))] }));
    expect(r.onWorker.optimizer!.learningRate).toBe(0.05 / 3);
    expect(r.hOut.history.learning_rate).toEqual([0.05, 0.025, 0.05 / 3]);
    expect(state(r.onWorker).equals(state(r.inThread))).toBe(true);
    // mode 'max' on the loss: it never "improves" as the loss falls, so the rate halves after every epoch.
    const p = await inAndOut(() => ({ epochs: 3, batchSize: 8, verbose: 0, callbacks: [new tn.ReduceLROnPlateau({ monitor: 'loss', mode: 'max', patience: 0, factor: 0.5 })] }));
    expect(p.onWorker.optimizer!.learningRate).toBeCloseTo(0.01 * 0.25, 12);
    expect(p.onWorker.optimizer!.learningRate).toBe(p.inThread.optimizer!.learningRate);
    expect(state(p.onWorker).equals(state(p.inThread))).toBe(true);
    expect(p.hOut.history).toEqual(p.hIn.history);
  });

  it('EarlyStopping with restoreBestWeights stops the worker and leaves the best epoch\'s weights', async () => {
    const snapshots: Buffer[] = [];
    const args = (): tn.FitArgs => ({
      epochs: 6, batchSize: 8, verbose: 0,
      callbacks: [new tn.EarlyStopping({ monitor: 'loss', mode: 'max', patience: 2, restoreBestWeights: true })],
    });
    const r = await inAndOut(args);
    expect(r.hOut.epoch).toEqual([0, 1, 2]);
    expect(r.onWorker.optimizer!.iterations).toBe(3 * 12);
    expect(state(r.onWorker).equals(state(r.inThread))).toBe(true);
    // The best epoch for mode 'max' on a falling loss is the first: its weights are the ones left.
    const once = build();
    const { x, y } = data();
    await once.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [new tn.LambdaCallback({ onEpochEnd: () => void snapshots.push(Buffer.concat(once.weights.map((w) => Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength)))) })] });
    const weightsOnly = Buffer.concat(r.onWorker.weights.map((w) => Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength)));
    expect(weightsOnly.equals(snapshots[0])).toBe(true);
  });

  it('ModelCheckpoint and epoch-end callbacks see the weights of the epoch just trained', async () => {
    const dir = fresh();
    const seen: string[][] = [];
    const args = (): tn.FitArgs => {
      const mine: string[] = [];
      seen.push(mine);
      return {
        epochs: 3, batchSize: 8, verbose: 0,
        callbacks: [
          new tn.ModelCheckpoint(join(dir, `${seen.length}-{epoch}`), { saveWeightsOnly: true }),
          new Snapshots(mine),
        ],
      };
    };
    await inAndOut(args);
    expect(seen[1]).toEqual(seen[0]);
    expect(new Set(seen[1]).size).toBe(3);
    // The worker run's checkpoint of epoch 2 holds what the in-thread run had at epoch 2.
    const loaded = build();
    await loaded.loadWeights(join(dir, '2-2'));
    expect(state(loaded).toString('base64')).toBe(seen[0][1]);
  });

  it('BackupAndRestore: a worker fit interrupted by a callback resumes mid-epoch (weights set in onTrainBegin reach the worker)', async () => {
    const { x, y } = data(24);
    const reference = build();
    await reference.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    const dir = fresh();
    let batches = 0;
    const crash = new tn.LambdaCallback({ onBatchEnd: () => { if (++batches === 9) throw new Error('crash'); } });
    await expect(build().fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, worker: true, callbacks: [new tn.BackupAndRestore({ backupDir: dir, saveFreq: 4 }), crash] })).rejects.toThrow('crash');
    tn.randomNormal([100]);
    const resumed = build();
    const starts: number[][] = [];
    const record = new tn.LambdaCallback({ onTrainBegin: () => void starts.push([resumed.resumeAt!.epoch, resumed.resumeAt!.step]) });
    await resumed.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, worker: true, callbacks: [new tn.BackupAndRestore({ backupDir: dir, saveFreq: 'epoch' }), record] });
    expect(starts).toEqual([[1, 2]]);
    expect(resumed.optimizer!.iterations).toBe(18);
    expect(state(resumed).equals(state(reference))).toBe(true);
  });

  it('TerminateOnNaN (batch events waited on, without weights) gives the in-thread result', async () => {
    const r = await inAndOut(() => ({ epochs: 2, batchSize: 8, verbose: 0, callbacks: [new tn.TerminateOnNaN()] }));
    expect(state(r.onWorker).equals(state(r.inThread))).toBe(true);
    expect(r.hOut.history).toEqual(r.hIn.history);
  });

  it('custom layers, losses and metrics reach the worker through worker.modules', async () => {
    const make = () => {
      tn.clearSession();
      tn.setSeed(3);
      const m = new tn.Sequential([new tn.layers.Dense(4, { inputShape: [6] }), new Scale()]);
      m.compile({ optimizer: tn.optimizers.sgd({ learningRate: 0.1 }), loss: new HalfSquaredError(), metrics: [new MeanPrediction()] });
      return m;
    };
    const x = tn.randomNormal([40, 6], 0, 1, 'float32', 1);
    const y = tn.randomNormal([40, 4], 0, 1, 'float32', 2);
    const a = make();
    const ha = await a.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const b = make();
    const hb = await b.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, worker: { modules: [customModule] } });
    expect(Object.keys(hb.history).sort()).toEqual(['loss', 'mean_prediction']);
    expect(hb.history).toEqual(ha.history);
    expect(state(b).equals(state(a))).toBe(true);
    const scale = (b.layers[1] as Scale).scale!.dataSync();
    expect(Array.from(scale).some((v) => v !== 1)).toBe(true);
  });

  it('an error thrown on the worker rejects fit with the worker\'s message and stack', async () => {
    tn.clearSession();
    const m = new tn.Sequential([new tn.layers.Dense(3, { inputShape: [6] }), new Explode()]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = state(m);
    const err = await m.fit(tn.randomNormal([8, 6]), tn.zeros([8, 3]), { verbose: 0, worker: { modules: [customModule.href] } }).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toBe('Explode: this layer fails on purpose while training');
    expect(err!.stack).toMatch(/custom-objects\.ts/);
    expect(state(m).equals(before)).toBe(true);
    // Without the module the worker cannot rebuild the model, and says which class it lacks.
    await expect(m.fit(tn.randomNormal([8, 6]), tn.zeros([8, 3]), { verbose: 0, worker: true })).rejects.toThrow(/Explode/);
  });

  it('trains a model that is not built yet: it is built before training, its initial weights drawn before the first shuffle', async () => {
    const make = () => {
      tn.clearSession();
      tn.setSeed(4);
      const m = new tn.Sequential([new tn.layers.Dense(5, { activation: 'relu' }), new tn.layers.Dense(3, { activation: 'softmax' })]);
      m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
      return m;
    };
    const { x, y } = data();
    const a = make();
    // In-thread, the first batch builds the model after the shuffle; built first, it draws in the worker's order.
    a.predict(tn.zeros([0, 6]));
    const ha = await a.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    const b = make();
    expect(b.built).toBe(false);
    const hb = await b.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, worker: true });
    expect(b.built).toBe(true);
    expect(hb.history).toEqual(ha.history);
    expect(state(b).equals(state(a))).toBe(true);
  });

  it('honours worker.threads, and checks its arguments before starting a worker', async () => {
    const r = await inAndOut(() => ({ epochs: 2, batchSize: 8, verbose: 0 }), { threads: 1 });
    const [a, b] = [r.inThread, r.onWorker].map((m) => m.getWeights().flatMap((w) => Array.from(w.dataSync())));
    b.forEach((v, i) => expect(Math.abs(v - a[i])).toBeLessThan(1e-6));
    const m = build();
    const { x, y } = data();
    await expect(m.fit(x, y, { worker: { threads: 0 } })).rejects.toThrow('fit({ worker: true }): worker.threads must be a positive integer, received 0');
    await expect(m.fit(x, y, { worker: { modules: 'x.js' as never } })).rejects.toThrow(/worker\.modules must be an array/);
    await expect(m.fit({ iterator: () => null } as never, y, { worker: true })).rejects.toThrow(/dataset .*not supported yet/);
    const ds = tn.data.zip([tn.data.array([x]), tn.data.array([y])]);
    await expect(m.fit(ds, { worker: true } as never)).rejects.toThrow(/fit\(\{ worker: true \}\): training on a tn\.data Dataset .*not supported yet/);
    await expect(m.fit(x, y, { epochs: -1, worker: true })).rejects.toThrow('fit: epochs must be a non-negative integer, received -1');
    // epochs 0 trains nothing, as in Keras, on a worker too.
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    expect((await m.fit(x, y, { epochs: 0, worker: true, verbose: 0 })).epoch).toEqual([]);
    expect(m.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    const plain = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [6] })]);
    plain.compile({ optimizer: 'sgd', loss: (a: tn.Tensor, b: tn.Tensor) => tn.mean(tn.square(tn.sub(a, b))) });
    await expect(plain.fit(x, tn.zeros([96, 1]), { worker: true })).rejects.toThrow(/plain function.*registerClass/);
  });

  it('worker.priority lowers the worker thread (Linux nice value) without changing the result, and is checked', async () => {
    // The nice value of each of this process's threads (field 19 of /proc/self/task/<tid>/stat).
    const niceOf = (tid: string | number) => {
      let stat: string;
      // A thread of an earlier test may end between the listing and the read.
      try {
        stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      } catch {
        return NaN;
      }
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const niceValues = () => readdirSync('/proc/self/task').map(niceOf);
    const seen: number[][] = [];
    const r = await inAndOut(
      () => ({ epochs: 2, batchSize: 8, verbose: 0, callbacks: [new tn.LambdaCallback({ onEpochEnd: () => void seen.push(niceValues()) })] }),
      { priority: 19 },
    );
    expect(r.onWorker.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(r.inThread.getWeights().map((w) => Array.from(w.dataSync())));
    if (process.platform === 'linux') {
      // While it trains (seen from a callback on this thread) the worker runs at 19, and this thread stays at 0.
      expect(seen.length).toBe(4);
      for (const nice of seen.slice(2)) expect(nice.filter((n) => n === 19).length).toBeGreaterThanOrEqual(1);
      expect(niceOf(process.pid)).toBe(0);
    }
    const m = build();
    const { x, y } = data();
    for (const bad of [-1, 20, 1.5]) {
      await expect(m.fit(x, y, { worker: { priority: bad } })).rejects.toThrow(`fit({ worker: true }): worker.priority must be an integer from 0 (normal) to 19 (lowest), received ${bad}`);
    }
  });

  it('leaves the event loop free: a 1 ms timer keeps ticking while a batch trains', async () => {
    tn.clearSession();
    tn.setSeed(1);
    const m = new tn.Sequential([new tn.layers.Dense(256, { activation: 'relu', inputShape: [256] }), new tn.layers.Dense(256, { activation: 'relu' }), new tn.layers.Dense(10)]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tn.randomNormal([8192, 256]);
    const y = tn.zeros([8192, 10]);
    // One batch per epoch: in-thread, the loop gets a turn only between epochs.
    const measure = async (worker: boolean) => {
      let last = 0;
      let maxGap = 0;
      let ticks = 0;
      let epochStart = 0;
      const epochTimes: number[] = [];
      const timing = new tn.LambdaCallback({
        onEpochBegin: () => { epochStart = performance.now(); last = epochStart; maxGap = 0; ticks = 0; },
        onEpochEnd: () => void epochTimes.push(performance.now() - epochStart),
      });
      const timer = setInterval(() => {
        const now = performance.now();
        if (last) maxGap = Math.max(maxGap, now - last);
        last = now;
        ticks++;
      }, 1);
      await m.fit(x, y, { epochs: 2, batchSize: 8192, verbose: 0, worker, callbacks: [timing] });
      clearInterval(timer);
      return { maxGap, ticks, epoch: epochTimes[1] };
    };
    const inThread = await measure(false);
    const onWorker = await measure(true);
    // In this thread an epoch (one batch) holds the loop throughout; on the worker the timer keeps running.
    expect(inThread.ticks).toBeLessThanOrEqual(3);
    expect(onWorker.ticks).toBeGreaterThan(10);
    expect(onWorker.maxGap).toBeLessThan(onWorker.epoch / 2);
  });
});
