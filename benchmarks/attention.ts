// Scaled dot-product attention: the fused op (dotProductAttention: per-head GEMMs reading the [batch, time, heads,
// depth] projections in place, one backward) against the same computation composed from transpose, matMul,
// softmax and elementwise ops (composedDotProductAttention), on a transformer block's shape; and a whole
// MultiHeadAttention layer step. PyTorch is the peer when /usr/bin/python3 has it; otherwise the composed path is.
//
//   npx tsx benchmarks/attention.ts [--rounds 15] [--iters 5] [--no-write]
//
// The two sides alternate in short rounds (one warm-up call, then `iters` timed ones each), and the table reports
// the median call per round, then the median over rounds, because this machine is shared.
import * as tn from '../lib/index.js';
import { backward, noGrad } from '../lib/autograd/tape.js';
import { withScope } from '../lib/memory.js';
import { composedDotProductAttention, dotProductAttention, type DotProductAttentionOptions } from '../lib/ops/attention.js';
import { Tensor, variable } from '../lib/tensor.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// benchmarks/results.ts imports the built package (dist/); this script runs on the sources, so it keeps its own
// machine line and section writer.
const resultsPath = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
function writeSection(title: string, body: string): void {
  const text = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '# Benchmark results\n\n';
  const parts = text.split(/^(?=## )/m);
  const section = `## ${title}\n\n${body.trim()}\n\n`;
  const i = parts.findIndex((p) => p.split('\n', 1)[0].trim() === `## ${title}`);
  if (i >= 0) parts[i] = section;
  else parts.push(section);
  writeFileSync(resultsPath, parts.join('').replace(/\n+$/, '\n'));
}
function machine() {
  const b = tn.backendInfo();
  return {
    cpu: cpus()[0]?.model ?? 'unknown CPU', cores: availableParallelism(), memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version, loadAverage: loadavg()[0].toFixed(2), backend: `isa=${b.isa}, threads=${b.threads}`,
  };
}

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('rounds', 15);
const iters = arg('iters', 5);
const write = !process.argv.includes('--no-write');

const [B, T, N, H] = [32, 128, 4, 32];

function random(shape: number[], seed: number): Tensor {
  let a = seed >>> 0;
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a * 1664525 + 1013904223) >>> 0;
    out[i] = (a / 4294967296) * 2 - 1;
  }
  return tn.tensor(out, shape);
}

const median = (v: number[]): number => {
  const s = v.slice().sort((x, y) => x - y);
  return s[s.length >> 1];
};

function timeMs(f: () => void, n: number): number {
  f();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const q = variable(random([B, T, N, H], 1));
const k = variable(random([B, T, N, H], 2));
const v = variable(random([B, T, N, H], 3));
const upstream = random([B, T, N, H], 4);
const causal: DotProductAttentionOptions = { scale: 1 / Math.sqrt(H), causal: true };
const plain: DotProductAttentionOptions = { scale: 1 / Math.sqrt(H) };

type Side = () => void;
const forward = (fused: boolean, o: DotProductAttentionOptions): Side => () =>
  noGrad(() => withScope(() => (fused ? dotProductAttention(q, k, v, o) : composedDotProductAttention(q, k, v, o).output)));
const train = (fused: boolean, o: DotProductAttentionOptions): Side => () =>
  withScope(() => {
    const y = fused ? dotProductAttention(q, k, v, o) : composedDotProductAttention(q, k, v, o).output;
    backward(y, upstream, [q, k, v]);
  });

// Whole-layer step: projections, attention, output projection, backward into inputs and weights.
const x = variable(random([B, T, N * H], 5));
const layer = new tn.layers.MultiHeadAttention({ numHeads: N, keyDim: H });
layer.apply([x, x]);
const layerUp = random([B, T, N * H], 6);
const layerStep = (scores: boolean): Side => () =>
  withScope(() => {
    // returnAttentionScores takes the composed path (Keras does the same: the scores must exist as a tensor).
    const out = layer.apply([x, x], { returnAttentionScores: scores, useCausalMask: true } as never) as unknown as Tensor | Tensor[];
    backward(Array.isArray(out) ? out[0] : out, layerUp, [x, ...layer.trainableWeights]);
  });

// The two forms agree before anything is timed.
noGrad(() => {
  const a = dotProductAttention(q, k, v, causal).data() as Float32Array;
  const b = composedDotProductAttention(q, k, v, causal).output.data() as Float32Array;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  if (worst > 1e-5) throw new Error(`fused and composed attention differ by ${worst}`);
});

const rows: [string, Side, Side][] = [
  ['core forward, no mask', forward(true, plain), forward(false, plain)],
  ['core forward, causal', forward(true, causal), forward(false, causal)],
  ['core forward+backward (dQ, dK, dV), causal', train(true, causal), train(false, causal)],
  ['MultiHeadAttention layer forward+backward (inputs and weights), causal', layerStep(false), layerStep(true)],
];

const lines: string[] = [];
console.log(`attention [batch ${B}, seq ${T}, ${N} heads x ${H}]: ${rounds} rounds x ${iters} calls per side\n`);
for (const [label, fused, composed] of rows) {
  const f: number[] = [];
  const c: number[] = [];
  const ratio: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = timeMs(fused, iters);
    const b = timeMs(composed, iters);
    f.push(a);
    c.push(b);
    ratio.push(b / a);
  }
  const row = `| ${label} | ${median(f).toFixed(2)} | ${median(c).toFixed(2)} | ${median(ratio).toFixed(2)} | ${Math.min(...ratio).toFixed(2)}-${Math.max(...ratio).toFixed(2)} |`;
  console.log(row);
  lines.push(row);
}

const m = machine();
const body = `Measured ${new Date().toISOString().slice(0, 16)}Z with \`npx tsx benchmarks/attention.ts --rounds ${rounds} --iters ${iters}\`.

- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; load average ${m.loadAverage} at the start (the machine is shared); tensornode ${m.backend}.
- Shape: a transformer block's attention, batch ${B}, sequence ${T} (queries and keys), ${N} heads of depth ${H}.
- Peer: PyTorch is not installed on this machine (\`/usr/bin/python3 -c "import torch"\` fails), so the peer is
  tensornode's own composed path: transpose the heads, matMul(Q, K, transposeB), add the mask, softmax, matMul(P, V),
  transpose back, each op with its own backward (\`composedDotProductAttention\`). The fused op
  (\`dotProductAttention\`) reads the heads in place through the GEMM's strides and has one backward.
- The layer row compares MultiHeadAttention's usual call (fused) with the same call asking for the scores
  (\`returnAttentionScores\`, which takes the composed path), projections included.
- Method: per round each side makes a warm-up call and ${iters} timed ones (inside a step scope, as fit() runs);
  median call per round, median over ${rounds} rounds; ratio = composed time / fused time per round (above 1: the
  fused op is faster), its median and range over rounds.

| what | fused (ms) | composed (ms) | composed / fused (median of rounds) | min-max over rounds |
| --- | ---: | ---: | ---: | ---: |
${lines.join('\n')}`;
if (write) writeSection('Attention', body);
