// npm run fuzz -- [--cases N] [--seed S] [--timeout MS]: a longer fuzz run than the one in npm test; exits 1 if any
// case crashed, hung, ran out of memory, raised an internal TypeError/RangeError or returned where an error was due.
import { parseArgs } from 'node:util';
import { failures, runFuzz } from './harness.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '3000' }, seed: { type: 'string', default: '1' }, timeout: { type: 'string', default: '20000' } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) {
  console.error(`fuzz: --cases must be a positive integer and --seed an integer, received ${values.cases} and ${values.seed}`);
  process.exit(2);
}
const t0 = performance.now();
const report = await runFuzz({ seed, cases, timeoutMs: Number(values.timeout), log: (l) => console.log(l) });
const bad = failures(report);
const byTarget = new Map<string, number>();
for (const r of report.results) byTarget.set(r.target, (byTarget.get(r.target) ?? 0) + 1);
console.log(`fuzz: seed ${seed}, ${report.results.length} cases over ${byTarget.size} targets in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${report.children} child process(es):`, JSON.stringify(report.counts));
for (const r of bad) console.log(`  case ${r.index} [${r.outcome}] ${r.target}: ${r.label}: ${r.message}`);
process.exit(bad.length ? 1 : 0);
