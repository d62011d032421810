// Runs as a fresh process: imports tensornode from its TypeScript sources through tsx (the addon loads, and with it
// libgomp), then prints the OpenMP variables its environment holds before and after, and what a child process
// spawned afterwards inherits.
import { spawnSync } from 'node:child_process';
import { tsImport } from 'tsx/esm/api';

const names = ['GOMP_SPINCOUNT', 'OMP_WAIT_POLICY'];
const snapshot = () => Object.fromEntries(names.map((n) => [n, process.env[n] ?? null]));
const before = snapshot();
const tn = await tsImport('../../lib/index.ts', import.meta.url);
const after = snapshot();
const child = spawnSync('sh', ['-c', names.map((n) => `echo "\${${n}-<unset>}"`).join('; ')], { encoding: 'utf8' });
const inChild = Object.fromEntries(child.stdout.trim().split('\n').map((v, i) => [names[i], v === '<unset>' ? null : v]));
// The addon works after the load.
const product = tn.matMul(tn.tensor([[1, 2]]), tn.tensor([[3], [4]])).item();
console.log(JSON.stringify({ before, after, inChild, product }));
