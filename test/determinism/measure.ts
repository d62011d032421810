// What changes with the thread count and the SIMD path (README "Reproducible runs"): runs reference-program.ts for
// each model at 1, 2 and 4 threads on the machine's best path, and at 2 threads on avx2 and scalar, and compares the
// trained weights with the 1-thread best-path run: bit-identical or not, the largest absolute difference, and that
// difference relative to the largest weight.
//   npx tsx test/determinism/measure.ts
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const program = fileURLToPath(new URL('./reference-program.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

function run(kind: string, threads: number, isa?: string): Float32Array {
  const out = join(tmpdir(), `tn-det-${process.pid}-${kind}-${threads}-${isa ?? 'best'}.bin`);
  execFileSync(tsx, [program, out, String(threads), kind], { env: { ...process.env, ...(isa ? { TENSORNODE_MAX_ISA: isa } : {}) }, stdio: 'inherit' });
  const b = readFileSync(out);
  rmSync(out);
  rmSync(`${out}.init`);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

console.log('| model | run | against 1 thread, best path |');
console.log('| --- | --- | --- |');
for (const kind of ['cnn', 'conv3d', 'depthwise']) {
  const base = run(kind, 1);
  const peak = base.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const configs: [number, string | undefined][] = [[1, undefined], [2, undefined], [4, undefined], [2, 'avx2'], [2, 'scalar']];
  for (const [threads, isa] of configs) {
    const w = run(kind, threads, isa);
    let maxAbs = 0;
    let differing = 0;
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs(w[i] - base[i]);
      if (d > 0 || Object.is(w[i], -0) !== Object.is(base[i], -0)) differing++;
      maxAbs = Math.max(maxAbs, d);
    }
    const what = threads === 1 && !isa ? 'a second run' : `${threads} threads${isa ? `, ${isa}` : ''}`;
    console.log(`| ${kind} | ${what} | ${differing === 0 ? 'bit-identical' : `${differing} of ${w.length} weights differ; max abs ${maxAbs.toExponential(2)} (${(maxAbs / peak).toExponential(2)} of the largest weight)`} |`);
  }
}
