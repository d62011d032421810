// tn.data's sources and transformations, each against the same computation on a plain array.
import { mkdtempSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const { data } = tn;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Plain-array batching: rows [i, i + n) stacked. */
function chunks<T>(items: T[], n: number, drop = false): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return drop && out.length && out[out.length - 1].length < n ? out.slice(0, -1) : out;
}

describe('sources', () => {
  it('array yields its items in order, every iteration', async () => {
    const ds = data.array([3, 1, 2]);
    expect(ds.size).toBe(3);
    expect(await ds.toArray()).toEqual([3, 1, 2]);
    expect(await ds.toArray()).toEqual([3, 1, 2]);
  });

  it('zip pairs datasets as arrays or objects and ends with the shortest', async () => {
    const a = data.array([1, 2, 3]);
    const b = data.array(['a', 'b']);
    expect(await data.zip([a, b]).toArray()).toEqual([[1, 'a'], [2, 'b']]);
    expect(await data.zip({ x: a, y: b }).toArray()).toEqual([{ x: 1, y: 'a' }, { x: 2, y: 'b' }]);
    expect(data.zip([a, b]).size).toBe(2);
  });

  it('generator calls its function for each iteration (sync and async generators)', async () => {
    let calls = 0;
    const sync = data.generator(function* () {
      calls++;
      yield* [1, 2, 3];
    });
    expect(await sync.toArray()).toEqual([1, 2, 3]);
    expect(await sync.toArray()).toEqual([1, 2, 3]);
    expect(calls).toBe(2);
    const asyncGen = data.generator(async function* () {
      for (const i of range(4)) {
        await sleep(1);
        yield i * 10;
      }
    });
    expect(sync.size).toBeNull();
    expect(await asyncGen.toArray()).toEqual([0, 10, 20, 30]);
  });

  it('fromAsyncIterable reads a Node Readable in object mode once, and a function that opens one every time', async () => {
    const rows = [{ a: 1 }, { a: 2 }, { a: 3 }];
    const ds = data.fromAsyncIterable(Readable.from(rows, { objectMode: true }));
    expect(await ds.toArray()).toEqual(rows);
    await expect(ds.toArray()).rejects.toThrow(/can be read only once/);
    const reopened = data.fromAsyncIterable(() => Readable.from(rows, { objectMode: true }));
    expect(await reopened.map((r) => r.a).toArray()).toEqual([1, 2, 3]);
    expect(await reopened.map((r) => r.a).toArray()).toEqual([1, 2, 3]);
    // A stream read through cache() is read once and replayed.
    const cached = data.fromAsyncIterable(Readable.from(rows, { objectMode: true })).cache();
    expect(await cached.toArray()).toEqual(rows);
    expect(await cached.toArray()).toEqual(rows);
  });

  it('iterator() and forEachAsync follow TF.js', async () => {
    const it = await data.array([1, 2]).iterator();
    expect(await it.next()).toEqual({ value: 1, done: false });
    expect(await it.next()).toEqual({ value: 2, done: false });
    expect((await it.next()).done).toBe(true);
    const seen: number[] = [];
    await data.array([5, 6]).forEachAsync(async (x) => {
      await sleep(1);
      seen.push(x);
    });
    expect(seen).toEqual([5, 6]);
  });
});

describe('transformations against plain arrays', () => {
  const items = range(23);

  it('map (sync, async, parallel) keeps order', async () => {
    expect(await data.array(items).map((x) => x * x).toArray()).toEqual(items.map((x) => x * x));
    const delays = items.map((i) => (i * 7) % 5);
    const slowFirst = (x: number) => sleep(delays[x]).then(() => x + 1);
    expect(await data.array(items).map(slowFirst).toArray()).toEqual(items.map((x) => x + 1));
    expect(await data.array(items).map(slowFirst, { numParallelCalls: 4 }).toArray()).toEqual(items.map((x) => x + 1));
    expect(await data.array(items).mapAsync(slowFirst, { numParallelCalls: data.AUTOTUNE }).toArray()).toEqual(items.map((x) => x + 1));
  });

  it('numParallelCalls runs that many calls at once, and no more', async () => {
    let running = 0;
    let peak = 0;
    const f = async (x: number) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(2);
      running--;
      return x;
    };
    expect(await data.array(items).map(f, { numParallelCalls: 3 }).toArray()).toEqual(items);
    expect(peak).toBe(3);
  });

  it('filter (sync and async)', async () => {
    expect(await data.array(items).filter((x) => x % 3 === 0).toArray()).toEqual(items.filter((x) => x % 3 === 0));
    expect(await data.array(items).filter(async (x) => x > 20).toArray()).toEqual([21, 22]);
  });

  it('batch stacks numbers, arrays, typed arrays, tensors, strings and nested objects', async () => {
    for (const drop of [false, true]) {
      const ds = data.array(items).batch(5, { dropRemainder: drop });
      const got = await ds.toArray();
      expect(ds.size).toBe(got.length);
      expect(got.map((t) => Array.from(t.data()))).toEqual(chunks(items, 5, drop));
    }
    // TF.js's second argument: smallLastBatch.
    expect((await data.array(items).batch(5, false).toArray()).length).toBe(4);
    const elements = items.map((i) => ({
      xs: { image: tn.tensor([[i, i + 1], [i + 2, i + 3]]), features: Float32Array.of(i, -i), list: [i, 2 * i, 3 * i] },
      ys: [Int32Array.of(i % 3), `s${i}`],
    }));
    const batches = await data.array(elements).batch(4).toArray();
    expect(batches.length).toBe(6);
    batches.forEach((b, k) => {
      const rows = elements.slice(4 * k, 4 * k + 4);
      const n = rows.length;
      expect(b.xs.image.shape).toEqual([n, 2, 2]);
      expect(Array.from(b.xs.image.data())).toEqual(rows.flatMap((r) => Array.from(r.xs.image.data())));
      expect(b.xs.features.shape).toEqual([n, 2]);
      expect(Array.from(b.xs.features.data())).toEqual(rows.flatMap((r) => Array.from(r.xs.features)));
      expect(b.xs.list.shape).toEqual([n, 3]);
      expect(b.xs.list.array()).toEqual(rows.map((r) => r.xs.list));
      expect(b.ys[0].dtype).toBe('int32');
      expect(b.ys[0].array()).toEqual(rows.map((r) => [r.ys[0][0]]));
      expect(tn.isStringTensor(b.ys[1])).toBe(true);
      expect(b.ys[1].array()).toEqual(rows.map((r) => r.ys[1]));
    });
  });

  it('batch names the element and place whose shape differs', async () => {
    const ds = data.array([tn.zeros([2]), tn.zeros([2]), tn.zeros([3])]).map((t) => ({ x: t })).batch(3);
    await expect(ds.toArray()).rejects.toThrow(/element 2 has a float32 tensor of shape \[3\] at \.x, but element 0 has a float32 tensor of shape \[2\]/);
  });

  it('unbatch inverts batch', async () => {
    const elements = items.map((i) => [tn.tensor([i, -i]), i % 2]);
    const back = await data.array(elements).batch(6).unbatch().toArray();
    expect(back.length).toBe(items.length);
    back.forEach((e, i) => {
      expect((e as tn.Tensor[])[0].array()).toEqual([i, -i]);
      expect((e as tn.Tensor[])[1].item()).toBe(i % 2);
    });
  });

  it('repeat, take, skip, concatenate', async () => {
    expect(await data.array([1, 2]).repeat(3).toArray()).toEqual([1, 2, 1, 2, 1, 2]);
    expect(data.array([1, 2]).repeat(3).size).toBe(6);
    expect(data.array([1, 2]).repeat().size).toBe(Infinity);
    expect(await data.array([1, 2]).repeat().take(5).toArray()).toEqual([1, 2, 1, 2, 1]);
    expect(await data.array(items).take(4).toArray()).toEqual(items.slice(0, 4));
    expect(await data.array(items).skip(20).toArray()).toEqual(items.slice(20));
    expect(data.array(items).skip(30).size).toBe(0);
    expect(await data.array([1]).concatenate(data.array([2, 3])).toArray()).toEqual([1, 2, 3]);
    expect(data.array([]).repeat().size).toBe(0);
    expect(await data.array([]).repeat().toArray()).toEqual([]);
  });

  it("shard(numShards, index) keeps every numShards-th element from index, as tf.data's does", async () => {
    expect(await data.array(items).shard(3, 0).toArray()).toEqual(items.filter((_, i) => i % 3 === 0));
    expect(await data.array(items).shard(3, 2).toArray()).toEqual(items.filter((_, i) => i % 3 === 2));
    // The shards split the dataset: TF's audio tutorial halves its validation set into a test set this way.
    const halves = [await data.array(items).shard(2, 0).toArray(), await data.array(items).shard(2, 1).toArray()];
    expect([...halves[0], ...halves[1]].sort((a, b) => a - b)).toEqual(items);
    expect([0, 1, 2].map((i) => data.array(items).shard(3, i).size)).toEqual([0, 1, 2].map((i) => items.filter((_, j) => j % 3 === i).length));
    expect(data.array([1, 2]).repeat().shard(2, 1).size).toBe(Infinity);
    expect(() => data.array(items).shard(2, 2)).toThrow(/shard: index must be less than numShards \(2\), received 2/);
    expect(() => data.array(items).shard(0, 0)).toThrow(/shard: numShards must be an integer >= 1, received 0/);
  });

  it('take stops pulling from upstream once it has its elements', async () => {
    let pulled = 0;
    const ds = data.generator(function* () {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    });
    expect(await ds.take(3).toArray()).toEqual([0, 1, 2]);
    expect(pulled).toBe(3);
  });

  it('shuffle is a permutation, repeats with a seed, and reshuffles each iteration unless told not to', async () => {
    const ds = data.array(items).shuffle(100, { seed: 7 });
    const first = await ds.toArray();
    const second = await ds.toArray();
    expect([...first].sort((a, b) => a - b)).toEqual(items);
    expect(first).not.toEqual(items);
    expect(second).not.toEqual(first);
    // The same seed gives the same sequence of orders.
    const again = data.array(items).shuffle(100, { seed: 7 });
    expect(await again.toArray()).toEqual(first);
    expect(await again.toArray()).toEqual(second);
    // TF.js's positional form, with a string seed.
    const tfjs = data.array(items).shuffle(100, 'seven', false);
    expect(await tfjs.toArray()).toEqual(await tfjs.toArray());
    expect([...(await tfjs.toArray())].sort((a, b) => a - b)).toEqual(items);
    const fixed = data.array(items).shuffle(100, { seed: 7, reshuffleEachIteration: false });
    expect(await fixed.toArray()).toEqual(await fixed.toArray());
    // Without a seed, tn.setSeed makes the order repeat.
    tn.setSeed(3);
    const a = await data.array(items).shuffle(10).toArray();
    tn.setSeed(3);
    const b = await data.array(items).shuffle(10).toArray();
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
  });

  it('a small shuffle buffer only moves elements within its reach', async () => {
    const got = await data.array(items).shuffle(1, { seed: 1 }).toArray();
    expect(got).toEqual(items);
    const local = await data.array(range(200)).shuffle(4, { seed: 2 }).toArray();
    // An element leaves the buffer at the earliest when it enters it: at most 3 places ahead of its own.
    local.forEach((v, i) => expect(v).toBeLessThanOrEqual(i + 3));
  });

  it('shuffle over repeat gives each pass its own order (the epochs of a seeded pipeline repeat run to run)', async () => {
    const ds = data.array(range(10)).shuffle(10, { seed: 5 }).repeat(2);
    const all = await ds.toArray();
    expect([...all.slice(0, 10)].sort((a, b) => a - b)).toEqual(range(10));
    expect([...all.slice(10)].sort((a, b) => a - b)).toEqual(range(10));
    expect(all.slice(0, 10)).not.toEqual(all.slice(10));
    expect(await data.array(range(10)).shuffle(10, { seed: 5 }).repeat(2).toArray()).toEqual(all);
  });

  it('prefetch yields the same elements', async () => {
    expect(await data.array(items).map(async (x) => x * 2).prefetch(3).toArray()).toEqual(items.map((x) => x * 2));
    expect(await data.array([]).prefetch(2).toArray()).toEqual([]);
  });

  it('cache in memory reads upstream once', async () => {
    let calls = 0;
    const ds = data.array(items).map((x) => {
      calls++;
      return x + 1;
    }).cache();
    expect(await ds.toArray()).toEqual(items.map((x) => x + 1));
    expect(await ds.toArray()).toEqual(items.map((x) => x + 1));
    expect(calls).toBe(items.length);
    // An iteration that stops early is not kept.
    let partial = 0;
    const early = data.array(items).map((x) => (partial++, x)).cache();
    expect(await early.take(3).toArray()).toEqual([0, 1, 2]);
    expect(await early.toArray()).toEqual(items);
    expect(partial).toBe(3 + items.length);
  });

  it('cache in a file survives a new pipeline and keeps tensors, strings, typed arrays and structure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tn-cache-'));
    const path = join(dir, 'cache');
    let calls = 0;
    const make = () => data.array(range(5)).map((i) => {
      calls++;
      return { x: tn.tensor([i, i / 3]), label: tn.tensor([i], [1], 'int32'), text: `t${i}`, raw: Uint8Array.of(i, 255), pair: data.tuple([i, -i]), nan: i === 0 ? NaN : i };
    }).cache(path);
    const first = await make().toArray();
    expect(calls).toBe(5);
    expect(existsSync(path)).toBe(true);
    const second = await make().toArray();
    expect(calls).toBe(5);
    second.forEach((e, i) => {
      expect(Array.from(e.x.data())).toEqual(Array.from(first[i].x.data()));
      expect(e.label.dtype).toBe('int32');
      expect(e.text).toBe(`t${i}`);
      expect(e.raw).toEqual(Uint8Array.of(i, 255));
      expect(e.pair).toEqual([i, -i]);
      expect(i === 0 ? Number.isNaN(e.nan) : e.nan === i).toBe(true);
    });
    // The tuple survives the file: a pair of numbers batches as two tensors, not one matrix.
    const batched = await data.array(range(5)).map(() => 0).cache(join(dir, 'c2')).toArray();
    expect(batched.length).toBe(5);
    const pairs = await make().batch(5).toArray();
    expect(Array.isArray(pairs[0].pair)).toBe(true);
    // A partial first iteration leaves no cache file behind.
    const partialPath = join(dir, 'partial');
    await data.array(range(5)).cache(partialPath).take(2).toArray();
    expect(readdirSync(dir).filter((f) => f.startsWith('partial'))).toEqual([]);
  });
});

describe('back-pressure', () => {
  it('prefetch(n) never holds more than n elements ahead of a slow consumer', async () => {
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const ds = data.generator(function* () {
      for (let i = 0; i < 40; i++) {
        produced++;
        maxAhead = Math.max(maxAhead, produced - consumed);
        yield i;
      }
    }).prefetch(3);
    for await (const x of ds) {
      // Taken from the buffer: the element in the consumer's hands is no longer the prefetcher's.
      consumed++;
      expect(x).toBe(consumed - 1);
      await sleep(2);
    }
    expect(consumed).toBe(40);
    // n in the buffer, plus the one on its way to the consumer (taken from the buffer, not yet out of for-await):
    // bounded by n whatever the consumer's pace, and reached (so the consumer's work overlaps the producer's).
    expect(maxAhead).toBe(3 + 1);
  });

  it('a parallel map and a batch over an endless source read only what the consumer asks for', async () => {
    let produced = 0;
    const ds = data.generator(async function* () {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    }).map(async (x) => x, { numParallelCalls: 4 }).batch(8).prefetch(2);
    let batches = 0;
    for await (const b of ds) {
      expect(b.shape).toEqual([8]);
      await sleep(5);
      if (++batches === 5) break;
    }
    // 5 batches consumed, 2 prefetched, one being filled, the map's window: bounded, whatever the consumer's pace.
    expect(produced).toBeLessThanOrEqual(8 * (5 + 2 + 1) + 4);
  });
});

describe('errors', () => {
  it('a failing map stops the iteration at that element with its error', async () => {
    const ds = data.array(range(6)).map((x) => {
      if (x === 3) throw new Error('bad element 3');
      return x;
    });
    const seen: number[] = [];
    await expect(ds.forEachAsync((x) => void seen.push(x))).rejects.toThrow('bad element 3');
    expect(seen).toEqual([0, 1, 2]);
  });

  it('ignoreErrors skips failed elements (and failed batches) and counts them', async () => {
    const ds = data.array(range(10)).map(async (x) => {
      if (x % 4 === 1) throw new Error(`bad ${x}`);
      return x;
    }, { numParallelCalls: 3 }).ignoreErrors();
    expect(await ds.toArray()).toEqual([0, 2, 3, 4, 6, 7, 8]);
    expect(ds.errorsIgnored).toBe(3);
    expect(ds.lastError?.message).toBe('bad 9');
    expect(await ds.toArray()).toEqual([0, 2, 3, 4, 6, 7, 8]);
    expect(ds.errorsIgnored).toBe(6);
    // After batch, a batch with a failed element is dropped whole (as tf.data's ignore_errors after batch).
    const batched = data.array(range(8)).map((x) => {
      if (x === 5) throw new Error('bad');
      return x;
    }).batch(2).ignoreErrors();
    expect((await batched.toArray()).map((t) => Array.from(t.data()))).toEqual([[0, 1], [2, 3], [6, 7]]);
    expect(batched.errorsIgnored).toBe(1);
  });

  it('a failed element passes through shuffle, filter, prefetch and take to the consumer', async () => {
    const ds = data.array(range(10)).map((x) => {
      if (x === 7) throw new Error('seven');
      return x;
    }).shuffle(10, { seed: 1 }).filter(() => true).prefetch(2);
    await expect(ds.toArray()).rejects.toThrow('seven');
    const skipped = await ds.ignoreErrors().toArray();
    expect(skipped.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
  });

  it('bad arguments say what was expected', () => {
    expect(() => data.array([1]).batch(0)).toThrow(/batchSize must be an integer >= 1, received 0/);
    expect(() => data.array([1]).shuffle(0)).toThrow(/bufferSize/);
    expect(() => data.array([1]).map(3 as unknown as () => number)).toThrow(/map: expected a function/);
    expect(() => data.array([1]).repeat().cache()).toThrow(/never ends/);
    expect(() => data.zip([1 as unknown as tn.data.Dataset<number>])).toThrow(/item 0 is not a Dataset/);
  });
});

describe('map on worker threads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tn-worker-'));
  const module = join(dir, 'work.mjs');
  writeFileSync(module, [
    "import { threadId } from 'node:worker_threads';",
    '// CPU work in plain JavaScript: a sum of squares over a typed array.',
    'export function sumSquares({ id, values }) {',
    '  if (id === 13) throw new Error(`unlucky element ${id}`);',
    '  let s = 0;',
    '  for (const v of values) s += v * v;',
    '  return { id, sum: s, thread: threadId, doubled: values.map((v) => 2 * v) };',
    '}',
    'export default async (x) => x + 1;',
  ].join('\n'));
  const elements = range(40).map((id) => ({ id, values: Float32Array.from({ length: 50 }, (_, j) => (id + j) % 7) }));
  const reference = (e: (typeof elements)[number]) => ({ sum: Array.from(e.values).reduce((s, v) => s + v * v, 0), doubled: e.values.map((v) => 2 * v) });

  it('runs an exported function on numParallelCalls threads, in order, with typed arrays crossing', async () => {
    const ds = data.array(elements.filter((e) => e.id !== 13)).map(data.workerFunction(module, 'sumSquares'), { numParallelCalls: 3 });
    const got = (await ds.toArray()) as { id: number; sum: number; thread: number; doubled: Float32Array }[];
    expect(got.map((g) => g.id)).toEqual(elements.filter((e) => e.id !== 13).map((e) => e.id));
    for (const g of got) {
      const ref = reference(elements[g.id]);
      expect(g.sum).toBe(ref.sum);
      expect(g.doubled).toEqual(ref.doubled);
    }
    const threads = new Set(got.map((g) => g.thread));
    expect(threads.has(0)).toBe(false);
    expect(threads.size).toBe(3);
    expect(await data.array([1, 2, 3]).map(data.workerFunction(pathToFileURL(module))).toArray()).toEqual([2, 3, 4]);
  });

  it('an error in a worker fails that element only; tensors are refused with a clear message', async () => {
    const ds = data.array(elements).map(data.workerFunction(module, 'sumSquares'), { numParallelCalls: 2 });
    await expect(ds.toArray()).rejects.toThrow('unlucky element 13');
    const skipping = ds.ignoreErrors();
    expect((await skipping.toArray()).length).toBe(39);
    expect(skipping.errorsIgnored).toBe(1);
    await expect(data.array([{ x: tn.zeros([2]) }]).map(data.workerFunction(module)).toArray()).rejects.toThrow(/holds a tensor at \.x; tensors do not cross threads/);
    await expect(data.array([1]).map(data.workerFunction(module, 'missing')).toArray()).rejects.toThrow(/has no exported function "missing"/);
    expect(() => data.workerFunction('relative/path.js')).toThrow(/URL .* or an absolute path/);
  });
});
