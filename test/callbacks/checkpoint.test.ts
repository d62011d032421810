// ModelCheckpoint (Keras's filepath templates, saveBestOnly with monitor/mode/initialValueThreshold, saveFreq in
// batches, weights only) and BackupAndRestore's arguments and in-process resume. The kill -9 resume is in
// test/models/crash-resume.test.ts.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tn from '../../lib/index.js';
import { formatTemplate } from '../../lib/callbacks/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());
let count = 0;
const fresh = () => join(root, `run${count++}`);

function data(n = 20) {
  const x = tn.randomNormal([n, 3], 0, 1, 'float32', 3);
  const y = tn.tensor(Array.from({ length: n }, (_, i) => i % 2), [n], 'int32');
  return { x, y };
}
function model() {
  const m = new tn.Sequential([new tn.layers.Dense(4, { inputShape: [3], activation: 'relu' }), new tn.layers.Dense(2, { activation: 'softmax' })]);
  m.compile({ optimizer: tn.optimizers.adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}
const flat = (m: tn.Model) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
/** Captures what `stream.write` is given while `f` runs. */
async function capture(stream: NodeJS.WriteStream, f: () => Promise<unknown>): Promise<string> {
  const written: string[] = [];
  const spy = vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await f();
  } finally {
    spy.mockRestore();
  }
  return written.join('');
}
/** Sets logs[key] to the next scripted value at each epoch end (placed before the checkpoint in the list). */
const script = (key: string, values: number[]) => new tn.LambdaCallback({ onEpochEnd: (epoch, logs) => void (logs![key] = values[epoch]) });

describe('filepath templates (Python str.format, as Keras uses them)', () => {
  it('format numbers as Python does', () => {
    // Each expected string is Python 3's output for the same format call.
    const cases: [string, Record<string, number>, string][] = [
      ['{epoch:02d}', { epoch: 3 }, '03'],
      ['{epoch:03d}-{val_loss:.4f}', { epoch: 12, val_loss: 0.123456 }, '012-0.1235'],
      ['{x:.2e}', { x: 12345.678 }, '1.23e+04'],
      ['{x:e}', { x: 0 }, '0.000000e+00'],
      ['{x:g}', { x: 0.0001 }, '0.0001'],
      ['{x:g}', { x: 0.00001 }, '1e-05'],
      ['{x:g}', { x: 123456789 }, '1.23457e+08'],
      ['{x:g}', { x: 100000 }, '100000'],
      ['{x:g}', { x: 1000000 }, '1e+06'],
      ['{x:.3g}', { x: 2.5 }, '2.5'],
      ['{x:#g}', { x: 2.5 }, '2.50000'],
      ['{x:.3}', { x: 3.14159 }, '3.14'],
      ['{x:.3}', { x: 2 }, '2.0'],
      ['{x:.3}', { x: 123 }, '1.23e+02'],
      ['{x:.2}', { x: 0.000123 }, '0.00012'],
      ['{x:.1%}', { x: 0.256 }, '25.6%'],
      ['{x:>8.3f}|', { x: 3.14159 }, '   3.142|'],
      ['{x:<6.1f}|', { x: 42 }, '42.0  |'],
      ['{epoch:^7d}|', { epoch: 42 }, '  42   |'],
      ['{x:+.2f}', { x: 1.5 }, '+1.50'],
      ['{x:08.3f}', { x: -3.14159 }, '-003.142'],
      ['{x:*>6.1f}', { x: 2 }, '***2.0'],
      ['{epoch:,d}', { epoch: 1234567 }, '1,234,567'],
      ['{x:.2f}', { x: -0 }, '-0.00'],
      ['{x:.2f}', { x: 0.125 }, '0.12'],
      ['{x:.2f}', { x: 0.375 }, '0.38'],
      ['{x:.0f}', { x: 2.5 }, '2'],
      ['{x:.0f}', { x: 3.5 }, '4'],
      ['{x:.1f}', { x: 0.15 }, '0.1'],
      ['{x:.1f}', { x: 0.25 }, '0.2'],
      ['{x:.3f}', { x: 1.0005 }, '1.000'],
      ['{x:.4f}', { x: 0.00005 }, '0.0001'],
      ['{x}', { x: 0.5 }, '0.5'],
      ['{x}', { x: 1 }, '1.0'],
      ['{x}', { x: 1e-5 }, '1e-05'],
      ['{x}', { x: 1e16 }, '1e+16'],
      ['{epoch}', { epoch: 7 }, '7'],
      ['{x:f}', { x: Infinity }, 'inf'],
      ['{x:.5f}', { x: -Infinity }, '-inf'],
      ['{x:.2f}', { x: NaN }, 'nan'],
      ['{{epoch}}-{epoch}', { epoch: 1 }, '{epoch}-1'],
      ['ckpt/model', {}, 'ckpt/model'],
    ];
    for (const [template, values, want] of cases) expect(formatTemplate(template, values), template).toBe(want);
  });

  it('match Python on 800 random values and format specs (test/fixtures/python-format.json)', () => {
    const { cases } = JSON.parse(readFileSync(new URL('../fixtures/python-format.json', import.meta.url), 'utf8')) as { cases: [string, string, string][] };
    expect(cases.length).toBe(800);
    const wrong = cases.filter(([value, spec, want]) => formatTemplate(`{x:${spec}}`, { x: Number(value) }) !== want);
    expect(wrong).toEqual([]);
  });

  it('refuse what Python refuses', () => {
    expect(() => formatTemplate('{missing}', { epoch: 1 })).toThrow(/KeyError 'missing': available keys are epoch/);
    expect(() => formatTemplate('{epoch', { epoch: 1 })).toThrow(/Single '\{' encountered/);
    expect(() => formatTemplate('epoch}', { epoch: 1 })).toThrow(/Single '\}' encountered/);
    expect(() => formatTemplate('{x:d}', { x: 0.5 })).toThrow(/Unknown format code 'd' for object of type 'float'/);
    expect(() => formatTemplate('{x:q}', { x: 1 })).toThrow(/Invalid format specifier 'q'/);
  });
});

describe('ModelCheckpoint', () => {
  it('saves every epoch to a templated path (1-based epoch, log values); each save holds that epoch\'s weights', async () => {
    const dir = fresh();
    const { x, y } = data();
    const m = model();
    const atEpochEnd: number[][] = [];
    const history = await m.fit(x, y, {
      epochs: 3, batchSize: 5, verbose: 0,
      callbacks: [new tn.ModelCheckpoint({ filepath: join(dir, 'ckpt-{epoch:02d}-{loss:.4f}') }), new tn.LambdaCallback({ onEpochEnd: () => void atEpochEnd.push(flat(m)) })],
    });
    const losses = history.history.loss;
    expect(readdirSync(dir).sort()).toEqual(losses.map((l, i) => `ckpt-0${i + 1}-${l.toFixed(4)}`));
    for (let i = 0; i < 3; i++) {
      const loaded = await tn.models.loadModel(join(dir, `ckpt-0${i + 1}-${losses[i].toFixed(4)}`));
      expect(flat(loaded)).toEqual(atEpochEnd[i]);
    }
  });

  it('saveBestOnly with mode min: saves on improvement and says so as Keras does', async () => {
    const dir = fresh();
    const { x, y } = data();
    const out = await capture(process.stdout, () => model().fit(x, y, {
      epochs: 4, batchSize: 10, verbose: 0,
      callbacks: [script('val_loss', [0.5, 0.7, 0.3, 0.3]), new tn.ModelCheckpoint(join(dir, 'e{epoch}'), { saveBestOnly: true, verbose: 1 })],
    }));
    expect(readdirSync(dir).sort()).toEqual(['e1', 'e3']);
    const lines = out.split('\n').filter((l) => l.startsWith('Epoch'));
    expect(lines).toEqual([
      `Epoch 1: val_loss improved from inf to 0.50000, saving model to ${join(dir, 'e1')}`,
      'Epoch 2: val_loss did not improve from 0.50000',
      `Epoch 3: val_loss improved from 0.50000 to 0.30000, saving model to ${join(dir, 'e3')}`,
      'Epoch 4: val_loss did not improve from 0.30000',
    ]);
  });

  it('mode: auto is max for accuracy-like names and min otherwise; max and min can be forced', async () => {
    expect(new tn.ModelCheckpoint('p', { monitor: 'val_accuracy' }).mode).toBe('max');
    expect(new tn.ModelCheckpoint('p', { monitor: 'auc' }).mode).toBe('max');
    expect(new tn.ModelCheckpoint('p', { monitor: 'val_loss' }).mode).toBe('min');
    expect(new tn.ModelCheckpoint('p', { monitor: 'val_loss', mode: 'max' }).mode).toBe('max');
    const dir = fresh();
    const { x, y } = data();
    await model().fit(x, y, {
      epochs: 4, batchSize: 10, verbose: 0,
      callbacks: [script('val_accuracy', [0.5, 0.4, 0.9, 0.9]), new tn.ModelCheckpoint(join(dir, 'e{epoch}'), { monitor: 'val_accuracy', saveBestOnly: true })],
    });
    expect(readdirSync(dir).sort()).toEqual(['e1', 'e3']);
    const forced = fresh();
    await model().fit(x, y, {
      epochs: 3, batchSize: 10, verbose: 0,
      callbacks: [script('score', [3, 2, 1]), new tn.ModelCheckpoint(join(forced, 'e{epoch}'), { monitor: 'score', mode: 'min', saveBestOnly: true })],
    });
    expect(readdirSync(forced).sort()).toEqual(['e1', 'e2', 'e3']);
  });

  it('initialValueThreshold is the value to beat before the first save', async () => {
    const dir = fresh();
    const { x, y } = data();
    const out = await capture(process.stdout, () => model().fit(x, y, {
      epochs: 3, batchSize: 10, verbose: 0,
      callbacks: [script('val_loss', [0.5, 0.45, 0.3]), new tn.ModelCheckpoint(join(dir, 'e{epoch}'), { saveBestOnly: true, initialValueThreshold: 0.4, verbose: 1 })],
    }));
    expect(readdirSync(dir)).toEqual(['e3']);
    expect(out).toContain('Epoch 3: val_loss improved from 0.40000 to 0.30000');
    const max = fresh();
    await model().fit(x, y, {
      epochs: 3, batchSize: 10, verbose: 0,
      callbacks: [script('val_accuracy', [0.7, 0.95, 0.9]), new tn.ModelCheckpoint(join(max, 'e{epoch}'), { monitor: 'val_accuracy', saveBestOnly: true, initialValueThreshold: 0.8 })],
    });
    expect(readdirSync(max)).toEqual(['e2']);
  });

  it('saveFreq in batches counts across epochs, with {batch} 1-based in the name', async () => {
    const dir = fresh();
    const { x, y } = data();
    const m = model();
    const seen: Record<string, number[]> = {};
    let epoch = 0;
    await m.fit(x, y, {
      epochs: 2, batchSize: 4, verbose: 0, shuffle: false,
      callbacks: [
        new tn.ModelCheckpoint(join(dir, 'e{epoch}-b{batch}'), { saveFreq: 3 }),
        new tn.LambdaCallback({ onEpochBegin: (e) => void (epoch = e), onBatchEnd: (b) => void (seen[`e${epoch + 1}-b${b + 1}`] = flat(m)) }),
      ],
    });
    // 5 batches per epoch: saves after batches 3, 6 and 9 overall.
    expect(readdirSync(dir).sort()).toEqual(['e1-b3', 'e2-b1', 'e2-b4']);
    for (const name of readdirSync(dir)) expect(flat(await tn.models.loadModel(join(dir, name)))).toEqual(seen[name]);
  });

  it('saveWeightsOnly writes weights (and optimizer state) that loadWeights reads back', async () => {
    const dir = fresh();
    const { x, y } = data();
    const m = model();
    await m.fit(x, y, { epochs: 2, batchSize: 5, verbose: 0, callbacks: [new tn.ModelCheckpoint(join(dir, 'w'), { saveWeightsOnly: true })] });
    expect(readdirSync(join(dir, 'w'))).toContain('weights.json');
    const other = model();
    await other.loadWeights(join(dir, 'w'));
    expect(flat(other)).toEqual(flat(m));
    expect(other.optimizer!.iterations).toBe(m.optimizer!.iterations);
    const v = m.trainableWeights[0];
    expect(Array.from(other.optimizer!.slotsOf(other.trainableWeights[0])![1])).toEqual(Array.from(m.optimizer!.slotsOf(v)![1]));
  });

  it('skips with a warning when the monitored value is missing', async () => {
    const dir = fresh();
    const { x, y } = data();
    const err = await capture(process.stderr, () => model().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new tn.ModelCheckpoint(join(dir, 'e'), { saveBestOnly: true })] }));
    expect(existsSync(dir)).toBe(false);
    expect(err).toMatch(/can save best model only with val_loss available, skipping/);
  });

  it('saves Keras 3 files: a .keras model per epoch, and .weights.h5 with saveWeightsOnly', async () => {
    const { x, y } = data();
    const dir = fresh();
    const m = model();
    await m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new tn.ModelCheckpoint(join(dir, 'm-{epoch:02d}.keras'))] });
    expect(readdirSync(dir).sort()).toEqual(['m-01.keras', 'm-02.keras']);
    const last = await tn.models.loadModel(join(dir, 'm-02.keras'));
    expect(flat(last)).toEqual(flat(m));
    // The first epoch's file holds that epoch's weights, which training changed since.
    expect(flat(await tn.models.loadModel(join(dir, 'm-01.keras')))).not.toEqual(flat(m));

    const wdir = fresh();
    const w = model();
    await w.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new tn.ModelCheckpoint(join(wdir, 'best.weights.h5'), { saveWeightsOnly: true, monitor: 'loss' })] });
    expect(readdirSync(wdir)).toEqual(['best.weights.h5']);
    const again = model();
    await again.loadWeights(join(wdir, 'best.weights.h5'));
    expect(flat(again)).toEqual(flat(w));
  });

  it('bad arguments and mismatched file endings give clear errors', async () => {
    expect(() => new tn.ModelCheckpoint('')).toThrow(/filepath must be a non-empty string/);
    expect(() => new tn.ModelCheckpoint('m-{epoch')).toThrow(/filepath "m-\{epoch" is not a valid template: Single '\{'/);
    expect(() => new tn.ModelCheckpoint('m', { saveFreq: 0 })).toThrow(/saveFreq must be 'epoch' or a positive integer/);
    expect(() => new tn.ModelCheckpoint('m', { mode: 'bogus' as 'min' })).toThrow(/mode must be 'auto', 'min' or 'max'/);
    const { x, y } = data();
    await expect(model().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new tn.ModelCheckpoint(join(fresh(), '{val_los}'))] })).rejects.toThrow(/Failed to format this callback filepath: ".*\{val_los\}"\. Reason: KeyError 'val_los'/);
    expect(() => new tn.ModelCheckpoint(join(fresh(), 'm.keras'), { saveWeightsOnly: true })).toThrow(/with saveWeightsOnly: true, the filepath must end in `\.weights\.h5`/);
    expect(() => new tn.ModelCheckpoint(join(fresh(), 'm.weights.h5'))).toThrow(/must end in `\.keras`.*pass saveWeightsOnly: true/);
    expect(() => new tn.ModelCheckpoint(join(fresh(), 'm.h5'))).toThrow(/must end in `\.keras`/);
    await expect(model().saveWeights(join(fresh(), 'm.keras'))).rejects.toThrow(/ends in \.keras, which is a whole-model format/);
  });
});

describe('BackupAndRestore', () => {
  it('checks its arguments', () => {
    expect(() => new tn.BackupAndRestore({ backupDir: '' })).toThrow(/Empty `backupDir`/);
    expect(() => new tn.BackupAndRestore({ backupDir: 'b', saveFreq: -2 })).toThrow(/Invalid value for argument `saveFreq`/);
    expect(new tn.BackupAndRestore('b').saveFreq).toBe('epoch');
    expect(new tn.BackupAndRestore({ backupDir: 'b' }).deleteCheckpoint).toBe(true);
  });

  it('an interrupted fit resumes mid-epoch in the same process and ends with the uninterrupted weights', async () => {
    const { x, y } = data(24);
    const build = () => {
      tn.clearSession();
      tn.setSeed(99);
      const m = new tn.Sequential([new tn.layers.Dense(6, { inputShape: [3], activation: 'relu' }), new tn.layers.Dropout(0.5), new tn.layers.Dense(2, { activation: 'softmax' })]);
      m.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy' });
      return m;
    };
    const reference = build();
    await reference.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });

    const dir = fresh();
    let batches = 0;
    const crash = new tn.LambdaCallback({ onBatchEnd: () => { if (++batches === 9) throw new Error('crash'); } });
    await expect(build().fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, saveFreq: 4 }), crash] })).rejects.toThrow('crash');
    // The generator moved on since the backup; the restore must put it back.
    tn.randomNormal([100]);
    const resumed = build();
    const starts: number[][] = [];
    const record = new tn.LambdaCallback({ onTrainBegin: () => void starts.push([resumed.resumeAt!.epoch, resumed.resumeAt!.step]) });
    await resumed.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, saveFreq: 4, deleteCheckpoint: false }), record] });
    // 6 batches per epoch; the last backup was after batch 8 overall: epoch 1, batch 2.
    expect(starts).toEqual([[1, 2]]);
    expect(flat(resumed)).toEqual(flat(reference));
    expect(resumed.optimizer!.iterations).toBe(18);
    expect(readdirSync(dir).sort()[0]).toBe('backup.json');
  });

  it('a backup taken after the last batch of an epoch resumes with that epoch\'s end, then the next epoch as it would have been', async () => {
    const { x, y } = data(24);
    const build = () => {
      tn.clearSession();
      tn.setSeed(5);
      const m = new tn.Sequential([new tn.layers.Dense(6, { inputShape: [3], activation: 'relu' }), new tn.layers.Dropout(0.5), new tn.layers.Dense(2, { activation: 'softmax' })]);
      m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
      return m;
    };
    const reference = build();
    await reference.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    const dir = fresh();
    let batches = 0;
    const crash = new tn.LambdaCallback({ onBatchEnd: () => { if (++batches === 8) throw new Error('crash'); } });
    // 6 batches per epoch and a backup every 6: the backup is at epoch 0, batch 6 (the epoch's end not yet run).
    await expect(build().fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, saveFreq: 6 }), crash] })).rejects.toThrow('crash');
    tn.randomUniform([7]);
    const resumed = build();
    let start: number[] = [];
    await resumed.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, saveFreq: 6 }), new tn.LambdaCallback({ onTrainBegin: () => void (start = [resumed.resumeAt!.epoch, resumed.resumeAt!.step]) })] });
    expect(start).toEqual([0, 6]);
    expect(flat(resumed)).toEqual(flat(reference));
  });

  it('a backup cannot be restored into a model that is not built', async () => {
    const dir = fresh();
    const { x, y } = data();
    await model().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, deleteCheckpoint: false })] });
    const unbuilt = new tn.Sequential([new tn.layers.Dense(4, { activation: 'relu' }), new tn.layers.Dense(2)]);
    unbuilt.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    await expect(unbuilt.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir })] })).rejects.toThrow(/must be built before fit\(\) to restore .*backup\.json/);
  });
});

describe('misspelt options of callbacks, data, constraints, schedules and model methods', () => {
  it('are errors naming the option and the spelling taken, as Keras refuses unknown keyword arguments', async () => {
    expect(() => new tn.EarlyStopping({ patients: 3 } as never)).toThrow(/EarlyStopping: unrecognized option "patients"/);
    expect(() => new tn.EarlyStopping({ restore_best_weights: true } as never)).toThrow(/"restore_best_weights" \(did you mean restoreBestWeights\?\)/);
    expect(() => new tn.ModelCheckpoint('/tmp/x.keras', { save_best_only: true } as never)).toThrow(/ModelCheckpoint: unrecognized option "save_best_only" \(did you mean saveBestOnly\?\)/);
    expect(() => new tn.ReduceLROnPlateau({ min_lr: 0.1 } as never)).toThrow(/"min_lr" \(did you mean minLr\?\)/);
    expect(() => new tn.callbacks.TensorBoard({ log_dir: '/tmp/tb' } as never)).toThrow(/TensorBoard: unrecognized option "log_dir" \(did you mean logDir\?\)/);
    expect(() => new tn.LambdaCallback({ onEpochEnds: () => {} } as never)).toThrow(/LambdaCallback: unrecognized option "onEpochEnds"/);
    expect(() => tn.data.array([1, 2]).batch(2, { dropRemaining: true } as never)).toThrow(/batch: unrecognized option "dropRemaining"/);
    expect(() => tn.data.array([1, 2]).shuffle(2, { sed: 1 } as never)).toThrow(/shuffle: unrecognized option "sed"/);
    expect(() => new tn.constraints.MaxNorm({ max_value: 3 } as never)).toThrow(/MaxNorm: unrecognized option "max_value" \(did you mean maxValue\?\)/);
    expect(() => new tn.optimizers.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, stair: true } as never)).toThrow(/ExponentialDecay: unrecognized option "stair"/);
    expect(() => new tn.Sequential({ layer: [] } as never)).toThrow(/Sequential: unrecognized option "layer"/);
    const model = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [2] })]);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metric: ['mae'] } as never)).toThrow(/compile: unrecognized option "metric"/);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(() => model.trainOnBatch(tn.ones([1, 2]), tn.ones([1, 1]), { sampleWeigth: tn.ones([1]) } as never)).toThrow(/trainOnBatch: unrecognized option "sampleWeigth"/);
    await expect(tn.models.loadModel('/nonexistent/model.json', { complie: false } as never)).rejects.toThrow(/loadModel: unrecognized option "complie"/);
    await expect(model.save('/tmp/never-written', { overwite: true } as never)).rejects.toThrow(/save: unrecognized option "overwite"/);
  });
});
