// Winograd F(4x4, 3x3) against the direct kernels on 3x3 stride-1 shapes, the measurement behind the rule in
// native/conv_winograd.cc (winograd_pays): forward (bias + relu), backward-input and backward-filter (relu's gradient
// folded in), each shape timed with Winograd forced on and off (the addon's internal conv2dWinograd hook), alternating per round.
// Then the whole CIFAR-style CNN (training at batch 32 through fit(), predict at batch 256) with Winograd on and off,
// alternating per round in one process: what the rule gains end to end, whatever else loads the machine.
// `npm run bench -- winograd [--rounds=N] [--pass=forward|input|filter] [--no-write]` (--pass: one pass only, no
// whole-network rounds, nothing written).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from '../lib/index.js';
import { internal, native, UnaryOp } from '../lib/native.js';
import { conv2dGeometry } from '../lib/ops/conv.js';
import { build as cifarCnn } from './cifar-cnn.js';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

interface Shape { n: number; hw: number; c: number; oc: number; padding: 'same' | 'valid' }

// The reference CNN's and the CIFAR-style CNN's 3x3 layers after the first, at their batches, and a sweep of
// channel counts around them.
const shapes: Shape[] = [
  ...[1, 32, 256].flatMap((n) => [
    { n, hw: 26, c: 32, oc: 64, padding: 'valid' as const },   // reference CNN, second layer
    { n, hw: 32, c: 32, oc: 32, padding: 'valid' as const },   // CIFAR, second layer
    { n, hw: 15, c: 32, oc: 64, padding: 'same' as const },    // CIFAR, third layer
    { n, hw: 15, c: 64, oc: 64, padding: 'valid' as const },   // CIFAR, fourth layer
  ]),
  ...[8, 16, 24, 128].map((c) => ({ n: 32, hw: 16, c, oc: c, padding: 'same' as const })),
  { n: 32, hw: 8, c: 64, oc: 64, padding: 'same' },
  { n: 32, hw: 6, c: 32, oc: 32, padding: 'same' },
];

function timeMs(f: () => void, minMs: number): number {
  f();
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    f();
    calls++;
    t = performance.now();
  } while (t - t0 < minMs);
  return (t - t0) / calls;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...helpOption, rounds: { type: 'string' }, pass: { type: 'string' }, 'no-write': { type: 'boolean' } } });
  const usage = 'npm run bench -- winograd [--rounds=N] [--pass=forward|input|filter] [--no-write]';
  if (printedHelp(values, usage)) return;
  const passNames: Record<string, string> = { forward: 'forward', input: 'backward input', filter: 'backward filter' };
  if (values.pass !== undefined && !(values.pass in passNames)) throw new Error(`winograd: --pass must be forward, input or filter, received '${values.pass}' (${usage})`);
  const onlyPass = values.pass === undefined ? null : passNames[values.pass];
  const rounds = integerOption('winograd', 'rounds', values.rounds, 7, 1);
  const host = machine();
  const started = Date.now();
  const rows: string[] = [];
  for (const s of shapes) {
    const g = conv2dGeometry([s.n, s.hw, s.hw, s.c], [3, 3, s.c, s.oc], [1, 1], s.padding, [1, 1], 'bench').native;
    const [, , , , , , , oh, ow] = g;
    const x = Float32Array.from({ length: s.n * s.hw * s.hw * s.c }, () => Math.random() - 0.5);
    const w = Float32Array.from({ length: 9 * s.c * s.oc }, () => (Math.random() - 0.5) * 0.2);
    const b = Float32Array.from({ length: s.oc }, () => Math.random() - 0.5);
    const dy = Float32Array.from({ length: s.n * oh * ow * s.oc }, () => Math.random() - 0.5);
    const y = new Float32Array(dy.length);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    const db = new Float32Array(s.oc);
    const passes = {
      forward: () => native.conv2dForward(x, w, b, y, g, UnaryOp.relu, 0),
      'backward input': () => native.conv2dBackwardInput(dy, w, dx, g, y, UnaryOp.relu, 0),
      'backward filter': () => native.conv2dBackwardFilter(x, dy, dw, db, g, y, UnaryOp.relu, 0),
    };
    // y as the forward pass leaves it, so that relu's gradient masks about half of dy, as in training.
    passes.forward();
    for (const [pass, f] of Object.entries(passes)) {
      if (onlyPass && pass !== onlyPass) continue;
      const ratios: number[] = [];
      const direct: number[] = [];
      const wino: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? (['never', 'always'] as const) : (['always', 'never'] as const);
        const t: Record<string, number> = {};
        for (const mode of order) {
          internal.conv2dWinograd(mode);
          t[mode] = timeMs(f, 15);
        }
        direct.push(t.never);
        wino.push(t.always);
        ratios.push(t.never / t.always);
      }
      internal.conv2dWinograd('auto');
      const plan = internal.conv2dPlan(g);
      const chosen = pass === 'forward' ? plan.forward : pass === 'backward input' ? plan.backwardInput : plan.backwardFilter;
      const macs = s.n * oh * ow * s.oc * 9 * s.c;
      const row = `| [${s.n},${s.hw},${s.hw},${s.c}] -> ${s.oc} ${s.padding} | ${pass} | ${median(direct).toFixed(3)} | ${median(wino).toFixed(3)} | ${
        ((2 * macs) / median(direct) / 1e6).toFixed(0)} | ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) | ${chosen} |`;
      console.log(row);
      rows.push(row);
    }
  }
  internal.conv2dWinograd('auto');
  if (onlyPass) return;

  // The whole network, Winograd on (the rule) against off.
  tn.setSeed(1);
  const model = cifarCnn();
  const xs = tn.randomUniform([1024, 32, 32, 3], 0, 1, 'float32', 1);
  const ys = tn.tensor(Array.from({ length: 1024 }, (_, i) => (i * 7) % 10), [1024], 'int32');
  const xTrain = tn.slice(xs, [0, 0, 0, 0], [640, 32, 32, 3]);
  const yTrain = tn.slice(ys, [0], [640]);
  const run = async () => {
    const t0 = performance.now();
    await model.fit(xTrain, yTrain, { batchSize: 32, epochs: 1, verbose: 0, shuffle: false });
    const t1 = performance.now();
    model.predict(xs, { batchSize: 256 });
    return { train: (640 * 1000) / (t1 - t0), predict: (1024 * 1000) / (performance.now() - t1) };
  };
  await run();
  const whole = { train: { never: [] as number[], auto: [] as number[], ratio: [] as number[] }, predict: { never: [] as number[], auto: [] as number[], ratio: [] as number[] } };
  for (let r = 0; r < rounds; r++) {
    const got: Record<string, { train: number; predict: number }> = {};
    for (const mode of r % 2 === 0 ? (['never', 'auto'] as const) : (['auto', 'never'] as const)) {
      internal.conv2dWinograd(mode);
      got[mode] = await run();
    }
    for (const k of ['train', 'predict'] as const) {
      whole[k].never.push(got.never[k]);
      whole[k].auto.push(got.auto[k]);
      whole[k].ratio.push(got.auto[k] / got.never[k]);
    }
    console.log(`CIFAR round ${r + 1}: training ${got.auto.train.toFixed(0)}/s with Winograd, ${got.never.train.toFixed(0)}/s without; predict ${got.auto.predict.toFixed(0)}/s, ${got.never.predict.toFixed(0)}/s`);
  }
  internal.conv2dWinograd('auto');
  const wholeRows = (['train', 'predict'] as const).map((k) => `| ${k === 'train' ? 'training, batch 32 (20 steps per round)' : 'inference, batch 256 (1,024 samples per round)'} | ${
    Math.round(median(whole[k].never)).toLocaleString('en-US')} | ${Math.round(median(whole[k].auto)).toLocaleString('en-US')} | ${median(whole[k].ratio).toFixed(2)}x (${
    Math.min(...whole[k].ratio).toFixed(2)}-${Math.max(...whole[k].ratio).toFixed(2)}) |`);
  console.log(wholeRows.join('\n'));
  const cmd = command ?? 'npm run bench -- winograd';
  const body = [
    `Measured ${new Date(started).toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\` (${((Date.now() - started) / 60000).toFixed(1)} min).`,
    '',
    `- Machine: ${host.cpu}, ${host.cores} cores; Node ${host.node}; load average ${host.loadAverage.toFixed(2)} at the start (the machine is shared).`,
    `- tensornode: \`backendInfo()\` = ${host.backend}.`,
    '- Method: the native kernels alone (`conv2dForward` with bias and relu; `conv2dBackwardInput` and',
    '  `conv2dBackwardFilter` with relu\'s gradient folded in), each shape with Winograd F(4x4, 3x3) forced on and off, alternating per round (at least 15 ms of calls',
    `  each); medians of ${rounds} rounds. GFLOP/s counts the direct convolution's 2 x 9 x c x oc per output pixel. The last`,
    '  column is what the rule in native/conv_winograd.cc (`winograd_pays`) picks.',
    '',
    '| shape | pass | direct (ms) | Winograd (ms) | direct GFLOP/s | direct time / Winograd (range) | chosen |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    'The CIFAR-style CNN of benchmarks/cifar-cnn.ts as a whole, samples/s (medians of the same rounds), Winograd off',
    '(`conv2dWinograd(\'never\')`: the direct kernels, as before it existed) against on (the rule), alternating per round:',
    '',
    '| samples/s | Winograd off | Winograd on (rule) | on / off, median of per-round ratios (range) |',
    '| --- | ---: | ---: | ---: |',
    ...wholeRows,
    '',
    `Load average at the end: ${loadavg()[0].toFixed(2)}.`,
  ].join('\n');
  if (!values['no-write']) {
    writeSection('Winograd', body);
    console.log('wrote the "Winograd" section of benchmarks/RESULTS.md');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
