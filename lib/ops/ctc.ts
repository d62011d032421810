// Connectionist temporal classification, as Keras 3's keras.ops.ctc_loss and ctc_decode (greedy) compute it: the
// loss of a batch of label sequences under per-step class logits, summed over every alignment by the forward-backward
// recursion in log space (double precision), with its gradient, and the best-path decoding.
import { record } from '../autograd/tape.js';
import { fmt } from '../shape-util.js';
import { Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';
import { floatArg } from './util.js';

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Each sample's length from a [batch] (or [batch, 1]) tensor or array, checked against the axis it counts. */
function lengths(v: TensorLike, batch: number, max: number, op: string, what: string): number[] {
  const t = toTensor(v, op);
  if (t.size !== batch || (t.rank !== 1 && !(t.rank === 2 && t.shape[1] === 1))) {
    throw new Error(`${op}: ${what} must hold one length per sample, shape [${batch}], received shape ${fmt(t.shape)}`);
  }
  return Array.from(t.data(), (n) => {
    if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${op}: ${what} must be integers in [0, ${max}], received ${n}`);
    return n;
  });
}

/** Row-wise log-softmax of a [time, classes] block of `x` starting at `offset`, in double precision. */
function logSoftmaxRows(x: Float32Array, offset: number, steps: number, classes: number): Float64Array {
  const out = new Float64Array(steps * classes);
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let m = -Infinity;
    for (let k = 0; k < classes; k++) m = Math.max(m, x[row + k]);
    let z = 0;
    for (let k = 0; k < classes; k++) z += Math.exp(x[row + k] - m);
    const lz = m + Math.log(z);
    for (let k = 0; k < classes; k++) out[t * classes + k] = x[row + k] - lz;
  }
  return out;
}

/**
 * Keras 3's ops.ctc_loss(target, output, target_length, output_length, mask_index): `target` int [batch, maxLabel]
 * (sample b's labels are its first targetLength[b]), `output` the logits [batch, maxTime, classes] (normalized here
 * with a log-softmax, as TensorFlow's ctc_loss does), `outputLength` the steps of each sample; `maskIndex` is the blank
 * class. Returns the negative log-likelihood of each sample, [batch] (Infinity where no alignment fits: a label
 * sequence too long for its steps). Differentiable in `output`.
 */
export function ctcLoss(target: TensorLike, output: TensorLike, targetLength: TensorLike, outputLength: TensorLike, maskIndex = 0): Tensor {
  const op = 'ctcLoss';
  const y = toTensor(target, op);
  const logits = floatArg(output, op);
  if (logits.rank !== 3) throw new Error(`${op}: output must be logits [batch, time, classes], received shape ${fmt(logits.shape)}`);
  if (y.rank !== 2 || y.shape[0] !== logits.shape[0]) throw new Error(`${op}: target must be labels [batch, maxLabelLength] with the batch of output ${fmt(logits.shape)}, received shape ${fmt(y.shape)}`);
  const [batch, maxTime, classes] = logits.shape;
  if (!Number.isInteger(maskIndex) || maskIndex < 0 || maskIndex >= classes) throw new Error(`${op}: maskIndex (the blank class) must be an integer in [0, ${classes}), received ${maskIndex}`);
  const labelLens = lengths(targetLength, batch, y.shape[1], op, 'targetLength');
  const steps = lengths(outputLength, batch, maxTime, op, 'outputLength');
  const labels = y.data();
  const x = logits.values as Float32Array;
  const losses = new Float32Array(batch);
  const grad = new Float32Array(logits.size);
  for (let b = 0; b < batch; b++) {
    const L = labelLens[b];
    const T = steps[b];
    const seq: number[] = [];
    for (let i = 0; i < L; i++) {
      const l = labels[b * y.shape[1] + i];
      if (!Number.isInteger(l) || l < 0 || l >= classes || l === maskIndex) {
        throw new Error(`${op}: sample ${b}'s label ${i} is ${l}; labels must be classes in [0, ${classes}) other than the blank (maskIndex ${maskIndex})`);
      }
      seq.push(l);
    }
    // The labels with blanks around and between them: blank, l1, blank, l2, ..., blank.
    const S = 2 * L + 1;
    const ext = Array.from({ length: S }, (_, s) => (s % 2 === 0 ? maskIndex : seq[(s - 1) / 2]));
    if (T === 0) {
      losses[b] = L === 0 ? 0 : Infinity;
      continue;
    }
    const lp = logSoftmaxRows(x, b * maxTime * classes, T, classes);
    const alpha = new Float64Array(T * S).fill(-Infinity);
    const beta = new Float64Array(T * S).fill(-Infinity);
    alpha[0] = lp[maskIndex];
    if (S > 1) alpha[1] = lp[ext[1]];
    for (let t = 1; t < T; t++) {
      for (let s = 0; s < S; s++) {
        let a = alpha[(t - 1) * S + s];
        if (s >= 1) a = logAdd(a, alpha[(t - 1) * S + s - 1]);
        if (s >= 2 && ext[s] !== maskIndex && ext[s] !== ext[s - 2]) a = logAdd(a, alpha[(t - 1) * S + s - 2]);
        alpha[t * S + s] = a + lp[t * classes + ext[s]];
      }
    }
    const last = (T - 1) * S;
    const logP = S > 1 ? logAdd(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
    if (logP === -Infinity) {
      // No alignment fits (more labels, and repeats, than steps): TensorFlow's infinite loss; no gradient to follow.
      losses[b] = Infinity;
      continue;
    }
    losses[b] = -logP;
    beta[last + S - 1] = lp[(T - 1) * classes + ext[S - 1]];
    if (S > 1) beta[last + S - 2] = lp[(T - 1) * classes + ext[S - 2]];
    for (let t = T - 2; t >= 0; t--) {
      for (let s = 0; s < S; s++) {
        let v = beta[(t + 1) * S + s];
        if (s + 1 < S) v = logAdd(v, beta[(t + 1) * S + s + 1]);
        if (s + 2 < S && ext[s] !== maskIndex && ext[s] !== ext[s + 2]) v = logAdd(v, beta[(t + 1) * S + s + 2]);
        beta[t * S + s] = v + lp[t * classes + ext[s]];
      }
    }
    // d(-log p) / d logits[t, k] = softmax[t, k] - (the probability that step t emits k, over the alignments).
    for (let t = 0; t < T; t++) {
      const row = (b * maxTime + t) * classes;
      const occupancy = new Float64Array(classes);
      for (let s = 0; s < S; s++) {
        const lg = alpha[t * S + s] + beta[t * S + s] - lp[t * classes + ext[s]] - logP;
        if (lg > -Infinity) occupancy[ext[s]] += Math.exp(lg);
      }
      for (let k = 0; k < classes; k++) grad[row + k] = Math.exp(lp[t * classes + k]) - occupancy[k];
    }
  }
  const out = tensor(losses, [batch]);
  return record(out, op, [logits], (dy) => {
    const d = dy.data();
    const g = new Float32Array(grad.length);
    const per = maxTime * classes;
    for (let i = 0; i < g.length; i++) g[i] = grad[i] * d[Math.floor(i / per)];
    return [tensor(g, logits.shape.slice())];
  });
}

/**
 * Keras 3's ops.ctc_decode(inputs, sequence_lengths, strategy='greedy', ..., merge_repeated, mask_index): the best
 * path of each sample (argmax per step over its first sequenceLengths[b] steps), repeats merged unless
 * mergeRepeated is false, blanks (maskIndex) dropped. Returns [decoded, scores]: decoded int32 [1, batch, maxTime]
 * padded with -1 (Keras's top_paths axis first), and [batch, 1] the negative sum of each step's greatest input, as
 * TensorFlow's greedy decoder (Keras's TensorFlow backend) reports it. Beam search is not implemented.
 */
export function ctcDecode(
  inputs: TensorLike, sequenceLengths: TensorLike, strategy: 'greedy' | 'beam_search' = 'greedy', beamWidth = 100, topPaths = 1,
  mergeRepeated = true, maskIndex = 0,
): [Tensor, Tensor] {
  const op = 'ctcDecode';
  void beamWidth;
  if (strategy !== 'greedy') throw new Error(`${op}: strategy ${JSON.stringify(strategy)} is not supported; tensornode decodes with 'greedy' only`);
  if (topPaths !== 1) throw new Error(`${op}: the greedy strategy gives one path, received topPaths ${topPaths}`);
  if (typeof mergeRepeated !== 'boolean') throw new Error(`${op}: mergeRepeated must be true or false, received ${String(mergeRepeated)}`);
  const logits = floatArg(inputs, op);
  if (logits.rank !== 3) throw new Error(`${op}: inputs must be logits [batch, time, classes], received shape ${fmt(logits.shape)}`);
  const [batch, maxTime, classes] = logits.shape;
  if (!Number.isInteger(maskIndex) || maskIndex < 0 || maskIndex >= classes) throw new Error(`${op}: maskIndex (the blank class) must be an integer in [0, ${classes}), received ${maskIndex}`);
  const steps = lengths(sequenceLengths, batch, maxTime, op, 'sequenceLengths');
  const x = logits.values as Float32Array;
  const decoded = new Int32Array(batch * maxTime).fill(-1);
  const scores = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    let n = 0;
    let prev = -1;
    let total = 0;
    for (let t = 0; t < steps[b]; t++) {
      const row = (b * maxTime + t) * classes;
      let best = 0;
      for (let k = 1; k < classes; k++) if (x[row + k] > x[row + best]) best = k;
      total += x[row + best];
      if (best !== maskIndex && !(mergeRepeated && best === prev)) decoded[b * maxTime + n++] = best;
      prev = best;
    }
    scores[b] = -total;
  }
  return [tensor(decoded, [1, batch, maxTime], 'int32'), tensor(scores, [batch, 1])];
}
