// Runs in a worker_thread: loads tensornode from its TypeScript sources through tsx (the same code the tests
// import), computes a few ops and a gradient, and posts the results back.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const tn = await tsImport('../../lib/index.ts', import.meta.url);

const { a, b, x, k, threads, repeat } = workerData;
if (threads) tn.setNumThreads(threads);
let result;
for (let i = 0; i < repeat; i++) {
  const A = tn.tensor(a.data, a.shape);
  const B = tn.tensor(b.data, b.shape);
  const X = tn.tensor(x.data, x.shape);
  const K = tn.tensor(k.data, k.shape);
  const [ga, gb] = tn.grads((p, q) => tn.sum(tn.softmax(tn.matMul(p, q)), -1))([A, B], tn.ones([a.shape[0]]).mul(tn.range(0, a.shape[0])));
  result = {
    backend: tn.backendInfo(),
    product: tn.matMul(A, B).data(),
    gradA: ga.data(),
    gradB: gb.data(),
    conv: tn.maxPool2d(tn.relu(tn.conv2d(X, K, 1, 'same')), 2, 2, 'same').data(),
  };
}
parentPort.postMessage(result);
