// A custom layer for test/serving-pool.test.ts, registered by importing this module (the pool's `modules` option
// imports it in each worker). On a worker thread it ends the thread, with exit code 7, when a sample holds 999: a way
// to kill a serving worker in the middle of a batch (998 throws instead; 997 keeps the thread busy for 20 s, a worker
// stuck in a batch). Elsewhere it passes its input through.
import { isMainThread } from 'node:worker_threads';
import * as tn from '../../lib/index.js';

export class ExitOn999 extends tn.Layer {
  static className = 'ExitOn999';

  override call(inputs: tn.Tensor | tn.Tensor[]): tn.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!isMainThread && x.dataSync().includes(999)) process.exit(7);
    if (!isMainThread && x.dataSync().includes(998)) throw new Error('ExitOn999: a sample holds 998');
    if (!isMainThread && x.dataSync().includes(997)) for (const end = Date.now() + 20_000; Date.now() < end; );
    return x;
  }
}
tn.serialization.registerClass(ExitOn999);
