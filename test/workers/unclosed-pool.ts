// For test/serving-pool.test.ts: a program that serves a few requests from a pool it never closes. It must still
// exit by itself: an idle pool's workers do not keep the process alive.
import * as tn from '../../lib/index.js';

const model = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [3] })] });
const pool = await tn.serving.createPool(model, { workers: 2 });
const out = (await pool.predict([1, 2, 3])) as tn.Tensor;
console.log(JSON.stringify({ shape: out.shape, completed: pool.stats().completed }));
