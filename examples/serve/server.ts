// The HTTP server of examples/serve.ts, as a function a test or a benchmark can start and stop: it trains the reference
// MNIST CNN on a worker thread (fit({ worker: true })) while a serving pool answers POST /predict, and the pool takes
// the new weights after every epoch. The main thread only parses bodies, copies them into batches and writes JSON.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import * as tn from 'tensornode';

/** One image: 28x28 pixels, one channel, float32 (the model's input without the batch axis). */
export const IMAGE_SHAPE = [28, 28, 1];
export const IMAGE_SIZE = 28 * 28;
export const CLASSES = 10;

/** Computes `rows` images (rows x 784 values) into rows x 10 class probabilities. */
export type Backend = (images: Float32Array, rows: number) => Float32Array | Promise<Float32Array>;

export interface ServeOptions {
  /** TCP port on 127.0.0.1 (0: any free port; default 8080). The server never listens beyond loopback. */
  port?: number;
  /** Epochs to train in the background (default 3; 0 serves the untrained model; Infinity trains until close()). */
  epochs?: number;
  /** Training digits, spread evenly over the packaged 8,000 (default all). */
  trainSamples?: number;
  batchSize?: number;
  seed?: number;
  /** Kernel threads of the training worker (default: the library's thread count). */
  fitThreads?: number;
  /**
   * Scheduling priority of the training worker, as os.setPriority's nice value (fit's worker.priority; default 19, the
   * lowest): training runs on the CPU time that answering requests leaves, so that it does not stretch their latency.
   */
  fitPriority?: number;
  /**
   * What computes predictions: 'pool' (default: tn.serving.createPool, the main thread stays free), 'predict'
   * (model.predict on the main thread, per request: the baseline the pool is measured against), or a function.
   */
  backend?: 'pool' | 'predict' | Backend;
  /** Options of the serving pool (default: 1 worker x 1 kernel thread, maxBatchSize 64, maxDelayMs 1, maxQueue 1024). */
  pool?: tn.serving.PoolOptions;
  /** Largest request body in bytes; larger ones get 413 (default 4 MiB). */
  maxBodyBytes?: number;
  /** Resolution of the event-loop delay in /metrics, in ms (prom-client's nodejs_eventloop_lag_*; default 10). */
  eventLoopResolutionMs?: number;
  /** Where progress lines go (default: nowhere). */
  log?: (line: string) => void;
}

export interface TrainingStatus {
  /** Epochs finished. */
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
  /** Training is running. */
  running: boolean;
  /** The model version the pool serves: one more per update after an epoch. */
  version: number;
  error: string | null;
}

export interface ServerHandle {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The model that trains; after each epoch it holds that epoch's weights (the pool's after its update). */
  model: tn.Sequential;
  pool: tn.serving.ServingPool | null;
  /** Resolves when training has ended and the pool serves the last epoch's weights. */
  trained: Promise<void>;
  status(): TrainingStatus;
  registry: client.Registry;
  /** Stops taking connections, stops training, answers the requests in progress, ends the pool. */
  close(): Promise<void>;
}

/** Thrown while reading a request: its HTTP status and a message for the client. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function referenceCnn(seed = 1): tn.Sequential {
  tn.setSeed(seed);
  const { Conv2D, MaxPooling2D, Flatten, Dense } = tn.layers;
  const model = new tn.Sequential([
    new Conv2D(32, [3, 3], { activation: 'relu', inputShape: IMAGE_SHAPE }),
    new MaxPooling2D([2, 2]),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

/** n rows spread evenly over x's first axis (the packaged digits are stored sorted by label). */
function evenly(x: tn.Tensor, n: number | undefined): tn.Tensor {
  const total = x.shape[0];
  if (n === undefined || n >= total) return x;
  return tn.gather(x, tn.tensor(Array.from({ length: n }, (_, i) => Math.floor((i * total) / n)), [n], 'int32'));
}

const sampleShapes = ['[28, 28, 1]', '[28, 28]', '[784]'];

/**
 * A JSON body as images: one image of shape [28, 28, 1], [28, 28] or [784], or a batch of them (a leading axis).
 * The answer has the same form: one row of probabilities, or one per image.
 */
export function imagesFromJson(body: unknown): { images: Float32Array; rows: number; single: boolean } {
  const shape: number[] = [];
  for (let v: unknown = body; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const expected = `one image (nested arrays of shape ${sampleShapes.join(', ')}) or an array of them`;
  if (shape.length === 0) throw new HttpError(400, `expected ${expected}; received ${body === null ? 'null' : typeof body}`);
  const isSample = (d: number[]) => (d.length === 3 && d[0] === 28 && d[1] === 28 && d[2] === 1) || (d.length === 2 && d[0] === 28 && d[1] === 28) || (d.length === 1 && d[0] === IMAGE_SIZE);
  const single = isSample(shape);
  if (!single && !(shape[0] > 0 && isSample(shape.slice(1)))) throw new HttpError(400, `expected ${expected}; received nested arrays of shape [${shape.join(', ')}]`);
  const size = IMAGE_SIZE;
  const rows = single ? 1 : shape[0];
  const images = new Float32Array(rows * size);
  let k = 0;
  const walk = (x: unknown, depth: number, path: string): void => {
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new HttpError(400, `the nested arrays are ragged: ${path || 'the body'} has ${Array.isArray(x) ? `length ${x.length}` : `a ${typeof x}`} where shape [${shape.join(', ')}] needs length ${shape[depth]}`);
    }
    if (depth < shape.length - 1) {
      for (let i = 0; i < x.length; i++) walk(x[i], depth + 1, `${path}[${i}]`);
      return;
    }
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v !== 'number') throw new HttpError(400, `element ${path}[${i}] is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}, expected a number (the body looked like shape [${shape.join(', ')}])`);
      images[k++] = v;
    }
  };
  walk(body, 0, '');
  return { images, rows, single };
}

/** A binary body as images: little-endian float32 values, 784 per image, back to back. */
export function imagesFromBytes(body: Buffer): { images: Float32Array; rows: number } {
  const bytesPerImage = IMAGE_SIZE * 4;
  if (body.length === 0 || body.length % bytesPerImage !== 0) {
    throw new HttpError(400, `expected raw little-endian float32 values, ${IMAGE_SIZE} (28x28x1) per image, so a multiple of ${bytesPerImage} bytes; received ${body.length} bytes`);
  }
  // A copy: the body's bytes need not sit at a 4-byte-aligned offset of their buffer.
  const images = new Float32Array(body.length / 4);
  new Uint8Array(images.buffer).set(body);
  for (let i = 0; i < images.length; i++) {
    if (!Number.isFinite(images[i])) throw new HttpError(400, `value ${i % IMAGE_SIZE} of image ${Math.floor(i / IMAGE_SIZE)} is ${images[i]}; pixel values must be finite`);
  }
  return { images, rows: images.length / IMAGE_SIZE };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new HttpError(413, `the body is ${declared} bytes; this server takes at most ${limit}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        req.removeAllListeners('data');
        // Keep reading (and dropping) the rest, so the client can read the 413 rather than a reset connection.
        req.resume();
        reject(new HttpError(413, `the body passed ${limit} bytes, the most this server takes`));
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** rows x 10 probabilities as JSON arrays (one array when the request was a single image). */
function predictionsJson(values: Float32Array, rows: number, single: boolean): number[] | number[][] {
  const row = (r: number) => Array.from(values.subarray(r * CLASSES, (r + 1) * CLASSES));
  return single ? row(0) : Array.from({ length: rows }, (_, r) => row(r));
}

export async function startServer(options: ServeOptions = {}): Promise<ServerHandle> {
  const { port = 8080, epochs = 3, batchSize = 32, seed = 1, maxBodyBytes = 4 * 1024 * 1024, log = () => undefined } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`startServer: port must be an integer in 0..65535, received ${port}`);
  if (!(epochs >= 0)) throw new Error(`startServer: epochs must be >= 0, received ${epochs}`);
  const model = referenceCnn(seed);
  const [[trainImages, trainLabels]] = await tn.datasets.mnist.loadData();
  const x = evenly(trainImages, options.trainSamples);
  const y = evenly(trainLabels, options.trainSamples);

  const backendOption = options.backend ?? 'pool';
  const pool = backendOption === 'pool' ? await tn.serving.createPool(model, { workers: 1, threadsPerWorker: 1, maxBatchSize: 64, maxDelayMs: 1, maxQueue: 1024, ...options.pool }) : null;
  const backend: Backend =
    pool !== null
      ? async (images) => ((await pool.predict(images)) as tn.Tensor).values as Float32Array
      : backendOption === 'predict'
        ? (images, rows) => model.predict(tn.tensor(images, [rows, ...IMAGE_SHAPE])).values as Float32Array
        : (backendOption as Backend);

  const status: TrainingStatus = { epoch: 0, epochs, loss: NaN, accuracy: NaN, running: epochs > 0, version: 0, error: null };

  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: options.eventLoopResolutionMs ?? 10 });
  const requestDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request\'s arrival to the end of its response, by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // The pool counts its batches by size; each scrape adds the batches since the last one to the histogram.
  const seenBatches: Record<number, number> = {};
  const batchSizes = new client.Histogram({
    name: 'tn_serving_batch_size',
    help: 'Images per batch the model computed (the pool merges concurrent requests into batches)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
    collect() {
      for (const [size, count] of Object.entries(pool?.stats().batchSizes ?? {})) {
        for (let i = seenBatches[Number(size)] ?? 0; i < count; i++) this.observe(Number(size));
        seenBatches[Number(size)] = count;
      }
    },
  });
  const gauge = (name: string, help: string, value: () => number) => new client.Gauge({ name, help, registers: [registry], collect() { this.set(value()); } });
  gauge('tn_serving_queue_rows', 'Images waiting for a pool worker', () => pool?.stats().queue.rows ?? 0);
  gauge('tn_serving_queue_requests', 'Requests waiting for a pool worker', () => pool?.stats().queue.requests ?? 0);
  gauge('tn_serving_in_flight_batches', 'Batches being computed by pool workers', () => pool?.stats().inFlight.batches ?? 0);
  gauge('tn_model_version', 'Version of the weights served: one more per update after a training epoch', () => status.version);
  gauge('tn_training_epoch', 'Training epochs finished', () => status.epoch);
  gauge('tn_training_loss', 'Training loss of the last finished epoch', () => status.loss);
  gauge('tn_training_accuracy', 'Training accuracy of the last finished epoch', () => status.accuracy);
  gauge('tn_training_running', '1 while the model trains on its worker thread', () => (status.running ? 1 : 0));

  // Updates go out in epoch order; trained waits for the last.
  let updates = Promise.resolve();
  const fitting =
    epochs > 0
      ? model.fit(x, y, {
          epochs: Number.isFinite(epochs) ? epochs : Number.MAX_SAFE_INTEGER,
          batchSize,
          verbose: 0,
          worker: { threads: options.fitThreads, priority: options.fitPriority ?? 19 },
          callbacks: [
            new tn.LambdaCallback({
              onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
                Object.assign(status, { epoch: epoch + 1, loss: logs?.loss ?? NaN, accuracy: logs?.acc ?? logs?.accuracy ?? NaN });
                log(`epoch ${epoch + 1}: loss ${status.loss.toFixed(4)}, accuracy ${status.accuracy.toFixed(4)}`);
                if (!pool) return;
                // Packed now, on this turn, so the pool gets exactly this epoch's weights.
                const update = pool.update(model);
                updates = updates.then(() =>
                  update.then(
                    () => void (status.version = pool.stats().version),
                    (err: Error) => log(`pool update failed: ${err.message}`),
                  ),
                );
              },
            }),
          ],
        })
      : Promise.resolve();
  const trained = fitting.then(
    async () => {
      status.running = false;
      await updates;
    },
    async (err: Error) => {
      status.running = false;
      status.error = err.message;
      log(`training failed: ${err.message}`);
      await updates;
    },
  );

  let closing = false;
  const predict = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' && type !== 'application/octet-stream') {
      throw new HttpError(415, `POST /predict takes Content-Type application/json (nested arrays) or application/octet-stream (float32 bytes); received ${type || 'none'}`);
    }
    const body = await readBody(req, maxBodyBytes);
    let request: { images: Float32Array; rows: number; single: boolean };
    if (type === 'application/octet-stream') {
      request = { ...imagesFromBytes(body), single: false };
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (err) {
        throw new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`);
      }
      request = imagesFromJson(parsed);
    }
    let values: Float32Array;
    try {
      // Without a pool each request is its own batch.
      if (!pool) batchSizes.observe(request.rows);
      values = await backend(request.images, request.rows);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'TN_POOL_QUEUE_FULL') throw new HttpError(503, (err as Error).message);
      if (code === 'TN_POOL_REQUEST_TOO_LARGE') throw new HttpError(413, (err as Error).message);
      throw err;
    }
    send(res, 200, { predictions: predictionsJson(values, request.rows, request.single), version: status.version });
  };

  const routes = ['/predict', '/healthz', '/metrics'];
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/predict') {
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} /predict: use POST`);
      if (closing) throw new HttpError(503, 'the server is shutting down');
      await predict(req, res);
    } else if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} /healthz: use GET`);
      send(res, closing ? 503 : 200, { status: closing ? 'closing' : 'ok', training: status });
    } else if (path === '/metrics') {
      if (req.method !== 'GET') throw new HttpError(405, `${req.method} /metrics: use GET`);
      const text = await registry.metrics();
      res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    } else {
      throw new HttpError(404, `no route ${req.method} ${path}; the routes are POST /predict, GET /healthz, GET /metrics`);
    }
  };

  const server = createServer((req, res) => {
    const start = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    // Unknown paths share one label, so that a scan of random URLs cannot grow the metrics without bound.
    const label = routes.includes(path) ? path : 'other';
    res.on('finish', () => requestDuration.observe({ method: req.method, route: label, status: res.statusCode }, (performance.now() - start) / 1000));
    route(req, res).catch(
      (err: Error) => {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) log(`500 on ${req.method} ${req.url}: ${err.stack ?? err.message}`);
        if (res.headersSent) return void res.destroy();
        const headers: Record<string, string> = status === 503 ? { 'Retry-After': '1' } : status === 405 ? { Allow: path === '/predict' ? 'POST' : 'GET' } : status === 413 ? { Connection: 'close' } : {};
        send(res, status, { error: err.message }, headers);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  log(`serving on http://127.0.0.1:${actualPort} (POST /predict, GET /healthz, GET /metrics)`);

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      model.stopTraining = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Connections still busy after a grace period (a client that keeps sending on a kept-alive socket) are cut.
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await stopped;
      clearTimeout(grace);
      await trained;
      await pool?.close();
      registry.clear();
    })());

  return { url: `http://127.0.0.1:${actualPort}`, port: actualPort, model, pool, trained, status: () => ({ ...status }), registry, close };
}
