// A training script run as a child process by test/models/crash-resume.test.ts, which kills it with SIGKILL part-way
// and runs it again: BackupAndRestore makes the second run continue where the backup was taken. Prints "start <epoch>
// <step>" (where fit began) and, at the end, writes the final weights and optimizer step count to the output file.
// Usage: node train-backup.mjs <backupDir> <saveFreq: epoch | batches> <outFile>
import { writeFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const tn = await tsImport('../../lib/index.ts', import.meta.url);
const [backupDir, freqText, outFile] = process.argv.slice(2);
const saveFreq = freqText === 'epoch' ? 'epoch' : Number(freqText);

tn.setSeed(1234);
const n = 96;
const x = tn.randomNormal([n, 6], 0, 1, 'float32', 5);
const labels = Array.from(x.data().slice(0, n), (_, i) => i % 3);
const y = tn.tensor(labels, [n], 'int32');
const model = new tn.Sequential([
  new tn.layers.Dense(16, { activation: 'relu', inputShape: [6] }),
  // One Dropout draws from the global generator, the other from its own seeded stream: both must be restored.
  new tn.layers.Dropout(0.3),
  new tn.layers.Dense(8, { activation: 'tanh' }),
  new tn.layers.Dropout(0.2, { seed: 7 }),
  new tn.layers.BatchNormalization(),
  new tn.layers.Dense(3, { activation: 'softmax' }),
]);
model.compile({ optimizer: tn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });

const report = new tn.LambdaCallback({
  onTrainBegin: () => {
    const at = model.resumeAt ?? { epoch: 0, step: 0 };
    process.stdout.write(`start ${at.epoch} ${at.step}\n`);
  },
  // Slow enough that the parent's kill lands in the middle of training.
  onBatchEnd: () => new Promise((resolve) => setTimeout(resolve, 3)),
});
await model.fit(x, y, {
  epochs: 6,
  batchSize: 8,
  verbose: 0,
  callbacks: [new tn.BackupAndRestore({ backupDir, saveFreq }), report],
});
const weights = model.weights.map((w) => Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength).toString('base64'));
writeFileSync(outFile, JSON.stringify({ weights, iterations: model.optimizer.iterations }));
