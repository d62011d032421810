// A worker script for test/worker-transfer.test.ts: rebuilds the model it is sent and sends back its weights.
import { parentPort } from 'node:worker_threads';
import { packWeights, unpackModel, type ModelPackage } from '../../lib/workers/transfer.js';

parentPort!.once('message', (pkg: ModelPackage) => {
  const model = unpackModel(pkg, 'spawn-probe');
  parentPort!.postMessage({ names: model.weights.map((w) => w.name), weights: packWeights(model) });
});
