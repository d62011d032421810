// Run as a child process by test/workers-predict.test.ts: awaits predictAsync and evaluateAsync, prints their
// shapes and returns from the module without closing anything. The shared worker must not keep the process alive.
import { tsImport } from 'tsx/esm/api';

const tn = await tsImport('../../lib/index.ts', import.meta.url);
const model = new tn.Sequential([new tn.layers.Dense(3, { inputShape: [4] })]);
model.compile({ optimizer: 'sgd', loss: 'mse' });
const x = tn.randomNormal([10, 4]);
const y = await model.predictAsync(x);
const loss = await model.evaluateAsync(x, tn.zeros([10, 3]), { verbose: 0 });
process.stdout.write(`predicted ${y.shape.join('x')} loss ${loss.length}\n`);
