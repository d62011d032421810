// examples/serve.ts, the HTTP prediction server that trains while it serves: over real HTTP on 127.0.0.1 (an ephemeral
// port), its answers equal model.predict on the same weights for JSON and binary bodies, bad requests get 4xx with a
// message, a full pool queue gets 503, the pool takes each epoch's weights without failing a request, /metrics parses
// as Prometheus text with the named metrics, and close() ends everything.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tn from '../lib/index.js';
import { serve } from '../examples/serve.js';
import { startServer, type ServerHandle } from '../examples/serve/server.js';

vi.mock('tensornode', () => import('../lib/index.js'));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

/** One HTTP request; `chunked` sends the body without a Content-Length. */
function call(url: string, method: string, body?: string | Buffer, headers: Record<string, string> = {}, chunked = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: body !== undefined && !chunked ? { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (body !== undefined && chunked) {
      // In pieces, as a client streaming a large upload would.
      const b = Buffer.from(body);
      for (let i = 0; i < b.length; i += 65536) req.write(b.subarray(i, i + 65536));
    } else if (body !== undefined) {
      req.write(body);
    }
    req.end();
  });
}

const json = (url: string, body: unknown) => call(`${url}/predict`, 'POST', JSON.stringify(body), { 'Content-Type': 'application/json' });
const binary = (url: string, images: Float32Array) => call(`${url}/predict`, 'POST', Buffer.from(images.buffer, images.byteOffset, images.byteLength), { 'Content-Type': 'application/octet-stream' });

function expectRowsClose(got: number[][], want: Float32Array, what: string): void {
  expect(got.length * 10, what).toBe(want.length);
  got.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(v - want[r * 10 + c]), `${what}[${r}][${c}]`).toBeLessThanOrEqual(1e-5)));
}

/** Prometheus text exposition: `name{labels} value` lines, with # HELP / # TYPE comments. */
function parseMetrics(text: string): { types: Map<string, string>; samples: { name: string; labels: Record<string, string>; value: number }[] } {
  const types = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`not a number in: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return { types, samples };
}

describe('examples/serve: training while serving', () => {
  let server: ServerHandle;
  let test: tn.Tensor;
  const duringTraining: { status: number; version: number }[] = [];

  beforeAll(async () => {
    server = await startServer({ port: 0, epochs: 2, trainSamples: 640, batchSize: 64, fitThreads: 1, maxBodyBytes: 256 * 1024, pool: { maxDelayMs: 1 } });
    [, [test]] = await tn.datasets.mnist.loadData();
    // Three clients post single images back to back while the model trains and the pool takes each epoch's weights.
    let done = false;
    void server.trained.then(() => (done = true));
    const image = Array.from(tn.slice(test, [0, 0, 0, 0], [1, 28, 28, 1]).dataSync());
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        while (!done) {
          const r = await json(server.url, image);
          duringTraining.push({ status: r.status, version: r.status === 200 ? r.json().version : -1 });
        }
      }),
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers every request while it trains, and serves each epoch\'s weights after it', async () => {
    expect(duringTraining.length).toBeGreaterThan(0);
    expect(duringTraining.filter((r) => r.status !== 200)).toEqual([]);
    expect(server.status()).toMatchObject({ epoch: 2, epochs: 2, running: false, version: 2, error: null });
    expect(server.pool!.stats()).toMatchObject({ failed: 0, version: 2 });
    expect((await json(server.url, Array.from({ length: 784 }, () => 0))).json().version).toBe(2);
  });

  it('predicts what model.predict gives on the same weights, for JSON and binary bodies', async () => {
    const x = tn.slice(test, [0, 0, 0, 0], [5, 28, 28, 1]);
    const want = (server.model.predict(x) as tn.Tensor).dataSync() as Float32Array;
    const nested = x.arraySync() as number[][][][];
    // A batch as [n, 28, 28, 1], [n, 28, 28] and [n, 784]; one image as [28, 28, 1], [28, 28] and [784].
    expectRowsClose((await json(server.url, nested)).json().predictions, want, 'JSON [5, 28, 28, 1]');
    expectRowsClose((await json(server.url, nested.map((img) => img.map((row) => row.map((px) => px[0]))))).json().predictions, want, 'JSON [5, 28, 28]');
    const flat = Array.from(x.dataSync());
    expectRowsClose((await json(server.url, [0, 1, 2, 3, 4].map((i) => flat.slice(i * 784, (i + 1) * 784)))).json().predictions, want, 'JSON [5, 784]');
    expectRowsClose([(await json(server.url, nested[2])).json().predictions], want.subarray(20, 30), 'JSON one image [28, 28, 1]');
    expectRowsClose([(await json(server.url, flat.slice(3 * 784, 4 * 784))).json().predictions], want.subarray(30, 40), 'JSON one image [784]');
    const bytes = await binary(server.url, x.dataSync() as Float32Array);
    expect(bytes.status).toBe(200);
    expectRowsClose(bytes.json().predictions, want, 'binary, 5 images');
    expectRowsClose((await binary(server.url, (x.dataSync() as Float32Array).slice(784, 1568))).json().predictions, want.subarray(10, 20), 'binary, 1 image');
  });

  it('turns bad bodies away with 400 and a message, oversized ones with 413, unknown routes with 404', async () => {
    const cases: [Promise<Reply>, number, RegExp][] = [
      [call(`${server.url}/predict`, 'POST', '[[0, 1', { 'Content-Type': 'application/json' }), 400, /the body is not valid JSON/],
      [json(server.url, { image: [] }), 400, /expected one image \(nested arrays of shape \[28, 28, 1\], \[28, 28\], \[784\]\) or an array of them; received object/],
      [json(server.url, [[1, 2, 3]]), 400, /received nested arrays of shape \[1, 3\]/],
      [json(server.url, [Array(784).fill(0), Array(783).fill(0)]), 400, /the nested arrays are ragged: \[1\] has length 783 where shape \[2, 784\] needs length 784/],
      [json(server.url, [...Array(783).fill(0), 'x']), 400, /element \[783\] is string, expected a number/],
      [binary(server.url, new Float32Array(100)), 400, /expected raw little-endian float32 values, 784 \(28x28x1\) per image, so a multiple of 3136 bytes; received 400 bytes/],
      [binary(server.url, Float32Array.from({ length: 1568 }, (_, i) => (i === 900 ? NaN : 0))), 400, /value 116 of image 1 is NaN; pixel values must be finite/],
      [call(`${server.url}/predict`, 'POST', 'x', { 'Content-Type': 'text/plain' }), 415, /takes Content-Type application\/json .* or application\/octet-stream .*; received text\/plain/],
      [binary(server.url, new Float32Array(784 * 100)), 413, /the body is 313600 bytes; this server takes at most 262144/],
      [call(`${server.url}/predict`, 'POST', Buffer.alloc(784 * 4 * 100), { 'Content-Type': 'application/octet-stream' }, true), 413, /the body passed 262144 bytes/],
      [call(`${server.url}/predict`, 'GET'), 405, /GET \/predict: use POST/],
      [call(`${server.url}/nowhere`, 'GET'), 404, /no route GET \/nowhere; the routes are POST \/predict, GET \/healthz, GET \/metrics/],
    ];
    for (const [reply, status, message] of cases) {
      const r = await reply;
      expect({ status: r.status, error: r.json().error }).toEqual({ status, error: expect.stringMatching(message) });
    }
    // Turned away before a batch: nothing reached the pool's workers.
    expect(server.pool!.stats().failed).toBe(0);
  });

  it('reports health, and metrics in Prometheus text with the named metrics', async () => {
    const health = await call(`${server.url}/healthz`, 'GET');
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', training: { epoch: 2, running: false, version: 2 } });

    const r = await call(`${server.url}/metrics`, 'GET');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parseMetrics(r.text);
    const value = (name: string, labels: Record<string, string> = {}) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(Object.fromEntries(['http_request_duration_seconds', 'tn_serving_batch_size', 'tn_serving_queue_rows', 'tn_serving_queue_requests', 'tn_training_epoch', 'tn_training_loss', 'tn_model_version', 'nodejs_eventloop_lag_p99_seconds'].map((n) => [n, types.get(n)]))).toEqual({
      http_request_duration_seconds: 'histogram',
      tn_serving_batch_size: 'histogram',
      tn_serving_queue_rows: 'gauge',
      tn_serving_queue_requests: 'gauge',
      tn_training_epoch: 'gauge',
      tn_training_loss: 'gauge',
      tn_model_version: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
    });
    const answered = value('http_request_duration_seconds_count', { route: '/predict', status: '200' })!;
    // The requests of the tests before: those during training, one after it, five JSON and two binary predictions.
    expect(answered).toBe(duringTraining.length + 8);
    expect(value('http_request_duration_seconds_count', { route: '/predict', status: '400' })).toBe(7);
    expect(value('http_request_duration_seconds_count', { route: 'other', status: '404' })).toBe(1);
    // Every image that reached the pool was in one of its batches: the batch-size histogram sums to the images.
    const images = server.pool!.stats().completed;
    expect(value('tn_serving_batch_size_sum')).toBeGreaterThanOrEqual(images);
    expect(value('tn_serving_batch_size_count')).toBeGreaterThan(0);
    expect(value('tn_training_epoch')).toBe(2);
    expect(value('tn_model_version')).toBe(2);
    expect(value('tn_training_loss')).toBeCloseTo(server.status().loss, 10);
    expect(value('tn_serving_queue_rows')).toBe(0);
  });
});

describe('examples/serve: back-pressure, the main-thread baseline, shutdown', () => {
  it('answers 503 with Retry-After when the pool\'s queue is full', async () => {
    // One row of queue, held for 300 ms: the second request finds the queue full.
    const server = await startServer({ port: 0, epochs: 0, pool: { maxQueue: 1, maxDelayMs: 300 } });
    try {
      const image = Array(784).fill(0.5);
      const first = json(server.url, image);
      await new Promise((r) => setTimeout(r, 50));
      const second = await json(server.url, image);
      expect(second.status).toBe(503);
      expect(second.headers['retry-after']).toBe('1');
      expect(second.json().error).toMatch(/the queue is full \(1 rows waiting, maxQueue 1\)/);
      expect((await first).status).toBe(200);
      // A batch larger than the queue can ever hold is 413, not 503 (retrying would not help).
      const big = await binary(server.url, new Float32Array(784 * 2));
      expect(big.status).toBe(413);
      expect(big.json().error).toMatch(/a request of 2 rows can never fit the queue \(maxQueue 1\)/);
    } finally {
      await server.close();
    }
  });

  it('with backend "predict" answers from model.predict on the main thread, the same values', async () => {
    const server = await startServer({ port: 0, epochs: 0, backend: 'predict' });
    try {
      const x = tn.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7);
      expectRowsClose((await binary(server.url, x.dataSync() as Float32Array)).json().predictions, (server.model.predict(x) as tn.Tensor).dataSync() as Float32Array, 'predict backend');
      expect(server.pool).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('closes cleanly while training: stops training, ends the pool, refuses connections; --seconds bounds the example', async () => {
    const server = await startServer({ port: 0, epochs: Infinity, trainSamples: 640, batchSize: 64, fitThreads: 1 });
    expect((await json(server.url, Array(784).fill(0))).status).toBe(200);
    await server.close();
    expect(server.status().running).toBe(false);
    expect(server.status().error).toBeNull();
    await expect(server.pool!.predict(new Float32Array(784))).rejects.toThrow(/is closed/);
    await expect(call(`${server.url}/healthz`, 'GET')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const example = await serve(['--port', '0', '--epochs', '0', '--seconds', '1']);
      expect((await call(`${example.url}/healthz`, 'GET')).status).toBe(200);
      const before = process.listenerCount('SIGINT');
      await vi.waitFor(() => expect(log.mock.calls.some(([line]) => /closed$/.test(String(line)))).toBe(true), { timeout: 10_000 });
      await expect(call(`${example.url}/healthz`, 'GET')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(process.listenerCount('SIGINT')).toBe(before - 1);
    } finally {
      log.mockRestore();
    }
  });
});
