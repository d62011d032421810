// GEMM throughput against the machine's measured FP32 peak and against OpenBLAS (through numpy, when present).
//
//   npx tsx benchmarks/gemm.ts [--rounds N] [--threads 1,2] [--no-write]
//
// The machine is shared and has slow phases lasting seconds, so ours and OpenBLAS run alternately, shape by shape,
// for several rounds. Each round times every call separately and keeps the median call (other processes preempt
// single calls for whole scheduler ticks); the table gives the median over rounds, and the ratio is the median of
// the per-round ratios (a round's two measurements are a fraction of a second apart, so a slow phase mostly hits
// both).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { internal, native, UnaryOp } from '../lib/native.js';
import { helpOption, integerOption, printedHelp } from './options.js';
import { writeSection } from './results.js';

interface Shape {
  name: string;
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
}

const square = [128, 256, 512, 1024, 2048].map((s): Shape => ({ name: `${s}³`, ta: false, tb: false, m: s, n: s, k: s }));
/** The reference CNN (batch 32 for training, 256 for inference): Dense 5408 -> 128 and a 3x3 conv with 32 filters. */
const cnn: Shape[] = [
  { name: 'Dense forward', ta: false, tb: false, m: 32, n: 128, k: 5408 },
  { name: 'Dense dW = Xᵀ dY', ta: true, tb: false, m: 5408, n: 128, k: 32 },
  { name: 'Dense dX = dY Wᵀ', ta: false, tb: true, m: 32, n: 5408, k: 128 },
  { name: 'conv im2col forward', ta: false, tb: false, m: 21632, n: 32, k: 9 },
  { name: 'conv filter gradient', ta: true, tb: false, m: 9, n: 32, k: 21632 },
  { name: 'Dense forward, batch 256', ta: false, tb: false, m: 256, n: 128, k: 5408 },
  { name: 'conv forward, batch 256', ta: false, tb: false, m: 173056, n: 32, k: 9 },
];

const python = '/usr/bin/python3';
// Reads commands on stdin: "setup ta tb m n k" allocates operands (the transposed ones as views, which numpy hands
// to sgemm with a transpose flag), "time reps" answers the seconds per call of C = op(A) op(B).
const worker = String.raw`
import sys, time, ctypes
import numpy as np
def core():
    # numpy's BLAS is already loaded; asking the loader again returns the same library.
    for name in ('libblas.so.3', 'libopenblas.so.0'):
        try:
            lib = ctypes.CDLL(name)
            f = lib.openblas_get_corename; f.restype = ctypes.c_char_p
            g = lib.openblas_get_config; g.restype = ctypes.c_char_p
            return g().decode() + ', core ' + f().decode()
        except Exception:
            pass
    return 'BLAS of unknown kind'
print('ready numpy ' + np.__version__ + '; ' + core(), flush=True)
run = None
for line in sys.stdin:
    p = line.split()
    if p[0] == 'setup':
        ta, tb, m, n, k = map(int, p[1:])
        rng = np.random.default_rng(1)
        A = rng.random((k, m) if ta else (m, k), dtype=np.float32)
        B = rng.random((n, k) if tb else (k, n), dtype=np.float32)
        a = A.T if ta else A
        b = B.T if tb else B
        C = np.empty((m, n), dtype=np.float32)
        run = lambda: np.matmul(a, b, out=C)
        run()
        print('ok', flush=True)
    elif p[0] == 'time':
        reps = int(p[1])
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        times.sort()
        print(times[len(times) // 2], flush=True)
`;

class Peer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly queue: ((line: string) => void)[] = [];
  readonly banner: Promise<string>;

  constructor(threads: number) {
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
    // Let OpenBLAS pick its kernels and cache sizes for this CPU, as a user's numpy would.
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    delete env.OMP_NUM_THREADS;
    this.proc = spawn(python, ['-c', worker], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (line) => this.queue.shift()?.(line));
    let err = '';
    this.proc.stderr.on('data', (d) => (err += String(d)));
    this.banner = new Promise((resolve, reject) => {
      this.queue.push(resolve);
      this.proc.on('exit', (code) => reject(new Error(`python exited with ${code}: ${err.trim()}`)));
    });
  }

  private ask(command: string): Promise<string> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.proc.stdin.write(command + '\n');
    });
  }

  async setup(s: Shape): Promise<void> {
    await this.ask(`setup ${+s.ta} ${+s.tb} ${s.m} ${s.n} ${s.k}`);
  }

  async time(reps: number): Promise<number> {
    return Number(await this.ask(`time ${reps}`));
  }

  close(): void {
    this.proc.stdin.end();
  }
}

async function numpyPeer(threads: number): Promise<{ peer: Peer; banner: string } | null> {
  if (!existsSync(python)) return null;
  const peer = new Peer(threads);
  try {
    const banner = await peer.banner;
    return { peer, banner: banner.replace(/^ready /, '') };
  } catch (err) {
    console.log(`numpy is not usable (${(err as Error).message.split('\n').pop()}); reporting ours alone`);
    return null;
  }
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function ours(s: Shape): (reps: number) => number {
  const fill = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const a = fill(s.m * s.k), b = fill(s.k * s.n), c = new Float32Array(s.m * s.n);
  const lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
  const call = () =>
    native.gemm(s.ta, s.tb, 1, s.m, s.n, s.k, a, 0, lda, 0, b, 0, ldb, 0, 0, c, 0, s.n, 0, null, UnaryOp.linear, 0);
  call();
  return (reps) => {
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = process.hrtime.bigint();
      call();
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return median(times);
  };
}

interface Row {
  shape: Shape;
  threads: number;
  ours: number;
  peer: number | null;
  ratio: number | null;
}

export interface GemmReport {
  peak: Record<number, number>;
  rows: Row[];
  peerBanner: string | null;
  markdown: string;
}

function shapeLabel(s: Shape): string {
  const t = s.ta || s.tb ? ` (${[s.ta ? 'Aᵀ' : '', s.tb ? 'Bᵀ' : ''].filter(Boolean).join(', ')})` : '';
  return `${s.name}: ${s.m}×${s.n}×${s.k}${t}`;
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<GemmReport | null> {
  const { values } = parseArgs({
    args: argv,
    options: { rounds: { type: 'string' }, threads: { type: 'string' }, 'no-write': { type: 'boolean' }, ...helpOption },
  });
  if (printedHelp(values, 'npx tsx benchmarks/gemm.ts [--rounds 15] [--threads 1,2] [--no-write]')) return null;
  const rounds = integerOption('gemm', 'rounds', values.rounds, 15, 1);
  const threadCounts = values.threads === undefined ? [1, 2] : values.threads.split(',').map((t) => integerOption('gemm', 'threads', t, 1, 1));
  const cmd = command ?? `npx tsx benchmarks/gemm.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const info = native.backendInfo();
  // The best short slice over a few seconds: on a shared machine a sustained average would measure the neighbours.
  const peak: Record<number, number> = {};
  const measurePeak = () => {
    for (const t of threadCounts) peak[t] = Math.max(peak[t] ?? 0, internal.measurePeakGflops(1.5, t));
  };
  measurePeak();
  console.log(`ISA ${info.isa}; FMA peak ${threadCounts.map((t) => `${peak[t].toFixed(0)} GFLOP/s on ${t} thread(s)`).join(', ')}`);

  // Other processes on a shared machine take a core for seconds at a time; a 2-thread product then runs at a
  // fraction of its speed, and so does OpenBLAS's. Each measurement waits (up to a few seconds) until a 10 ms FMA
  // probe on the same number of threads shows the cores free, and is repeated (up to 3 times) when a probe right
  // after it finds them busy again, so that both libraries are timed on an idle machine.
  let waited = 0, unquiet = 0, repeated = 0;
  const free = (threads: number) =>
    internal.measurePeakGflops(0.01, threads) >= 0.85 * Math.max(peak[threads], peak[1] * threads * 0.95);
  const quiet = async (threads: number): Promise<void> => {
    const start = Date.now();
    while (!free(threads)) {
      if (Date.now() - start > 5000) {
        unquiet++;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (Date.now() - start > 20) waited++;
  };
  // `settle` runs between the measurement and the check (OpenBLAS's threads spin on after a call; see below).
  const measured = async (threads: number, time: () => Promise<number> | number, settle = 0): Promise<number> => {
    let t = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      await quiet(threads);
      t = await time();
      if (settle) await new Promise((resolve) => setTimeout(resolve, settle));
      if (free(threads)) break;
      repeated++;
    }
    return t;
  };

  const rows: Row[] = [];
  let peerBanner: string | null = null;
  for (const threads of threadCounts) {
    native.setNumThreads(threads);
    const np = await numpyPeer(threads);
    if (np) peerBanner = np.banner;
    for (const s of [...square, ...cnn]) {
      const flops = 2 * s.m * s.n * s.k;
      const run = ours(s);
      if (np) await np.peer.setup(s);
      // About 25 ms per measurement at 200 GFLOP/s: many calls for the median, short enough to interleave finely.
      const reps = Math.max(5, Math.min(1000, Math.round(5e9 / flops)));
      const mine: number[] = [], theirs: number[] = [], ratios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const t1 = await measured(threads, () => run(reps));
        mine.push(flops / t1 / 1e9);
        if (np) {
          // OpenBLAS's idle threads keep spinning for about 2^28 cycles after a call; measuring ours (or probing)
          // meanwhile would pit our threads against them. Ours go idle within a fraction of a millisecond.
          const t2 = await measured(threads, () => np.peer.time(reps), 250);
          theirs.push(flops / t2 / 1e9);
          ratios.push(t2 / t1);
        }
      }
      const row: Row = {
        shape: s, threads, ours: median(mine), peer: np ? median(theirs) : null, ratio: np ? median(ratios) : null,
      };
      rows.push(row);
      console.log(`${shapeLabel(s).padEnd(52)} ${threads}T  ours ${row.ours.toFixed(1).padStart(6)}` +
        (row.peer !== null ? `  OpenBLAS ${row.peer.toFixed(1).padStart(6)}  ratio ${row.ratio!.toFixed(2)}` : ''));
    }
    np?.peer.close();
  }
  native.setNumThreads(info.threads);
  measurePeak();

  const pct = (g: number, t: number) => `${((100 * g) / peak[t]).toFixed(0)}%`;
  const lines = [
    '| shape (m×n×k) | threads | ours GFLOP/s | ours % of peak | OpenBLAS GFLOP/s | OpenBLAS % of peak | ours / OpenBLAS |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${shapeLabel(r.shape)} | ${r.threads} | ${r.ours.toFixed(1)} | ${pct(r.ours, r.threads)} | ` +
      (r.peer !== null ? `${r.peer.toFixed(1)} | ${pct(r.peer, r.threads)} | ${r.ratio!.toFixed(2)}×` : 'n/a | n/a | n/a') + ' |'),
  ];
  const cpu = cpus();
  // The model string alone ("AMD EPYC") does not say which generation; family and model numbers do.
  let cpuIds = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
    const family = Number(field('cpu family'));
    const amd = /AMD/.test(field('vendor_id') ?? '');
    const zen: Record<number, string> = { 23: 'Zen 1/2', 25: 'Zen 3/4', 26: 'Zen 5' };
    cpuIds = ` (family ${family}${amd && zen[family] ? ` = ${zen[family]}` : ''}, model ${field('model')})`;
  } catch {
    cpuIds = '';
  }
  const markdown = [
    '## GEMM',
    '',
    `Command: \`${cmd}\` (${rounds} alternating rounds per shape; per round the median call, then the median round).`,
    '',
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}${cpuIds}, ${cpu.length} logical cores; tensornode ISA path ${info.isa}. ` +
      `Date: ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `Measured FP32 FMA peak (best ~1 ms slice of \`measurePeakGflops(1.5, t)\`, before and after the runs): ` +
      threadCounts.map((t) => `${peak[t].toFixed(0)} GFLOP/s on ${t} thread(s)`).join(', ') + '.',
    `Each measurement waited for a 10 ms FMA probe on its thread count to reach 85% of the peak (the cores free of ` +
      `other processes' work) and was repeated (at most twice) when the probe failed right after it: ${waited} ` +
      `waited, ${repeated} were repeated, ${unquiet} found no quiet phase within 5 s.`,
    '',
    peerBanner
      ? `Peer: OpenBLAS through numpy (${peerBanner}), OPENBLAS_NUM_THREADS = threads, OPENBLAS_CORETYPE and ` +
        'OPENBLAS_L2_SIZE unset; `np.matmul(a, b, out=c)` with transposed operands as views (no copies).'
      : 'Peer: numpy with OpenBLAS was not available on this machine; ours alone.',
    '',
    ...lines,
    '',
  ].join('\n');
  console.log('\n' + markdown);
  if (!values['no-write']) {
    writeSection('GEMM', markdown.replace(/^## GEMM\s*/, ''));
    console.log('wrote the "GEMM" section of benchmarks/RESULTS.md');
  }
  return { peak, rows, peerBanner, markdown };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
