// `npm run bench` runs every benchmark suite; `npm run bench -- <suite> [options]` runs one (options go to it).
// A suite is a module in benchmarks/ exporting main() (or a default function); suites still being written by
// others are skipped with a note rather than failing the run.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const suites = [
  { name: 'gemm', file: 'gemm.ts' },
  { name: 'conv', file: 'conv.ts' },
  { name: 'depthwise', file: 'depthwise.ts' },
  { name: 'mnist-cnn', file: 'mnist-cnn.ts' },
  { name: 'cifar-cnn', file: 'cifar-cnn.ts' },
  { name: 'mixed-precision', file: 'mixed-precision.ts' },
  { name: 'text-rnn', file: 'text-rnn.ts' },
  { name: 'overhead', file: 'overhead.ts' },
  { name: 'data', file: 'data.ts' },
  { name: 'pool', file: 'pool.ts' },
  { name: 'distributed', file: 'distributed.ts' },
  { name: 'worker', file: 'worker.ts' },
  { name: 'quantization', file: 'quantization.ts' },
  { name: 'serve', file: 'serve.ts' },
  { name: 'soak', file: 'soak.ts' },
  { name: 'winograd', file: 'winograd.ts' },
  { name: 'ort', file: 'ort.ts' },
];

type SuiteMain = (argv: string[], command?: string) => unknown;

const args = process.argv.slice(2);
// Suite names come first; from the first option on, everything goes to the suites, so that an option's value given
// as a separate word (`--minutes 60`) stays with its option instead of being read as a suite's name.
const firstOption = args.findIndex((a) => a.startsWith('-'));
const names = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
for (const n of names) {
  if (!suites.some((s) => s.name === n)) {
    console.error(`bench: unknown suite "${n}"; the suites are ${suites.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
}
const viaNpm = process.env.npm_lifecycle_event === 'bench';
const command = `${viaNpm ? 'npm run bench' : 'tsx benchmarks/run.ts'}${args.length ? `${viaNpm ? ' --' : ''} ${args.join(' ')}` : ''}`;

let failed = 0;
for (const suite of suites.filter((s) => names.length === 0 || names.includes(s.name))) {
  const path = fileURLToPath(new URL(`./${suite.file}`, import.meta.url));
  if (!existsSync(path)) {
    console.log(`== ${suite.name}: benchmarks/${suite.file} does not exist yet; skipped`);
    continue;
  }
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const run = [mod.main, mod.default, mod.run].find((f): f is SuiteMain => typeof f === 'function');
  if (!run) {
    console.log(`== ${suite.name}: benchmarks/${suite.file} exports no main() or default function; skipped`);
    continue;
  }
  console.log(`== ${suite.name}`);
  try {
    // A suite fails by throwing, or by returning (or resolving to) false or an object whose `pass` is false.
    const result = await run(options, command);
    if (result === false || (typeof result === 'object' && result !== null && (result as { pass?: unknown }).pass === false)) {
      failed++;
      console.error(`== ${suite.name} failed: it reported FAIL`);
    }
  } catch (err) {
    failed++;
    console.error(`== ${suite.name} failed:`, err);
  }
}
process.exit(failed ? 1 : 0);
