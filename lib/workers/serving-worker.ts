// A serving pool's worker (lib/serving/pool.ts): holds one model, predicts the batches the pool sends, one at a time,
// and swaps in new weights (or a new model) between batches. Messages are handled in order, so an update posted while
// a batch computes applies to the batches after it.
import { parentPort, workerData } from 'node:worker_threads';
import { noGrad } from '../autograd/tape.js';
import { setNumThreads } from '../backend.js';
import { modelToKeras } from '../io/keras-config.js';
import { withScope } from '../memory.js';
import type { Model } from '../models/model.js';
import { loadModel } from '../models/saving.js';
import { signatureOf, type FromWorker, type Signature, type ToWorker, type Values, type WorkerInit } from '../serving/protocol.js';
import { fromArray } from '../tensor.js';
import { unpackModel, unpackWeights, type ModelPackage } from './transfer.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const where = `serving pool "${init.name}" worker`;

let model!: Model;
let topology!: string;
let signature!: Signature;
let version = init.version;
try {
  setNumThreads(init.threads);
  for (const m of init.modules) await import(m);
  model = 'model' in init.source ? unpackModel(init.source.model, where) : await loadModel(init.source.path);
  topology = JSON.stringify(modelToKeras(model));
  signature = signatureOf(model, where);
  post({ type: 'ready', signature, version });
} catch (err) {
  post({ type: 'loadError', message: (err as Error).message });
  process.exit(1);
}

function update(pkg: ModelPackage): void {
  const next = JSON.stringify(pkg.topology);
  // Same architecture: write the weights into the built model (no rebuild); otherwise build the new one.
  if (next === topology) {
    unpackWeights(model, pkg.weights, where);
  } else {
    model = unpackModel(pkg, where);
    topology = next;
    signature = signatureOf(model, where);
  }
}

function predict(rows: number, inputs: Values[]): { shape: number[]; values: Values }[] {
  return withScope(() => {
    const xs = inputs.map((buffer, i) => {
      const shape = signature.inputs[i].shape;
      const size = shape.reduce((a, b) => a * b, 1);
      return fromArray(buffer.subarray(0, rows * size), [rows, ...shape]);
    });
    const outs = noGrad(() => model.forward(xs, false));
    // The step's buffers are recycled when withScope returns: copy the outputs into fresh ones to transfer.
    return outs.map((o) => ({ shape: o.shape.slice(1), values: o.values.slice() as Values }));
  });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'predict') {
    const start = performance.now();
    const returned = m.inputs.map((a) => a.buffer as ArrayBuffer);
    try {
      const outputs = predict(m.rows, m.inputs);
      post({ type: 'result', batch: m.batch, outputs, inputs: m.inputs, computeMs: performance.now() - start }, [...outputs.map((o) => o.values.buffer as ArrayBuffer), ...returned]);
    } catch (err) {
      post({ type: 'batchError', batch: m.batch, message: (err as Error).message, inputs: m.inputs }, returned);
    }
  } else if (m.type === 'update') {
    try {
      // A worker started after this update began already holds its model.
      if (m.version > version) update(m.model);
      version = Math.max(version, m.version);
      post({ type: 'updated', version });
    } catch (err) {
      post({ type: 'updateError', version: m.version, message: (err as Error).message });
    }
  }
});
