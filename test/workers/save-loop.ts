// Saves a small compiled model over and over into one folder, as fast as it can, for test/models/atomic-save.test.ts,
// which kills this process at random moments and checks that the folder always holds one whole model. Save number k
// has every weight, every optimizer slot and the optimizer's step count equal to k, so a reader can tell a whole
// model (all k) from a torn one (a mix). Usage: node save-loop.mjs <folder> <first k>
import * as tn from '../../lib/index.js';

const [dir, first] = process.argv.slice(2);
const model = new tn.Sequential([new tn.layers.Dense(5, { inputShape: [4], activation: 'relu' }), new tn.layers.Dense(3)]);
model.compile({ optimizer: 'adam', loss: 'mse' });
model.trainOnBatch(tn.ones([2, 4]), tn.zeros([2, 3]));
const opt = model.optimizer!;
process.stdout.write('ready\n');
for (let k = Number(first); ; k++) {
  for (const w of model.weights) (w.values as Float32Array).fill(k);
  for (const v of model.trainableWeights) for (const slot of opt.slotsOf(v)!) (slot as Float32Array).fill(k);
  opt.iterations = k;
  await model.save(dir);
}
