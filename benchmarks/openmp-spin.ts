// How long libgomp's idle workers spin after a parallel kernel, seen as CPU time: each round runs one small
// multi-threaded matMul, then the main thread sleeps; spinning workers burn CPU through the sleep, sleeping ones
// do not. Each setting runs in a fresh process (libgomp reads its environment once, when it loads), which also
// reports the GOMP_SPINCOUNT its own environment and a child process see after importing tensornode.
// Run: npx tsx benchmarks/openmp-spin.ts [library entry, default ../lib/index.ts] (about 20 s)
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROUNDS = 300;
const SLEEP_MS = 4;

async function child(entry: string): Promise<void> {
  const before = process.env.GOMP_SPINCOUNT;
  const tn = (await import(pathToFileURL(entry).href)) as typeof import('../lib/index.js');
  const after = process.env.GOMP_SPINCOUNT;
  const inChild = spawnSync('sh', ['-c', 'echo "${GOMP_SPINCOUNT-unset}"'], { encoding: 'utf8' }).stdout.trim();
  const a = tn.randomNormal([64, 256], 0, 1, 'float32', 1);
  const b = tn.randomNormal([256, 256], 0, 1, 'float32', 2);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 50; i++) tn.matMul(a, b);
  const kernel: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) {
    const t = process.hrtime.bigint();
    tn.matMul(a, b);
    kernel.push(Number(process.hrtime.bigint() - t) / 1e6);
    Atomics.wait(sleeper, 0, 0, SLEEP_MS);
  }
  const wall = Number(process.hrtime.bigint() - wall0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  kernel.sort((x, y) => x - y);
  console.log(JSON.stringify({
    threads: tn.backendInfo().threads,
    envBefore: before ?? 'unset', envAfter: after ?? 'unset', childSees: inChild,
    cpuMsPerRound: (cpu.user + cpu.system) / 1000 / ROUNDS, wallMsPerRound: wall / ROUNDS, kernelMedianMs: kernel[kernel.length >> 1],
  }));
}

function main(): void {
  const entry = resolve(process.argv[2] ?? fileURLToPath(new URL('../lib/index.ts', import.meta.url)));
  const settings: [string, Record<string, string>][] = [
    ['GOMP_SPINCOUNT unset (tensornode chooses)', {}],
    ['GOMP_SPINCOUNT=20000 by the user', { GOMP_SPINCOUNT: '20000' }],
    ['GOMP_SPINCOUNT=300000 by the user (libgomp default)', { GOMP_SPINCOUNT: '300000' }],
    ['OMP_WAIT_POLICY=passive by the user', { OMP_WAIT_POLICY: 'passive' }],
  ];
  console.log(`library: ${entry}; ${ROUNDS} rounds of matMul [64,256]x[256,256] then a ${SLEEP_MS} ms sleep`);
  console.log('| setting | threads | env after import | child sees | CPU ms / round | wall ms / round | kernel median ms |');
  console.log('| --- | ---: | --- | --- | ---: | ---: | ---: |');
  for (const [label, extra] of settings) {
    const env = { ...process.env, ...extra };
    if (!('GOMP_SPINCOUNT' in extra)) delete env.GOMP_SPINCOUNT;
    if (!('OMP_WAIT_POLICY' in extra)) delete env.OMP_WAIT_POLICY;
    const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', entry], { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${label}: the child failed: ${run.stderr}`);
    const r = JSON.parse(run.stdout.trim().split('\n').pop()!);
    console.log(`| ${label} | ${r.threads} | ${r.envAfter} | ${r.childSees} | ${r.cpuMsPerRound.toFixed(2)} | ${r.wallMsPerRound.toFixed(2)} | ${r.kernelMedianMs.toFixed(3)} |`);
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]);
else main();
