// tn.serving.createPool: worker threads that merge concurrent predict() calls into batches. Each caller gets exactly
// its own rows, batches respect maxBatchSize, the queue pushes back, a dead worker is replaced, update() swaps weights
// without failing a request, close() drains, and bad requests are turned away before they reach a batch.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { ExitOn999 } from './workers/exit-layer.js';

const pools: tn.serving.ServingPool[] = [];
async function createPool(model: tn.Model | string, options: tn.serving.PoolOptions = {}) {
  const pool = await tn.serving.createPool(model, options);
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function cnn(seed: number, extra = false): tn.Sequential {
  tn.setSeed(seed);
  return tn.sequential({
    layers: [
      tn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }),
      tn.layers.flatten(),
      ...(extra ? [tn.layers.dense({ units: 8, activation: 'relu' })] : []),
      tn.layers.dense({ units: 3 }),
    ],
  });
}

const sample = (seed: number) => tn.randomNormal([6, 6, 1], 0, 1, 'float32', seed);
const batchOf = (xs: tn.Tensor[]) => tn.stack(xs);

function expectClose(got: tn.Tensor, want: tn.Tensor, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i]), `${what}[${i}]`).toBeLessThanOrEqual(1e-6);
}

/** model.predict on one sample, without the batch axis. */
const predictOne = (model: tn.Model, x: tn.Tensor) => tn.squeeze(model.predict(tn.expandDims(x, 0)) as tn.Tensor, [0]);

describe('tn.serving.createPool', () => {
  it('merges concurrent calls into batches and gives each caller exactly its rows', async () => {
    const model = cnn(1);
    const pool = await createPool(model, { workers: 2, maxBatchSize: 16, maxDelayMs: 5 });
    const calls: { run: () => Promise<tn.serving.PoolResult>; want: tn.Tensor; what: string }[] = [];
    for (let i = 0; i < 120; i++) {
      const x = sample(100 + i);
      const kind = i % 6;
      if (kind === 0) calls.push({ run: () => pool.predict(x), want: predictOne(model, x), what: `tensor sample ${i}` });
      if (kind === 1) calls.push({ run: () => pool.predict(x.dataSync() as Float32Array), want: predictOne(model, x), what: `flat sample ${i}` });
      if (kind === 2) calls.push({ run: () => pool.predict(x.arraySync()), want: predictOne(model, x), what: `nested sample ${i}` });
      if (kind === 3) {
        const b = batchOf([x, sample(1000 + i), sample(2000 + i)]);
        calls.push({ run: () => pool.predict(b), want: model.predict(b) as tn.Tensor, what: `batch of 3, call ${i}` });
      }
      if (kind === 4) {
        const b = batchOf([x, sample(3000 + i)]);
        calls.push({ run: () => pool.predict(b.dataSync() as Float32Array), want: model.predict(b) as tn.Tensor, what: `flat batch of 2, call ${i}` });
      }
      if (kind === 5) {
        const b = batchOf([x]);
        calls.push({ run: () => pool.predict(b.arraySync()), want: model.predict(b) as tn.Tensor, what: `nested batch of 1, call ${i}` });
      }
    }
    // A call larger than maxBatchSize is split across batches and put back together.
    const big = tn.randomNormal([40, 6, 6, 1], 0, 1, 'float32', 9);
    calls.push({ run: () => pool.predict(big), want: model.predict(big) as tn.Tensor, what: 'batch of 40' });
    const results = await Promise.all(calls.map((c) => c.run()));
    results.forEach((r, i) => expectClose(r as tn.Tensor, calls[i].want, calls[i].what));
    // The results are ordinary tensors (views into the batch's output, at any offset) that ops accept.
    results.forEach((r, i) => expectClose(tn.mul(r as tn.Tensor, 2), tn.mul(calls[i].want, 2), `an op on ${calls[i].what}`));

    const stats = pool.stats();
    expect(stats.completed).toBe(calls.length);
    expect(stats.failed).toBe(0);
    const sizes = Object.keys(stats.batchSizes).map(Number);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16);
    const rows = Object.entries(stats.batchSizes).reduce((n, [size, count]) => n + Number(size) * count, 0);
    expect(rows).toBe(calls.reduce((n, c) => n + (c.want.rank === 1 ? 1 : c.want.shape[0]), 0));
    expect(stats.queue).toEqual({ rows: 0, requests: 0 });
    expect(stats.latencyMs.count).toBe(calls.length);
    expect(stats.latencyMs.p50).toBeLessThanOrEqual(stats.latencyMs.max);
    expect(stats.computeMs.count).toBeGreaterThan(0);
  });

  it('serves a model with several inputs (array or object by name) and several outputs (an array)', async () => {
    tn.setSeed(3);
    const a = tn.input({ shape: [4], name: 'a' });
    const b = tn.input({ shape: [2, 3], name: 'b' });
    const joined = tn.layers.concatenate().apply([a, tn.layers.flatten().apply(b) as tn.SymbolicTensor]) as tn.SymbolicTensor;
    const first = tn.layers.dense({ units: 2, name: 'first' }).apply(joined) as tn.SymbolicTensor;
    const second = tn.layers.dense({ units: 5, activation: 'softmax', name: 'second' }).apply(joined) as tn.SymbolicTensor;
    const model = tn.model({ inputs: [a, b], outputs: [first, second] });
    const pool = await createPool(model, { workers: 1, maxDelayMs: 5 });
    expect(pool.inputs).toEqual([{ name: 'a', shape: [4], dtype: 'float32' }, { name: 'b', shape: [2, 3], dtype: 'float32' }]);
    const xa = tn.randomNormal([3, 4], 0, 1, 'float32', 1);
    const xb = tn.randomNormal([3, 2, 3], 0, 1, 'float32', 2);
    const want = model.predict([xa, xb]) as tn.Tensor[];
    const [byArray, byName, one] = await Promise.all([
      pool.predict([xa, xb]),
      pool.predict({ b: xb, a: xa }),
      pool.predict({ a: tn.gather(xa, 1).dataSync() as Float32Array, b: tn.gather(xb, 1).arraySync() }),
    ]);
    for (const got of [byArray, byName] as tn.Tensor[][]) {
      expect(got.length).toBe(2);
      got.forEach((t, i) => expectClose(t, want[i], `output ${i}`));
    }
    (one as tn.Tensor[]).forEach((t, i) => expectClose(t, tn.gather(want[i], 1), `output ${i} of one sample`));
    await expect(pool.predict({ a: xa })).rejects.toThrow(/no data for input\(s\) "b"/);
    await expect(pool.predict([xa, tn.gather(xb, 0)])).rejects.toThrow(/inputs disagree: "a" is a batch of 3, "b" is one sample/);
  });

  it('batches int32 inputs (token ids) in int32 buffers', async () => {
    tn.setSeed(12);
    const tokens = tn.input({ shape: [5], dtype: 'int32', name: 'tokens' });
    const embedded = tn.layers.flatten().apply(tn.layers.embedding({ inputDim: 10, outputDim: 3 }).apply(tokens) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const model = tn.model({ inputs: tokens, outputs: tn.layers.dense({ units: 2 }).apply(embedded) as tn.SymbolicTensor });
    const pool = await createPool(model, { workers: 1, maxDelayMs: 5 });
    expect(pool.inputs).toEqual([{ name: 'tokens', shape: [5], dtype: 'int32' }]);
    const x = tn.tensor([[1, 2, 3, 4, 5], [9, 8, 7, 6, 5]], [2, 5], 'int32');
    const [both, first] = await Promise.all([pool.predict(x), pool.predict([1, 2, 3, 4, 5])]);
    const want = model.predict(x) as tn.Tensor;
    expectClose(both as tn.Tensor, want, 'a batch of token ids');
    expectClose(first as tn.Tensor, tn.gather(want, 0), 'one row of token ids');
  });

  it('turns away bad requests with a clear error, before they reach a batch shared with others', async () => {
    const model = cnn(2);
    const pool = await createPool(model, { workers: 1, maxDelayMs: 20, name: 'digits' });
    const good = sample(5);
    const pending = pool.predict(good);
    await expect(pool.predict(tn.zeros([6, 6]))).rejects.toThrow('serving pool "digits".predict: input: expected one sample of shape [6, 6, 1] or a batch of shape [n, 6, 6, 1]; received shape [6, 6]');
    await expect(pool.predict(tn.zeros([2, 6, 6, 2]))).rejects.toThrow(/received shape \[2, 6, 6, 2\]/);
    await expect(pool.predict(new Float32Array(35))).rejects.toThrow(/as a flat array of 36 values per sample; received a Float32Array of 35 values/);
    const ragged = good.arraySync() as number[][][];
    ragged[3] = ragged[3].slice(1);
    await expect(pool.predict(ragged)).rejects.toThrow(/"digits".predict: input: the nested arrays are ragged: \[3\] has length 5 where shape \[6, 6, 1\] needs length 6/);
    await expect(pool.predict('an image')).rejects.toThrow(/expected one sample .* received string/);
    const strings = ragged.map(() => ['x']);
    await expect(pool.predict(strings)).rejects.toThrow(/element \[0\]\[0\] is string, expected a number/);
    // Data of a kind the pool does not take is named as such, not taken for an object keyed by input name.
    await expect(pool.predict(new BigInt64Array(36))).rejects.toThrow(/input: expected one sample .* received a BigInt64Array$/);
    await expect(pool.predict(new DataView(new ArrayBuffer(144)))).rejects.toThrow(/received a DataView$/);
    await expect(pool.predict(ragged.map(() => [null]))).rejects.toThrow(/element \[0\]\[0\] is null, expected a number/);
    // A machine-readable code, so that a server answers 400 for the client's data and 500 for its own failures.
    await expect(pool.predict(tn.zeros([6, 6]))).rejects.toMatchObject({ code: 'TN_POOL_BAD_INPUT' });
    await expect(pool.predict({ image: good })).rejects.toMatchObject({ code: 'TN_POOL_BAD_INPUT', message: expect.stringMatching(/no data for input/) });
    expectClose((await pending) as tn.Tensor, predictOne(model, good), 'the good request beside them');
    expect(pool.stats()).toMatchObject({ completed: 1, failed: 0, rejected: 11 });
  });

  it('rejects at once over maxQueue (back-pressure), and serves the queued requests', async () => {
    const model = cnn(3);
    const pool = await createPool(model, { workers: 1, maxBatchSize: 64, maxDelayMs: 300, maxQueue: 8 });
    const queued = [pool.predict(batchOf([sample(1), sample(2), sample(3)])), ...Array.from({ length: 5 }, (_, i) => pool.predict(sample(10 + i)))];
    expect(pool.stats().queue).toEqual({ rows: 8, requests: 6 });
    let answered = 0;
    for (const q of queued) void q.then(() => answered++);
    const error = await pool.predict(sample(20)).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/serving pool "sequential.*": the queue is full \(8 rows waiting, maxQueue 8\); this request of 1 row\(s\) was turned away/);
    // A machine-readable code, so that a server can answer 503 (retry later) or 413 without matching messages.
    expect((error as Error & { code?: string }).code).toBe('TN_POOL_QUEUE_FULL');
    expect(answered).toBe(0);
    const tooLarge = pool.predict(tn.zeros([9, 6, 6, 1]));
    await expect(tooLarge).rejects.toThrow(/a request of 9 rows can never fit the queue \(maxQueue 8\); send it in parts, or raise maxQueue/);
    await expect(tooLarge).rejects.toMatchObject({ code: 'TN_POOL_REQUEST_TOO_LARGE' });
    expect((await Promise.all(queued)).length).toBe(6);
    expect(pool.stats()).toMatchObject({ completed: 6, rejected: 2, batchSizes: { 8: 1 } });
  });

  it('replaces a worker that dies: its batch rejects naming the worker and exit code, and the pool keeps serving', async () => {
    tn.setSeed(4);
    const model = tn.sequential({ layers: [new ExitOn999({ inputShape: [3] }), tn.layers.dense({ units: 2 })] });
    const pool = await createPool(model, { workers: 2, maxDelayMs: 0, modules: [new URL('./workers/exit-layer.ts', import.meta.url)] });
    await expect(pool.predict([1, 999, 3])).rejects.toThrow(/serving pool "sequential.*": worker [12] \(thread \d+\) exited with code 7 while computing a batch of 1 rows/);
    const xs = Array.from({ length: 30 }, (_, i) => tn.randomNormal([3], 0, 1, 'float32', i));
    const results = await Promise.all(xs.map((x) => pool.predict(x)));
    results.forEach((r, i) => expectClose(r as tn.Tensor, predictOne(model, xs[i]), `request ${i} after the death`));
    await expect.poll(() => pool.stats().workers, { timeout: 30_000 }).toBe(2);
    expect(pool.stats()).toMatchObject({ failed: 1, restarts: 1, completed: 30 });
    // The replacement serves too: kill both, one after the other, and still get answers.
    await expect(pool.predict([999, 0, 0])).rejects.toThrow(/exited with code 7/);
    await expect(pool.predict([0, 0, 999])).rejects.toThrow(/exited with code 7/);
    expectClose((await pool.predict(xs[0])) as tn.Tensor, predictOne(model, xs[0]), 'after three deaths');
    expect(pool.stats().restarts).toBe(3);
    // A model that throws fails its batch only; the worker lives on.
    await expect(pool.predict([1, 998, 3])).rejects.toThrow(/worker [12] could not compute a batch of 1 rows: ExitOn999: a sample holds 998/);
    expectClose((await pool.predict(xs[1])) as tn.Tensor, predictOne(model, xs[1]), 'after a throw');
    expect(pool.stats()).toMatchObject({ restarts: 3, failed: 4 });
  });

  it('a request that makes the model throw fails alone: the requests batched with it are computed again and answered', async () => {
    tn.setSeed(4);
    const model = tn.sequential({ layers: [new ExitOn999({ inputShape: [3] }), tn.layers.dense({ units: 2 })] });
    const pool = await createPool(model, { workers: 1, maxBatchSize: 8, maxDelayMs: 50, modules: [new URL('./workers/exit-layer.ts', import.meta.url)] });
    const good = [tn.randomNormal([3], 0, 1, 'float32', 1), tn.randomNormal([2, 3], 0, 1, 'float32', 2), tn.randomNormal([3], 0, 1, 'float32', 3)];
    // One batch of 6 rows: the bad request sits between good ones (a batch of 2 among them).
    const calls = [pool.predict(good[0]), pool.predict(good[1]), pool.predict([1, 998, 3]), pool.predict(good[2])];
    const [a, b, bad, c] = await Promise.allSettled(calls);
    expect(bad.status).toBe('rejected');
    expect(((bad as PromiseRejectedResult).reason as Error).message).toMatch(/worker 1 could not compute a batch of 1 rows: ExitOn999: a sample holds 998/);
    expectClose((a as PromiseFulfilledResult<tn.Tensor>).value, predictOne(model, good[0]), 'the request before it');
    expectClose((b as PromiseFulfilledResult<tn.Tensor>).value, model.predict(good[1]) as tn.Tensor, 'the batch of 2 beside it');
    expectClose((c as PromiseFulfilledResult<tn.Tensor>).value, predictOne(model, good[2]), 'the request after it');
    expect(pool.stats()).toMatchObject({ completed: 3, failed: 1, queue: { rows: 0, requests: 0 }, batchSizes: { 5: 1, 1: 3, 2: 1 } });
  });

  it('a worker ended from outside mid-batch: that batch rejects naming the worker, the other worker and a replacement serve on', async () => {
    const model = cnn(11);
    // A batch big enough (tens of milliseconds) that the worker is still computing it when terminate() lands: with
    // 4,096 rows it sometimes finished first on a loaded machine, and the test saw a result instead of the rejection.
    const rows = 65536;
    const pool = await createPool(model, { workers: 2, maxBatchSize: rows, maxDelayMs: 0, maxQueue: rows });
    const big = tn.randomNormal([rows, 6, 6, 1], 0, 1, 'float32', 12);
    const inFlight = pool.predict(big);
    expect(pool.stats().inFlight).toEqual({ batches: 1, rows });
    await pool._workers[0].terminate();
    await expect(inFlight).rejects.toThrow(new RegExp(`serving pool "sequential.*": worker 1 \\(thread \\d+\\) exited with code 1 while computing a batch of ${rows} rows`));
    const x = tn.randomNormal([3, 6, 6, 1], 0, 1, 'float32', 13);
    expectClose((await pool.predict(x)) as tn.Tensor, model.predict(x) as tn.Tensor, 'after the termination');
    await expect.poll(() => pool.stats().workers, { timeout: 30_000 }).toBe(2);
    expect(pool.stats()).toMatchObject({ restarts: 1, failed: 1 });
  });

  it('update() during a stream of requests: none fails, and results switch from the old weights to the new', async () => {
    const oldModel = cnn(5);
    const newModel = cnn(6);
    const pool = await createPool(oldModel, { workers: 2, maxBatchSize: 8, maxDelayMs: 1 });
    const x = sample(7);
    const before = predictOne(oldModel, x);
    const after = predictOne(newModel, x);
    const stream: { issuedAfterUpdate: boolean; result: Promise<tn.serving.PoolResult> }[] = [];
    let updating = false;
    let updated: Promise<void> | null = null;
    for (let i = 0; i < 80; i++) {
      if (i === 40) {
        updated = pool.update(newModel);
        updating = true;
      }
      stream.push({ issuedAfterUpdate: updating, result: pool.predict(x) });
      if (i % 4 === 3) await new Promise((r) => setTimeout(r, 1));
    }
    await updated;
    const results = (await Promise.all(stream.map((s) => s.result))) as tn.Tensor[];
    const isOld = results.map((r) => r.dataSync().every((v, j) => Math.abs(v - before.dataSync()[j]) <= 1e-6));
    const isNew = results.map((r) => r.dataSync().every((v, j) => Math.abs(v - after.dataSync()[j]) <= 1e-6));
    results.forEach((_, i) => expect(isOld[i] || isNew[i], `request ${i} has the old or the new weights' result`).toBe(true));
    stream.forEach((s, i) => s.issuedAfterUpdate && expect(isNew[i], `request ${i}, issued after update()`).toBe(true));
    expect(isOld.slice(0, 40).some(Boolean)).toBe(true);
    // Once a request got the new weights, no later one gets the old.
    const firstNew = isNew.indexOf(true);
    expect(isOld.slice(firstNew).some(Boolean)).toBe(false);
    expect(pool.stats()).toMatchObject({ failed: 0, completed: 80, version: 1 });

    // A new architecture with the same inputs is swapped in whole; other inputs are refused.
    const deeper = cnn(8, true);
    await pool.update(deeper);
    expectClose((await pool.predict(x)) as tn.Tensor, predictOne(deeper, x), 'after an architecture change');
    const other = tn.sequential({ layers: [tn.layers.dense({ units: 3, inputShape: [5] })] });
    await expect(pool.update(other)).rejects.toThrow(/\.update: model "sequential.*" takes inputs .*\[5\] float32, the pool serves .*\[6, 6, 1\] float32/);
  });

  it('close() answers queued and in-flight requests, then ends the workers; predict() after it rejects', async () => {
    const model = cnn(9);
    const pool = await createPool(model, { workers: 2, maxBatchSize: 4, maxDelayMs: 1000 });
    const xs = Array.from({ length: 25 }, (_, i) => sample(200 + i));
    const results = xs.map((x) => pool.predict(x));
    const closed = pool.close();
    await expect(pool.predict(xs[0])).rejects.toThrow(/serving pool "sequential.*" is closed \(close\(\) was called\)/);
    await expect(pool.predict(xs[0])).rejects.toMatchObject({ code: 'TN_POOL_CLOSED' });
    await closed;
    const got = await Promise.all(results);
    got.forEach((r, i) => expectClose(r as tn.Tensor, predictOne(model, xs[i]), `request ${i}`));
    expect(pool.stats()).toMatchObject({ workers: 0, completed: 25, failed: 0 });
    await expect(pool.update(model)).rejects.toThrow(/is closed/);
  });

  it('close({ timeoutMs }) gives up on a worker stuck in a batch: what is unanswered rejects and the workers end', async () => {
    tn.setSeed(4);
    const model = tn.sequential({ layers: [new ExitOn999({ inputShape: [3] }), tn.layers.dense({ units: 2 })] });
    const pool = await createPool(model, { workers: 1, maxDelayMs: 0, modules: [new URL('./workers/exit-layer.ts', import.meta.url)] });
    // Caught now: they reject while close() is awaited.
    const stuck = pool.predict([1, 997, 3]).catch((e: Error) => e);
    await expect.poll(() => pool.stats().inFlight.batches).toBe(1);
    const queued = pool.predict([1, 2, 3]).catch((e: Error) => e);
    await expect(pool.close({ timeoutMs: 'soon' as unknown as number })).rejects.toThrow(/close: timeoutMs must be a number >= 0 \(or Infinity\), received soon/);
    await pool.close({ timeoutMs: 300 });
    const gaveUp = /serving pool "sequential.*": close\(\) ended the workers after waiting 300 ms for the requests in progress/;
    expect(await stuck).toBeInstanceOf(Error);
    expect(((await stuck) as Error).message).toMatch(gaveUp);
    expect(((await queued) as Error).message).toMatch(gaveUp);
    expect(pool.stats()).toMatchObject({ workers: 0, failed: 2, queue: { rows: 0, requests: 0 }, inFlight: { batches: 0 } });
  });

  it('loads a saved model from its path in each worker', async () => {
    const model = cnn(10);
    const dir = mkdtempSync(join(tmpdir(), 'tn-pool-'));
    try {
      await model.save(dir);
      const pool = await createPool(dir, { workers: 2 });
      const x = tn.randomNormal([5, 6, 6, 1], 0, 1, 'float32', 11);
      expectClose((await pool.predict(x)) as tn.Tensor, model.predict(x) as tn.Tensor, 'loaded from a path');
      await expect(createPool(join(dir, 'missing'))).rejects.toThrow(/worker 1 could not load the model/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a model whose input shape is not fixed, and bad options', async () => {
    const rnn = tn.sequential({ layers: [tn.layers.simpleRNN({ units: 2, inputShape: [null, 3] })] });
    await expect(tn.serving.createPool(rnn)).rejects.toThrow(/input 0 .* has shape \[null, null, 3\]; a pool batches requests of one shape/);
    await expect(tn.serving.createPool(cnn(1), { maxBatchSize: 0 })).rejects.toThrow('createPool: maxBatchSize must be an integer >= 1, received 0');
    // A JavaScript function cannot cross to a worker: the error says so for createPool and predictAsync, not "saved".
    const lambda = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [3] }), new tn.layers.Lambda((x) => tn.mul(x as tn.Tensor, 2))] });
    const crossing = /model "sequential.*" cannot cross to a worker thread, which rebuilds it from its config: Lambda layer "lambda.*" wraps a JavaScript function.*; in place of a Lambda layer, write a Layer subclass registered with tn.serialization.registerClass in a module listed in the worker's modules$/;
    await expect(tn.serving.createPool(lambda)).rejects.toThrow(/^createPool: serving pool "sequential.*": model "sequential.*" cannot cross/);
    await expect(tn.serving.createPool(lambda)).rejects.toThrow(crossing);
    await expect(lambda.predictAsync(tn.zeros([1, 3]))).rejects.toThrow(crossing);
  });

  it('an idle pool that was never closed does not keep the process alive', async () => {
    const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
    const script = fileURLToPath(new URL('./workers/unclosed-pool.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(tsx, [script], { timeout: 60_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ shape: [2], completed: 1 });
  });
});
