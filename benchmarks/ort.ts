// Inference against ONNX Runtime (onnxruntime-node, `InferenceSession.run` on its default CPU provider with 2
// intra-op threads) on the same networks, exported with tn.onnx.exportModel: the reference CNN (the MNIST program)
// and the CIFAR-style CNN, images/s at batch 256 and latency at batch 1, alternating rounds in one process.
//
//   npx tsx benchmarks/ort.ts [--rounds=9] [--no-write]     (or npm run bench -- ort)
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from '../lib/index.js';
import { build as cifarCnn } from './cifar-cnn.js';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

interface OrtTensor { data: Float32Array; dims: readonly number[] }
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
}
interface Ort {
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
  env: { versions?: Record<string, string> };
}

export function referenceCnn(): tn.Sequential {
  const { Conv2D, MaxPooling2D, Flatten, Dense } = tn.layers;
  const model = new tn.Sequential([
    new Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D(2),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  return model;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...helpOption, rounds: { type: 'string' }, 'no-write': { type: 'boolean' } } });
  if (printedHelp(values, 'npx tsx benchmarks/ort.ts [--rounds=9] [--no-write]')) return;
  const rounds = integerOption('ort', 'rounds', values.rounds, 9, 1);
  const ort = createRequire(import.meta.url)('onnxruntime-node') as Ort;
  const host = machine();
  const started = Date.now();
  tn.setSeed(1);
  const networks = [
    { name: 'reference CNN (28x28x1)', build: referenceCnn, shape: [28, 28, 1] },
    { name: 'CIFAR-style CNN (32x32x3)', build: cifarCnn, shape: [32, 32, 3] },
  ];
  const rows: string[] = [];
  for (const net of networks) {
    const model = net.build();
    // A few training steps so that BatchNormalization's moving statistics are not the identity.
    const xs = tn.randomUniform([256, ...net.shape], 0, 1, 'float32', 2);
    await model.fit(xs, tn.tensor(Array.from({ length: 256 }, (_, i) => i % 10), [256], 'int32'), { batchSize: 32, epochs: 1, verbose: 0 });
    const session = await ort.InferenceSession.create(await tn.onnx.exportModel(model), {
      intraOpNumThreads: 2, interOpNumThreads: 1, executionProviders: ['cpu'],
    });
    const input = session.inputNames[0];
    const output = session.outputNames[0];
    for (const batch of [256, 1]) {
      const x = batch === 256 ? xs : tn.randomUniform([1, ...net.shape], 0, 1, 'float32', 3);
      const xData = x.data() as Float32Array;
      const feed = { [input]: new ort.Tensor('float32', xData, [batch, ...net.shape]) };
      const ours = () => (model.predict(x, { batchSize: 256 }) as tn.Tensor).data() as Float32Array;
      // Same numbers before timing.
      const a = ours();
      const b = (await session.run(feed))[output].data;
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      if (!(worst < 1e-3)) throw new Error(`ort: ${net.name} batch ${batch}: outputs differ by ${worst}`);
      // Blocks of 0.1-1 s per side: after its last call each side's thread pool spins on for a while (ORT's by
      // design, libgomp's for GOMP_SPINCOUNT), which takes the cores from the other side's first calls. With 4 calls
      // at batch 256 and 100 at batch 1 per block that tail was most of what was measured (the reference CNN read
      // 0.54x ORT at batch 256 that way on a quiet machine, against 1.09x in blocks of 40).
      const calls = batch === 256 ? 40 : 1000;
      const oursMs: number[] = [];
      const ortMs: number[] = [];
      const ratios: number[] = [];
      for (let r = -1; r < rounds; r++) {
        const t: { ours: number; ort: number } = { ours: 0, ort: 0 };
        for (const side of r % 2 === 0 ? (['ours', 'ort'] as const) : (['ort', 'ours'] as const)) {
          const t0 = performance.now();
          for (let i = 0; i < calls; i++) {
            if (side === 'ours') ours();
            else await session.run(feed);
          }
          t[side] = (performance.now() - t0) / calls;
        }
        if (r < 0) continue; // warm-up round
        oursMs.push(t.ours);
        ortMs.push(t.ort);
        ratios.push(t.ort / t.ours);
      }
      const row = batch === 256
        ? `| ${net.name} | batch 256, images/s | ${Math.round((256 * 1000) / median(oursMs)).toLocaleString('en-US')} | ${
          Math.round((256 * 1000) / median(ortMs)).toLocaleString('en-US')} | ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) |`
        : `| ${net.name} | batch 1, latency (ms) | ${median(oursMs).toFixed(3)} | ${median(ortMs).toFixed(3)} | ${median(ratios).toFixed(2)}x (${
          Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) |`;
      console.log(row);
      rows.push(row);
    }
  }
  const cmd = command ?? 'npx tsx benchmarks/ort.ts';
  const body = [
    `Measured ${new Date(started).toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\` (${((Date.now() - started) / 60000).toFixed(1)} min).`,
    '',
    `- Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB; Node ${host.node}; load average ${host.loadAverage.toFixed(2)} at the start (the machine is shared).`,
    `- tensornode: \`backendInfo()\` = ${host.backend}; \`model.predict(x, { batchSize: 256 })\`.`,
    `- Peer: onnxruntime-node ${ort.env.versions?.node ?? ''} \`InferenceSession.run\`, default CPU execution provider, intraOpNumThreads 2,`,
    '  interOpNumThreads 1, default graph optimisations; the model is ours exported with `tn.onnx.exportModel` (after 8',
    '  training steps, so that BatchNormalization\'s statistics are not trivial); outputs checked equal (1e-3) before timing.',
    `- Method: per round each side runs 40 calls at batch 256 or 1,000 at batch 1, alternating which side goes first; ${rounds}`,
    '  rounds after a warm-up; medians of rounds; the ratio is ORT\'s time over ours within each round, median (range).',
    '  Above 1: tensornode is faster.',
    '',
    '| network | measure | tensornode | onnxruntime | ORT time / ours (range) |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  if (!values['no-write']) {
    writeSection('Inference against ONNX Runtime', body);
    console.log('wrote the "Inference against ONNX Runtime" section of benchmarks/RESULTS.md');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
