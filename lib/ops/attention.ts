// Scaled dot-product attention as one op: softmax(scale * Q K^T + mask) V over heads laid out as the projections
// produce them ([batch, time, heads, depth]), with its own backward. The per-head products read Q, K, V and write
// the output in place through the GEMM's leading dimensions and batch strides, so the four head transposes of the
// composed form (and their gradients) never happen; benchmarks/attention.ts measures the difference.
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

/**
 * One product per head of one batch item: heads are a stride apart in A, B and C. Where C's heads interleave (a
 * [time, heads, depth] output) the GEMM's batch cannot cover them (its batch items own whole matrices), so each head
 * is its own call; otherwise one batched call.
 */
function perHead(
  heads: number, ta: boolean, tb: boolean, m: number, n: number, k: number,
  a: Float32Array, aOff: number, lda: number, strideA: number,
  b: Float32Array, bOff: number, ldb: number, strideB: number,
  c: Float32Array, cOff: number, ldc: number, strideC: number,
): void {
  if (strideC >= m * ldc) {
    native.gemm(ta, tb, heads, m, n, k, a, aOff, lda, strideA, b, bOff, ldb, strideB, 0, c, cOff, ldc, strideC, null, UnaryOp.linear, 0);
    return;
  }
  for (let h = 0; h < heads; h++) {
    native.gemm(ta, tb, 1, m, n, k, a, aOff + h * strideA, lda, 0, b, bOff + h * strideB, ldb, 0, 0, c, cOff + h * strideC, ldc, 0, null, UnaryOp.linear, 0);
  }
}

/**
 * softmax(scale * Q K^T + mask) V per batch item and head, with optional dropout on the probabilities:
 * query [B, T, N, H], key [B, S, N, H], value [B, S, N, Hv] -> [B, T, N, Hv]. Differentiable in query, key and value.
 */
export function dotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: DotProductAttentionOptions, op = 'dotProductAttention'): Tensor {
  const [B, T, S, N, H, Hv] = checkQKV(query, key, value, op);
  const scale = options.scale;
  const mask = attentionMaskOf(options.mask, options.causal ?? false, B, T, S, op);
  // Q scaled once (B T N H values) rather than the scores (B N T S): also what dK needs.
  const qs = empty(query.shape.slice());
  const qv = f32(query);
  const qsv = f32(qs);
  for (let i = 0; i < qv.length; i++) qsv[i] = qv[i] * scale;
  const scores = new Float32Array(B * N * T * S);
  const per = N * T * S;
  // scores[b, n] = Qs[b, :, n, :] K[b, :, n, :]^T: heads are the GEMM batch (stride H), rows step by N*H.
  for (let b = 0; b < B; b++) {
    perHead(N, false, true, T, S, H, qsv, b * T * N * H, N * H, H, f32(key), b * S * N * H, N * H, H, scores, b * per, S, T * S);
  }
  if (mask) {
    const m = mask.values;
    const plane = T * S;
    for (let b = 0; b < B; b++) {
      const mo = mask.batch === 1 ? 0 : b * plane;
      for (let n = 0; n < N; n++) {
        const base = (b * N + n) * plane;
        for (let i = 0; i < plane; i++) if (m[mo + i] === 0) scores[base + i] += MASKED_SCORE;
      }
    }
  }
  const pv = new Float32Array(scores.length);
  native.softmax(scores, B * N * T, S, pv, false);
  let dropMask: Float32Array | null = null;
  let used = pv;
  if (options.dropout && options.dropout.rate > 0) {
    // The same stream as dropoutWithKeys, so the fused and composed forms drop the same probabilities.
    dropMask = new Float32Array(pv.length);
    native.dropoutMask(dropMask, dropMask.length, 1 - options.dropout.rate, options.dropout.keys[0], options.dropout.keys[1]);
    used = new Float32Array(pv.length);
    for (let i = 0; i < pv.length; i++) used[i] = pv[i] * dropMask[i];
  }
  const out = empty([B, T, N, Hv]);
  const ov = f32(out);
  const vv = f32(value);
  for (let b = 0; b < B; b++) {
    perHead(N, false, false, T, Hv, S, used, b * per, S, T * S, vv, b * S * N * Hv, N * Hv, Hv, ov, b * T * N * Hv, N * Hv, Hv);
  }
  return record(out, op, [query, key, value], (dy, needs) => {
    const dov = f32(dy);
    let dq: Tensor | null = null;
    let dk: Tensor | null = null;
    let dv: Tensor | null = null;
    if (needs[2]) {
      // dV[b, :, n, :] = P'^T dO: the kept (dropped-out) probabilities transposed in place.
      dv = empty(value.shape.slice());
      for (let b = 0; b < B; b++) {
        perHead(N, true, false, S, Hv, T, used, b * per, S, T * S, dov, b * T * N * Hv, N * Hv, Hv, f32(dv), b * S * N * Hv, N * Hv, Hv);
      }
    }
    if (needs[0] || needs[1]) {
      const dp = new Float32Array(pv.length);
      for (let b = 0; b < B; b++) {
        perHead(N, false, true, T, S, Hv, dov, b * T * N * Hv, N * Hv, Hv, vv, b * S * N * Hv, N * Hv, Hv, dp, b * per, S, T * S);
      }
      if (dropMask) for (let i = 0; i < dp.length; i++) dp[i] *= dropMask[i];
      // d scores; masked entries have probability 0 and so gradient 0, as through Keras's additive mask.
      const ds = new Float32Array(pv.length);
      native.softmaxGrad(pv, dp, B * N * T, S, ds, false);
      if (needs[0]) {
        dq = empty(query.shape.slice());
        const dqv = f32(dq);
        for (let b = 0; b < B; b++) {
          perHead(N, false, false, T, H, S, ds, b * per, S, T * S, f32(key), b * S * N * H, N * H, H, dqv, b * T * N * H, N * H, H);
        }
        for (let i = 0; i < dqv.length; i++) dqv[i] *= scale;
      }
      if (needs[1]) {
        dk = empty(key.shape.slice());
        for (let b = 0; b < B; b++) {
          perHead(N, true, false, S, H, T, ds, b * per, S, T * S, qsv, b * T * N * H, N * H, H, f32(dk), b * S * N * H, N * H, H);
        }
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
