// Keras's keras.utils.split_dataset: one dataset (or tensors) cut into two datasets of samples.
import { Dataset } from '../data/dataset.js';
import { array } from '../data/sources.js';
import { checkOptionNames } from '../names.js';
import { unstack } from '../ops/shape.js';
import { generator } from '../random.js';
import { fmt } from '../shape-util.js';
import { Tensor } from '../tensor.js';

export interface SplitDatasetOptions {
  /** The first dataset's share: a fraction in (0, 1) or a number of samples (default: what rightSize leaves). */
  leftSize?: number | null;
  /** The second dataset's share, taken from the end: a fraction in (0, 1) or a number of samples. */
  rightSize?: number | null;
  /** Shuffle the samples before cutting (default false). */
  shuffle?: boolean;
  seed?: number;
}

/** Keras's _rescale_dataset_split_sizes: the two sizes in samples, with its errors. */
function splitSizes(left: number | null, right: number | null, total: number): [number, number] {
  const what = 'splitDataset';
  for (const [name, v] of [['leftSize', left], ['rightSize', right]] as const) {
    if (v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (v >= 1 && !Number.isInteger(v))) {
      throw new Error(`${what}: ${name} must be a fraction in (0, 1) or a positive integer number of samples, received ${String(v)}`);
    }
    if (v >= 1 && v >= total) throw new Error(`${what}: ${name} ${v} must be less than the number of samples, ${total}`);
  }
  if (left !== null && right !== null && left < 1 && right < 1 && left + right > 1) {
    throw new Error(`${what}: leftSize ${left} and rightSize ${right} add up to more than 1`);
  }
  // Fractions round to samples as Python's round() does (to even), so that the sizes are Keras's.
  const count = (v: number) => (v < 1 ? roundHalfEven(v * total) : v);
  const l = left === null ? total - count(right!) : count(left);
  const r = right === null ? total - l : count(right);
  if (l + r > total) throw new Error(`${what}: leftSize ${left} and rightSize ${right} take ${l} + ${r} samples, more than the ${total} there are`);
  for (const [side, n] of [['left', l], ['right', r]] as const) {
    if (n === 0) throw new Error(`${what}: with ${total} samples, leftSize ${left} and rightSize ${right} leave the ${side} dataset empty; adjust them`);
  }
  return [l, r];
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

/** The samples of tensors (one [N, ...] tensor, or a list / object of them sharing N), each as x[i]. */
function samplesOf(data: Tensor | readonly Tensor[] | Record<string, Tensor>): unknown[] {
  if (data instanceof Tensor) return unstack(data);
  const entries = Array.isArray(data) ? data.map((t, i) => [String(i), t] as const) : Object.entries(data as Record<string, Tensor>);
  if (!entries.length) throw new Error('splitDataset: received no tensors to split');
  for (const [k, t] of entries) if (!(t instanceof Tensor)) throw new Error(`splitDataset: item ${k} is not a tensor`);
  const n = entries[0][1].shape[0];
  for (const [k, t] of entries) {
    if (t.rank === 0 || t.shape[0] !== n) throw new Error(`splitDataset: every tensor needs the same number of samples first; item ${entries[0][0]} has ${n}, item ${k} has shape ${fmt(t.shape)}`);
  }
  const rows = entries.map(([k, t]) => [k, unstack(t)] as const);
  return Array.from({ length: n }, (_, i) => (Array.isArray(data) ? rows.map(([, r]) => r[i]) : Object.fromEntries(rows.map(([k, r]) => [k, r[i]]))));
}

/**
 * Keras's split_dataset: the samples of `data` (a tn.data Dataset of samples, read to the end, or tensors: one
 * [N, ...] tensor, a list such as [x, y], or an object of them) as two datasets, the first `leftSize` samples and the
 * last `rightSize` ones (after shuffling, with `shuffle`). A dataset must not be batched (Keras's rule: its elements are
 * the samples). Returns a promise, since a dataset is read asynchronously.
 */
export async function splitDataset(
  data: Dataset<unknown> | Tensor | readonly Tensor[] | Record<string, Tensor>,
  options: SplitDatasetOptions = {},
): Promise<[Dataset<unknown>, Dataset<unknown>]> {
  checkOptionNames(options, ['leftSize', 'rightSize', 'shuffle', 'seed'], 'splitDataset');
  const left = options.leftSize ?? null;
  const right = options.rightSize ?? null;
  if (left === null && right === null) throw new Error('splitDataset: give leftSize or rightSize (or both)');
  const shuffle = options.shuffle ?? false;
  if (typeof shuffle !== 'boolean') throw new Error(`splitDataset: shuffle must be true or false, received ${JSON.stringify(shuffle)}`);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new Error(`splitDataset: seed must be an integer, received ${String(options.seed)}`);
  const samples = data instanceof Dataset ? await data.toArray() : samplesOf(data);
  if (!samples.length) throw new Error('splitDataset: the dataset has no samples');
  const [l, r] = splitSizes(left, right, samples.length);
  if (shuffle) {
    const g = generator(options.seed);
    for (let i = samples.length - 1; i > 0; i--) {
      const j = g.int(i + 1);
      [samples[i], samples[j]] = [samples[j], samples[i]];
    }
  }
  return [array(samples.slice(0, l)), array(samples.slice(samples.length - r))];
}
