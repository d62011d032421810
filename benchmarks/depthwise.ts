// Depthwise convolution benchmark: tensornode's depthwiseConv2d against PyTorch's grouped convolution
// (groups = channels, channels_last, oneDNN) on MobileNet-like shapes, both on 2 threads, side by side in one run.
//
//   npx tsx benchmarks/depthwise.ts [--rounds 7] [--iters 5] [--no-write]
//
// As benchmarks/conv.ts: ours runs through the op a training step uses (depthwiseConv2dFused, the tape's backward)
// inside a step scope; PyTorch runs in one long-lived child; the sides alternate in short rounds and the table
// reports medians over rounds. Without PyTorch the table has our column only. Kept under a minute.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tn from '../lib/index.js';
import { backward, noGrad } from '../lib/autograd/tape.js';
import { withScope } from '../lib/memory.js';
import { native, UnaryOp } from '../lib/native.js';
import { depthwiseConv2dFused, depthwiseConv2dGeometry } from '../lib/ops/conv.js';
import { Tensor, variable } from '../lib/tensor.js';
import { Torch, torchPrelude } from './python.js';
import { machine, writeSection } from './results.js';

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, '.cache');

interface Shape {
  name: string;
  x: [number, number, number, number];
  stride: number;
}

// MobileNetV2's expanded-conv depthwise layers: 3x3, 'same', no bias (batch normalization follows).
const shapes: Shape[] = [
  { name: '[32,56,56,48] 3x3 stride 1 same', x: [32, 56, 56, 48], stride: 1 },
  { name: '[32,28,28,96] 3x3 stride 2 same', x: [32, 28, 28, 96], stride: 2 },
];
type Mode = 'forward' | 'train';
const rows: { shape: Shape; mode: Mode; label: string }[] = shapes.flatMap((shape) => [
  { shape, mode: 'forward' as Mode, label: 'forward' },
  { shape, mode: 'train' as Mode, label: 'forward+backward (dx, dW)' },
]);

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

const torchScript = torchPrelude + String.raw`
import statistics
import numpy as np
cases = {}
for line in sys.stdin:
    req = json.loads(line)
    if req["cmd"] == "load":
        n, h, w, c = req["x"]
        x = np.fromfile(req["dir"] + "/x.bin", dtype=np.float32).reshape(n, h, w, c)
        k = np.fromfile(req["dir"] + "/kernel.bin", dtype=np.float32).reshape(3, 3, c, 1)
        up = np.fromfile(req["dir"] + "/upstream.bin", dtype=np.float32).reshape(req["out"])
        s = req["stride"]
        # TensorFlow's 'same' puts the odd pad at the end. For a 3x3 window that is 1 on both sides at stride 1 (the
        # convolution's own padding), and (0 before, 1 after) at stride 2 on an even size: an explicit pad, then a
        # 'valid' convolution, as PyTorch ports of Keras models do it.
        conv = torch.nn.Conv2d(c, c, 3, stride=s, padding=1 if s == 1 else 0, groups=c, bias=False)
        with torch.no_grad():
            # Keras depthwise kernels are [kh, kw, c, 1]; PyTorch's grouped weights are [c, 1, kh, kw].
            conv.weight.copy_(torch.from_numpy(k).permute(2, 3, 0, 1))
        conv = conv.to(memory_format=torch.channels_last)
        xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        upt = torch.from_numpy(up).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        # Default arguments bind this case's module now (a plain closure would see the last case's).
        if s == 1:
            f = lambda t, conv=conv: conv(t)
        else:
            f = lambda t, conv=conv: conv(torch.nn.functional.pad(t, (0, 1, 0, 1)))
        cases[req["id"]] = (f, conv, xt, upt)
        with torch.no_grad():
            y = f(xt).permute(0, 2, 3, 1).contiguous().numpy()
        y.tofile(req["dir"] + "/torch_y.bin")
        print(json.dumps({"ok": True}), flush=True)
    elif req["cmd"] == "time":
        f, conv, xt, upt = cases[req["id"]]
        if req["mode"] == "forward":
            def step():
                with torch.no_grad():
                    f(xt)
        else:
            xg = xt.detach().clone(memory_format=torch.channels_last).requires_grad_(True)
            def step():
                conv.weight.grad = None; xg.grad = None
                f(xg).backward(upt)
        step(); step()
        ts = []
        for _ in range(req["iters"]):
            t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps({"ms": statistics.median(ts)}), flush=True)
`;

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const arg = (name: string, def: number) => {
    const eq = argv.find((a) => a.startsWith(`${name}=`));
    if (eq) return Number(eq.slice(name.length + 1));
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : def;
  };
  const rounds = arg('--rounds', 7);
  const iters = arg('--iters', 5);
  const cmd = command ?? `npx tsx benchmarks/depthwise.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const started = Date.now();
  const host = machine();
  tn.setNumThreads(2);
  const info = tn.backendInfo();
  const { torch, info: torchInfo } = await Torch.start(torchScript, ', channels_last, groups = channels');
  console.log(`tensornode ${info.version}: ${info.isa}, ${info.threads} threads; ${torchInfo}`);

  const perShape = shapes.map((shape, index) => {
    const [n, h, w, c] = shape.x;
    const g = depthwiseConv2dGeometry(shape.x, [3, 3, c, 1], [shape.stride, shape.stride], 'same', [1, 1], 'bench');
    const d = {
      x: random(n * h * w * c, 11 + index, 1),
      kernel: random(9 * c, 23 + index, Math.sqrt(6 / 18)),
      upstream: random(g.outShape.reduce((a, b) => a * b, 1), 41 + index, 1),
    };
    const x = variable(tn.tensor(d.x, shape.x), true, `x${index}`);
    const plain = tn.tensor(d.x, shape.x);
    const kernel = variable(tn.tensor(d.kernel, [3, 3, c, 1]), true, `kernel${index}`);
    const upstream = tn.tensor(d.upstream, g.outShape);
    const strides: [number, number] = [shape.stride, shape.stride];
    const forward = (t: Tensor) => depthwiseConv2dFused(t, kernel, null, strides, 'same', [1, 1]);
    const steps: Record<Mode, () => void> = {
      forward: () => noGrad(() => withScope(() => forward(plain))),
      train: () => withScope(() => backward(forward(x), upstream, [x, kernel])),
    };
    return { shape, g, d, plain, forward, steps };
  });

  if (torch) {
    mkdirSync(cacheDir, { recursive: true });
    for (const [index, s] of perShape.entries()) {
      const dir = join(cacheDir, `depthwise${index}`);
      mkdirSync(dir, { recursive: true });
      for (const [name, data] of Object.entries(s.d)) writeFileSync(join(dir, `${name}.bin`), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      await torch.request({ cmd: 'load', id: index, dir, x: s.shape.x, stride: s.shape.stride, out: s.g.outShape });
      const ours = noGrad(() => s.forward(s.plain)).data();
      const bytes = readFileSync(join(dir, 'torch_y.bin'));
      const theirs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
      console.log(`${s.shape.name}: forward outputs agree with PyTorch to ${worst.toExponential(1)}`);
    }
  }

  const samples = rows.map(() => ({ ours: [] as number[], torch: [] as number[] }));
  const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
  for (let round = 0; round < rounds; round++) {
    for (const [i, r] of rows.entries()) {
      const index = shapes.indexOf(r.shape);
      samples[i].ours.push(timeMs(perShape[index].steps[r.mode], iters));
      if (torch) {
        await settle();
        samples[i].torch.push((await torch.request({ cmd: 'time', id: index, mode: r.mode, iters })).ms as number);
        await settle();
      }
    }
    process.stdout.write(`round ${round + 1}/${rounds}\r`);
  }
  torch?.stop();

  const lines = [
    '| shape | pass | tensornode (ms) | PyTorch (ms) | PyTorch time / ours (median of rounds) |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows.map((r, i) => {
      const ours = median(samples[i].ours);
      const theirs = torch ? median(samples[i].torch) : null;
      const ratio = torch ? median(samples[i].ours.map((o, k) => samples[i].torch[k] / o)).toFixed(2) : 'n/a';
      return `| ${r.shape.name} | ${r.label} | ${ours.toFixed(2)} | ${theirs === null ? 'n/a' : theirs.toFixed(2)} | ${ratio} |`;
    }),
  ];
  console.log(`\n${lines.join('\n')}\n`);

  // The native kernels alone, and what they amount to in multiply-adds per second.
  const kernelLines = perShape.map((s) => {
    const y = new Float32Array(s.d.upstream.length);
    const dx = new Float32Array(s.d.x.length);
    const dw = new Float32Array(s.d.kernel.length);
    const macs = s.d.upstream.length * 9;
    const parts = [
      ['forward', () => native.depthwiseConv2dForward(s.d.x, s.d.kernel, null, y, s.g.native, UnaryOp.linear, 0)],
      ['backward input', () => native.depthwiseConv2dBackwardInput(s.d.upstream, s.d.kernel, dx, s.g.native)],
      ['backward filter', () => native.depthwiseConv2dBackwardFilter(s.d.x, s.d.upstream, dw, null, s.g.native)],
    ] as const;
    const timed = parts.map(([name, f]) => {
      const ms = timeMs(f, 4 * iters);
      return `${name} ${ms.toFixed(2)} ms (${(macs / ms / 1e6).toFixed(1)} GMAC/s)`;
    });
    const line = `${s.shape.name}: ${timed.join(', ')}`;
    console.log(line);
    return line;
  });

  if (!argv.includes('--no-write')) {
    writeSection('Depthwise conv', [
      `Measured ${new Date(started).toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\` (${((Date.now() - started) / 60000).toFixed(1)} min).`,
      '',
      `- Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB; Node ${host.node}; load average ${host.loadAverage.toFixed(2)} at the start (the machine is shared).`,
      `- tensornode: \`backendInfo()\` = ${host.backend}.`,
      `- Peer: ${torchInfo}.`,
      '- Method: MobileNetV2-style depthwise layers (3x3, \'same\', depth multiplier 1, no bias). Forward =',
      '  `depthwiseConv2dFused(x, kernel)` (PyTorch: `Conv2d(groups=channels)` on channels_last, `padding=1` at stride 1,',
      '  `F.pad(x, (0, 1, 0, 1))` first at stride 2 for TensorFlow\'s \'same\'); forward+backward adds the tape\'s backward',
      '  for the input and kernel gradients. Both sides compute the same outputs (checked). Per round each side makes two',
      `  warm-up calls and ${iters} timed ones; medians over ${rounds} rounds, the ratio taken within each round.`,
      '',
      ...lines,
      '',
      'Our native kernels alone, in the same run:',
      '',
      ...kernelLines.map((l) => `- ${l}`),
    ].join('\n'));
    console.log('wrote the "Depthwise conv" section of benchmarks/RESULTS.md');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
