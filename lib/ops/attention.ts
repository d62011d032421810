// Scaled dot-product attention over heads laid out as the projections produce them ([batch, time, heads, depth]),
// composed from the generic ops (transpose, batched matMul, softmax, elementwise), each with its own backward.
// A fused op with one backward (head-major batched GEMMs, mask and dropout in place) was built and measured no
// faster on a transformer block's shape (benchmarks/RESULTS.md, "Attention"): the time goes to the softmax kernel
// and the GEMMs, which both forms share, so the composed form is what runs.
import { native } from '../native.js';
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
 * softmax(scale * Q K^T + mask) V per batch item and head, with optional dropout on the probabilities:
 * query [B, T, N, H], key [B, S, N, H], value [B, S, N, Hv] -> output [B, T, N, Hv], and the probabilities
 * [B, N, T, S] (before dropout, as Keras's MultiHeadAttention returns them). Differentiable through both.
 */
export function dotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: DotProductAttentionOptions, op = 'dotProductAttention'): { output: Tensor; probs: Tensor } {
  const [B, T, S] = checkQKV(query, key, value, op);
  const mask = attentionMaskOf(options.mask, options.causal ?? false, B, T, S, op);
  const heads = (t: Tensor) => transpose(t, [0, 2, 1, 3]);
  let scores = matMul(heads(mul(query, options.scale)), heads(key), false, true);
  if (mask) scores = add(scores, maskBias(mask, T, S));
  const probs = softmax(scores, -1);
  const used = options.dropout ? dropoutWithKeys(probs, options.dropout.rate, options.dropout.keys) : probs;
  return { output: heads(matMul(used, heads(value))), probs };
}
