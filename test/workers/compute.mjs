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
  // The same function as test/worker.test.ts's scoreOf: softmax weighted by a fixed vector, so it is not constant.
  const scoreOf = (p, q) => tn.sum(tn.mul(tn.softmax(tn.matMul(p, q)), tn.linspace(-1, 1, b.shape[1])), -1);
  const [ga, gb] = tn.grads(scoreOf)([A, B], tn.range(1, a.shape[0] + 1));
  result = {
    backend: tn.backendInfo(),
    product: tn.matMul(A, B).data(),
    gradA: ga.data(),
    gradB: gb.data(),
    conv: tn.maxPool2d(tn.relu(tn.conv2d(X, K, 1, 'same')), 2, 2, 'same').data(),
  };
}
parentPort.postMessage(result);
