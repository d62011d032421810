// Convolution benchmark: tensornode's conv2d ops against PyTorch (oneDNN) on the same shapes, both on 2 threads.
//
//   npx tsx benchmarks/conv.ts [--rounds 21] [--iters 10] [--no-write]
//
// Ours runs through the ops a training step uses (conv2dFused with relu fused, the tape's backward), inside a step
// scope so that buffers come from the pool as in fit(). PyTorch runs in one long-lived child process at its best
// here: channels_last tensors, torch.no_grad for forward-only timing, OMP_NUM_THREADS=2, tcmalloc preloaded. The two
// alternate in short rounds (two warm-up calls, then `iters` timed ones per side) and the table reports medians
// over rounds, because this machine is shared and has multi-second slow phases that would otherwise land on one
// side only.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from '../lib/index.js';
import { backward, noGrad } from '../lib/autograd/tape.js';
import { withScope } from '../lib/memory.js';
import { internal, native, UnaryOp } from '../lib/native.js';
import { conv2dFused, conv2dGeometry } from '../lib/ops/conv.js';
import { Tensor, variable } from '../lib/tensor.js';
import { helpOption, integerOption, printedHelp } from './options.js';
import { Torch, torchPrelude } from './python.js';
import { machine, writeSection } from './results.js';

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, '.cache');

interface Shape {
  name: string;
  x: [number, number, number, number];
  k: [number, number, number, number];
  padding: 'valid' | 'same';
}

const shapes: Shape[] = [
  { name: '[32,28,28,1] -> 32 3x3 valid, relu', x: [32, 28, 28, 1], k: [3, 3, 1, 32], padding: 'valid' },
  { name: '[32,28,28,32] -> 64 3x3 same, relu', x: [32, 28, 28, 32], k: [3, 3, 32, 64], padding: 'same' },
];

/** What one timed call does. 'train' takes the filter and bias gradients; 'train+dx' also the input gradient. */
type Mode = 'forward' | 'train' | 'train+dx';

interface Row {
  shape: Shape;
  mode: Mode;
  label: string;
}

const rows: Row[] = [
  { shape: shapes[0], mode: 'forward', label: 'forward' },
  { shape: shapes[0], mode: 'train', label: 'forward+backward (dW, db: first layer)' },
  { shape: shapes[0], mode: 'train+dx', label: 'forward+backward (dW, db, dx)' },
  { shape: shapes[1], mode: 'forward', label: 'forward' },
  { shape: shapes[1], mode: 'train+dx', label: 'forward+backward (dW, db, dx)' },
];

function random(n: number, seed: number, scale: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a * 1664525 + 1013904223) >>> 0;
    out[i] = ((a / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Data {
  x: Float32Array;
  kernel: Float32Array;
  bias: Float32Array;
  upstream: Float32Array;
  outShape: number[];
}

function dataFor(shape: Shape, index: number): Data {
  const g = conv2dGeometry(shape.x, shape.k, [1, 1], shape.padding, [1, 1], 'bench');
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const fanIn = shape.k[0] * shape.k[1] * shape.k[2];
  return {
    x: random(size(shape.x), 11 + index, 1),
    kernel: random(size(shape.k), 23 + index, Math.sqrt(6 / fanIn)),
    bias: random(shape.k[3], 37 + index, 0.1),
    upstream: random(size(g.outShape), 41 + index, 1),
    outShape: g.outShape,
  };
}

/** One timed call of ours, as a training (or inference) step would make it. */
function oursStep(shape: Shape, mode: Mode, xs: { plain: Tensor; leaf: Tensor }, kernel: Tensor, bias: Tensor, upstream: Tensor): () => void {
  if (mode === 'forward') {
    return () => noGrad(() => withScope(() => conv2dFused(xs.plain, kernel, bias, [1, 1], shape.padding, [1, 1], UnaryOp.relu)));
  }
  const x = mode === 'train' ? xs.plain : xs.leaf;
  const sources = mode === 'train' ? [kernel, bias] : [x, kernel, bias];
  return () =>
    withScope(() => {
      const y = conv2dFused(x, kernel, bias, [1, 1], shape.padding, [1, 1], UnaryOp.relu);
      backward(y, upstream, sources);
    });
}

/** Median of `iters` timed calls, after two untimed ones (as the PyTorch side does per block). */
function timeMs(f: () => void, iters: number): number {
  f();
  f();
  const t: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    f();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

// ---------------------------------------------------------------------------------------------------------------
// PyTorch in a child process: a line of JSON in, a line of JSON out.

const torchScript = torchPrelude + String.raw`
import statistics
import numpy as np
cases = {}
for line in sys.stdin:
    req = json.loads(line)
    if req["cmd"] == "load":
        n, h, w, c = req["x"]; kh, kw, _, oc = req["k"]
        x = np.fromfile(req["dir"] + "/x.bin", dtype=np.float32).reshape(n, h, w, c)
        k = np.fromfile(req["dir"] + "/kernel.bin", dtype=np.float32).reshape(kh, kw, c, oc)
        b = np.fromfile(req["dir"] + "/bias.bin", dtype=np.float32)
        up = np.fromfile(req["dir"] + "/upstream.bin", dtype=np.float32).reshape(req["out"])
        conv = torch.nn.Conv2d(c, oc, (kh, kw), padding=1 if req["padding"] == "same" else 0)
        with torch.no_grad():
            # Keras kernels are [kh, kw, in, out]; PyTorch's are [out, in, kh, kw]. NHWC data becomes NCHW tensors
            # stored channels_last, which is the same memory.
            conv.weight.copy_(torch.from_numpy(k).permute(3, 2, 0, 1))
            conv.bias.copy_(torch.from_numpy(b))
        conv = conv.to(memory_format=torch.channels_last)
        xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        upt = torch.from_numpy(up).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        cases[req["id"]] = (conv, xt, upt)
        with torch.no_grad():
            y = torch.relu(conv(xt)).permute(0, 2, 3, 1).contiguous().numpy()
        y.tofile(req["dir"] + "/torch_y.bin")
        print(json.dumps({"ok": True}), flush=True)
    elif req["cmd"] == "time":
        conv, xt, upt = cases[req["id"]]
        mode = req["mode"]
        if mode == "forward":
            def step():
                with torch.no_grad():
                    torch.relu(conv(xt))
        else:
            xg = xt.detach().clone(memory_format=torch.channels_last).requires_grad_(mode == "train+dx")
            def step():
                conv.weight.grad = None; conv.bias.grad = None; xg.grad = None
                torch.relu(conv(xg)).backward(upt)
        step(); step()
        ts = []
        for _ in range(req["iters"]):
            t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps({"ms": statistics.median(ts)}), flush=True)
`;


// ---------------------------------------------------------------------------------------------------------------

export interface ConvBenchResult {
  shape: string;
  pass: string;
  oursMs: number;
  torchMs: number | null;
  /** PyTorch's time over ours, per round, median over rounds (above 1: ours is faster). */
  speedup: number | null;
  speedupRange: [number, number] | null;
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<ConvBenchResult[]> {
  // npm run bench passes only the words that start with a dash: there, write `--rounds=21`.
  const { values } = parseArgs({
    args: argv,
    options: { rounds: { type: 'string' }, iters: { type: 'string' }, 'no-write': { type: 'boolean' }, ...helpOption },
  });
  if (printedHelp(values, 'npx tsx benchmarks/conv.ts [--rounds 21] [--iters 10] [--no-write]')) return [];
  const rounds = integerOption('conv', 'rounds', values.rounds, 21, 1);
  const iters = integerOption('conv', 'iters', values.iters, 10, 1);
  const cmd = command ?? `npx tsx benchmarks/conv.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const started = Date.now();
  const host = machine();
  tn.setNumThreads(2);
  const info = tn.backendInfo();
  const { torch, info: torchInfo } = await Torch.start(torchScript, ', channels_last');
  console.log(`tensornode ${info.version}: ${info.isa}, ${info.threads} threads; ${torchInfo}`);
  console.log(`${rounds} rounds, each timing ${iters} calls per side (after warm-up); medians over rounds\n`);

  const perShape = shapes.map((shape, index) => {
    const d = dataFor(shape, index);
    const xs = { plain: tn.tensor(d.x, shape.x), leaf: variable(tn.tensor(d.x, shape.x), true, `x${index}`) };
    const kernel = variable(tn.tensor(d.kernel, shape.k), true, `kernel${index}`);
    const bias = variable(tn.tensor(d.bias, [shape.k[3]]), true, `bias${index}`);
    const upstream = tn.tensor(d.upstream, d.outShape);
    return { shape, d, xs, kernel, bias, upstream };
  });

  if (torch) {
    mkdirSync(cacheDir, { recursive: true });
    for (const [index, s] of perShape.entries()) {
      const dir = join(cacheDir, `conv${index}`);
      mkdirSync(dir, { recursive: true });
      for (const [name, data] of Object.entries({ x: s.d.x, kernel: s.d.kernel, bias: s.d.bias, upstream: s.d.upstream })) {
        writeFileSync(join(dir, `${name}.bin`), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      }
      await torch.request({ cmd: 'load', id: index, dir, x: s.shape.x, k: s.shape.k, padding: s.shape.padding, out: s.d.outShape });
      // Same numbers from both sides, or the timing compares different work.
      const ours = noGrad(() => conv2dFused(s.xs.plain, s.kernel, s.bias, [1, 1], s.shape.padding, [1, 1], UnaryOp.relu)).data();
      const bytes = readFileSync(join(dir, 'torch_y.bin'));
      const theirs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
      console.log(`${s.shape.name}: forward outputs agree with PyTorch to ${worst.toExponential(1)}`);
    }
    console.log('');
  }

  const samples = rows.map(() => ({ ours: [] as number[], torch: [] as number[] }));
  const steps = rows.map((r) => {
    const s = perShape[shapes.indexOf(r.shape)];
    return oursStep(r.shape, r.mode, s.xs, s.kernel, s.bias, s.upstream);
  });
  for (const step of steps) timeMs(step, 10);
  // Both sides use libgomp, whose idle threads spin for a while after a parallel region before sleeping: a short
  // pause between the sides keeps one side's spinning threads from taking cores from the other's first calls.
  const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
  for (let round = 0; round < rounds; round++) {
    for (const [i, r] of rows.entries()) {
      samples[i].ours.push(timeMs(steps[i], iters));
      if (torch) {
        await settle();
        const res = await torch.request({ cmd: 'time', id: shapes.indexOf(r.shape), mode: r.mode, iters });
        samples[i].torch.push(res.ms as number);
        await settle();
      }
    }
    process.stdout.write(`round ${round + 1}/${rounds}\r`);
  }
  torch?.stop();

  // The ratio is taken within each round (both sides ran back to back, under the same load) and then the median
  // over rounds: a slow phase of the machine then scales both sides of one ratio instead of skewing one median.
  const results: ConvBenchResult[] = rows.map((r, i) => ({
    shape: r.shape.name,
    pass: r.label,
    oursMs: median(samples[i].ours),
    torchMs: torch ? median(samples[i].torch) : null,
    speedup: torch ? median(samples[i].ours.map((o, k) => samples[i].torch[k] / o)) : null,
    speedupRange: torch
      ? [Math.min(...samples[i].ours.map((o, k) => samples[i].torch[k] / o)), Math.max(...samples[i].ours.map((o, k) => samples[i].torch[k] / o))]
      : null,
  }));
  const lines = [
    '| shape | pass | tensornode (ms) | PyTorch (ms) | PyTorch time / ours (median of rounds) | min-max over rounds |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...results.map((r) =>
      `| ${r.shape} | ${r.pass} | ${r.oursMs.toFixed(3)} | ${r.torchMs === null ? 'n/a' : r.torchMs.toFixed(3)} | ${
        r.speedup === null ? 'n/a' : r.speedup.toFixed(2)
      } | ${r.speedupRange === null ? 'n/a' : `${r.speedupRange[0].toFixed(2)}-${r.speedupRange[1].toFixed(2)}`} |`,
    ),
  ];
  console.log(`\n${lines.join('\n')}\n`);

  // Where our time goes: the native kernels alone (relu's gradient folded in), without the op layer.
  const kernelLines: string[] = [];
  for (const s of perShape) {
    const g = conv2dGeometry(s.shape.x, s.shape.k, [1, 1], s.shape.padding, [1, 1], 'bench').native;
    const p = internal.conv2dPlan(g);
    const y = new Float32Array(s.d.upstream.length);
    const dx = new Float32Array(s.d.x.length);
    const dw = new Float32Array(s.d.kernel.length);
    const db = new Float32Array(s.d.bias.length);
    const parts = [
      ['forward', () => native.conv2dForward(s.d.x, s.d.kernel, s.d.bias, y, g, UnaryOp.relu, 0)],
      ['backward filter+bias', () => native.conv2dBackwardFilter(s.d.x, s.d.upstream, dw, db, g, y, UnaryOp.relu, 0)],
      ['backward input', () => native.conv2dBackwardInput(s.d.upstream, s.d.kernel, dx, g, y, UnaryOp.relu, 0)],
    ] as const;
    const timed = parts.map(([name, f]) => {
      timeMs(f, 5);
      return `${name} ${timeMs(f, 4 * iters).toFixed(3)} ms`;
    });
    const line = `${s.shape.name} kernels (${p.forward}/${p.backwardInput}/${p.backwardFilter}): ${timed.join(', ')}`;
    console.log(line);
    kernelLines.push(line);
  }
  if (!values['no-write']) {
    writeSection('Conv', [
      `Measured ${new Date(started).toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\` (${((Date.now() - started) / 60000).toFixed(1)} min).`,
      '',
      `- Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB; Node ${host.node}; load average ${host.loadAverage.toFixed(2)} at the start (the machine is shared).`,
      `- tensornode: \`backendInfo()\` = ${host.backend}.`,
      `- Peer: ${torchInfo}; \`OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 LD_PRELOAD=libtcmalloc_minimal.so.4\`, \`torch.no_grad()\` for forward-only rows.`,
      '- Method: each row times, per call, forward = `conv2dFused(x, kernel, bias, relu)` (PyTorch: `relu(conv(x))`);',
      '  forward+backward = the same plus the tape\'s backward with a random upstream gradient (PyTorch: `.backward(upstream)`),',
      '  taking the kernel and bias gradients (first-layer row) or also the input gradient. Ours runs inside a step scope, as',
      '  `fit()` does. Both sides compute the same numbers (checked before timing). Per round each side makes warm-up calls',
      `  and ${iters} timed ones, with a 20 ms pause between sides; the ratio is PyTorch's time over ours within each round,`,
      `  median over ${rounds} rounds (above 1: tensornode is faster), and the last column its range over rounds.`,
      '',
      ...lines,
      '',
      'Our native kernels alone (relu\'s gradient folded into the backward passes), in the same run:',
      '',
      ...kernelLines.map((l) => `- ${l}`),
    ].join('\n'));
    console.log('wrote the "Conv" section of benchmarks/RESULTS.md');
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
