// A CIFAR-10-style CNN (Keras's classic cifar10 example with BatchNormalization after the first convolution of
// each block), tensornode against PyTorch, both on 2 threads, alternating in one invocation:
//
//   npx tsx benchmarks/cifar-cnn.ts [--rounds=9] [--steps=20] [--no-write]     (or npm run bench -- cifar-cnn)
//
// Conv2D(32, same, relu) → BN → Conv2D(32, relu) → MaxPool → Dropout(0.25) → Conv2D(64, same, relu) → BN →
// Conv2D(64, relu) → MaxPool → Dropout(0.25) → Flatten → Dense(512, relu) → Dropout(0.5) → Dense(10, softmax);
// adam, sparse categorical cross-entropy. The images are random 32x32x3 (CIFAR-10 itself is not available offline;
// the speed of a step does not depend on the pixel values). Each round trains `steps` batches of 32 on each side
// (ours through fit(), as a user would) and predicts 2,048 images at batch 256; the ratio is taken within each round
// and the median over rounds is reported, so that the machine's slow phases hit both sides of a ratio.
import { pathToFileURL } from 'node:url';
import * as tn from '../lib/index.js';
import { Torch } from './python.js';
import { machine, writeSection } from './results.js';

const torchScript = String.raw`
import json, sys, time
try:
    import torch
    import torch.nn as nn
except Exception as e:
    print(json.dumps({"ready": False, "error": str(e)}), flush=True)
    sys.exit(0)
torch.set_num_threads(2)
print(json.dumps({"ready": True, "version": torch.__version__, "threads": torch.get_num_threads(),
                  "mkldnn": torch.backends.mkldnn.is_available()}), flush=True)
torch.manual_seed(0)
def make():
    # Keras's BatchNormalization: momentum 0.99 (PyTorch counts 1 - that), epsilon 1e-3.
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(64 * 6 * 6, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))
n = 2048
x = torch.rand(n, 3, 32, 32)
y = torch.randint(0, 10, (n,))
state = {}
def setup(fmt):
    m = make()
    xs = x
    if fmt == "channels_last":
        m = m.to(memory_format=torch.channels_last)
        xs = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    return m, xs, opt
def train(m, xs, opt, steps, start):
    m.train()
    t0 = time.perf_counter()
    for s in range(steps):
        b = ((start + s) * 32) % n
        opt.zero_grad(set_to_none=True)
        # softmax output + cross-entropy is log_softmax + nll, as Keras computes it from the logits.
        loss = nn.functional.cross_entropy(m(xs[b:b + 32]), y[b:b + 32])
        loss.backward()
        opt.step()
    return time.perf_counter() - t0
def predict(m, xs):
    m.eval()
    t0 = time.perf_counter()
    with torch.no_grad():
        for b in range(0, n, 256):
            torch.softmax(m(xs[b:b + 256]), 1)
    return time.perf_counter() - t0
for line in sys.stdin:
    req = json.loads(line)
    if req["cmd"] == "setup":
        # The faster memory format for each job, timed on a short run (as an expert user would choose).
        best = {}
        for job in ("train", "predict"):
            times = {}
            for fmt in ("nchw", "channels_last"):
                m, xs, opt = setup(fmt)
                train(m, xs, opt, 3, 0); predict(m, xs)
                times[fmt] = train(m, xs, opt, 10, 3) if job == "train" else predict(m, xs)
            best[job] = min(times, key=times.get)
            state[job] = setup(best[job])
        print(json.dumps({"formats": best}), flush=True)
    elif req["cmd"] == "train":
        m, xs, opt = state["train"]
        print(json.dumps({"s": train(m, xs, opt, req["steps"], req["start"])}), flush=True)
    elif req["cmd"] == "predict":
        m, xs, opt = state["predict"]
        print(json.dumps({"s": predict(m, xs)}), flush=True)
`;

function buildModel(): tn.Sequential {
  const { Conv2D, BatchNormalization, MaxPooling2D, Dropout, Flatten, Dense } = tn.layers;
  const model = new tn.Sequential([
    new Conv2D(32, 3, { padding: 'same', activation: 'relu', inputShape: [32, 32, 3] }),
    new BatchNormalization(),
    new Conv2D(32, 3, { activation: 'relu' }),
    new MaxPooling2D(2),
    new Dropout(0.25),
    new Conv2D(64, 3, { padding: 'same', activation: 'relu' }),
    new BatchNormalization(),
    new Conv2D(64, 3, { activation: 'relu' }),
    new MaxPooling2D(2),
    new Dropout(0.25),
    new Flatten(),
    new Dense(512, { activation: 'relu' }),
    new Dropout(0.5),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  return model;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const fmtInt = (v: number) => Math.round(v).toLocaleString('en-US');

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const opt = (name: string, def: number) => {
    const a = argv.find((s) => s.startsWith(`--${name}=`));
    return a ? Number(a.slice(name.length + 3)) : def;
  };
  const rounds = opt('rounds', 9);
  const steps = opt('steps', 20);
  const cmd = command ?? `npx tsx benchmarks/cifar-cnn.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const started = new Date();
  const host = machine();
  tn.setNumThreads(2);
  tn.setSeed(1);
  const n = 2048;
  const x = tn.randomUniform([n, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tn.tensor(Array.from({ length: n }, (_, i) => (i * 7) % 10), [n], 'int32');
  const trainer = buildModel();
  const predictor = buildModel();
  const batches = Array.from({ length: n / (32 * steps) }, (_, k) => [
    tn.slice(x, [k * 32 * steps, 0, 0, 0], [32 * steps, 32, 32, 3]),
    tn.slice(y, [k * 32 * steps], [32 * steps]),
  ]);

  const { torch, info } = await Torch.start(torchScript);
  let formats: Record<string, string> = {};
  if (torch) formats = (await torch.request({ cmd: 'setup' })).formats as Record<string, string>;
  console.log(`tensornode ${tn.backendInfo().version} (${tn.backendInfo().isa}, 2 threads); ${info}${torch ? `; formats ${JSON.stringify(formats)}` : ''}`);

  const oursTrain = async (round: number) => {
    const [bx, by] = batches[round % batches.length];
    const t0 = performance.now();
    await trainer.fit(bx, by, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    return (32 * steps) / ((performance.now() - t0) / 1000);
  };
  const oursPredict = () => {
    const t0 = performance.now();
    predictor.predict(x, { batchSize: 256 });
    return n / ((performance.now() - t0) / 1000);
  };
  // Warm-up: first calls build the models, fill the buffer pool and start the threads.
  await oursTrain(0);
  oursPredict();
  const rows = { train: { ours: [] as number[], torch: [] as number[], ratio: [] as number[] }, predict: { ours: [] as number[], torch: [] as number[], ratio: [] as number[] } };
  for (let r = 0; r < rounds; r++) {
    const a = await oursTrain(r + 1);
    rows.train.ours.push(a);
    if (torch) {
      const s = (await torch.request({ cmd: 'train', steps, start: r * steps })).s as number;
      rows.train.torch.push((32 * steps) / s);
      rows.train.ratio.push(a / ((32 * steps) / s));
    }
    const p = oursPredict();
    rows.predict.ours.push(p);
    if (torch) {
      const s = (await torch.request({ cmd: 'predict' })).s as number;
      rows.predict.torch.push(n / s);
      rows.predict.ratio.push(p / (n / s));
    }
    console.log(`round ${r + 1}/${rounds}: training ${fmtInt(a)} img/s${torch ? ` (PyTorch ${fmtInt(rows.train.torch[r])})` : ''}, inference ${fmtInt(p)} img/s${torch ? ` (PyTorch ${fmtInt(rows.predict.torch[r])})` : ''}`);
  }
  torch?.stop();

  const line = (label: string, v: { ours: number[]; torch: number[]; ratio: number[] }) =>
    `| ${label} | ${fmtInt(median(v.ours))} | ${torch ? fmtInt(median(v.torch)) : 'n/a'} | ${torch ? `${median(v.ratio).toFixed(2)}x (${Math.min(...v.ratio).toFixed(2)}-${Math.max(...v.ratio).toFixed(2)})` : 'n/a'} |`;
  const table = [
    '| images/s, median of rounds | tensornode | PyTorch | tensornode / PyTorch, median of per-round ratios (range) |',
    '| --- | ---: | ---: | ---: |',
    line(`training, batch 32 (${steps} steps per round)`, rows.train),
    line('inference, batch 256 (2,048 images per round)', rows.predict),
  ].join('\n');
  console.log(`\n${table}\n`);
  if (!argv.includes('--no-write')) {
    writeSection('CIFAR-style CNN', [
      `Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\` (${((Date.now() - started.getTime()) / 60000).toFixed(1)} min).`,
      '',
      `- Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB; Node ${host.node}; load average ${host.loadAverage.toFixed(2)} at the start (the machine is shared).`,
      `- tensornode: \`backendInfo()\` = ${host.backend}.`,
      `- Peer: ${info}; \`OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 LD_PRELOAD=libtcmalloc_minimal.so.4\`; memory format chosen by timing both: ${JSON.stringify(formats)}.`,
      '- Model: Conv2D(32, 3x3, same, relu) → BatchNormalization → Conv2D(32, 3x3, relu) → MaxPooling2D → Dropout(0.25) →',
      '  Conv2D(64, 3x3, same, relu) → BatchNormalization → Conv2D(64, 3x3, relu) → MaxPooling2D → Dropout(0.25) → Flatten →',
      `  Dense(512, relu) → Dropout(0.5) → Dense(10, softmax); adam, sparse categorical cross-entropy; ${trainer.countParams().toLocaleString('en-US')} parameters.`,
      '- Data: 2,048 random 32x32x3 images (CIFAR-10 is not available offline; a step costs the same on any pixels).',
      `- Method: ${rounds} rounds after a warm-up; each round trains ${steps} batches of 32 on each side (tensornode through`,
      '  `fit()`, PyTorch with its usual loop) and then predicts the 2,048 images at batch 256 on each side.',
      '',
      table,
    ].join('\n'));
    console.log('wrote the "CIFAR-style CNN" section of benchmarks/RESULTS.md');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
