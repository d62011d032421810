// DistributedOptimizer: averages the gradients over the ranks, then lets the wrapped optimizer apply them.
//
// Like Horovod's, it builds a subclass of the wrapped optimizer's own class at run time (named as that class) and
// moves the optimizer's state into an instance of it. So the result IS an Adam (or SGD, ...): model.compile/fit use
// it unchanged, model.save writes it as that optimizer with its slots, and ModelCheckpoint and BackupAndRestore save
// and restore it as they would the optimizer alone. Only applyGradients differs.
//
// Tensor fusion (Horovod's): the gradients, in the variables' order, are packed into buckets of at most
// fusionThresholdBytes (64 MiB by default; a larger gradient gets a bucket of its own), and each bucket is averaged with
// one MPI_Allreduce, so a model of 2 million parameters costs one call per step instead of one per variable. The
// buckets are allocated once per set of variables and reused: memory stays flat.
//
// What overlaps and what does not: nothing overlaps the backward pass. tensornode's backward() runs to completion on
// the JavaScript thread (its kernels use OpenMP threads, which never call MPI) before the optimizer sees a gradient,
// and Open MPI progresses a non-blocking reduction only inside MPI calls, so starting a bucket's MPI_Iallreduce early
// would need a hook in the tape and MPI_Test calls between kernels; that is left for later. Each bucket is reduced with
// the blocking call, and the averaging (a multiply by 1 / size) runs in the binding right after it.
import { Optimizer, type GradientsAndVariables } from '../optimizers/optimizer.js';
import { fmt } from '../shape-util.js';
import { recordedVariable } from '../autograd/grad.js';
import { fromArray, Tensor, Variable, variableByName } from '../tensor.js';
import { agree, requireWorld } from './runtime.js';

export interface DistributedOptimizerArgs {
  /** Largest bucket of fused gradients, in bytes (Horovod's HOROVOD_FUSION_THRESHOLD). Default 64 MiB. */
  fusionThresholdBytes?: number;
  /** 'average' (default, Horovod's) or 'sum' of the ranks' gradients. */
  op?: 'average' | 'sum';
}

/** What DistributedOptimizer adds to the optimizer it wraps. */
export interface DistributedMembers {
  readonly fusionThresholdBytes: number;
  readonly gradientOp: 'average' | 'sum';
  /** How the last step's gradients were fused: bucket sizes in elements (one MPI_Allreduce each). */
  readonly lastBuckets: readonly number[];
  /** Wall time of the last step's gradient reduction (packing, agreement, MPI calls), in milliseconds. */
  readonly lastReduceMs: number;
}

interface Plan {
  key: string;
  /** Per bucket: the pairs' indices it holds, and its buffer. */
  /** signature: the members' shapes, compared across ranks; names: their variables' names, for the error only. */
  buckets: { members: number[]; offsets: number[]; buffer: Float32Array; signature: string; names: string }[];
}

const marker = Symbol('tn.distributed.DistributedOptimizer');
const subclasses = new WeakMap<Function, Function>();

type OptimizerClass = abstract new (...args: never[]) => Optimizer;

function distributedSubclassOf(Base: OptimizerClass): OptimizerClass {
  let Cls = subclasses.get(Base) as OptimizerClass | undefined;
  if (Cls) return Cls;
  abstract class Distributed extends Base {
    declare fusionThresholdBytes: number;
    declare gradientOp: 'average' | 'sum';
    declare lastBuckets: number[];
    declare lastReduceMs: number;
    declare _plan: Plan | null;
    override applyGradients(gradsAndVars: GradientsAndVariables): void {
      super.applyGradients(reduceGradients(this as unknown as Optimizer & DistributedState, gradsAndVars));
    }
  }
  Cls = Distributed;
  // The wrapped class's name: saving (keras-model.ts) and users recognise the optimizer by it, as Horovod's keeps it.
  Object.defineProperty(Cls, 'name', { value: Base.name });
  subclasses.set(Base, Cls);
  return Cls;
}

interface DistributedState extends DistributedMembers {
  fusionThresholdBytes: number;
  gradientOp: 'average' | 'sum';
  lastBuckets: number[];
  lastReduceMs: number;
  _plan: Plan | null;
}

function pairsOf(opt: Optimizer, gradsAndVars: GradientsAndVariables): [Tensor | null, Variable][] {
  if (Array.isArray(gradsAndVars)) {
    return gradsAndVars.map((entry) => {
      if (!Array.isArray(entry) || entry.length !== 2 || !(entry[1] instanceof Variable)) {
        throw new Error(`${opt.constructor.name}.applyGradients: expected [gradient, variable] pairs`);
      }
      return [entry[0] ?? null, entry[1]];
    });
  }
  return Object.entries(gradsAndVars).map(([name, g]) => {
    const v = recordedVariable(gradsAndVars, name) ?? variableByName(name);
    if (!v) throw new Error(`${opt.constructor.name}.applyGradients: no live variable is named '${name}'`);
    return [g, v];
  });
}

function planFor(state: DistributedState, pairs: [Tensor, Variable][]): Plan {
  const key = pairs.map(([, v]) => `${v.id}:${v.size}`).join(',');
  if (state._plan?.key === key) return state._plan;
  const limit = Math.max(1, Math.floor(state.fusionThresholdBytes / 4));
  const buckets: Plan['buckets'] = [];
  let members: number[] = [];
  let offsets: number[] = [];
  let used = 0;
  const close = () => {
    if (!members.length) return;
    const signature = members.map((i) => fmt(pairs[i][1].shape)).join(' ');
    const names = members.map((i) => pairs[i][1].name).join(' ');
    buckets.push({ members, offsets, buffer: new Float32Array(used), signature, names });
    members = [];
    offsets = [];
    used = 0;
  };
  pairs.forEach(([, v], i) => {
    if (used > 0 && used + v.size > limit) close();
    members.push(i);
    offsets.push(used);
    used += v.size;
  });
  close();
  state._plan = { key, buckets };
  return state._plan;
}

function reduceGradients(opt: Optimizer & DistributedState, gradsAndVars: GradientsAndVariables): [Tensor | null, Variable][] {
  const w = requireWorld('DistributedOptimizer');
  const started = performance.now();
  const all = pairsOf(opt, gradsAndVars);
  for (const [g, v] of all) {
    if (g && (g.size !== v.size || g.dtype !== 'float32')) {
      throw new Error(`${opt.constructor.name}.applyGradients: gradient of shape ${fmt(g.shape)} (${g.dtype}) does not match variable '${v.name}' of shape ${fmt(v.shape)}`);
    }
  }
  // A variable without a gradient on every rank (a branch the batch did not reach) is skipped alike on every rank;
  // a rank that has one where another has not is a mismatch, caught by the bucket signatures below.
  const present = all.filter((p): p is [Tensor, Variable] => p[0] !== null);
  const plan = planFor(opt, present);
  const out: [Tensor | null, Variable][] = [];
  const scale = opt.gradientOp === 'average' ? 1 / w.size : 1;
  opt.lastBuckets = plan.buckets.map((b) => b.buffer.length);
  plan.buckets.forEach((b, k) => {
    b.members.forEach((i, j) => b.buffer.set(present[i][0].values.subarray(0, present[i][1].size) as Float32Array, b.offsets[j]));
    agree(w, 'DistributedOptimizer', {
      kind: 'DistributedOptimizer.bucket', name: `gradient bucket ${k} of ${plan.buckets.length}`, dtype: 'float32',
      shape: [b.buffer.length], detail: `${opt.gradientOp} of ${b.signature}`, note: b.names,
    });
    w.mpi.allreduce(b.buffer, 0, scale);
    // The reduced gradients are views of the bucket: the wrapped optimizer reads them before the next step refills it.
    b.members.forEach((i, j) => {
      const v = present[i][1];
      out.push([fromArray(b.buffer.subarray(b.offsets[j], b.offsets[j] + v.size), v.shape.slice()), v]);
    });
  });
  opt.lastReduceMs = performance.now() - started;
  return out;
}

/**
 * Wraps an optimizer for data-parallel training: `new hvd.DistributedOptimizer(new tn.optimizers.Adam(...))`. The
 * result is an optimizer of the wrapped class (it takes over its state; use the result, not the original) whose
 * applyGradients first averages each gradient over the ranks, in fused buckets.
 */
export const DistributedOptimizer = function DistributedOptimizer(
  this: unknown, optimizer: Optimizer, args: DistributedOptimizerArgs = {},
) {
  if (!new.target) throw new Error('tn.distributed.DistributedOptimizer: call it with new');
  if (!(optimizer instanceof Optimizer)) throw new Error('tn.distributed.DistributedOptimizer: expected a tensornode optimizer (new tn.optimizers.Adam(...))');
  if ((optimizer as unknown as Record<symbol, unknown>)[marker]) throw new Error('tn.distributed.DistributedOptimizer: the optimizer is already distributed');
  const threshold = args.fusionThresholdBytes ?? 64 * 1024 * 1024;
  if (!Number.isInteger(threshold) || threshold < 4) {
    throw new Error(`tn.distributed.DistributedOptimizer: fusionThresholdBytes must be an integer >= 4, received ${String(args.fusionThresholdBytes)}`);
  }
  const op = args.op ?? 'average';
  if (op !== 'average' && op !== 'sum') throw new Error(`tn.distributed.DistributedOptimizer: op must be 'average' or 'sum', received ${JSON.stringify(op)}`);
  const Cls = distributedSubclassOf(optimizer.constructor as OptimizerClass);
  const result = Object.assign(Object.create(Cls.prototype) as Optimizer, optimizer) as Optimizer & DistributedState;
  result.fusionThresholdBytes = threshold;
  result.gradientOp = op;
  result.lastBuckets = [];
  result.lastReduceMs = 0;
  result._plan = null;
  Object.defineProperty(result, marker, { value: true });
  return result;
} as unknown as {
  new <T extends Optimizer>(optimizer: T, args?: DistributedOptimizerArgs): T & DistributedMembers;
};
Object.defineProperty(DistributedOptimizer, Symbol.hasInstance, {
  value: (x: unknown) => typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[marker] === true,
});
/** The type of a distributed optimizer: the wrapped optimizer's, plus DistributedMembers. */
export type DistributedOptimizer = Optimizer & DistributedMembers;
