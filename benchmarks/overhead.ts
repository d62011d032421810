// Per-op overhead between TypeScript and native code: the time of ops on tiny tensors, where the arithmetic is
// negligible and what remains is argument checks, allocation, the N-API call and autograd bookkeeping.
// Run: npx tsx benchmarks/overhead.ts [--no-write]   (or npm run bench -- overhead)
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from '../lib/index.js';
import { helpOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

function time(label: string, iterations: number, fn: () => unknown): [string, number] {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    rounds.push(Number(process.hrtime.bigint() - t0) / iterations / 1000);
  }
  rounds.sort((a, b) => a - b);
  return [label, rounds[3]];
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { 'no-write': { type: 'boolean' }, ...helpOption } });
  if (printedHelp(values, 'npx tsx benchmarks/overhead.ts [--no-write]')) return '';
  const cmd = command ?? `npx tsx benchmarks/overhead.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const started = new Date();
  const a = tn.randomNormal([4, 4], 0, 1, 'float32', 1);
  const b = tn.randomNormal([4], 0, 1, 'float32', 2);
  const v = tn.variable(tn.randomNormal([4, 4], 0, 1, 'float32', 3));
  const img = tn.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 4);
  const k = tn.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 5);
  const n = 20000;
  const rows = [
    time('relu [4,4]', n, () => tn.relu(a)),
    time('add [4,4] + [4,4]', n, () => tn.add(a, a)),
    time('add [4,4] + [4] (broadcast)', n, () => tn.add(a, b)),
    time('matMul [4,4] x [4,4]', n, () => tn.matMul(a, a)),
    time('sum [4,4] over axis 1', n, () => tn.sum(a, 1)),
    time('conv2d [1,4,4,2] * [3,3,2,2] same', n, () => tn.conv2d(img, k, 1, 'same')),
    time('relu recorded (input requires grad)', n, () => tn.relu(v)),
    time('grad of sum(relu(x @ w))', n / 4, () => tn.grad((x: tn.Tensor) => tn.sum(tn.relu(tn.matMul(x, v))))(a)),
  ];
  const info = tn.backendInfo();
  const lines = [
    `Per-op overhead (median of 7 rounds, microseconds per call; ${info.isa}, ${info.threads} threads):`,
    '',
    '| op | us/call |',
    '| --- | ---: |',
    ...rows.map(([label, us]) => `| ${label} | ${us.toFixed(2)} |`),
  ];
  const text = lines.join('\n');
  console.log(text);
  if (!values['no-write']) {
    const host = machine();
    writeSection('Per-op overhead', [
      `Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\`; ${host.cpu}, Node ${host.node}, load average ${host.loadAverage.toFixed(2)}.`,
      'Ops on tiny tensors, where the arithmetic is negligible: what remains is argument checks, allocation, the N-API',
      'call and autograd bookkeeping. tensornode only (the peers\' per-op costs are not measured here).',
      '',
      text,
    ].join('\n'));
    console.log('wrote the "Per-op overhead" section of benchmarks/RESULTS.md');
  }
  return text;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
