// Collectives on tensors, Horovod's names: allreduce, allgather, broadcast, barrier; and shard for a rank's slice of a
// data set. Each returns a new tensor (the input is left as it was) and runs outside autograd. All ranks must call
// the same collectives in the same order; agree() checks it before any data moves.
import { fromArray, fromStrings, isStringTensor, stringsOf, Tensor, Variable, toInputTensor, toTensor, type TensorLike } from '../tensor.js';
import { fmt } from '../shape-util.js';
import { agree, requireWorld } from './runtime.js';

export type ReduceOp = 'average' | 'sum' | 'min' | 'max';

export interface AllreduceArgs {
  /** 'average' (default), 'sum', 'min' or 'max', over the ranks. */
  op?: ReduceOp;
  /** Names the tensor in error messages; by default the collective's position in this rank's sequence of calls. */
  name?: string;
}

let unnamed = 0;
const nameOf = (kind: string, name: string | undefined) => name ?? `${kind}.noname.${++unnamed}`;

function asTensor(x: TensorLike, fn: string): Tensor {
  const t = toTensor(x, `tn.distributed.${fn}`);
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`tn.distributed.${fn}: expected a float32 or int32 tensor, received ${t.dtype}`);
  return t;
}

// slice() is a memcpy; TypedArray.from would walk an iterator (100 ms for 64 MiB).
const copyOf = (t: Tensor): Float32Array | Int32Array => t.values.slice(0, t.size);

const opCodes = { sum: 0, average: 0, min: 1, max: 2 } as const;

/** The element-wise reduction of x over all ranks: every rank receives the same result. */
export function allreduce(x: TensorLike, args: AllreduceArgs = {}): Tensor {
  const w = requireWorld('allreduce');
  const t = asTensor(x, 'allreduce');
  const op = args.op ?? 'average';
  if (!(op in opCodes)) throw new Error(`tn.distributed.allreduce: op must be 'average', 'sum', 'min' or 'max', received ${JSON.stringify(op)}`);
  if (op === 'average' && t.dtype === 'int32') throw new Error(`tn.distributed.allreduce: the average of int32 tensors is not an int32; use op 'sum' or cast to float32 first`);
  const name = nameOf('allreduce', args.name ?? (t instanceof Variable ? t.name : undefined));
  agree(w, 'allreduce', { kind: 'allreduce', name, dtype: t.dtype, shape: t.shape, detail: op });
  const out = copyOf(t);
  w.mpi.allreduce(out, opCodes[op], op === 'average' ? 1 / w.size : 1);
  return fromArray(out, t.shape.slice());
}

/**
 * Every rank's x concatenated along the first axis, in rank order. The first dimensions may differ (a data set's
 * uneven last shard); the other dimensions must match.
 */
export function allgather(x: TensorLike, args: { name?: string } = {}): Tensor {
  const w = requireWorld('allgather');
  const t = asTensor(x, 'allgather');
  if (t.rank === 0) throw new Error(`tn.distributed.allgather: expected a tensor of rank >= 1 (rows are concatenated), received a scalar`);
  const name = nameOf('allgather', args.name);
  const firsts = agree(w, 'allgather', { kind: 'allgather', name, dtype: t.dtype, shape: t.shape, detail: '', freeFirstDim: true });
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = firsts.reduce((a, b) => a + b, 0);
  const out = t.dtype === 'int32' ? new Int32Array(rows * row) : new Float32Array(rows * row);
  w.mpi.allgatherv(copyOf(t), out, firsts.map((n) => n * row));
  return fromArray(out, [rows, ...t.shape.slice(1)]);
}

/** The root rank's x, on every rank (each rank passes a tensor of the same shape and dtype). */
export function broadcast(x: TensorLike, rootRank = 0, args: { name?: string } = {}): Tensor {
  const w = requireWorld('broadcast');
  const t = asTensor(x, 'broadcast');
  checkRoot(rootRank, w.size, 'broadcast');
  const name = nameOf('broadcast', args.name ?? (t instanceof Variable ? t.name : undefined));
  agree(w, 'broadcast', { kind: 'broadcast', name, dtype: t.dtype, shape: t.shape, detail: `root ${rootRank}` });
  const out = copyOf(t);
  w.mpi.broadcast(out, rootRank);
  return fromArray(out, t.shape.slice());
}

/** Sets each variable to the root rank's value, in place (Horovod's broadcast_variables). */
export function broadcastVariables(variables: Variable[], rootRank = 0): void {
  const w = requireWorld('broadcastVariables');
  checkRoot(rootRank, w.size, 'broadcastVariables');
  variables.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new Error('tn.distributed.broadcastVariables: expected an array of Variables');
    agree(w, 'broadcastVariables', {
      kind: 'broadcast', name: `variable ${i} of ${variables.length}`, dtype: v.dtype, shape: v.shape, detail: `root ${rootRank}`, note: v.name,
    });
    w.mpi.broadcast(v.values.subarray(0, v.size) as Float32Array | Int32Array, rootRank);
  });
}

/** The root rank's value of any JSON-serialisable object, on every rank (Horovod's broadcast_object). */
export function broadcastObject<T>(value: T, rootRank = 0, args: { name?: string } = {}): T {
  const w = requireWorld('broadcastObject');
  checkRoot(rootRank, w.size, 'broadcastObject');
  const name = nameOf('broadcastObject', args.name);
  agree(w, 'broadcastObject', { kind: 'broadcastObject', name, dtype: 'uint8', shape: [], detail: `root ${rootRank}` });
  const bytes = w.rank === rootRank ? new TextEncoder().encode(JSON.stringify(value) ?? 'null') : new Uint8Array(0);
  const length = Int32Array.of(bytes.length);
  w.mpi.broadcast(length, rootRank);
  const buf = w.rank === rootRank ? bytes : new Uint8Array(length[0]);
  w.mpi.broadcast(buf, rootRank);
  return JSON.parse(new TextDecoder().decode(buf)) as T;
}

/** Waits until every rank has called barrier(). */
export function barrier(): void {
  const w = requireWorld('barrier');
  agree(w, 'barrier', { kind: 'barrier', name: 'barrier', dtype: 'uint8', shape: [], detail: '' });
  w.mpi.barrier();
}

function checkRoot(root: number, size: number, fn: string): void {
  if (!Number.isInteger(root) || root < 0 || root >= size) {
    throw new Error(`tn.distributed.${fn}: rootRank must be an integer in [0, ${size - 1}], received ${String(root)}`);
  }
}

export interface ShardArgs {
  /** Default: this process's rank. */
  rank?: number;
  /** Default: the world's size. */
  size?: number;
}

/**
 * A rank's slice of a data set, as tf.data's shard(numShards, index): the rows i with i % size === rank, in order.
 * With a batch size of B / size per rank, the ranks' batches together are exactly the global batches of B a single
 * process would take (without shuffling), which is what makes data-parallel training equal to one process. The
 * shards differ by at most one row; an array of tensors (several inputs) is sharded alike.
 */
export function shard<T extends TensorLike | TensorLike[]>(x: T, args: ShardArgs = {}): T extends TensorLike[] ? Tensor[] : Tensor {
  const size = args.size ?? requireWorld('shard').size;
  const r = args.rank ?? requireWorld('shard').rank;
  if (!Number.isInteger(size) || size < 1) throw new Error(`tn.distributed.shard: size must be a positive integer, received ${String(size)}`);
  if (!Number.isInteger(r) || r < 0 || r >= size) throw new Error(`tn.distributed.shard: rank must be an integer in [0, ${size - 1}], received ${String(r)}`);
  const one = (v: TensorLike): Tensor => {
    const t = toInputTensor(v, 'tn.distributed.shard');
    if (t.rank === 0) throw new Error(`tn.distributed.shard: expected a tensor with rows (rank >= 1), received shape ${fmt(t.shape)}`);
    const n = t.shape[0];
    const rows = Math.max(0, Math.ceil((n - r) / size));
    const row = t.size / (n || 1);
    if (isStringTensor(t)) {
      const strings = stringsOf(t, 'tn.distributed.shard');
      return fromStrings(Array.from({ length: rows }, (_, i) => strings.slice((r + i * size) * row, (r + i * size + 1) * row)).flat(), [rows, ...t.shape.slice(1)]);
    }
    const src = t.values;
    const out = t.dtype === 'int32' ? new Int32Array(rows * row) : new Float32Array(rows * row);
    for (let i = 0; i < rows; i++) {
      const from = (r + i * size) * row;
      out.set(src.subarray(from, from + row), i * row);
    }
    return fromArray(out, [rows, ...t.shape.slice(1)]);
  };
  const isList = Array.isArray(x) && x.length > 0 && x.every((e) => e instanceof Tensor);
  return (isList ? (x as Tensor[]).map(one) : one(x as TensorLike)) as T extends TensorLike[] ? Tensor[] : Tensor;
}
