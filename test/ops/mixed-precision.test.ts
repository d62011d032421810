// Mixed precision on each ISA path. The bfloat16 ops (operands rounded to bfloat16, float32 sums) compute the same on
// every path (vdpbf16ps with AVX512_BF16, an emulation elsewhere): values against float64 references of the rounded
// operands, gradients against finite differences of the float32 function with bounds for bfloat16. Dense and Conv2D
// layers under 'mixed_bfloat16' use them where the path has AVX512_BF16 (the avx512 project on this machine); on the
// avx2 and scalar projects (TENSORNODE_MAX_ISA caps the path below it, as on a CPU without it) the policy warns once
// and computes exactly what float32 computes.
import { afterEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native, UnaryOp } from '../../lib/native.js';
import { conv2dBf16Fused, conv2dFused } from '../../lib/ops/conv.js';
import { dense } from '../../lib/ops/matmul.js';
import { expectClose, geometryOf, randomArray, refForward } from '../helpers/conv-reference.js';
import { gradCheckRounded } from '../helpers/gradcheck.js';

const bf16Hardware = tn.backendInfo().avx512Bf16;

function bf16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  let v = u[0];
  if ((v & 0x7f800000) === 0) v &= 0x80000000;
  else v = ((v + 0x7fff + ((v >>> 16) & 1)) & 0xffff0000) >>> 0;
  u[0] = v >>> 0;
  return f[0];
}

/**
 * Bounds for a gradient whose products take bfloat16 operands (both rounded, each by at most 2^-8 relative): every
 * product term is off by at most 2^-7 of its magnitude. The errors of a sum's terms are independent, so over the
 * checked elements they add up to about 2^-8 of the gradient's norm; 2^-6 leaves 4x. One element may sit on a sum
 * that cancels, so per element the bound is 2^-5 of the largest finite difference.
 */
const bf16Bounds = { normTol: 2 ** -6, atol: 2 ** -5, rtol: 2 ** -7 };

const tensor = (shape: number[], seed: number) => tn.tensor(randomArray(shape.reduce((a, b) => a * b, 1), seed), shape);

afterEach(() => tn.mixedPrecision.setGlobalPolicy('float32'));

describe('bfloat16 ops and mixed_bfloat16 layers', () => {
  it('backendInfo reports AVX512_BF16 only on the avx512 path of a CPU that has it', () => {
    const info = native.backendInfo();
    expect(tn.backendInfo().avx512Bf16).toBe(info.isa === 'avx512' && info.hardwareAvx512Bf16);
  });

  it('dense: forward against float64 of the rounded operands, then bias and relu in float32', () => {
    const x = tensor([64, 96], 1), k = tensor([96, 64], 2), b = tensor([64], 3);
    const y = dense(x, k, b, UnaryOp.relu, 0, true).data();
    const xv = x.data(), kv = k.data(), bv = b.data();
    const ref = new Float64Array(64 * 64), mag = new Float64Array(64 * 64);
    for (let i = 0; i < 64; i++)
      for (let j = 0; j < 64; j++) {
        let s = bv[j], g = Math.abs(bv[j]);
        for (let p = 0; p < 96; p++) {
          const t = bf16(xv[i * 96 + p]) * bf16(kv[p * 64 + j]);
          s += t;
          g += Math.abs(t);
        }
        ref[i * 64 + j] = Math.max(0, s);
        mag[i * 64 + j] = g;
      }
    expectClose(y, ref, mag, 'dense bf16');
    // and visibly not float32's
    const y32 = dense(x, k, b, UnaryOp.relu, 0, false).data();
    expect(() => expectClose(y, y32, null, 'dense bf16 vs float32')).toThrow();
  });

  it('dense: gradients of input, kernel and bias by finite differences of the float32 function', () => {
    const x = tensor([48, 80], 4), k = tensor([80, 40], 5), b = tensor([40], 6);
    gradCheckRounded((a, w, c) => dense(a, w, c, UnaryOp.tanh, 0, true), (a, w, c) => dense(a, w, c, UnaryOp.tanh, 0, false), [x, k, b], bf16Bounds);
  });

  it('conv2d: forward against float64 of the rounded operands; gradients by finite differences', () => {
    const c = { name: 'conv', x: [2, 6, 6, 16] as [number, number, number, number], k: [3, 3, 16, 128] as [number, number, number, number], padding: 'same' as const };
    const g = geometryOf(c);
    const x = tensor(c.x, 7), k = tensor(c.k, 8), b = tensor([128], 9);
    const y = conv2dBf16Fused(x, k, b, [1, 1], 'same', [1, 1]).data();
    const r = refForward(g, (x.data() as Float32Array).map(bf16), (k.data() as Float32Array).map(bf16), b.data() as Float32Array);
    expectClose(y, r.y, r.mag, 'conv2d bf16');
    gradCheckRounded(
      (a, w, bias) => conv2dBf16Fused(a, w, bias, [1, 1], 'same', [1, 1], UnaryOp.sigmoid),
      (a, w, bias) => conv2dFused(a, w, bias, [1, 1], 'same', [1, 1], UnaryOp.sigmoid),
      [x, k, b], { ...bf16Bounds, maxPoints: 24 },
    );
  });

  it('Dense and Conv2D layers under the policy run the bfloat16 ops with AVX512_BF16, else float32 after one warning', async () => {
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.message);
    process.on('warning', listen);
    try {
      tn.mixedPrecision.setGlobalPolicy('mixed_bfloat16');
      const mixed = new tn.layers.Dense(64, { activation: 'relu' });
      const conv = new tn.layers.Conv2D(128, 3, { padding: 'same' });
      tn.mixedPrecision.setGlobalPolicy('mixed_bfloat16');
      const plain = new tn.layers.Dense(64, { activation: 'relu', dtype: 'float32' });
      expect(mixed.computeDtype).toBe('bfloat16');
      expect(plain.computeDtype).toBe('float32');
      const x = tensor([32, 96], 10);
      const y = (mixed.apply(x) as tn.Tensor).data();
      plain.build([null, 96]);
      plain.setWeights(mixed.getWeights());
      const [kernel, bias] = mixed.getWeights();
      expect(mixed.getWeights().map((w) => w.dtype)).toEqual(['float32', 'float32']);
      expect(Array.from(y)).toEqual(Array.from(dense(x, kernel, bias, UnaryOp.relu, 0, bf16Hardware).data()));
      expect(Array.from((plain.apply(x) as tn.Tensor).data())).toEqual(Array.from(dense(x, kernel, bias, UnaryOp.relu, 0, false).data()));
      const xi = tensor([2, 6, 6, 16], 11);
      const yc = (conv.apply(xi) as tn.Tensor).data();
      const [ck, cb] = conv.getWeights();
      const want = bf16Hardware ? conv2dBf16Fused(xi, ck, cb, [1, 1], 'same', [1, 1]) : conv2dFused(xi, ck, cb, [1, 1], 'same', [1, 1]);
      expect(Array.from(yc)).toEqual(Array.from(want.data()));
      // process.emitWarning delivers its event on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    const ours = warnings.filter((m) => m.includes('mixed_bfloat16'));
    if (bf16Hardware) {
      expect(ours).toEqual([]);
    } else {
      expect(ours).toHaveLength(1);
      expect(ours[0]).toMatch(/computes in float32 here: TENSORNODE_MAX_ISA caps the kernels at (avx2|scalar)/);
    }
  });

  it('trains a small model with every variable, gradient and optimizer slot in float32', () => {
    tn.setSeed(3);
    const model = new tn.Sequential([
      new tn.layers.Dense(64, { activation: 'relu', inputShape: [96], dtype: 'mixed_bfloat16' }),
      new tn.layers.Dense(3, { activation: 'softmax', dtype: 'float32' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const x = tensor([64, 96], 12);
    const y = tn.tensor(Array.from({ length: 64 }, (_, i) => i % 3), [64], 'int32');
    const first = model.trainOnBatch(x, y)[0];
    let last = first;
    for (let i = 0; i < 30; i++) last = model.trainOnBatch(x, y)[0];
    expect(last).toBeLessThan(first * 0.5);
    expect(model.getWeights().every((w) => w.dtype === 'float32')).toBe(true);
  });
});
