// Scaled dot-product attention over heads laid out as the projections produce them ([batch, time, heads, depth]):
// as one op with its own backward (dotProductAttention), and composed from the generic ops
// (composedDotProductAttention, which also returns the probabilities); benchmarks/attention.ts compares them.
import { record } from '../autograd/tape.js';
import { native, UnaryOp } from '../native.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor } from '../tensor.js';
import { add, mul } from './elementwise.js';
import { matMul } from './matmul.js';
import { softmax } from './reduce.js';
import { transpose } from './shape.js';
import { f32 } from './util.js';

/** What Keras adds to a masked score (Softmax's _large_negative_number for float32): exp() of it is 0. */
export const MASKED_SCORE = -1e9;

export interface DotProductAttentionOptions {
  /** Multiplies Q K^T (1 / sqrt(depth) in MultiHeadAttention). */
  scale: number;
  /**
   * Which keys each query may attend to, broadcastable to [batch, queries, keys] ([1 or batch, 1 or queries, keys]):
   * nonzero attends, 0 does not. A masked score gets MASKED_SCORE added, as Keras does, so a query that may attend to
   * nothing spreads its attention evenly.
   */
  mask?: Tensor | null;
  /** Adds Keras's causal mask: query i attends to keys j <= i. */
  causal?: boolean;
  /** Dropout on the attention probabilities: the rate and two 32-bit keys of the mask's random stream. */
  dropout?: { rate: number; keys: [number, number] } | null;
}

/**
 * Combined mask [maskBatch, queries, keys] (1 attend, 0 masked) from a mask broadcastable to [batch, queries, keys]
 * and the causal flag; null when there is none. maskBatch is 1 when the mask is the same for every batch item.
 */
export function attentionMaskOf(mask: Tensor | null | undefined, causal: boolean, batch: number, queries: number, keys: number, op: string): { values: Uint8Array; batch: number } | null {
  if (!mask && !causal) return null;
  let mb = 1;
  let mv: ArrayLike<number> | null = null;
  let sb = 0;
  let st = 0;
  let ss = 0;
  if (mask) {
    const s = mask.shape;
    const padded = [...new Array(Math.max(0, 3 - s.length)).fill(1), ...s];
    const want = [batch, queries, keys];
    if (s.length > 3 || padded.some((d, i) => d !== 1 && d !== want[i])) {
      throw new Error(`${op}: the attention mask must broadcast to [batch, queries, keys] = ${fmt(want)}, received shape ${fmt(s)}`);
    }
    mv = mask.values;
    mb = padded[0];
    // Strides of the mask's (padded) axes, 0 where it broadcasts.
    ss = padded[2] === 1 ? 0 : 1;
    st = padded[1] === 1 ? 0 : padded[2];
    sb = padded[0] === 1 ? 0 : padded[1] * padded[2];
  }
  const out = new Uint8Array(mb * queries * keys);
  for (let b = 0; b < mb; b++) {
    for (let t = 0; t < queries; t++) {
      const row = (b * queries + t) * keys;
      for (let s = 0; s < keys; s++) {
        let keep = mv ? mv[b * sb + t * st + s * ss] !== 0 : true;
        if (causal && s > t) keep = false;
        out[row + s] = keep ? 1 : 0;
      }
    }
  }
  return { values: out, batch: mb };
}

function checkQKV(q: Tensor, k: Tensor, v: Tensor, op: string): [number, number, number, number, number, number] {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(`${op}: expected query [batch, queries, heads, depth], key [batch, keys, heads, depth] and value [batch, keys, heads, valueDepth], received shapes ${fmt(q.shape)}, ${fmt(k.shape)} and ${fmt(v.shape)}`);
  }
  const [batch, queries, heads, depth] = q.shape;
  const keys = k.shape[1];
  const vdepth = v.shape[3];
  if (k.shape[0] !== batch || v.shape[0] !== batch || k.shape[2] !== heads || v.shape[2] !== heads || k.shape[3] !== depth || v.shape[1] !== keys) {
    throw new Error(`${op}: query, key and value must agree in batch and heads, query and key in depth, key and value in length; received shapes ${fmt(q.shape)}, ${fmt(k.shape)} and ${fmt(v.shape)}`);
  }
  for (const t of [q, k, v]) if (t.dtype !== 'float32') throw new Error(`${op}: expected float32 tensors, received ${t.dtype}`);
  return [batch, queries, keys, heads, depth, vdepth];
}

/** [B, T, N, D] <-> [B, N, T, D]: the same permutation both ways. */
function swapHeads(x: Float32Array, b: number, t: number, n: number, d: number, out: Float32Array): Float32Array {
  native.transpose(x, [b, t, n, d], [0, 2, 1, 3], out);
  return out;
}

/** All B*N heads as one batched GEMM over head-major [B*N, rows, cols] operands. */
function headsGemm(count: number, ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  const [ar, ac] = ta ? [k, m] : [m, k];
  const [br, bc] = tb ? [n, k] : [k, n];
  native.gemm(ta, tb, count, m, n, k, a, 0, Math.max(1, ac), ar * ac, b, 0, Math.max(1, bc), br * bc, 0, c, 0, Math.max(1, n), m * n, null, UnaryOp.linear, 0);
}

/**
 * softmax(scale * Q K^T + mask) V per batch item and head, with optional dropout on the probabilities:
 * query [B, T, N, H], key [B, S, N, H], value [B, S, N, Hv] -> [B, T, N, Hv]. Differentiable in query, key and value.
 *
 * One op rather than the composed transpose / matMul / add / softmax / mul / matMul / transpose: the heads are
 * moved to the front once each way, the scale rides on that copy of Q, mask and dropout act in place on the one
 * scores buffer, and every product is one batched GEMM over all B*N heads (the GEMM driver is much slower on
 * batches whose items interleave, so the [B, T, N, H] layout is not read in place).
 */
export function dotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: DotProductAttentionOptions, op = 'dotProductAttention'): Tensor {
  const [B, T, S, N, H, Hv] = checkQKV(query, key, value, op);
  const scale = options.scale;
  const mask = attentionMaskOf(options.mask, options.causal ?? false, B, T, S, op);
  const BN = B * N;
  // Head-major copies; Q scaled in its copy (B T N H values rather than the B N T S scores), which dK also needs.
  // Scratch comes from the step's buffer pool; the backward reads it through the tensors (.values), so a use after
  // the step has recycled them fails loudly, as for any op.
  const qhT = empty([BN, T, H]);
  const khT = empty([BN, S, H]);
  const vhT = empty([BN, S, Hv]);
  const qh = swapHeads(f32(query), B, T, N, H, f32(qhT));
  for (let i = 0; i < qh.length; i++) qh[i] *= scale;
  const kh = swapHeads(f32(key), B, S, N, H, f32(khT));
  const vh = swapHeads(f32(value), B, S, N, Hv, f32(vhT));
  const scoresT = empty([BN, T, S]);
  const scores = f32(scoresT);
  headsGemm(BN, false, true, T, S, H, qh, kh, scores);
  if (mask) {
    // The masked places of each [T, S] plane listed once, then visited in every head without a test per score.
    const m = mask.values;
    const plane = T * S;
    for (let mb = 0; mb < mask.batch; mb++) {
      let count = 0;
      for (let i = 0; i < plane; i++) if (m[mb * plane + i] === 0) count++;
      if (count === 0) continue;
      const masked = new Int32Array(count);
      for (let i = 0, j = 0; i < plane; i++) if (m[mb * plane + i] === 0) masked[j++] = i;
      for (let b = mask.batch === 1 ? 0 : mb; b < (mask.batch === 1 ? B : mb + 1); b++) {
        for (let n = 0; n < N; n++) {
          const base = (b * N + n) * plane;
          for (let j = 0; j < count; j++) scores[base + masked[j]] += MASKED_SCORE;
        }
      }
    }
  }
  const probsT = empty([BN, T, S]);
  const pv = f32(probsT);
  native.softmax(scores, BN * T, S, pv, false);
  let dropMaskT: Tensor | null = null;
  let usedT = probsT;
  if (options.dropout && options.dropout.rate > 0) {
    // The same stream as dropoutWithKeys over [B, N, T, S], so the fused and composed forms drop the same entries.
    dropMaskT = empty([BN, T, S]);
    const dm = f32(dropMaskT);
    native.dropoutMask(dm, dm.length, 1 - options.dropout.rate, options.dropout.keys[0], options.dropout.keys[1]);
    usedT = scoresT; // the raw scores are not needed again
    for (let i = 0; i < pv.length; i++) scores[i] = pv[i] * dm[i];
  }
  const ohT = empty([BN, T, Hv]);
  headsGemm(BN, false, false, T, Hv, S, f32(usedT), vh, f32(ohT));
  const oh = f32(ohT);
  const out = empty([B, T, N, Hv]);
  swapHeads(oh, B, N, T, Hv, f32(out));
  return record(out, op, [query, key, value], (dy, needs) => {
    const [qh, kh, vh, pv, used] = [qhT, khT, vhT, probsT, usedT].map(f32);
    const scratch = (shape: number[]) => f32(empty(shape));
    const doh = swapHeads(f32(dy), B, T, N, Hv, scratch([BN, T, Hv]));
    let dq: Tensor | null = null;
    let dk: Tensor | null = null;
    let dv: Tensor | null = null;
    if (needs[2]) {
      const dvh = scratch([BN, S, Hv]);
      headsGemm(BN, true, false, S, Hv, T, used, doh, dvh);
      dv = empty(value.shape.slice());
      swapHeads(dvh, B, N, S, Hv, f32(dv));
    }
    if (needs[0] || needs[1]) {
      const dp = scratch([BN, T, S]);
      headsGemm(BN, false, true, T, S, Hv, doh, vh, dp);
      if (dropMaskT) {
        const dm = f32(dropMaskT);
        for (let i = 0; i < dp.length; i++) dp[i] *= dm[i];
      }
      // d scores; masked entries have probability 0 and so gradient 0, as through Keras's additive mask.
      const ds = scratch([BN, T, S]);
      native.softmaxGrad(pv, dp, BN * T, S, ds, false);
      if (needs[0]) {
        const dqh = scratch([BN, T, H]);
        headsGemm(BN, false, false, T, H, S, ds, kh, dqh);
        for (let i = 0; i < dqh.length; i++) dqh[i] *= scale;
        dq = empty(query.shape.slice());
        swapHeads(dqh, B, N, T, H, f32(dq));
      }
      if (needs[1]) {
        const dkh = scratch([BN, S, H]);
        headsGemm(BN, true, false, S, H, T, ds, qh, dkh);
        dk = empty(key.shape.slice());
        swapHeads(dkh, B, N, S, H, f32(dk));
      }
    }
    return [dq, dk, dv];
  });
}

/** x * mask with mask 0 at a fraction `rate` of places and 1 / (1 - rate) elsewhere, drawn from the keyed stream. */
export function dropoutWithKeys(x: Tensor, rate: number, keys: [number, number]): Tensor {
  if (rate <= 0) return x;
  const mask = empty(x.shape.slice());
  native.dropoutMask(f32(mask), mask.size, 1 - rate, keys[0], keys[1]);
  return mul(x, mask);
}

/** A combined mask as the additive score bias Keras uses: MASKED_SCORE where masked, 0 elsewhere, [maskBatch, 1, T, S]. */
export function maskBias(mask: { values: Uint8Array; batch: number }, queries: number, keys: number): Tensor {
  const bias = empty([mask.batch, 1, queries, keys]);
  const bv = f32(bias);
  const m = mask.values;
  for (let i = 0; i < m.length; i++) bv[i] = m[i] === 0 ? MASKED_SCORE : 0;
  return bias;
}

/**
 * The same attention as dotProductAttention, composed from transpose, matMul, softmax and elementwise ops, which
 * also returns the probabilities [B, N, T, S] (before dropout, as Keras's MultiHeadAttention returns them) and lets
 * gradients flow through them. MultiHeadAttention uses it when the scores are asked for; the benchmark compares it.
 */
export function composedDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: DotProductAttentionOptions, op = 'dotProductAttention'): { output: Tensor; probs: Tensor } {
  const [B, T, S] = checkQKV(query, key, value, op);
  const mask = attentionMaskOf(options.mask, options.causal ?? false, B, T, S, op);
  const heads = (t: Tensor) => transpose(t, [0, 2, 1, 3]);
  let scores = matMul(heads(mul(query, options.scale)), heads(key), false, true);
  if (mask) scores = add(scores, maskBias(mask, T, S));
  const probs = softmax(scores, -1);
  const used = options.dropout ? dropoutWithKeys(probs, options.dropout.rate, options.dropout.keys) : probs;
  return { output: heads(matMul(used, heads(value))), probs };
}
