// The TensorBoard callback's event files, read back with a reader written here from the format's specification
// (TFRecord framing, CRC32C computed bit by bit, protobuf wire format decoded by hand with the field numbers of
// TensorFlow's event.proto, summary.proto and graph.proto), not with the library's own encoder or framing code.
// TensorBoard itself (the Python package) is not installable on this machine (no PyPI), so it does not read them here.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { crc32c, maskedCrc32c, readRecords } from '../../lib/io/tfrecord.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-tb-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());
let count = 0;
const fresh = () => join(root, `run${count++}`);

// ---- An independent reader -------------------------------------------------------------------------------------

/** CRC-32C, one bit at a time (reflected polynomial 0x82F63B78). */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function mask(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

/** Every record of a TFRecord file, each CRC checked; throws on any mismatch or trailing bytes. */
function records(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    const lo = view.getUint32(at, true);
    const hi = view.getUint32(at + 4, true);
    expect(hi).toBe(0);
    expect(view.getUint32(at + 8, true)).toBe(mask(crc32cBitwise(bytes.subarray(at, at + 8))));
    const data = bytes.subarray(at + 12, at + 12 + lo);
    expect(data.length).toBe(lo);
    expect(view.getUint32(at + 12 + lo, true)).toBe(mask(crc32cBitwise(data)));
    out.push(data);
    at += 16 + lo;
  }
  expect(at).toBe(bytes.length);
  return out;
}

type Field = { wire: number; int?: bigint; bytes?: Uint8Array; f32?: number; f64?: number };

/** Protobuf wire format: field number -> its occurrences. */
function fields(bytes: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[at++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const wire = key & 7;
    const f: Field = { wire };
    if (wire === 0) f.int = varint();
    else if (wire === 1) {
      f.f64 = view.getFloat64(at, true);
      at += 8;
    } else if (wire === 2) {
      const n = Number(varint());
      f.bytes = bytes.subarray(at, at + n);
      at += n;
    } else if (wire === 5) {
      f.f32 = view.getFloat32(at, true);
      at += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
    const list = out.get(key >>> 3) ?? [];
    list.push(f);
    out.set(key >>> 3, list);
  }
  return out;
}
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const packedDoubles = (b: Uint8Array) => Array.from({ length: b.length / 8 }, (_, i) => new DataView(b.buffer, b.byteOffset).getFloat64(i * 8, true));

interface Histo { min: number; max: number; num: number; sum: number; sumSquares: number; limits: number[]; counts: number[] }
interface ReadEvent { wallTime: number; step: number; fileVersion?: string; graphDef?: Uint8Array; tag?: string; value?: number; histo?: Histo }

/** Event (event.proto): wall_time 1 double, step 2 int64, file_version 3, graph_def 4, summary 5; one value each here. */
function readEvents(path: string): ReadEvent[] {
  return records(readFileSync(path)).map((r) => {
    const e = fields(r);
    const ev: ReadEvent = { wallTime: e.get(1)![0].f64!, step: Number(e.get(2)?.[0].int ?? 0n) };
    if (e.has(3)) ev.fileVersion = text(e.get(3)![0].bytes);
    if (e.has(4)) ev.graphDef = e.get(4)![0].bytes;
    if (e.has(5)) {
      const values = fields(e.get(5)![0].bytes!).get(1)!;
      expect(values.length).toBe(1);
      // Summary.Value: tag 1, simple_value 2 (float), histo 5 (HistogramProto).
      const v = fields(values[0].bytes!);
      ev.tag = text(v.get(1)![0].bytes);
      if (v.has(2)) ev.value = v.get(2)![0].f32;
      if (v.has(5)) {
        const h = fields(v.get(5)![0].bytes!);
        const d = (k: number) => h.get(k)?.[0].f64 ?? 0;
        ev.histo = { min: d(1), max: d(2), num: d(3), sum: d(4), sumSquares: d(5), limits: packedDoubles(h.get(6)![0].bytes!), counts: packedDoubles(h.get(7)![0].bytes!) };
      }
    }
    return ev;
  });
}

function eventFile(dir: string): string {
  const files = readdirSync(dir);
  expect(files.length).toBe(1);
  expect(files[0]).toMatch(/^events\.out\.tfevents\.\d{10}\..+\.v2$/);
  return join(dir, files[0]);
}

const scalars = (events: ReadEvent[], tag: string) => events.filter((e) => e.tag === tag).map((e) => [e.step, e.value!]);

// ---- Models ----------------------------------------------------------------------------------------------------

function data(n = 24) {
  const x = tn.randomNormal([n, 3], 0, 1, 'float32', 3);
  const y = tn.tensor(Array.from({ length: n }, (_, i) => i % 2), [n], 'int32');
  return { x, y };
}
function model() {
  const m = new tn.Sequential([new tn.layers.Dense(4, { inputShape: [3], activation: 'relu' }), new tn.layers.Dense(2, { activation: 'softmax' })]);
  m.compile({ optimizer: tn.optimizers.adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

describe('the independent reader', () => {
  it('computes the CRC-32C check values of RFC 3720, as the library does', () => {
    expect(crc32cBitwise(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32cBitwise(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32cBitwise(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32cBitwise(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    expect(crc32c(bytes)).toBe(crc32cBitwise(bytes));
    expect(maskedCrc32c(bytes)).toBe(mask(crc32cBitwise(bytes)));
  });
});

describe('TensorBoard callback', () => {
  it('writes Keras 3 epoch scalars equal to the History logs, train and validation in their own files', async () => {
    const logDir = fresh();
    const { x, y } = data();
    const m = model();
    const tb = new tn.callbacks.TensorBoard({ logDir });
    const history = await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.25, callbacks: [tb] });
    expect(readdirSync(logDir).sort()).toEqual(['train', 'validation']);

    const train = readEvents(eventFile(join(logDir, 'train')));
    expect(train[0].fileVersion).toBe('brain.Event:2');
    expect(train[0].step).toBe(0);
    expect(Math.abs(train[0].wallTime - Date.now() / 1000)).toBeLessThan(600);
    for (const name of ['loss', 'accuracy']) {
      expect(scalars(train, `epoch_${name}`)).toEqual(history.history[name].map((v, i) => [i, Math.fround(v)]));
    }
    expect(scalars(train, 'epoch_learning_rate')).toEqual([[0, Math.fround(0.05)], [1, Math.fround(0.05)], [2, Math.fround(0.05)]]);
    // No batch scalars with updateFreq 'epoch'; no histograms with histogramFreq 0.
    expect(train.filter((e) => e.tag?.startsWith('batch_') || e.histo)).toEqual([]);

    const val = readEvents(eventFile(join(logDir, 'validation')));
    expect(val[0].fileVersion).toBe('brain.Event:2');
    for (const name of ['loss', 'accuracy']) {
      expect(scalars(val, `epoch_${name}`)).toEqual(history.history[`val_${name}`].map((v, i) => [i, Math.fround(v)]));
    }
    // Keras 3 also writes each validation at the optimizer's step (18 training samples in batches of 8: 3 steps an epoch).
    for (const name of ['loss', 'accuracy']) {
      expect(scalars(val, `evaluation_${name}_vs_iterations`)).toEqual(history.history[`val_${name}`].map((v, i) => [3 * (i + 1), Math.fround(v)]));
    }
    expect(val.filter((e) => e.tag && !e.tag.startsWith('epoch_') && !e.tag.startsWith('evaluation_'))).toEqual([]);
    // The callback did not add learning_rate to the History logs (Keras adds it to its own copy).
    expect(history.history.learning_rate).toBeUndefined();
  });

  it("writes batch scalars every N batches with updateFreq 'batch' or N, counting batches across epochs from 1", async () => {
    const { x, y } = data(24);
    for (const [updateFreq, every] of [['batch', 1], [2, 2]] as const) {
      tn.clearSession();
      const logDir = fresh();
      const seen: number[] = [];
      const losses = new tn.LambdaCallback({ onBatchEnd: (_b, logs) => void seen.push(logs!.loss) });
      await model().fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [new tn.callbacks.TensorBoard({ logDir, updateFreq }), losses] });
      const train = readEvents(eventFile(join(logDir, 'train')));
      const expected = seen.map((v, i) => [i + 1, Math.fround(v)]).filter(([s]) => s % every === 0);
      expect(scalars(train, 'batch_loss')).toEqual(expected);
      expect(scalars(train, 'batch_accuracy').map(([s]) => s)).toEqual(expected.map(([s]) => s));
      expect(seen.length).toBe(6);
    }
  });

  it('writes the training speed with writeStepsPerSecond', async () => {
    const logDir = fresh();
    const { x, y } = data(24);
    await model().fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [new tn.callbacks.TensorBoard({ logDir, writeStepsPerSecond: true })] });
    const train = readEvents(eventFile(join(logDir, 'train')));
    const perBatch = scalars(train, 'batch_steps_per_second');
    expect(perBatch.map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6]);
    const perEpoch = scalars(train, 'epoch_steps_per_second');
    expect(perEpoch.map(([s]) => s)).toEqual([0, 1]);
    for (const [, v] of [...perBatch, ...perEpoch]) expect(v > 0 && Number.isFinite(v)).toBe(true);
  });

  it('writes weight histograms every histogramFreq epochs, in TensorFlow\'s bucket layout', async () => {
    const logDir = fresh();
    const { x, y } = data();
    const m = model();
    await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [new tn.callbacks.TensorBoard({ logDir, histogramFreq: 2 })] });
    const train = readEvents(eventFile(join(logDir, 'train')));
    const histos = train.filter((e) => e.histo);
    const tags = ['dense/kernel/histogram', 'dense/bias/histogram', 'dense_1/kernel/histogram', 'dense_1/bias/histogram'];
    expect(histos.map((e) => [e.step, e.tag])).toEqual([...tags.map((t) => [0, t]), ...tags.map((t) => [2, t])]);

    // TensorFlow's default bucket edges, built here from histogram.cc's description: 1e-12 * 1.1^k below 1e20,
    // mirrored, with 0 and ±DBL_MAX.
    const pos: number[] = [];
    for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
    const edges = [-Number.MAX_VALUE, ...pos.map((v) => -v).reverse(), 0, ...pos, Number.MAX_VALUE];
    // The last epoch's histograms are of the final weights.
    m.getWeights().forEach((w, i) => {
      const h = histos[4 + i].histo!;
      const values = Array.from(w.dataSync());
      expect(h.num).toBe(values.length);
      expect(h.min).toBe(Math.min(...values));
      expect(h.max).toBe(Math.max(...values));
      expect(h.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 10);
      expect(h.sumSquares).toBeCloseTo(values.reduce((a, b) => a + b * b, 0), 10);
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
      // Each bucket's count is the number of values in [previous limit, limit); limits are edges, increasing.
      let lower = -Infinity;
      h.limits.forEach((limit, k) => {
        expect(edges).toContain(limit);
        expect(limit).toBeGreaterThan(lower);
        expect(h.counts[k]).toBe(values.filter((v) => v >= lower && v < limit).length);
        lower = limit;
      });
    });
  });

  it('writes the graph of layer calls, with ops, inputs and output shapes', async () => {
    const logDir = fresh();
    const inp = tn.input({ shape: [6], name: 'features' });
    const a = new tn.layers.Dense(4, { activation: 'relu', name: 'left' }).apply(inp) as tn.SymbolicTensor;
    const b = new tn.layers.Dense(3, { name: 'right' }).apply(inp) as tn.SymbolicTensor;
    const merged = new tn.layers.Concatenate({ name: 'joined' }).apply([a, b]) as tn.SymbolicTensor;
    const out = new tn.layers.Dense(1, { name: 'head' }).apply(merged) as tn.SymbolicTensor;
    const m = new tn.Model({ inputs: inp, outputs: out });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.fit(tn.randomNormal([8, 6]), tn.randomNormal([8, 1]), { epochs: 1, verbose: 0, callbacks: [new tn.callbacks.TensorBoard({ logDir })] });
    const train = readEvents(eventFile(join(logDir, 'train')));
    const graphs = train.filter((e) => e.graphDef);
    expect(graphs.length).toBe(1);
    // GraphDef: node 1 (NodeDef: name 1, op 2, input 3, attr 5 as map entries key 1 / AttrValue 2).
    const nodes = (fields(graphs[0].graphDef!).get(1) ?? []).map((n) => {
      const f = fields(n.bytes!);
      const attrs = new Map((f.get(5) ?? []).map((entry) => {
        const kv = fields(entry.bytes!);
        return [text(kv.get(1)![0].bytes), fields(kv.get(2)![0].bytes!)] as const;
      }));
      // AttrValue.list 1 -> ListValue.shape 7 -> TensorShapeProto.dim 2 -> Dim.size 1 (int64, -1 for unknown).
      const shapes = (attrs.get('_output_shapes')?.get(1)?.[0].bytes ? fields(attrs.get('_output_shapes')!.get(1)![0].bytes!).get(7) ?? [] : []).map((s) =>
        (fields(s.bytes!).get(2) ?? []).map((d) => BigInt.asIntN(64, fields(d.bytes!).get(1)?.[0].int ?? 0n)).map(Number),
      );
      return { name: text(f.get(1)![0].bytes), op: text(f.get(2)![0].bytes), input: (f.get(3) ?? []).map((i) => text(i.bytes)), shapes, units: attrs.get('units')?.get(3)?.[0].int };
    });
    expect(nodes.map(({ name, op, input, shapes }) => ({ name, op, input, shapes }))).toEqual([
      { name: 'features', op: 'Placeholder', input: [], shapes: [[-1, 6]] },
      { name: 'left', op: 'Dense', input: ['features'], shapes: [[-1, 4]] },
      { name: 'right', op: 'Dense', input: ['features'], shapes: [[-1, 3]] },
      { name: 'joined', op: 'Concatenate', input: ['left', 'right'], shapes: [[-1, 7]] },
      { name: 'head', op: 'Dense', input: ['joined'], shapes: [[-1, 1]] },
    ]);
    expect(nodes[1].units).toBe(4n);

    // A Sequential model: its input as a Placeholder, then a chain.
    tn.clearSession();
    const seqDir = fresh();
    const { x, y } = data();
    await model().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new tn.callbacks.TensorBoard({ logDir: seqDir })] });
    const seqGraph = fields(readEvents(eventFile(join(seqDir, 'train'))).find((e) => e.graphDef)!.graphDef!).get(1)!.map((n) => {
      const f = fields(n.bytes!);
      return [text(f.get(1)![0].bytes), text(f.get(2)![0].bytes), (f.get(3) ?? []).map((i) => text(i.bytes))];
    });
    expect(seqGraph).toEqual([['input_layer', 'Placeholder', []], ['dense', 'Dense', ['input_layer']], ['dense_1', 'Dense', ['dense']]]);
  });

  it('writes evaluation_<metric>_vs_iterations after evaluate, at the optimizer step', async () => {
    const logDir = fresh();
    const { x, y } = data();
    const m = model();
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const result = await m.evaluate(x, y, { verbose: 0, returnDict: true, callbacks: [new tn.callbacks.TensorBoard({ logDir })] });
    const val = readEvents(eventFile(join(logDir, 'validation')));
    expect(scalars(val, 'evaluation_loss_vs_iterations')).toEqual([[3, Math.fround(result.loss)]]);
    expect(scalars(val, 'evaluation_accuracy_vs_iterations')).toEqual([[3, Math.fround(result.accuracy)]]);
  });

  it('each fit starts new event files; the library\'s reader stops at a record cut short and names a corrupt one', async () => {
    const logDir = fresh();
    const { x, y } = data();
    const m = model();
    const tb = new tn.callbacks.TensorBoard({ logDir, writeGraph: false });
    await m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [tb] });
    const first = tb.files.train!;
    await m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [tb] });
    expect(tb.files.train).not.toBe(first);
    expect(readdirSync(join(logDir, 'train')).length).toBe(2);

    const bytes = readFileSync(first);
    const whole = readRecords(bytes);
    expect(whole.length).toBe(records(bytes).length);
    expect(readRecords(bytes.subarray(0, bytes.length - 3)).length).toBe(whole.length - 1);
    const damaged = Uint8Array.from(bytes);
    damaged[bytes.length - 6] ^= 1;
    const path = join(logDir, 'damaged');
    writeFileSync(path, damaged);
    expect(() => readRecords(readFileSync(path), path)).toThrow(/corrupted record at byte \d+: the data's CRC/);
  });

  it('rejects bad arguments with the argument named', () => {
    expect(() => new tn.callbacks.TensorBoard({ updateFreq: 0 })).toThrow(/updateFreq must be 'epoch', 'batch' or a positive integer, received 0/);
    expect(() => new tn.callbacks.TensorBoard({ histogramFreq: -1 })).toThrow(/histogramFreq must be a non-negative integer/);
    expect(() => new tn.callbacks.TensorBoard({ logDir: '' })).toThrow(/logDir must be a non-empty string/);
    expect(() => new tn.callbacks.TensorBoard({ embeddingsFreq: 1 })).toThrow(/embeddingsFreq is not supported/);
  });
});

describe("tfjs-node's tf.node", () => {
  it('tensorBoard(logdir, { updateFreq }) is the TensorBoard callback: the same epoch and batch scalars', async () => {
    const logDir = fresh();
    const { x, y } = data(16);
    const seen: number[] = [];
    const history = await model().fit(x, y, {
      epochs: 2, batchSize: 8, verbose: 0, validationSplit: 0.25,
      callbacks: [tn.node.tensorBoard(logDir, { updateFreq: 'batch' }), new tn.LambdaCallback({ onBatchEnd: (_b, logs) => void seen.push(logs!.loss) })],
    });
    const train = readEvents(eventFile(join(logDir, 'train')));
    expect(scalars(train, 'epoch_loss')).toEqual(history.history.loss.map((v, i) => [i, Math.fround(v)]));
    expect(scalars(train, 'batch_loss')).toEqual(seen.map((v, i) => [i + 1, Math.fround(v)]));
    const val = readEvents(eventFile(join(logDir, 'validation')));
    expect(scalars(val, 'epoch_accuracy')).toEqual(history.history.val_accuracy.map((v, i) => [i, Math.fround(v)]));
    expect(() => tn.node.tensorBoard(logDir, { updateFreq: 'sometimes' as 'batch' })).toThrow(`node.tensorBoard: updateFreq must be 'batch' or 'epoch', received "sometimes"`);
    expect(() => tn.node.tensorBoard(logDir, { updatefreq: 'batch' } as never)).toThrow(/node.tensorBoard: unrecognized option "updatefreq"/);
  });

  it("summaryFileWriter(logdir) writes a custom loop's scalars and histograms, one writer per logdir", () => {
    const logDir = fresh();
    const writer = tn.node.summaryFileWriter(logDir);
    expect(tn.node.summaryFileWriter(logDir)).toBe(writer);
    writer.scalar('reward', 1.5, 0);
    writer.scalar('reward', tn.tensor(2.25), 1);
    writer.histogram('weights', tn.tensor([1, 2, 2, 3]), 1);
    writer.flush();
    const events = readEvents(eventFile(logDir));
    expect(scalars(events, 'reward')).toEqual([[0, 1.5], [1, 2.25]]);
    const h = events.find((e) => e.tag === 'weights')!;
    expect([h.step, h.histo!.min, h.histo!.max, h.histo!.num, h.histo!.sum]).toEqual([1, 1, 3, 4, 8]);
    expect(() => writer.scalar('reward', tn.tensor([1, 2]), 2)).toThrow("SummaryFileWriter.scalar('reward') must be a number or a one-element tensor, received a tensor of shape [2]");
    expect(() => writer.scalar('reward', 1, 0.5)).toThrow("SummaryFileWriter.scalar('reward'): step must be an integer, received 0.5");
    expect(() => writer.histogram('w', tn.tensor([1]), 0, 30)).toThrow(/buckets is not supported/);
    expect(() => tn.node.summaryFileWriter(logDir, 100)).toThrow(/maxQueue, flushMillis and filenameSuffix are not supported/);
  });
});
