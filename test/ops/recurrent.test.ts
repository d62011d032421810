// The native LSTM and GRU time loops (the layers' paths with Keras's default activations): finite differences for both
// of its inputs, forwards and read backwards, against a step-by-step float64 reference; and their fused inference
// forms (input projection included) against the layers' float64 reference.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { gruInference, gruSequence, lstmInference, lstmSequence } from '../../lib/ops/nn.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { rnnReference } from '../helpers/rnn-reference.js';

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

// [batch, time, units] in processing order (the reference) against [time, batch, units] (the op), or the last step.
function expectInference(got: tn.Tensor, ref: { sequence: Float64Array; last: Float64Array }, batch: number, time: number, units: number, sequences: boolean): void {
  expect(got.shape).toEqual([sequences ? time : 1, batch, units]);
  const g = got.data();
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < units; j++) {
      if (sequences) for (let k = 0; k < time; k++) expect(g[(k * batch + b) * units + j]).toBeCloseTo(ref.sequence[(b * time + k) * units + j], 5);
      else expect(g[b * units + j]).toBeCloseTo(ref.last[b * units + j], 5);
    }
  }
}

// Batches around the register tile heights (3 rows on AVX2 and the portable path, 6 on AVX-512), units around the
// vector widths (4, 8, 16 floats), one step and one sample.
const inferenceShapes: [number, number, number, number][] = [
  // batch, time, features, units
  [7, 5, 3, 17],
  [13, 3, 5, 8],
  [1, 1, 1, 1],
  [6, 2, 4, 33],
  [4, 4, 2, 16],
];

describe(`native LSTM and GRU sequences on ${native.backendInfo().isa}, odd sizes`, () => {
  // The training forward runs the same register tiles from the projected rows: batches past a tile height, units
  // past a vector width.
  for (const [batch, time, units] of [[7, 4, 17], [13, 2, 9], [1, 3, 33]]) {
    it(`match the float64 references, batch ${batch}, ${time} steps, ${units} units`, () => {
      const xw = randomTensor([time, batch, 4 * units], 120 + units, -1.5, 1.5);
      const u = randomTensor([units, 4 * units], 130 + units, -0.6, 0.6);
      const xw3 = randomTensor([time, batch, 3 * units], 140 + units, -1.5, 1.5);
      const u3 = randomTensor([units, 3 * units], 150 + units, -0.6, 0.6);
      const b3 = randomTensor([3 * units], 160 + units, -0.5, 0.5);
      for (const reverse of [false, true]) {
        const lstm = lstmSequence(xw, u, reverse).data();
        reference(xw, u, reverse).forEach((v, i) => expect(lstm[i]).toBeCloseTo(v, 5));
        const gru = gruSequence(xw3, u3, b3, reverse).data();
        gruReference(xw3, u3, b3, reverse).forEach((v, i) => expect(gru[i]).toBeCloseTo(v, 5));
      }
    });
  }

  it('have the gradients of finite differences past a tile height and a vector width', () => {
    gradCheck((a: tn.Tensor, b: tn.Tensor) => lstmSequence(a, b, true), [randomTensor([2, 7, 4 * 9], 170, -1.5, 1.5), randomTensor([9, 4 * 9], 171, -0.6, 0.6)]);
    gradCheck((a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => gruSequence(a, b, c, false),
      [randomTensor([2, 7, 3 * 9], 172, -1.5, 1.5), randomTensor([9, 3 * 9], 173, -0.6, 0.6), randomTensor([3 * 9], 174, -0.5, 0.5)]);
  });
});

describe(`fused LSTM inference on ${native.backendInfo().isa}`, () => {
  inferenceShapes.forEach(([batch, time, features, units], n) => {
    it(`matches the float64 layer reference, batch ${batch}, ${time} steps, ${features} features, ${units} units`, () => {
      const x = randomTensor([batch, time, features], 20 + n, -1.5, 1.5);
      const kernel = randomTensor([features, 4 * units], 30 + n, -0.8, 0.8);
      const u = randomTensor([units, 4 * units], 40 + n, -0.8, 0.8);
      const bias = randomTensor([4 * units], 50 + n, -0.5, 0.5);
      for (const useBias of [true, false]) {
        for (const goBackwards of [false, true]) {
          const ref = rnnReference('lstm', x.data(), [batch, time, features], units, { kernel: kernel.data(), recurrentKernel: u.data(), bias: useBias ? bias.data() : null }, { goBackwards });
          for (const sequences of [true, false]) {
            expectInference(lstmInference(x, kernel, useBias ? bias : null, u, goBackwards, sequences)!, ref, batch, time, units, sequences);
          }
        }
      }
    });
  });

  it('keeps each sample to itself: a NaN input reaches only its own row, from its step on', () => {
    const [batch, time, features, units] = [8, 4, 3, 5];
    const xv = randomTensor([batch, time, features], 60, -1, 1).data() as Float32Array;
    xv[(6 * time + 2) * features + 1] = NaN;  // sample 6, step 2
    const x = tn.tensor(xv, [batch, time, features]);
    const hs = lstmInference(x, randomTensor([features, 4 * units], 61, -1, 1), null, randomTensor([units, 4 * units], 62, -1, 1), false, true)!.data();
    for (let k = 0; k < time; k++) {
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < units; j++) expect(Number.isNaN(hs[(k * batch + b) * units + j])).toBe(b === 6 && k >= 2);
      }
    }
  });

  it('leaves gradients to lstmSequence (null while recording) and names bad shapes', () => {
    const kernel = tn.variable(randomTensor([3, 8], 63));
    expect(lstmInference(tn.zeros([2, 4, 3]), kernel, null, tn.zeros([2, 8]), false, true)).toBeNull();
    expect(tn.noGrad(() => lstmInference(tn.zeros([2, 4, 3]), kernel, null, tn.zeros([2, 8]), false, true))!.shape).toEqual([4, 2, 2]);
    expect(() => lstmInference(tn.zeros([2, 4, 3]), tn.zeros([3, 8]), tn.zeros([6]), tn.zeros([2, 8]), false, true, 'lstm (layer "lstm")')).toThrow(
      'lstm (layer "lstm"): expected inputs [batch, time, features], a kernel [features, 4*units], a recurrent kernel [units, 4*units] and biases [4*units], received [2,4,3], [3,8], [2,8] and [6]',
    );
  });
});

describe(`fused GRU inference on ${native.backendInfo().isa}`, () => {
  inferenceShapes.forEach(([batch, time, features, units], n) => {
    it(`matches the float64 layer reference, batch ${batch}, ${time} steps, ${features} features, ${units} units`, () => {
      const g3 = 3 * units;
      const x = randomTensor([batch, time, features], 70 + n, -1.5, 1.5);
      const kernel = randomTensor([features, g3], 80 + n, -0.8, 0.8);
      const u = randomTensor([units, g3], 90 + n, -0.8, 0.8);
      const bi = randomTensor([g3], 100 + n, -0.5, 0.5);
      const br = randomTensor([g3], 110 + n, -0.5, 0.5);
      const zeros = new Float32Array(g3);
      // The reference takes both biases as one [2, 3u] array; a missing one is a row of zeros.
      for (const [inputBias, recurrentBias] of [[bi, br], [bi, null], [null, br], [null, null]] as const) {
        const bias = new Float32Array(2 * g3);
        bias.set(inputBias ? inputBias.data() : zeros, 0);
        bias.set(recurrentBias ? recurrentBias.data() : zeros, g3);
        for (const goBackwards of [false, true]) {
          const ref = rnnReference('gru', x.data(), [batch, time, features], units, { kernel: kernel.data(), recurrentKernel: u.data(), bias }, { goBackwards });
          for (const sequences of [true, false]) {
            expectInference(gruInference(x, kernel, inputBias, u, recurrentBias, goBackwards, sequences)!, ref, batch, time, units, sequences);
          }
        }
      }
    });
  });

  it('leaves gradients to gruSequence (null while recording) and names bad shapes', () => {
    const u = tn.variable(randomTensor([2, 6], 111));
    expect(gruInference(tn.zeros([2, 4, 3]), tn.zeros([3, 6]), null, u, null, true, false)).toBeNull();
    expect(tn.noGrad(() => gruInference(tn.zeros([2, 4, 3]), tn.zeros([3, 6]), null, u, null, true, false))!.shape).toEqual([1, 2, 2]);
    expect(() => gruInference(tn.zeros([2, 4, 3]), tn.zeros([3, 6]), null, tn.zeros([2, 6]), tn.zeros([2, 3]), false, true)).toThrow(
      /gru: expected .* received \[2,4,3\], \[3,6\], \[2,6\] and none, \[2,3\]/,
    );
  });
});
