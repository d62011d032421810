// Whole models, tensornode against PyTorch on the same machine in one invocation: each round trains `steps`
// batches on each side (ours through fit(), as a user would; PyTorch with its usual loop) and then predicts the
// whole set on each side. Ratios are taken within each round and the median over rounds is reported, so that the
// machine's slow phases hit both sides of a ratio. Used by cifar-cnn.ts and text-rnn.ts, which supply the model.
import { parseArgs } from 'node:util';
import * as tn from '../lib/index.js';
import { helpOption, integerOption, printedHelp } from './options.js';
import { Torch, torchPrelude } from './python.js';
import { machine, writeSection } from './results.js';

export interface SideBySide {
  /** The RESULTS.md section title. */
  title: string;
  /** The default command, when not run through npm run bench. */
  file: string;
  /** The tensornode model, compiled. */
  build: () => tn.Sequential;
  x: tn.Tensor;
  y: tn.Tensor;
  batchSize: number;
  predictBatchSize: number;
  /**
   * Python defining make() (the PyTorch model), x and y (the same shapes of data), loss(output, target), and the
   * memory formats worth timing (FORMATS); the harness adds the protocol around it.
   */
  torchModel: string;
  /** Lines describing the model and the data for RESULTS.md. */
  describe: string[];
}

const protocol = torchPrelude + String.raw`
torch.manual_seed(0)
FORMATS = ("default",)
%MODEL%
n = x.shape[0]
state = {}
def setup(fmt):
    m = make()
    xs = x
    if fmt == "channels_last":
        m = m.to(memory_format=torch.channels_last)
        xs = x.contiguous(memory_format=torch.channels_last)
    return m, xs, torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
def train(m, xs, opt, steps, start, bs):
    m.train()
    t0 = time.perf_counter()
    for s in range(steps):
        b = ((start + s) * bs) % n
        opt.zero_grad(set_to_none=True)
        loss(m(xs[b:b + bs]), y[b:b + bs]).backward()
        opt.step()
    return time.perf_counter() - t0
def predict(m, xs, bs):
    m.eval()
    t0 = time.perf_counter()
    with torch.no_grad():
        for b in range(0, n, bs):
            m(xs[b:b + bs])
    return time.perf_counter() - t0
for line in sys.stdin:
    req = json.loads(line)
    if req["cmd"] == "setup":
        # Where there is a choice of memory format, the faster one for each job, timed on a short run.
        best = {}
        for job in ("train", "predict"):
            times = {}
            for fmt in FORMATS:
                m, xs, opt = setup(fmt)
                train(m, xs, opt, 3, 0, req["batch"]); predict(m, xs, req["predictBatch"])
                times[fmt] = train(m, xs, opt, 10, 3, req["batch"]) if job == "train" else predict(m, xs, req["predictBatch"])
            best[job] = min(times, key=times.get)
            state[job] = setup(best[job])
        print(json.dumps({"formats": best}), flush=True)
    elif req["cmd"] == "train":
        m, xs, opt = state["train"]
        print(json.dumps({"s": train(m, xs, opt, req["steps"], req["start"], req["batch"])}), flush=True)
    elif req["cmd"] == "predict":
        m, xs, opt = state["predict"]
        print(json.dumps({"s": predict(m, xs, req["predictBatch"])}), flush=True)
`;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const fmtInt = (v: number) => Math.round(v).toLocaleString('en-US');

export interface SideBySideOptions {
  rounds: number;
  steps: number;
  /** Seconds each side trains and predicts before the measured rounds. */
  warmup: number;
  write: boolean;
  /** The words they were read from, for the command line the results quote. */
  argv: string[];
}

/** The options of a side-by-side suite (`file` is its script), or null after printing the usage for --help. */
export function sideBySideOptions(file: string, argv: string[]): SideBySideOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: { rounds: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' }, 'no-write': { type: 'boolean' }, ...helpOption },
  });
  if (printedHelp(values, `npx tsx benchmarks/${file} [--rounds 9] [--steps 20] [--warmup 5] [--no-write]`)) return null;
  const suite = file.replace(/\.ts$/, '');
  return {
    rounds: integerOption(suite, 'rounds', values.rounds, 9, 1),
    steps: integerOption(suite, 'steps', values.steps, 20, 1),
    warmup: integerOption(suite, 'warmup', values.warmup, 5, 0),
    write: !values['no-write'],
    argv,
  };
}

export async function runSideBySide(spec: SideBySide, options: SideBySideOptions, command?: string): Promise<void> {
  const { rounds, steps, argv } = options;
  const cmd = command ?? `npx tsx benchmarks/${spec.file}${argv.length ? ' ' + argv.join(' ') : ''}`;
  const started = new Date();
  const host = machine();
  tn.setNumThreads(2);
  const { x, y, batchSize, predictBatchSize } = spec;
  const n = x.shape[0];
  const trainer = spec.build();
  const predictor = spec.build();
  const perRound = batchSize * steps;
  const slices = Array.from({ length: Math.max(1, Math.floor(n / perRound)) }, (_, k) => [
    tn.slice(x, [k * perRound, ...x.shape.slice(1).map(() => 0)], [perRound, ...x.shape.slice(1)]),
    tn.slice(y, [k * perRound, ...y.shape.slice(1).map(() => 0)], [perRound, ...y.shape.slice(1)]),
  ]);

  const { torch, info } = await Torch.start(protocol.replace('%MODEL%', spec.torchModel));
  let formats: Record<string, string> = {};
  if (torch) formats = (await torch.request({ cmd: 'setup', batch: batchSize, predictBatch: predictBatchSize })).formats as Record<string, string>;
  console.log(`tensornode ${tn.backendInfo().version} (${tn.backendInfo().isa}, 2 threads); ${info}${torch ? `; formats ${JSON.stringify(formats)}` : ''}`);

  const oursTrain = async (round: number) => {
    const [bx, by] = slices[round % slices.length];
    const t0 = performance.now();
    await trainer.fit(bx, by, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
    return perRound / ((performance.now() - t0) / 1000);
  };
  const oursPredict = () => {
    const t0 = performance.now();
    predictor.predict(x, { batchSize: predictBatchSize });
    return n / ((performance.now() - t0) / 1000);
  };
  // Warm-up: the first calls build the models, fill the buffer pool and start the threads. Then each side works for
  // `warmup` seconds: a Node process runs its training step several times slower in its first second and reaches
  // its pace only after a few seconds (V8 compiles the per-step JavaScript as it gets hot: with --always-turbofan
  // the reference CNN's epochs are level from the second on), and a training job runs for minutes, not seconds.
  const { warmup } = options;
  let warmRounds = 0;
  for (let ours = 0, theirs = 0; warmRounds === 0 || ours < warmup || (torch && theirs < warmup); warmRounds++) {
    if (warmRounds === 0 || ours < warmup) {
      const t0 = performance.now();
      await oursTrain(warmRounds);
      oursPredict();
      ours += (performance.now() - t0) / 1000;
    }
    if (torch && theirs < warmup) {
      theirs += (await torch.request({ cmd: 'train', steps, start: warmRounds * steps, batch: batchSize })).s as number;
      theirs += (await torch.request({ cmd: 'predict', predictBatch: predictBatchSize })).s as number;
    }
  }
  console.log(`warm-up: ${warmRounds} round${warmRounds === 1 ? '' : 's'} (at least ${warmup} s of training and inference on each side)`);
  const rows = { train: { ours: [] as number[], torch: [] as number[], ratio: [] as number[] }, predict: { ours: [] as number[], torch: [] as number[], ratio: [] as number[] } };
  for (let r = 0; r < rounds; r++) {
    const a = await oursTrain(r + 1);
    rows.train.ours.push(a);
    if (torch) {
      const s = (await torch.request({ cmd: 'train', steps, start: r * steps, batch: batchSize })).s as number;
      rows.train.torch.push(perRound / s);
      rows.train.ratio.push(a / (perRound / s));
    }
    const p = oursPredict();
    rows.predict.ours.push(p);
    if (torch) {
      const s = (await torch.request({ cmd: 'predict', predictBatch: predictBatchSize })).s as number;
      rows.predict.torch.push(n / s);
      rows.predict.ratio.push(p / (n / s));
    }
    console.log(`round ${r + 1}/${rounds}: training ${fmtInt(a)}/s${torch ? ` (PyTorch ${fmtInt(rows.train.torch[r])})` : ''}, inference ${fmtInt(p)}/s${torch ? ` (PyTorch ${fmtInt(rows.predict.torch[r])})` : ''}`);
  }
  torch?.stop();

  const line = (label: string, v: { ours: number[]; torch: number[]; ratio: number[] }) =>
    `| ${label} | ${fmtInt(median(v.ours))} | ${torch ? fmtInt(median(v.torch)) : 'n/a'} | ${torch ? `${median(v.ratio).toFixed(2)}x (${Math.min(...v.ratio).toFixed(2)}-${Math.max(...v.ratio).toFixed(2)})` : 'n/a'} |`;
  const table = [
    '| samples/s, median of rounds | tensornode | PyTorch | tensornode / PyTorch, median of per-round ratios (range) |',
    '| --- | ---: | ---: | ---: |',
    line(`training, batch ${batchSize} (${steps} steps per round)`, rows.train),
    line(`inference, batch ${predictBatchSize} (${n.toLocaleString('en-US')} samples per round)`, rows.predict),
  ].join('\n');
  console.log(`\n${table}\n`);
  if (options.write) {
    writeSection(spec.title, [
      `Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\` (${((Date.now() - started.getTime()) / 60000).toFixed(1)} min).`,
      '',
      `- Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB; Node ${host.node}; load average ${host.loadAverage.toFixed(2)} at the start (the machine is shared).`,
      `- tensornode: \`backendInfo()\` = ${host.backend}.`,
      `- Peer: ${info}; \`OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 LD_PRELOAD=libtcmalloc_minimal.so.4\`${Object.keys(formats).length ? `; memory format chosen by timing: ${JSON.stringify(formats)}` : ''}.`,
      ...spec.describe.map((l) => l.replace('%PARAMS%', trainer.countParams().toLocaleString('en-US'))),
      `- Method: ${rounds} rounds after a warm-up of ${warmRounds} rounds (each side at least ${warmup} s); each round trains ${steps} batches of ${batchSize} on each side (tensornode through`,
      `  \`fit()\`, PyTorch with its usual loop) and then predicts all ${n.toLocaleString('en-US')} samples at batch ${predictBatchSize} on each side.`,
      '',
      table,
    ].join('\n'));
    console.log(`wrote the "${spec.title}" section of benchmarks/RESULTS.md`);
  }
}
