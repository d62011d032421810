// The native LSTM and GRU time loops (the layers' paths with Keras's default activations): finite differences for both
// of its inputs, forwards and read backwards, against a step-by-step float64 reference.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { gruSequence, lstmSequence } from '../../lib/ops/nn.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

// Time-major, as the ops take them: xw [time, batch, gates*units], outputs [time, batch, units].
function reference(xw: tn.Tensor, u: tn.Tensor, reverse: boolean): number[] {
  const [time, batch, g4] = xw.shape;
  const units = g4 / 4;
  const x = xw.data();
  const w = u.data();
  const out = new Array<number>(batch * time * units).fill(0);
  for (let b = 0; b < batch; b++) {
    let h = new Array<number>(units).fill(0);
    let c = new Array<number>(units).fill(0);
    for (let k = 0; k < time; k++) {
      const t = reverse ? time - 1 - k : k;
      const z = Array.from({ length: g4 }, (_, j) => {
        let s = x[(t * batch + b) * g4 + j];
        for (let q = 0; q < units; q++) s += h[q] * w[q * g4 + j];
        return s;
      });
      c = c.map((cv, j) => sigmoid(z[units + j]) * cv + sigmoid(z[j]) * Math.tanh(z[2 * units + j]));
      h = c.map((cv, j) => sigmoid(z[3 * units + j]) * Math.tanh(cv));
      h.forEach((v, j) => (out[(k * batch + b) * units + j] = v));
    }
  }
  return out;
}

describe(`native LSTM sequence on ${native.backendInfo().isa}`, () => {
  for (const reverse of [false, true]) {
    it(`matches a float64 reference and finite differences${reverse ? ', read backwards' : ''}`, () => {
      const xw = randomTensor([3, 5, 8], 1, -1.5, 1.5);
      const u = randomTensor([2, 8], 2, -1, 1);
      const hs = lstmSequence(xw, u, reverse);
      const want = reference(xw, u, reverse);
      const got = hs.data();
      want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
      gradCheck((a: tn.Tensor, b: tn.Tensor) => lstmSequence(a, b, reverse), [xw, u]);
    });
  }

  it('handles one step, one unit and a batch of one, and names bad shapes', () => {
    gradCheck((a: tn.Tensor, b: tn.Tensor) => lstmSequence(a, b, false), [randomTensor([1, 1, 4], 3), randomTensor([1, 4], 4)]);
    expect(() => lstmSequence(tn.zeros([2, 3, 8]), tn.zeros([3, 8]), false, 'lstm (layer "lstm")')).toThrow(
      'lstm (layer "lstm"): expected projected inputs [time, batch, 4*units] and a recurrent kernel [units, 4*units], received [2,3,8] and [3,8]',
    );
  });
});

function gruReference(xw: tn.Tensor, u: tn.Tensor, bias: tn.Tensor | null, reverse: boolean): number[] {
  const [time, batch, g3] = xw.shape;
  const units = g3 / 3;
  const x = xw.data();
  const w = u.data();
  const bv = bias ? bias.data() : new Float32Array(g3);
  const out = new Array<number>(batch * time * units).fill(0);
  for (let b = 0; b < batch; b++) {
    let h = new Array<number>(units).fill(0);
    for (let k = 0; k < time; k++) {
      const t = reverse ? time - 1 - k : k;
      const hu = Array.from({ length: g3 }, (_, j) => {
        let s = bv[j];
        for (let q = 0; q < units; q++) s += h[q] * w[q * g3 + j];
        return s;
      });
      const xt = (j: number) => x[(t * batch + b) * g3 + j];
      h = h.map((hp, j) => {
        const z = sigmoid(xt(j) + hu[j]);
        const r = sigmoid(xt(units + j) + hu[units + j]);
        const hh = Math.tanh(xt(2 * units + j) + r * hu[2 * units + j]);
        return z * hp + (1 - z) * hh;
      });
      h.forEach((v, j) => (out[(k * batch + b) * units + j] = v));
    }
  }
  return out;
}

describe(`native GRU sequence on ${native.backendInfo().isa}`, () => {
  for (const reverse of [false, true]) {
    it(`matches a float64 reference and finite differences${reverse ? ', read backwards' : ''}`, () => {
      const xw = randomTensor([3, 4, 6], 5, -1.5, 1.5);
      const u = randomTensor([2, 6], 6, -1, 1);
      const b = randomTensor([6], 7, -0.5, 0.5);
      const got = gruSequence(xw, u, b, reverse).data();
      gruReference(xw, u, b, reverse).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
      gradCheck((a: tn.Tensor, c: tn.Tensor, d: tn.Tensor) => gruSequence(a, c, d, reverse), [xw, u, b]);
      const noBias = gruSequence(xw, u, null, reverse).data();
      gruReference(xw, u, null, reverse).forEach((v, i) => expect(noBias[i]).toBeCloseTo(v, 5));
    });
  }

  it('names bad shapes', () => {
    expect(() => gruSequence(tn.zeros([2, 3, 6]), tn.zeros([2, 6]), tn.zeros([5]), false)).toThrow(/gru: expected .* received \[2,3,6\], \[2,6\] and \[5\]/);
  });
});
