// The reference program of README "Reproducible runs": seeds, turns determinism on, trains a small model for a few
// steps (with shuffling and Dropout, which draw from the seeded stream) and writes its weights as raw float32 bytes.
//   npx tsx test/determinism/reference-program.ts <out.bin> [threads] [cnn|conv3d|depthwise] [worker]
// TENSORNODE_MAX_ISA=avx2|scalar picks the SIMD path. determinism.test.ts runs it twice and compares the bytes;
// measure.ts runs it across thread counts and paths.
import { writeFileSync } from 'node:fs';
import * as tn from '../../lib/index.js';

const [out, threadsArg = '2', kind = 'cnn', where = 'thread'] = process.argv.slice(2);
tn.setDeterministic(true);
tn.setSeed(1234);
tn.setNumThreads(Number(threadsArg));

const { layers } = tn;
const body: Record<string, { input: number[]; layers: () => tn.Layer[] }> = {
  cnn: {
    input: [28, 28, 1],
    layers: () => [
      new layers.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
      new layers.MaxPooling2D({ poolSize: 2 }),
      new layers.Flatten(),
      new layers.Dropout({ rate: 0.25 }),
      new layers.Dense({ units: 128, activation: 'relu' }),
      new layers.Dense({ units: 10, activation: 'softmax' }),
    ],
  },
  conv3d: {
    input: [8, 12, 12, 2],
    layers: () => [new layers.Conv3D({ filters: 8, kernelSize: 3, activation: 'relu' }), new layers.Flatten(), new layers.Dense({ units: 10, activation: 'softmax' })],
  },
  depthwise: {
    input: [24, 24, 8],
    layers: () => [new layers.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, activation: 'relu' }), new layers.GlobalAveragePooling2D(), new layers.Dense({ units: 10, activation: 'softmax' })],
  },
};
const spec = body[kind];
if (!spec) throw new Error(`reference-program: unknown model ${kind}; cnn, conv3d or depthwise`);
const model = tn.sequential({ layers: [tn.layers.inputLayer({ shape: spec.input }), ...spec.layers()] });
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
const n = 64;
const x = tn.randomUniform([n, ...spec.input], 0, 1);
const y = tn.cast(tn.mul(tn.randomUniform([n], 0, 1), 10), 'int32');
const bytes = () => Buffer.concat(model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).slice().buffer)));
// The initial weights too, so that a test can tell that training changed them.
writeFileSync(`${out}.init`, bytes());
// 'worker': fit({ worker }) with the same thread count, which continues this thread's random stream there.
await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, ...(where === 'worker' ? { worker: { threads: Number(threadsArg) } } : {}) });
writeFileSync(out, bytes());
