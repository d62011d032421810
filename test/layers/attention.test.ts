// Attention, AdditiveAttention, MultiHeadAttention and Dot: values against float64 loops written here from Keras's
// definitions, gradients by finite differences, Keras's weight names and shapes, save/load, and bad calls.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { AdditiveAttention, Attention, Dot, MultiHeadAttention } from '../../lib/layers/index.js';
import { assignWeightsByName, modelFromKeras } from '../../lib/io/keras-config.js';
import { writeKerasArchive, writeKerasWeights } from '../../lib/io/keras.js';
import { dotProductAttention } from '../../lib/ops/attention.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';

type Arr = Float64Array;
const vals = (t: tn.Tensor): Arr => Float64Array.from(t.data() as Float32Array);

function expectClose(got: tn.Tensor, want: ArrayLike<number>, shape: number[], rtol = 1e-4, atol = 1e-5): void {
  expect(got.shape).toEqual(shape);
  const g = got.data() as Float32Array;
  expect(g.length).toBe(want.length);
  for (let i = 0; i < g.length; i++) {
    if (Math.abs(g[i] - want[i]) > atol + rtol * Math.abs(want[i])) {
      throw new Error(`element ${i}: got ${g[i]}, want ${want[i]}`);
    }
  }
}

/** A 0/1 float mask from a predicate over its flat index. */
function maskTensor(shape: number[], keep: (i: number) => boolean): tn.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tn.tensor(Float32Array.from({ length: n }, (_, i) => (keep(i) ? 1 : 0)), shape);
}

/** Softmax of one row in float64 with Keras's additive -1e9 on masked entries. */
function softmaxRow(scores: number[], keep: boolean[]): number[] {
  // -1e9 in float32 arithmetic as Keras adds it: a fully masked row comes out uniform.
  const s = scores.map((x, i) => (keep[i] ? x : Math.fround(Math.fround(x) - 1e9)));
  const m = Math.max(...s);
  const e = s.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

interface AttnRef {
  mode: 'dot' | 'concat' | 'additive';
  scale: number[] | null;
  concatWeight?: number;
  causal?: boolean;
  queryMask?: Arr | null;
  valueMask?: Arr | null;
}

/** Keras's Attention / AdditiveAttention on [B, Tq, d], [B, Tv, dv], [B, Tv, d] in float64. */
function attentionReference(q: Arr, v: Arr, k: Arr, B: number, Tq: number, Tv: number, d: number, dv: number, o: AttnRef) {
  const out = new Float64Array(B * Tq * dv);
  const weights = new Float64Array(B * Tq * Tv);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tq; t++) {
      const scores: number[] = [];
      const keep: boolean[] = [];
      for (let s = 0; s < Tv; s++) {
        let sc = 0;
        for (let c = 0; c < d; c++) {
          const qc = q[(b * Tq + t) * d + c];
          const kc = k[(b * Tv + s) * d + c];
          if (o.mode === 'dot') sc += qc * kc;
          else if (o.mode === 'concat') sc += Math.tanh((o.scale ? o.scale[0] : 1) * (qc + kc));
          else sc += (o.scale ? o.scale[c] : 1) * Math.tanh(qc + kc);
        }
        if (o.mode === 'dot' && o.scale) sc *= o.scale[0];
        if (o.mode === 'concat') sc *= o.concatWeight ?? 1;
        scores.push(sc);
        keep.push((!o.valueMask || o.valueMask[b * Tv + s] !== 0) && (!o.causal || s <= t));
      }
      const p = softmaxRow(scores, keep);
      const qm = o.queryMask ? o.queryMask[b * Tq + t] : 1;
      for (let s = 0; s < Tv; s++) {
        weights[(b * Tq + t) * Tv + s] = p[s];
        for (let c = 0; c < dv; c++) out[(b * Tq + t) * dv + c] += qm * p[s] * v[(b * Tv + s) * dv + c];
      }
    }
  }
  return { out, weights };
}

interface MhaRef {
  numHeads: number;
  keyDim: number;
  valueDim: number;
  outDims: number;
  /** Attend predicate (b, t, s) over the flattened query and key axes. */
  attend?: (b: number, t: number, s: number) => boolean;
}

/** Keras's MultiHeadAttention (rank-3 inputs or flattened attention axes) in float64, from the layer's weights. */
function mhaReference(layer: MultiHeadAttention, q: Arr, v: Arr, k: Arr, B: number, T: number, S: number, o: MhaRef) {
  const w = layer.getWeights().map(vals);
  const [wq, bq, wk, bk, wv, bv, wo, bo] = layer.useBias ? w : [w[0], null, w[1], null, w[2], null, w[3], null];
  const dq = layer.queryKernel!.shape[0];
  const dk = layer.keyKernel!.shape[0];
  const dvIn = layer.valueKernel!.shape[0];
  const { numHeads: N, keyDim: H, valueDim: Hv, outDims: O } = o;
  // x [rows, din] @ kernel [din, cols] (+ bias): every EinsumDense here, its kernel's output axes flattened.
  const proj = (x: Arr, rows: number, din: number, kern: Arr, bias: Arr | null, cols: number) => {
    const y = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        let acc = bias ? bias[j] : 0;
        for (let c = 0; c < din; c++) acc += x[r * din + c] * kern[c * cols + j];
        y[r * cols + j] = acc;
      }
    }
    return y;
  };
  const Q = proj(q, B * T, dq, wq, bq, N * H);
  const K = proj(k, B * S, dk, wk, bk, N * H);
  const V = proj(v, B * S, dvIn, wv, bv, N * Hv);
  const probs = new Float64Array(B * N * T * S);
  const heads = new Float64Array(B * T * N * Hv);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < T; t++) {
        const scores: number[] = [];
        const keep: boolean[] = [];
        for (let s = 0; s < S; s++) {
          let acc = 0;
          for (let h = 0; h < H; h++) acc += (Q[((b * T + t) * N + n) * H + h] / Math.sqrt(H)) * K[((b * S + s) * N + n) * H + h];
          scores.push(acc);
          keep.push(o.attend ? o.attend(b, t, s) : true);
        }
        const p = softmaxRow(scores, keep);
        for (let s = 0; s < S; s++) {
          probs[((b * N + n) * T + t) * S + s] = p[s];
          for (let h = 0; h < Hv; h++) heads[((b * T + t) * N + n) * Hv + h] += p[s] * V[((b * S + s) * N + n) * Hv + h];
        }
      }
    }
  }
  const out = proj(heads, B * T, N * Hv, wo, bo, O);
  return { out, probs, heads };
}

describe('Attention', () => {
  const [B, Tq, Tv, d] = [2, 3, 4, 5];
  const q = randomTensor([B, Tq, d], 1, -1, 1);
  const v = randomTensor([B, Tv, d], 2, -1, 1);
  const k = randomTensor([B, Tv, d], 3, -1, 1);

  it('matches the float64 reference for dot scores, with and without key and scale', () => {
    for (const [useScale, withKey] of [[false, false], [true, true], [false, true]] as const) {
      const layer = new Attention({ useScale });
      const y = layer.apply(withKey ? [q, v, k] : [q, v]) as tn.Tensor;
      if (useScale) layer.setWeights([tn.tensor(1.7)]);
      const y2 = layer.apply(withKey ? [q, v, k] : [q, v]) as tn.Tensor;
      const ref = attentionReference(vals(q), vals(v), vals(withKey ? k : v), B, Tq, Tv, d, d, { mode: 'dot', scale: useScale ? [1.7] : null });
      expectClose(y2, ref.out, [B, Tq, d]);
      expect(y.shape).toEqual([B, Tq, d]);
    }
  });

  it('matches the reference for concat scores, masks, the causal mask and returnAttentionScores', () => {
    const layer = new Attention({ scoreMode: 'concat', useScale: true });
    layer.apply([q, v, k]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([[`${layer.name}/scale`, []], [`${layer.name}/concat_score_weight`, []]]);
    layer.setWeights([tn.tensor(0.6), tn.tensor(1.3)]);
    const queryMask = maskTensor([B, Tq], (i) => i % 3 !== 1);
    const valueMask = maskTensor([B, Tv], (i) => i % 4 !== 2);
    const [y, w] = layer.apply([q, v, k], { mask: [queryMask, valueMask], useCausalMask: true, returnAttentionScores: true } as never) as unknown as tn.Tensor[];
    const ref = attentionReference(vals(q), vals(v), vals(k), B, Tq, Tv, d, d, { mode: 'concat', scale: [0.6], concatWeight: 1.3, causal: true, queryMask: vals(queryMask), valueMask: vals(valueMask) });
    expectClose(y, ref.out, [B, Tq, d]);
    expectClose(w, ref.weights, [B, Tq, Tv]);
    // A null entry leaves that side unmasked.
    const y3 = layer.apply([q, v, k], { mask: [null, valueMask] } as never) as tn.Tensor;
    expectClose(y3, attentionReference(vals(q), vals(v), vals(k), B, Tq, Tv, d, d, { mode: 'concat', scale: [0.6], concatWeight: 1.3, valueMask: vals(valueMask) }).out, [B, Tq, d]);
  });

  it('has finite-difference gradients for the inputs and weights', () => {
    const layer = new Attention({ useScale: true, scoreMode: 'concat' });
    const valueMask = maskTensor([B, Tv], (i) => i !== 1);
    const f = (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => layer.apply([a, b, c], { mask: [null, valueMask], useCausalMask: true } as never) as tn.Tensor;
    gradCheck(f, [q, v, k]);
    layer.setWeights([tn.tensor(0.8), tn.tensor(1.2)]);
    variableGradCheck(() => f(q, v, k), layer.trainableWeights);
    const dot = new Attention({ useScale: true });
    gradCheck((a, b) => dot.apply([a, b]) as tn.Tensor, [q, v]);
    variableGradCheck(() => dot.apply([q, v]) as tn.Tensor, dot.trainableWeights);
  });

  it('drops attention probabilities in training only, scaled by 1 / (1 - rate), repeatably with a seed', () => {
    const a = new Attention({ dropout: 0.5, seed: 3 });
    const b = new Attention({ dropout: 0.5, seed: 3 });
    const plain = new Attention();
    const [, w0] = plain.apply([q, v], { returnAttentionScores: true } as never) as unknown as tn.Tensor[];
    const [, w1] = a.apply([q, v], { returnAttentionScores: true, training: true } as never) as unknown as tn.Tensor[];
    const [, w2] = b.apply([q, v], { returnAttentionScores: true, training: true } as never) as unknown as tn.Tensor[];
    expect(Array.from(w1.data())).toEqual(Array.from(w2.data()));
    const p = w0.data() as Float32Array;
    const dropped = (w1.data() as Float32Array).map((x, i) => (x === 0 ? 1 : (expect(x).toBeCloseTo(p[i] * 2, 5), 0)));
    const n = dropped.reduce((s, x) => s + x, 0);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(p.length);
    expect(Array.from((a.apply([q, v]) as tn.Tensor).data())).toEqual(Array.from((plain.apply([q, v]) as tn.Tensor).data()));
  });

  it('rejects bad arguments and shapes with clear errors', () => {
    expect(() => new Attention({ scoreMode: 'sum' as never })).toThrow("Attention: invalid value for argument `scoreMode`, expected one of 'dot', 'concat'. Received: scoreMode=\"sum\"");
    expect(() => new Attention({ dropout: 1 })).toThrow('Attention: received an invalid value for `dropout`, expected a number in [0, 1). Received: dropout=1');
    expect(() => new Attention({ name: 'att' }).apply(q)).toThrow('Layer "att" (Attention) must be called on a list of inputs, namely [query, value] or [query, value, key]. Received: one tensor of shape (2, 3, 5)');
    // Once built, too.
    const built = new Attention({ name: 'built' });
    built.apply([q, q]);
    expect(() => built.apply(q)).toThrow('Layer "built" (Attention) must be called on a list of inputs, namely [query, value] or [query, value, key]. Received: one tensor of shape (2, 3, 5)');
    // Value's depth may differ from the query's when a key of the query's depth is given.
    expect((new Attention({ name: 'att2' }).apply([q, randomTensor([B, Tv, 3], 1), k]) as tn.Tensor).shape).toEqual([B, Tq, 3]);
    expect(() => new Attention({ name: 'att3' }).apply([q, v, randomTensor([B, Tv, 4], 1)])).toThrow('Layer "att3" (Attention) needs query and key with the same last axis, value and key with the same length, and one batch size. Received shapes (query, value, key): (2, 3, 5), (2, 4, 5), (2, 4, 4)');
    expect(() => new Attention({ name: 'att4' }).apply([q, v], { mask: [null, maskTensor([B, 3], () => true)] } as never)).toThrow('Layer "att4" (Attention): `mask[1] (value mask)` must have shape [2,4], received shape [2,3]');
    expect(() => new Attention({ name: 'att5' }).apply([tn.zeros([2, 5]), tn.zeros([2, 5])])).toThrow('Layer "att5" (Attention) expects query, value and key of rank 3 ([batch, time, dim]). Received shapes: (2, 5), (2, 5)');
  });
});

describe('AdditiveAttention', () => {
  const [B, Tq, Tv, d] = [2, 3, 4, 5];
  const q = randomTensor([B, Tq, d], 11, -1, 1);
  const v = randomTensor([B, Tv, d], 12, -1, 1);

  it('has Keras\'s scale weight and matches the float64 reference', () => {
    const layer = new AdditiveAttention({ name: 'add_att' });
    layer.apply([q, v]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([['add_att/scale', [d]]]);
    const scale = [0.5, -0.3, 1.2, 0.9, -1.1];
    layer.setWeights([tn.tensor(scale)]);
    const valueMask = maskTensor([B, Tv], (i) => i % 4 !== 0);
    const [y, w] = layer.apply([q, v], { mask: [null, valueMask], returnAttentionScores: true } as never) as unknown as tn.Tensor[];
    const ref = attentionReference(vals(q), vals(v), vals(v), B, Tq, Tv, d, d, { mode: 'additive', scale, valueMask: vals(valueMask) });
    expectClose(y, ref.out, [B, Tq, d]);
    expectClose(w, ref.weights, [B, Tq, Tv]);
    const noScale = new AdditiveAttention({ useScale: false });
    expectClose(noScale.apply([q, v]) as tn.Tensor, attentionReference(vals(q), vals(v), vals(v), B, Tq, Tv, d, d, { mode: 'additive', scale: null }).out, [B, Tq, d]);
    expect(noScale.weights).toEqual([]);
    expect(() => new AdditiveAttention({ scoreMode: 'dot' } as never)).toThrow('AdditiveAttention: has no `scoreMode` argument');
  });

  it('has finite-difference gradients for the inputs and the scale', () => {
    const layer = new AdditiveAttention();
    const f = (a: tn.Tensor, b: tn.Tensor) => layer.apply([a, b], { useCausalMask: true } as never) as tn.Tensor;
    gradCheck(f, [q, v]);
    variableGradCheck(() => f(q, v), layer.trainableWeights);
  });
});

describe('MultiHeadAttention', () => {
  it('has Keras\'s weight names, shapes and order', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 4, outputShape: [5, 2], name: 'mha' });
    layer.apply([tn.zeros([1, 4, 6]), tn.zeros([1, 5, 7]), tn.zeros([1, 5, 8])]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([
      ['mha/query/kernel', [6, 2, 3]], ['mha/query/bias', [2, 3]],
      ['mha/key/kernel', [8, 2, 3]], ['mha/key/bias', [2, 3]],
      ['mha/value/kernel', [7, 2, 4]], ['mha/value/bias', [2, 4]],
      ['mha/attention_output/kernel', [2, 4, 5, 2]], ['mha/attention_output/bias', [5, 2]],
    ]);
    const noBias = new MultiHeadAttention({ numHeads: 2, keyDim: 3, useBias: false, name: 'mha_nb' });
    noBias.apply([tn.zeros([1, 4, 6]), tn.zeros([1, 5, 6])]);
    expect(noBias.weights.map((w) => [w.name, w.shape])).toEqual([
      ['mha_nb/query/kernel', [6, 2, 3]], ['mha_nb/key/kernel', [6, 2, 3]], ['mha_nb/value/kernel', [6, 2, 3]], ['mha_nb/attention_output/kernel', [2, 3, 6]],
    ]);
    expect(noBias.countParams()).toBe(4 * 36);
  });

  const [B, T, S, D] = [2, 3, 4, 6];
  const query = randomTensor([B, T, D], 21, -1, 1);
  const value = randomTensor([B, S, 5], 22, -1, 1);
  const key = randomTensor([B, S, 7], 23, -1, 1);

  function randomize(layer: MultiHeadAttention, seed: number): void {
    layer.setWeights(layer.weights.map((w, i) => randomTensor(w.shape.slice(), seed + i, -0.6, 0.6)));
  }

  it('matches the float64 reference with valueDim != keyDim, outputShape, a key and every mask', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 4, outputShape: 8 });
    layer.apply([query, value, key]);
    randomize(layer, 100);
    const attentionMask = maskTensor([B, T, S], (i) => i % 5 !== 3);
    const queryMask = maskTensor([B, T], (i) => i !== 4);
    const valueMask = maskTensor([B, S], (i) => i !== 1);
    const keyMask = maskTensor([B, S], (i) => i !== 6);
    const am = vals(attentionMask);
    const attend = (b: number, t: number, s: number) => am[(b * T + t) * S + s] !== 0 && b * T + t !== 4 && b * S + s !== 1 && b * S + s !== 6 && s <= t;
    const args = { attentionMask, queryMask, valueMask, keyMask, useCausalMask: true };
    const y = layer.apply([query, value, key], args as never) as tn.Tensor;
    const [y2, scores] = layer.apply([query, value, key], { ...args, returnAttentionScores: true } as never) as unknown as tn.Tensor[];
    const ref = mhaReference(layer, vals(query), vals(value), vals(key), B, T, S, { numHeads: 2, keyDim: 3, valueDim: 4, outDims: 8, attend });
    expectClose(y, ref.out, [B, T, 8]);
    expectClose(y2, ref.out, [B, T, 8]);
    expectClose(scores, ref.probs, [B, 2, T, S]);
    // The same masks as Keras's propagated list [queryMask, valueMask, keyMask].
    const y3 = layer.apply([query, value, key], { attentionMask, mask: [queryMask, valueMask, keyMask], useCausalMask: true } as never) as tn.Tensor;
    expectClose(y3, ref.out, [B, T, 8]);
  });

  it('defaults value to key, the output to the query\'s last axis, and attends over several axes jointly', () => {
    const layer = new MultiHeadAttention({ numHeads: 3, keyDim: 2 });
    const x = randomTensor([2, 2, 3, 4], 31, -1, 1);
    const kv = randomTensor([2, 2, 2, 4], 32, -1, 1);
    layer.apply([x, kv]);
    randomize(layer, 200);
    const mask = maskTensor([2, 2, 3, 2, 2], (i) => i % 7 !== 2);
    const [y, scores] = layer.apply([x, kv], { attentionMask: mask, returnAttentionScores: true } as never) as unknown as tn.Tensor[];
    const mv = vals(mask);
    const ref = mhaReference(layer, vals(x), vals(kv), vals(kv), 2, 6, 4, { numHeads: 3, keyDim: 2, valueDim: 2, outDims: 4, attend: (b, t, s) => mv[(b * 6 + t) * 4 + s] !== 0 });
    expectClose(y, ref.out, [2, 2, 3, 4]);
    expectClose(scores, ref.probs, [2, 3, 2, 3, 2, 2]);
    expectClose(layer.apply([x, kv], { attentionMask: mask } as never) as tn.Tensor, ref.out, [2, 2, 3, 4]);
    // A mask without the batch axis broadcasts over it.
    const shared = maskTensor([6, 4], (i) => i % 3 !== 0);
    const sv = vals(shared);
    const ref2 = mhaReference(layer, vals(x), vals(kv), vals(kv), 2, 6, 4, { numHeads: 3, keyDim: 2, valueDim: 2, outDims: 4, attend: (_, t, s) => sv[t * 4 + s] !== 0 });
    expectClose(layer.apply([x, kv], { attentionMask: tn.reshape(shared, [2, 3, 2, 2]) } as never) as tn.Tensor, ref2.out, [2, 2, 3, 4]);
  });

  it('the attention op drops the same probabilities for the same keys, scaled by 1 / (1 - rate), and has finite-difference gradients', () => {
    const q = randomTensor([2, 3, 2, 4], 41, -1, 1);
    const k = randomTensor([2, 5, 2, 4], 42, -1, 1);
    const v = randomTensor([2, 5, 2, 3], 43, -1, 1);
    const mask = maskTensor([2, 3, 5], (i) => i % 4 !== 1);
    const plain = dotProductAttention(q, k, v, { scale: 0.5, mask, causal: true });
    const dropped = { scale: 0.5, mask, causal: true, dropout: { rate: 0.4, keys: [5, 9] as [number, number] } };
    const a = dotProductAttention(q, k, v, dropped);
    expect(Array.from(a.output.data())).toEqual(Array.from(dotProductAttention(q, k, v, dropped).output.data()));
    expect(Array.from(a.probs.data())).toEqual(Array.from(plain.probs.data()));
    // With one-hot values (value s = e_s) the output is the dropped-out probabilities themselves, [B, T, N, S].
    const oneHot = tn.tensor(Float32Array.from({ length: 2 * 5 * 2 * 5 }, (_, i) => (Math.floor(i / 10) % 5 === i % 5 ? 1 : 0)), [2, 5, 2, 5]);
    const out = vals(dotProductAttention(q, k, oneHot, dropped).output);
    const p = vals(plain.probs);
    let zeros = 0;
    let kept = 0;
    for (let b = 0; b < 2; b++) for (let t = 0; t < 3; t++) for (let n = 0; n < 2; n++) for (let j = 0; j < 5; j++) {
      const got = out[((b * 3 + t) * 2 + n) * 5 + j];
      const prob = p[((b * 2 + n) * 3 + t) * 5 + j];
      if (got === 0 && prob > 0) zeros++;
      else if (prob > 0) {
        expect(got).toBeCloseTo(prob / 0.6, 6);
        kept++;
      }
    }
    expect(zeros).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(zeros / 2);
    for (const options of [{ scale: 0.5, mask, causal: true }, dropped]) {
      gradCheck((x, y, z) => dotProductAttention(x, y, z, options).output, [q, k, v]);
    }
    gradCheck((x, y, z) => dotProductAttention(x, y, z, { scale: 0.5, mask, causal: false }).probs, [q, k, v]);
  });

  it('has finite-difference gradients for its inputs and every weight', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, outputShape: [2, 3] });
    const f = (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => layer.apply([a, b, c], { useCausalMask: true } as never) as tn.Tensor;
    // Fixed weights: with the initializers' clock-seeded draws, the key bias (whose gradient is exactly zero, as
    // softmax ignores a shift shared by all keys) now and then had a finite difference just past the noise bound.
    f(query, value, key);
    randomize(layer, 300);
    gradCheck(f, [query, value, key]);
    variableGradCheck(() => f(query, value, key), layer.trainableWeights);
    // Through the returned scores too.
    const g = (a: tn.Tensor) => (layer.apply([a, value, key], { returnAttentionScores: true } as never) as unknown as tn.Tensor[])[1];
    gradCheck(g, [query]);
  });

  it('drops probabilities in training only (seeded), and not at inference', () => {
    const a = new MultiHeadAttention({ numHeads: 2, keyDim: 3, dropout: 0.5, seed: 1 });
    const b = new MultiHeadAttention({ numHeads: 2, keyDim: 3, seed: 1 });
    a.apply([query, query]);
    b.apply([query, query]);
    b.setWeights(a.getWeights());
    const infer = a.apply([query, query]) as tn.Tensor;
    expect(Array.from(infer.data())).toEqual(Array.from((b.apply([query, query]) as tn.Tensor).data()));
    const trained = a.apply([query, query], { training: true }) as tn.Tensor;
    expect(Array.from(trained.data())).not.toEqual(Array.from(infer.data()));
  });

  it('works in a functional model: a transformer block trains, its loss falls, and it saves and loads', async () => {
    tn.clearSession();
    const x = tn.input({ shape: [6, 8] });
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 0.1, seed: 5 });
    const attended = mha.apply([x, x], { useCausalMask: true } as never) as tn.SymbolicTensor;
    expect(attended.shape).toEqual([null, 6, 8]);
    const h = new tn.layers.LayerNormalization().apply(new tn.layers.Add().apply([x, attended]));
    const ff = new tn.layers.Dense(8).apply(new tn.layers.Dense(16, { activation: 'relu' }).apply(h));
    const out = new tn.layers.Dense(1).apply(new tn.layers.GlobalAveragePooling1D().apply(new tn.layers.Add().apply([h, ff])));
    const model = new tn.Model({ inputs: x, outputs: out });
    const xs = randomTensor([64, 6, 8], 51, -1, 1);
    // Target: the mean of the first feature over time, something attention can route.
    const xv = xs.data() as Float32Array;
    const ys = tn.tensor(Float32Array.from({ length: 64 }, (_, i) => { let s = 0; for (let t = 0; t < 6; t++) s += xv[(i * 6 + t) * 8]; return s / 6; }), [64, 1]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.01 }), loss: 'mse' });
    const history = await model.fit(xs, ys, { epochs: 15, batchSize: 16, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[14]).toBeLessThan(losses[0] * 0.5);
    const dir = mkdtempSync(join(tmpdir(), 'tn-mha-'));
    try {
      await model.save(dir);
      const loaded = await tn.loadModel(dir);
      expect(Array.from((loaded.predict(xs) as tn.Tensor).data())).toEqual(Array.from((model.predict(xs) as tn.Tensor).data()));
      await model.save(join(dir, 'model.keras'));
      const fromKeras = await tn.loadModel(join(dir, 'model.keras'));
      expect(Array.from((fromKeras.predict(xs) as tn.Tensor).data())).toEqual(Array.from((model.predict(xs) as tn.Tensor).data()));
      const again = fromKeras.layers.find((l) => l instanceof MultiHeadAttention) as MultiHeadAttention;
      expect(again.weights.map((w) => w.shape)).toEqual(mha.weights.map((w) => w.shape));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns [output, scores] symbolically, with the scores\' shape', () => {
    const qIn = tn.input({ shape: [3, 4] });
    const vIn = tn.input({ shape: [5, 2] });
    const [o, s] = new MultiHeadAttention({ numHeads: 2, keyDim: 2, outputShape: 7 }).apply([qIn, vIn], { returnAttentionScores: true } as never) as unknown as tn.SymbolicTensor[];
    expect(o.shape).toEqual([null, 3, 7]);
    expect(s.shape).toEqual([null, 2, 3, 5]);
    const model = new tn.Model({ inputs: [qIn, vIn], outputs: [o, s] });
    const [yo, ys] = model.predict([randomTensor([2, 3, 4], 1), randomTensor([2, 5, 2], 2)]) as tn.Tensor[];
    expect(yo.shape).toEqual([2, 3, 7]);
    expect(ys.shape).toEqual([2, 2, 3, 5]);
  });

  it('rejects bad arguments and shapes with clear errors', () => {
    expect(() => new MultiHeadAttention({ numHeads: 0, keyDim: 2 })).toThrow('MultiHeadAttention: received an invalid value for `numHeads`, expected a positive integer. Received: numHeads=0');
    expect(() => new MultiHeadAttention({ numHeads: 2 } as never)).toThrow('MultiHeadAttention: received an invalid value for `keyDim`, expected a positive integer. Received: keyDim=undefined');
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, outputShape: [0] })).toThrow('`outputShape`, expected a positive integer or a non-empty list of positive integers');
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, dropout: -0.1 })).toThrow('`dropout`, expected a number in [0, 1)');
    const m = new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: 'm' });
    expect(() => m.apply(query)).toThrow('Layer "m" (MultiHeadAttention) must be called on a list [query, value] or [query, value, key] (self-attention: [x, x]). Received: one tensor of shape (2, 3, 6)');
    const built = new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: 'built' });
    built.apply([query, query]);
    expect(() => built.apply(query)).toThrow('Layer "built" (MultiHeadAttention) must be called on a list [query, value] or [query, value, key] (self-attention: [x, x]). Received: one tensor of shape (2, 3, 6)');
    expect(() => m.apply([query, value, randomTensor([B, S + 1, 7], 1)])).toThrow('Layer "m" (MultiHeadAttention): all dimensions of `value` and `key`, except the last one, must be equal');
    m.apply([query, value]);
    expect(() => m.apply([query, randomTensor([B, S, 4], 1)])).toThrow('Layer "m" (MultiHeadAttention) was built for query, value and key with last axes 6, 5, 5, received shapes [2,3,6], [2,4,4], [2,4,4]');
    expect(() => m.apply([query, value], { attentionMask: tn.ones([B, S, T]) } as never)).toThrow('Layer "m" (MultiHeadAttention): `attentionMask` must broadcast to [batch, ...query axes, ...key axes] = [2,3,4], received shape [2,4,3]');
    expect(() => m.apply([query, value], { valueMask: tn.ones([B, T]) } as never)).toThrow('Layer "m" (MultiHeadAttention): `valueMask` must have shape [2,4], received shape [2,3]');
    const axes = new MultiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [2], name: 'axes' });
    expect(() => axes.apply([tn.zeros([1, 2, 3, 4]), tn.zeros([1, 2, 3, 4])])).toThrow('Layer "axes" (MultiHeadAttention): attentionAxes=[2] is not supported for inputs of rank 4');
    new MultiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [-2] }).apply([query, value]);
    const sym = tn.input({ shape: [3, 6] });
    expect(() => new MultiHeadAttention({ numHeads: 1, keyDim: 2, name: 's' }).apply([sym, sym], { attentionMask: sym } as never)).toThrow('Layer "s" (MultiHeadAttention): `attentionMask` is a symbolic tensor, which a functional model cannot record as a call argument yet');
  });
});

describe('Dot', () => {
  /** batch_dot in float64: contract axis a0 of x with a1 of y per batch item. */
  function dotReference(x: tn.Tensor, y: tn.Tensor, a0: number, a1: number, normalize: boolean): number[] {
    const xs = x.shape;
    const ys = y.shape;
    const xv = vals(x);
    const yv = vals(y);
    const strides = (s: number[]) => s.map((_, i) => s.slice(i + 1).reduce((p, d) => p * d, 1));
    const sx = strides(xs);
    const sy = strides(ys);
    const d = xs[a0];
    const restX = xs.map((_, i) => i).filter((i) => i !== 0 && i !== a0);
    const restY = ys.map((_, i) => i).filter((i) => i !== 0 && i !== a1);
    const out: number[] = [];
    const each = (dims: number[], shape: number[], f: (idx: number[]) => void) => {
      const idx = new Array(dims.length).fill(0);
      const total = dims.reduce((p, i) => p * shape[i], 1);
      for (let n = 0; n < total; n++) {
        f(idx.slice());
        for (let j = dims.length - 1; j >= 0; j--) if (++idx[j] < shape[dims[j]]) break; else idx[j] = 0;
      }
    };
    for (let b = 0; b < xs[0]; b++) {
      each(restX, xs, (ix) => {
        each(restY, ys, (iy) => {
          let ox = b * sx[0];
          ix.forEach((v, j) => (ox += v * sx[restX[j]]));
          let oy = b * sy[0];
          iy.forEach((v, j) => (oy += v * sy[restY[j]]));
          let acc = 0;
          let nx = 0;
          let ny = 0;
          for (let c = 0; c < d; c++) {
            const u = xv[ox + c * sx[a0]];
            const w = yv[oy + c * sy[a1]];
            acc += u * w;
            nx += u * u;
            ny += w * w;
          }
          out.push(normalize ? acc / Math.sqrt(Math.max(nx, 1e-12)) / Math.sqrt(Math.max(ny, 1e-12)) : acc);
        });
      });
    }
    return out;
  }

  it('matches batch_dot for several axes, negative axes and normalize', () => {
    const cases: [number[], number[], number | [number, number], [number, number], number[], boolean][] = [
      [[2, 4], [2, 4], 1, [1, 1], [2, 1], false],
      [[2, 3, 4], [2, 5, 4], [2, 2], [2, 2], [2, 3, 5], false],
      [[2, 3, 4], [2, 3, 5], 1, [1, 1], [2, 4, 5], true],
      [[2, 3, 4], [2, 4], [-1, -1], [2, 1], [2, 3], false],
      [[3, 2, 3, 4], [3, 4, 2], [3, 1], [3, 1], [3, 2, 3, 2], true],
    ];
    cases.forEach(([sa, sb, axes, resolved, outShape, normalize], i) => {
      const x = randomTensor(sa, 60 + i, -1, 1);
      const y = randomTensor(sb, 70 + i, -1, 1);
      const layer = new Dot({ axes, normalize });
      expectClose(layer.apply([x, y]) as tn.Tensor, dotReference(x, y, resolved[0], resolved[1], normalize), outShape);
      gradCheck((a, b) => layer.apply([a, b]) as tn.Tensor, [x, y]);
      const sym = layer.apply([tn.input({ shape: sa.slice(1) }), tn.input({ shape: sb.slice(1) })]);
      expect(sym.shape).toEqual([null, ...outShape.slice(1)]);
    });
  });

  it('saves and loads in a functional model, and rejects bad axes and shapes', async () => {
    const a = tn.input({ shape: [3, 4] });
    const b = tn.input({ shape: [5, 4] });
    const model = new tn.Model({ inputs: [a, b], outputs: new Dot({ axes: 2, normalize: true }).apply([a, b]) });
    const xs = [randomTensor([2, 3, 4], 1), randomTensor([2, 5, 4], 2)];
    const dir = mkdtempSync(join(tmpdir(), 'tn-dot-'));
    try {
      await model.save(dir);
      const loaded = await tn.loadModel(dir);
      expect(loaded.layers[2].getConfig()).toMatchObject({ axes: 2, normalize: true });
      expect(Array.from((loaded.predict(xs) as tn.Tensor).data())).toEqual(Array.from((model.predict(xs) as tn.Tensor).data()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => new Dot({ axes: 'x' as never })).toThrow('Dot: invalid type for argument `axes`, expected an integer or a list of 2 integers. Received: axes="x"');
    expect(() => new Dot({ axes: 1, name: 'd' }).apply([tn.zeros([2, 3]), tn.zeros([2, 4])])).toThrow('Layer "d" (Dot): incompatible input shapes: (2, 3) (axis 1) and (2, 4) (axis 1)');
    expect(() => new Dot({ axes: 0, name: 'd0' }).apply([tn.zeros([2, 3]), tn.zeros([2, 3])])).toThrow('Layer "d0" (Dot): axes=0 must name a non-batch axis of each input');
    expect(() => new Dot({ axes: 1, name: 'd3' }).apply([tn.zeros([2, 3]), tn.zeros([2, 3]), tn.zeros([2, 3])])).toThrow('Layer "d3" (Dot) should be called on a list of 2 inputs. Received: 3 inputs');
  });
});

describe('Dot and masks', () => {
  it('gives no mask, as Keras and TF.js: an attention score between masked sequences of different lengths trains (date-conversion-attention)', async () => {
    const inputs = [tn.input({ shape: [3] }), tn.input({ shape: [5] })];
    const [decoder, encoder] = inputs.map((i) => new tn.layers.Embedding(6, 4, { maskZero: true }).apply(i));
    const scores = new Dot({ axes: [2, 2], name: 'scores' }).apply([decoder, encoder]);
    expect(scores.shape).toEqual([null, 3, 5]);
    const context = new Dot({ axes: [2, 1] }).apply([new tn.layers.Activation('softmax').apply(scores), encoder]);
    const out = new tn.layers.Concatenate().apply([context, decoder]);
    const model = new tn.Model({ inputs, outputs: new tn.layers.Dense(2).apply(out) });
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const dec = tn.tensor([[1, 2, 0], [3, 0, 0]], [2, 3]);
    const enc = tn.tensor([[1, 2, 3, 4, 0], [5, 1, 0, 0, 0]], [2, 5]);
    const [loss] = await model.evaluate([dec, enc], tn.zeros([2, 3, 2]), { verbose: 0 });
    expect(Number.isFinite(loss)).toBe(true);
    // Eagerly: the masked inputs' masks do not pass to the score, whose axes are not a shared time axis.
    const d = new tn.layers.Embedding(6, 4, { maskZero: true }).apply(dec);
    const e = new tn.layers.Embedding(6, 4, { maskZero: true }).apply(enc);
    expect(new Dot({ axes: [2, 2] }).apply([d, e]).kerasMask).toBeNull();
  });
});

describe('attention layers save and load', () => {
  it('round-trips Attention and AdditiveAttention configs and weights through the TF.js and .keras formats', async () => {
    const q = tn.input({ shape: [3, 4] });
    const v = tn.input({ shape: [5, 4] });
    const att = new Attention({ useScale: true, scoreMode: 'concat', dropout: 0.2 }).apply([q, v]) as tn.SymbolicTensor;
    const add = new AdditiveAttention({ dropout: 0.1 }).apply([q, v, v]) as tn.SymbolicTensor;
    const model = new tn.Model({ inputs: [q, v], outputs: new tn.layers.Concatenate().apply([att, add]) });
    model.layers.forEach((l) => l.weights.length && l.setWeights(l.weights.map((w, i) => randomTensor(w.shape.slice(), 80 + i, 0.2, 1.5))));
    const xs = [randomTensor([2, 3, 4], 3), randomTensor([2, 5, 4], 4)];
    const want = Array.from((model.predict(xs) as tn.Tensor).data());
    const dir = mkdtempSync(join(tmpdir(), 'tn-att-'));
    try {
      for (const target of [join(dir, 'tfjs'), join(dir, 'model.keras')]) {
        await model.save(target);
        const loaded = await tn.loadModel(target);
        expect(Array.from((loaded.predict(xs) as tn.Tensor).data())).toEqual(want);
        const [a, b] = loaded.layers.filter((l) => l instanceof Attention) as Attention[];
        expect([a.useScale, a.scoreMode, a.dropout, b.className, b.useScale, b.dropout]).toEqual([true, 'concat', 0.2, 'AdditiveAttention', true, 0.1]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a Keras 3 .keras file with MultiHeadAttention', () => {
  // The config as Keras 3 writes it for x = Input((4, 6)); MultiHeadAttention(2, 3)(x, x, use_causal_mask=True)
  // (and, second, for the keyword form mha(query=x, value=x)); the weights under the EinsumDense sublayers' paths.
  const keras = (module: string, className: string, config: Record<string, unknown>) => ({ module, class_name: className, config, registered_name: null });
  const ref = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4, 6], dtype: 'float32', keras_history: [name, 0, 0] } });
  function archive(node: Record<string, unknown>): Record<string, unknown> {
    return {
      module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
      config: {
        name: 'functional', trainable: true,
        layers: [
          { ...keras('keras.layers', 'InputLayer', { batch_shape: [null, 4, 6], dtype: 'float32', sparse: false, name: 'input_layer' }), name: 'input_layer', inbound_nodes: [] },
          {
            ...keras('keras.layers', 'MultiHeadAttention', {
              name: 'multi_head_attention', trainable: true, dtype: keras('keras', 'DTypePolicy', { name: 'float32' }),
              num_heads: 2, key_dim: 3, value_dim: 3, dropout: 0.0, use_bias: true, output_shape: null, attention_axes: [1],
              kernel_initializer: keras('keras.initializers', 'GlorotUniform', { seed: null }), bias_initializer: keras('keras.initializers', 'Zeros', {}),
              kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null, seed: null,
            }),
            build_config: { shapes_dict: { query_shape: [null, 4, 6], value_shape: [null, 4, 6] } },
            name: 'multi_head_attention', inbound_nodes: [node],
          },
        ],
        input_layers: [['input_layer', 0, 0]], output_layers: [['multi_head_attention', 0, 0]],
      },
      build_config: { input_shape: null }, compile_config: null,
    };
  }

  it('loads: config, call flags, positional and keyword inputs, and the weights', async () => {
    const shapes = [[6, 2, 3], [2, 3], [6, 2, 3], [2, 3], [6, 2, 3], [2, 3], [2, 3, 6], [6]];
    const arrays = shapes.map((shape, i) => ({ dtype: 'float32' as const, shape, values: randomTensor(shape, 300 + i, -0.7, 0.7).data() as Float32Array }));
    const weights = new Map([
      ['layers/input_layer', []], ['layers/multi_head_attention', []],
      ['layers/multi_head_attention/key_dense', arrays.slice(2, 4)], ['layers/multi_head_attention/output_dense', arrays.slice(6, 8)],
      ['layers/multi_head_attention/query_dense', arrays.slice(0, 2)], ['layers/multi_head_attention/value_dense', arrays.slice(4, 6)],
    ]);
    const weightsH5 = await writeKerasWeights(weights);
    const x = randomTensor([2, 4, 6], 9, -1, 1);
    const dir = mkdtempSync(join(tmpdir(), 'tn-mha-keras-'));
    try {
      const nodes: [Record<string, unknown>, boolean][] = [
        [{ args: [ref('input_layer'), ref('input_layer')], kwargs: { use_causal_mask: true } }, true],
        [{ args: [], kwargs: { query: ref('input_layer'), value: ref('input_layer') } }, false],
      ];
      for (const [node, causal] of nodes) {
        const path = join(dir, `m${causal ? 'causal' : 'kw'}.keras`);
        writeFileSync(path, writeKerasArchive({ metadata: { keras_version: '3.8.0', date_saved: '2026-01-01@00:00:00' }, config: archive(node), weightsH5 }));
        const model = await tn.loadModel(path, { compile: false });
        const mha = model.layers[1] as MultiHeadAttention;
        expect(mha.getWeights().map((w) => Array.from(w.data()))).toEqual(arrays.map((a) => Array.from(a.values)));
        const ref64 = mhaReference(mha, vals(x), vals(x), vals(x), 2, 4, 4, { numHeads: 2, keyDim: 3, valueDim: 3, outDims: 6, attend: causal ? (_, t, s) => s <= t : undefined });
        expectClose(model.predict(x) as tn.Tensor, ref64.out, [2, 4, 6]);
      }
      // A mask passed as a graph tensor cannot be rebuilt: an error names it rather than a model that ignores it.
      expect(() => modelFromKeras(archive({ args: [ref('input_layer'), ref('input_layer')], kwargs: { attention_mask: ref('input_layer') } }), 'model.keras')).toThrow(
        'model.keras: a layer call passes the tensor `attention_mask` as a keyword argument, which tensornode cannot rebuild (it records masks only as concrete tensors)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a Keras 2 / tf.keras config with MultiHeadAttention', () => {
  it('reads the value passed as a keyword ref, the call flags and the weights by name', () => {
    const topology = {
      keras_version: '2.15.0',
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'model',
          layers: [
            { class_name: 'InputLayer', name: 'input_1', config: { batch_input_shape: [null, 4, 6], dtype: 'float32', sparse: false, name: 'input_1' }, inbound_nodes: [] },
            {
              class_name: 'MultiHeadAttention', name: 'mha',
              config: {
                name: 'mha', trainable: true, dtype: 'float32', num_heads: 2, key_dim: 3, value_dim: 3, dropout: 0.0, use_bias: true,
                output_shape: null, attention_axes: [1], kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
                bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null,
                activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
                query_shape: [null, 4, 6], key_shape: [null, 4, 6], value_shape: [null, 4, 6],
              },
              inbound_nodes: [[['input_1', 0, 0, { value: ['input_1', 0, 0], use_causal_mask: true }]]],
            },
          ],
          input_layers: [['input_1', 0, 0]],
          output_layers: [['mha', 0, 0]],
        },
      },
    };
    const model = modelFromKeras(topology);
    const names = ['query/kernel', 'query/bias', 'key/kernel', 'key/bias', 'value/kernel', 'value/bias', 'attention_output/kernel', 'attention_output/bias'];
    const shapes = [[6, 2, 3], [2, 3], [6, 2, 3], [2, 3], [6, 2, 3], [2, 3], [2, 3, 6], [6]];
    // tf.keras's manifest names, given in another order than the layer's: matched by name.
    const order = [6, 7, 0, 1, 4, 5, 2, 3];
    assignWeightsByName(model, order.map((i) => ({ name: `mha/${names[i]}:0`, shape: shapes[i], values: randomTensor(shapes[i], 400 + i, -0.7, 0.7).data() as Float32Array })), 'test');
    const mha = model.layers[1] as MultiHeadAttention;
    expect(mha.getWeights().map((w) => Array.from(w.data()))).toEqual(shapes.map((s, i) => Array.from(randomTensor(s, 400 + i, -0.7, 0.7).data())));
    const x = randomTensor([2, 4, 6], 10, -1, 1);
    const ref64 = mhaReference(mha, vals(x), vals(x), vals(x), 2, 4, 4, { numHeads: 2, keyDim: 3, valueDim: 3, outDims: 6, attend: (_, t, s) => s <= t });
    expectClose(model.predict(x) as tn.Tensor, ref64.out, [2, 4, 6]);
  });
});

describe('call arguments the attention layers do not take', () => {
  it("are errors naming the layer and the one meant, as Keras raises on them (a snake_case use_causal_mask was ignored: the decoder saw the future)", () => {
    const x = randomTensor([1, 3, 4], 21);
    const mha = new MultiHeadAttention({ numHeads: 1, keyDim: 2, name: 'mha' });
    expect(() => mha.apply([x, x], { use_causal_mask: true } as never)).toThrow(
      'Layer "mha" (MultiHeadAttention) call: unrecognized option "use_causal_mask" (did you mean useCausalMask?). It takes: training, mask, attentionMask, queryMask, valueMask, keyMask, useCausalMask, returnAttentionScores',
    );
    expect(() => mha.apply([x, x], { attention_mask: tn.ones([1, 3, 3]) } as never)).toThrow('unrecognized option "attention_mask" (did you mean attentionMask?)');
    expect(() => new Attention({ name: 'att' }).apply([x, x], { causal: true } as never)).toThrow('Layer "att" (Attention) call: unrecognized option "causal". It takes: training, mask, useCausalMask, returnAttentionScores');
    expect(() => new AdditiveAttention({ name: 'add' }).apply([x, x], { return_attention_scores: true } as never)).toThrow('(did you mean returnAttentionScores?)');
    // The ones they take still work, in eager calls and recorded in a model; undefined counts as not given.
    const [, scores] = mha.apply([x, x], { useCausalMask: true, returnAttentionScores: true, training: false, attentionMask: undefined }) as tn.Tensor[];
    expect(scores.shape).toEqual([1, 1, 3, 3]);
    const input = tn.input({ shape: [3, 4] });
    const model = new tn.Model({ inputs: input, outputs: mha.apply([input, input], { useCausalMask: true }) as tn.SymbolicTensor });
    expect((model.predict(x) as tn.Tensor).shape).toEqual([1, 3, 4]);
    // A subclass of its own may take arguments of its own.
    class Gated extends MultiHeadAttention {
      override call(inputs: tn.Tensor | tn.Tensor[], args: Record<string, unknown> = {}) {
        const out = super.call(inputs, args) as tn.Tensor;
        return args.gate === 0 ? tn.zerosLike(out) : out;
      }
    }
    const gated = new Gated({ numHeads: 1, keyDim: 2 });
    expect(Array.from((gated.apply([x, x], { gate: 0 } as never) as tn.Tensor).dataSync()).every((v) => v === 0)).toBe(true);
  });
});
