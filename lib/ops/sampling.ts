// Random draws that TF.js has as ops: multinomial (categorical sampling) and randomStandardNormal. Both take their
// numbers from lib/random.ts, so tn.setSeed governs the unseeded calls and a seed repeats a call's draws.
import { checkDType, type DType } from '../dtype.js';
import { generator } from '../random.js';
import { checkShape, fmt } from '../shape-util.js';
import { empty, randomNormal, type Tensor, type TensorLike } from '../tensor.js';
import { toTensor } from './util.js';

/**
 * numSamples draws per row from the categorical distribution of each row of `logits` (TF.js's multinomial):
 * [batch, numOutcomes] gives int32 [batch, numSamples], a 1-D [numOutcomes] gives [numSamples]. With normalized =
 * true the rows are probabilities (non-negative; divided by their sum, so they need not add up to exactly 1),
 * otherwise unnormalized log-probabilities (a softmax is taken, in float64). An outcome of probability 0 (logit
 * -Infinity) is never drawn.
 */
export function multinomial(logits: TensorLike, numSamples: number, seed?: number, normalized = false): Tensor {
  const t = toTensor(logits, 'multinomial');
  if (t.rank !== 1 && t.rank !== 2) throw new Error(`multinomial: logits must be 1-D [numOutcomes] or 2-D [batch, numOutcomes], received shape ${fmt(t.shape)}`);
  if (typeof numSamples !== 'number' || !Number.isInteger(numSamples) || numSamples < 0) {
    throw new Error(`multinomial: numSamples must be a non-negative integer, received ${String(numSamples)} (logits shape ${fmt(t.shape)})`);
  }
  if (typeof normalized !== 'boolean') throw new Error(`multinomial: normalized must be true or false, received ${JSON.stringify(normalized)}`);
  const n = t.shape[t.rank - 1];
  const batch = t.rank === 1 ? 1 : t.shape[0];
  if (n === 0 && batch > 0) throw new Error(`multinomial: needs at least one outcome, received logits of shape ${fmt(t.shape)}`);
  const g = generator(seed);
  const out = empty(t.rank === 1 ? [numSamples] : [batch, numSamples], 'int32');
  const v = t.values;
  const o = out.values;
  const cdf = new Float64Array(n);
  for (let r = 0; r < batch; r++) {
    rowCdf(v, r * n, n, normalized, cdf, t.shape);
    const total = cdf[n - 1];
    for (let s = 0; s < numSamples; s++) o[r * numSamples + s] = firstAbove(cdf, g.uniform() * total);
  }
  return out;
}

/** The running sums of one row's probabilities (unnormalized), checked so that a draw is well defined. */
function rowCdf(v: ArrayLike<number>, base: number, n: number, normalized: boolean, cdf: Float64Array, shape: number[]): void {
  let m = -Infinity;
  if (!normalized) for (let i = 0; i < n; i++) m = Math.max(m, v[base + i]);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const x = v[base + i];
    if (normalized && !(x >= 0 && x < Infinity)) {
      throw new Error(`multinomial: with normalized = true the probabilities must be finite and non-negative, received ${x} (logits shape ${fmt(shape)})`);
    }
    acc += normalized ? x : Math.exp(x - m);
    cdf[i] = acc;
  }
  if (!(acc > 0 && acc < Infinity)) {
    const what = normalized ? `probabilities that sum to ${acc}` : 'logits without a finite maximum (all -Infinity, or NaN or Infinity among them)';
    throw new Error(`multinomial: a row of ${what} defines no distribution (logits shape ${fmt(shape)})`);
  }
}

/** The first index whose running sum exceeds u (u < cdf[n - 1]), so zero-probability outcomes are skipped. */
function firstAbove(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Standard normal values (mean 0, standard deviation 1), TF.js's randomStandardNormal(shape, dtype?, seed?). */
export function randomStandardNormal(shape: number[], dtype: DType = 'float32', seed?: number): Tensor {
  checkShape(shape, 'randomStandardNormal');
  checkDType(dtype, 'randomStandardNormal');
  return randomNormal(shape, 0, 1, dtype, seed);
}
