// An HTTP prediction server that trains while it serves: the reference MNIST CNN trains on a worker thread
// (fit({ worker: true })), a serving pool answers POST /predict with dynamic batching, and takes the new weights after
// every epoch. GET /healthz reports training; GET /metrics is Prometheus text (prom-client).
//
//   npm run example -- serve [--port 8080] [--epochs 3] [--train-samples 8000] [--seconds 600] [--workers 1]
//                            [--threads-per-worker 1] [--max-batch 64] [--max-delay 1] [--backend pool|predict]
//
//   curl -s localhost:8080/healthz
//   curl -s -X POST -H 'Content-Type: application/json' -d "[$(python3 -c 'print(",".join(["0"]*784))')]" localhost:8080/predict
//   curl -s localhost:8080/metrics
//
// It listens on 127.0.0.1 only, trains --epochs, then serves until --seconds have passed since it started (0: until
// Ctrl-C), and shuts down cleanly on SIGINT or SIGTERM: no new connections, training stopped, the requests in progress
// answered, the pool's workers ended.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, type ServerHandle } from './serve/server.js';

function int(name: string, v: string | undefined, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`serve: --${name} must be an integer >= ${min}, received ${v}`);
  return n;
}

export async function serve(argv: string[] = process.argv.slice(2)): Promise<ServerHandle> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, epochs: { type: 'string' }, 'train-samples': { type: 'string' }, seconds: { type: 'string' },
      workers: { type: 'string' }, 'threads-per-worker': { type: 'string' }, 'max-batch': { type: 'string' }, 'max-delay': { type: 'string' },
      backend: { type: 'string' },
    },
  });
  const seconds = int('seconds', values.seconds, 600);
  if (values.backend !== undefined && values.backend !== 'pool' && values.backend !== 'predict') throw new Error(`serve: --backend is pool or predict, received ${values.backend}`);
  const maxDelayMs = values['max-delay'] === undefined ? 1 : Number(values['max-delay']);
  if (!(maxDelayMs >= 0)) throw new Error(`serve: --max-delay must be a number of ms >= 0, received ${values['max-delay']}`);
  const server = await startServer({
    port: int('port', values.port, 8080),
    epochs: int('epochs', values.epochs, 3),
    trainSamples: values['train-samples'] === undefined ? undefined : int('train-samples', values['train-samples'], 0, 1),
    backend: (values.backend as 'pool' | 'predict' | undefined) ?? 'pool',
    pool: { workers: int('workers', values.workers, 1, 1), threadsPerWorker: int('threads-per-worker', values['threads-per-worker'], 1, 1), maxBatchSize: int('max-batch', values['max-batch'], 64, 1), maxDelayMs },
    log: (line) => console.log(`[${new Date().toISOString()}] ${line}`),
  });
  const closeServer = server.close;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (why: string) =>
    (stopping ??= (() => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`[${new Date().toISOString()}] ${why}: shutting down`);
      return closeServer().then(() => console.log(`[${new Date().toISOString()}] closed`));
    })());
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (seconds > 0) timer = setTimeout(() => void stop(`${seconds} s passed`), seconds * 1000);
  // Closing by the handle (a test, a program embedding the example) also takes the signal handlers away.
  server.close = () => stop('close()');
  void server.trained.then(() => console.log(`[${new Date().toISOString()}] training done (${server.status().epoch} epochs); serving version ${server.status().version}`));
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await serve();
