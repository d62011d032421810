// tn.distributed under a real mpirun: 2 and 3 ranks, over shared memory and over TCP on loopback (so the wire path
// runs too). The workers in test/workers/distributed/ load the library from its TypeScript sources. Every mpirun is
// bounded twice (its own --timeout, and a kill from here), so a hang fails the test instead of holding up CI.
// Without mpirun (or without the MPI addon) these tests fail with the reason: CI installs Open MPI (.ci/run).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const workers = join(here, '..', 'workers', 'distributed');
const addon = process.env.TENSORNODE_MPI_ADDON ?? join(here, '..', '..', 'build', 'Release', 'tensornode_mpi.node');

const transports = {
  // ob1 with explicit BTLs: otherwise Open MPI may pick UCX and neither path below would be the one tested. Shared
  // memory without the single-copy mechanism (CMA): containers' default seccomp profiles forbid process_vm_readv.
  shm: ['--mca', 'pml', 'ob1', '--mca', 'btl', 'vader,self', '--mca', 'btl_vader_single_copy_mechanism', 'none'],
  tcp: ['--mca', 'pml', 'ob1', '--mca', 'btl', 'tcp,self', '--mca', 'btl_tcp_if_include', 'lo'],
} as const;
type Transport = keyof typeof transports;

function requireMpi(): void {
  const probe = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('mpirun was not found: the distributed tests need Open MPI (apt-get install libopenmpi-dev openmpi-bin, then npm run build:native); .ci/run installs it');
  }
  if (!existsSync(addon)) {
    throw new Error(`the MPI addon ${addon} was not built: install Open MPI (apt-get install libopenmpi-dev openmpi-bin), then npm run build:native`);
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const limitSeconds = 90;

function mpirun(np: number, transport: Transport, script: string, args: string[] = []): Promise<Run> {
  requireMpi();
  return new Promise((resolve) => {
    const child = spawn('mpirun', [
      '--allow-run-as-root', '--oversubscribe', '-np', String(np), '--timeout', String(limitSeconds), ...transports[transport],
      process.execPath, join(workers, script), ...args,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let timedOut = false;
    // mpirun ends its ranks when it gets SIGTERM; this fires only if its own --timeout did not.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, (limitSeconds + 15) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** The JSON line rank 0 printed, after checking the job succeeded. */
function result(run: Run): Record<string, any> {
  if (run.code !== 0 || run.timedOut) throw new Error(`mpirun failed (exit ${run.code}${run.timedOut ? ', timed out' : ''}):\n${run.stderr}\n${run.stdout}`);
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no result line from rank 0:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line);
}

const close = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
};

describe.each(['shm', 'tcp'] as Transport[])('tn.distributed over %s', (transport) => {
  it.each([2, 3])('collectives, shard and the callbacks on %i ranks', async (np) => {
    const out = result(await mpirun(np, transport, 'collectives.mjs'));
    const ranks = Array.from({ length: np }, (_, r) => r);
    const sum = (f: (r: number) => number) => ranks.reduce((s, r) => s + f(r), 0);
    expect(out.size).toBe(np);
    expect(out.localSize).toBe(np);
    // Each rank's kernels get the host's cores shared among its ranks.
    expect(out.threads).toBe(Math.max(1, Math.floor(availableParallelism() / np)));
    close(out.sum, [sum((r) => r + 1), -sum((r) => r + 1), sum((r) => 10 * r)]);
    close(out.average, [sum((r) => r + 1) / np, -sum((r) => r + 1) / np, sum((r) => 10 * r) / np]);
    close(out.min, [1, -np, 0]);
    close(out.max, [np, -1, 10 * (np - 1)]);
    expect(out.intSum).toEqual([sum((r) => r), np]);
    expect(out.inputUnchanged).toEqual([1, -1, 0]);
    // Uneven first dimensions: rank r sends r + 1 rows of r.
    expect(out.allgather.shape).toEqual([sum((r) => r + 1), 2]);
    expect(out.allgather.values).toEqual(ranks.flatMap((r) => new Array(2 * (r + 1)).fill(r)));
    expect(out.broadcast).toEqual([np - 1, 2 * (np - 1)]);
    expect(out.broadcastObject).toEqual({ hello: 'from rank 0', n: [1, 2] });
    // tf.data's shard: rank r takes rows r, r + np, ...; 10 rows over 3 ranks is 4, 3, 3.
    expect(out.shardRows).toEqual(ranks.map((r) => Math.ceil((10 - r) / np)));
    expect(out.shards).toEqual(ranks.flatMap((r) => Array.from({ length: Math.ceil((10 - r) / np) }, (_, i) => r + i * np)));
    // BroadcastGlobalVariablesCallback: every weight (BatchNorm's moving statistics too) and the optimizer's step are
    // the root's on every rank (the worker checked that all ranks agree).
    expect(out.broadcastCallback.variables).toBe(8);
    // Rank 1's first variable is 'dense_1/kernel', the others' 'dense/kernel': names need not agree.
    expect(out.broadcastCallback.names).toEqual(ranks.map((r) => (r === 1 ? 14 : 12)));
    expect(out.broadcastCallback.weights).toEqual(out.broadcastCallback.rootWeights);
    expect(out.broadcastCallback.iterations).toBe(2);
    // MetricAverageCallback: History's loss is the mean of the ranks' own.
    expect(new Set(out.metricAverage.locals.map((v: number) => v.toFixed(6))).size).toBe(np);
    expect(out.metricAverage.averaged).toBeCloseTo(out.metricAverage.locals.reduce((a: number, b: number) => a + b, 0) / np, 6);
    // LearningRateWarmupCallback: linear from 0.1 / np to 0.1 over 2 epochs of 4 batches, then 0.1.
    const expected = Array.from({ length: 8 }, (_, b) => (0.1 / np) * (((b / 4) * (np - 1)) / 2 + 1));
    close(out.warmup.lrs.slice(0, 8), expected);
    close(out.warmup.lrs.slice(8), [0.1, 0.1, 0.1, 0.1]);
    expect(out.warmup.final).toBe(0.1);
    // A distributed Adam saves (from rank 0) as an Adam with its state.
    expect(out.isDistributed).toBe(true);
    expect(out.saved).toEqual({ optimizer: 'Adam', iterations: 2, slotsSaved: true });
  });

  // N ranks each taking globalBatch / N rows of every global batch end where one process on the global batches does.
  it.each([
    ['sgd', 2, 32, ''], ['adam', 2, 32, ''], ['adam', 2, 32, '1024'], ['sgd', 3, 48, ''], ['adam', 3, 48, '1024'],
  ])('%s on %i ranks (global batch %i, fusion threshold "%s") equals one process after 50 steps', async (opt, np, batch, fusion) => {
    const out = result(await mpirun(np as number, transport, 'equal.mjs', [opt as string, String(batch), '50', ...(fusion ? [fusion as string] : [])]));
    expect(out.size).toBe(np);
    expect(out.optimizer).toBe(opt === 'adam' ? 'Adam' : 'SGD');
    expect(out.iterations).toBe(50);
    expect(out.moved).toBeGreaterThan(0.1);
    expect(out.relative).toBeLessThanOrEqual(1e-5);
    // 763 parameters: one fused bucket by default; a 1 KiB threshold splits them into four.
    expect(out.buckets).toEqual(fusion ? [288, 24, 384, 67] : [763]);
  });

  it('BackupAndRestore on rank 0 only resumes every rank at its epoch, from its state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tn-distributed-backup-'));
    try {
      const crashed = await mpirun(2, transport, 'resume.mjs', ['fail', dir]);
      expect(crashed.timedOut).toBe(false);
      expect(crashed.code).not.toBe(0);
      expect(crashed.stderr).toContain('simulated crash of rank 0 at epoch 2');
      const out = result(await mpirun(2, transport, 'resume.mjs', ['resume', dir]));
      expect(out.epochs).toEqual([[2, 3], [2, 3]]);
      expect(out.sameWeights).toBe(true);
      // 32 rows per rank in batches of 8: 4 steps per epoch, 16 over the 4 epochs, the 8 before the crash included.
      expect(out.iterations).toBe(16);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rank that throws ends every rank with its error (MPI_Abort), not a hang', async () => {
    const run = await mpirun(2, transport, 'fault.mjs', ['throw']);
    expect(run.timedOut).toBe(false);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('tn.distributed: rank 1 of 2 failed; ending the other 1 rank with MPI_Abort');
    expect(run.stderr).toContain('out of disk space on rank 1 (a rank-local failure)');
  });

  it('a collective with mismatched shapes is reported by name on every rank', async () => {
    const run = await mpirun(2, transport, 'fault.mjs', ['mismatch']);
    expect(run.timedOut).toBe(false);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("tn.distributed.allreduce: shapes differ across ranks for tensor 'activations'. rank 0: 'activations' allreduce float32 [2, 3] average; rank 1: 'activations' allreduce float32 [2, 5] average");
  });

  it('models that differ across ranks are caught at the first gradient bucket, naming the variables', async () => {
    const run = await mpirun(3, transport, 'fault.mjs', ['model']);
    expect(run.timedOut).toBe(false);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("tn.distributed.DistributedOptimizer: shapes differ across ranks for tensor 'gradient bucket 0 of 1'");
    expect(run.stderr).toContain("rank 1: 'gradient bucket 0 of 1' DistributedOptimizer.bucket float32 [26] average of [3,5] [5] [5,1] [1] (dense/kernel dense/bias dense_1/kernel dense_1/bias)");
  });
});

describe('tn.distributed without the MPI addon', () => {
  it('init() says how to get it', async () => {
    process.env.TENSORNODE_MPI_ADDON = join(here, 'no-such-addon.node');
    try {
      const tn = await import('../../lib/index.js');
      expect(() => tn.distributed.init()).toThrow(/^tensornode was built without MPI: apt-get install libopenmpi-dev openmpi-bin .*then npm rebuild tensornode/);
      expect(tn.distributed.isInitialized()).toBe(false);
      expect(() => tn.distributed.rank()).toThrow('tn.distributed.rank: call tn.distributed.init() first');
      expect(() => tn.distributed.shard(tn.range(0, 4), { rank: 2, size: 2 })).toThrow('tn.distributed.shard: rank must be an integer in [0, 1], received 2');
      expect(tn.distributed.shard(tn.range(0, 5), { rank: 1, size: 2 }).arraySync()).toEqual([1, 3]);
      expect(tn.distributed.shard(tn.tensor(['a', 'b', 'c', 'd', 'e', 'f'], [3, 2]), { rank: 0, size: 2 }).arraySync()).toEqual([['a', 'b'], ['e', 'f']]);
      const [xs, ys] = tn.distributed.shard([tn.zeros([7, 2]), tn.range(0, 7)], { rank: 2, size: 3 });
      expect(xs.shape).toEqual([2, 2]);
      expect(ys.arraySync()).toEqual([2, 5]);
    } finally {
      delete process.env.TENSORNODE_MPI_ADDON;
    }
  });

  it('DistributedOptimizer is an optimizer of the wrapped class, with its state and config', async () => {
    const tn = await import('../../lib/index.js');
    const adam = new tn.optimizers.Adam({ learningRate: 0.003, amsgrad: true });
    adam.iterations = 7;
    const opt = new tn.distributed.DistributedOptimizer(adam, { fusionThresholdBytes: 1024 });
    expect(opt).toBeInstanceOf(tn.optimizers.Adam);
    expect(opt).toBeInstanceOf(tn.distributed.DistributedOptimizer);
    expect(adam).not.toBeInstanceOf(tn.distributed.DistributedOptimizer);
    expect(opt.constructor.name).toBe('Adam');
    expect(opt.getConfig()).toEqual(adam.getConfig());
    expect([opt.iterations, opt.amsgrad, opt.fusionThresholdBytes, opt.gradientOp]).toEqual([7, true, 1024, 'average']);
    const v = tn.variable(tn.ones([2]));
    expect(() => opt.applyGradients([[tn.ones([2]), v]])).toThrow('tn.distributed.DistributedOptimizer: call tn.distributed.init() first');
    expect(() => new tn.distributed.DistributedOptimizer(opt)).toThrow('tn.distributed.DistributedOptimizer: the optimizer is already distributed');
    expect(() => new tn.distributed.DistributedOptimizer({} as never)).toThrow('expected a tensornode optimizer');
    expect(() => new tn.distributed.DistributedOptimizer(new tn.optimizers.SGD(), { fusionThresholdBytes: 0 })).toThrow('fusionThresholdBytes must be an integer >= 4, received 0');
    expect(() => new tn.distributed.DistributedOptimizer(new tn.optimizers.SGD(), { op: 'max' as never })).toThrow(`op must be 'average' or 'sum', received "max"`);
  });
});
