// The native LSTM and GRU time loops (the layers' paths with a tanh cell and sigmoid or hard sigmoid gates, GRU with or
// without resetAfter): finite differences for their inputs, forwards and read backwards, against step-by-step float64
// references and the same loops in recorded ops; and their fused inference forms against the layers' float64 reference.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native, RecurrentGate } from '../../lib/native.js';
import { gruInference, gruSequence, lstmInference, lstmSequence } from '../../lib/ops/nn.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { rnnReference } from '../helpers/rnn-reference.js';
import { expectClose as expectNear } from '../helpers/tfjs.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
type Gate = 'sigmoid' | 'hard_sigmoid' | 'hard_sigmoid_legacy';
const hard = (slope: number) => (v: number) => Math.min(1, Math.max(0, slope * v + 0.5));
const GATES: Record<Gate, (v: number) => number> = { sigmoid, hard_sigmoid: hard(1 / 6), hard_sigmoid_legacy: hard(0.2) };

// Time-major, as the ops take them: xw [time, batch, gates*units], outputs [time, batch, units].
function reference(xw: tn.Tensor, u: tn.Tensor, reverse: boolean, gate: Gate = 'sigmoid'): number[] {
  const sigmoid = GATES[gate];
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

// resetAfter false: the reset gate scales h before U_h, (r * h) U_h (Keras 2's original GRU; no recurrent bias).
function gruReference(xw: tn.Tensor, u: tn.Tensor, bias: tn.Tensor | null, reverse: boolean, gate: Gate = 'sigmoid', resetAfter = true): number[] {
  const sigmoid = GATES[gate];
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
      const r = h.map((_, j) => sigmoid(xt(units + j) + hu[units + j]));
      const reset = h.map((_, j) => {
        let s = 0;
        for (let q = 0; q < units; q++) s += r[q] * h[q] * w[q * g3 + 2 * units + j];
        return s;
      });
      h = h.map((hp, j) => {
        const z = sigmoid(xt(j) + hu[j]);
        const hh = Math.tanh(xt(2 * units + j) + (resetAfter ? r[j] * hu[2 * units + j] : reset[j]));
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

// The same loops in recorded ops (matMul, slices, the gates as ops), for their gradients: time-major xw, h after every
// output step.
function composedLoop(kind: 'lstm' | 'gru' | 'gru_before', gate: Gate, xw: tn.Tensor, u: tn.Tensor, bias: tn.Tensor | null, reverse: boolean): tn.Tensor {
  const [time, batch] = xw.shape;
  const units = u.shape[0];
  const act = (v: tn.Tensor) => (gate === 'sigmoid' ? tn.sigmoid(v) : tn.clipByValue(tn.add(tn.mul(v, gate === 'hard_sigmoid' ? 1 / 6 : 0.2), 0.5), 0, 1));
  const cols = (t: tn.Tensor, g: number, n = 1) => tn.slice(t, [0, g * units], [batch, n * units]);
  let h = tn.zeros([batch, units]);
  let c = tn.zeros([batch, units]);
  const outs: tn.Tensor[] = [];
  for (let k = 0; k < time; k++) {
    const t = reverse ? time - 1 - k : k;
    const x = tn.reshape(tn.slice(xw, [t, 0, 0], [1, batch, xw.shape[2]]), [batch, xw.shape[2]]);
    if (kind === 'lstm') {
      const zs = tn.add(x, tn.matMul(h, u));
      c = tn.add(tn.mul(act(cols(zs, 1)), c), tn.mul(act(cols(zs, 0)), tn.tanh(cols(zs, 2))));
      h = tn.mul(act(cols(zs, 3)), tn.tanh(c));
    } else {
      let hu = tn.matMul(h, u);
      if (bias) hu = tn.add(hu, bias);
      const z = act(tn.add(cols(x, 0), cols(hu, 0)));
      const r = act(tn.add(cols(x, 1), cols(hu, 1)));
      const uh = tn.slice(u, [0, 2 * units], [units, units]);
      const hh = tn.tanh(tn.add(cols(x, 2), kind === 'gru' ? tn.mul(r, cols(hu, 2)) : tn.matMul(tn.mul(r, h), uh)));
      h = tn.add(tn.mul(z, h), tn.mul(tn.sub(1, z), hh));
    }
    outs.push(h);
  }
  return tn.stack(outs);
}

// TF.js's LSTM and GRU (hard sigmoid gates, GRU without resetAfter) and Keras 3's hard_sigmoid run on the same native
// loops: forward against the float64 references with pre-activations up to +-4 (the hard sigmoids' flat parts and
// slopes), gradients against finite differences where the pre-activations stay within +-2.2, inside the hard
// sigmoids' slopes (a difference step across a kink measures no derivative). The flat parts' zero gradient is checked
// against the layers' step-by-step path in test/layers/recurrent.test.ts.
describe(`native LSTM and GRU loops with hard sigmoid gates and the original GRU, on ${native.backendInfo().isa}`, () => {
  for (const gate of ['sigmoid', 'hard_sigmoid', 'hard_sigmoid_legacy'] as const) {
    it(`LSTM, ${gate} gates: forward and finite differences, both directions`, () => {
      const xw = randomTensor([3, 5, 8], 200, -4, 4);
      const u = randomTensor([2, 8], 201, -1.5, 1.5);
      const [xs, us] = [randomTensor([3, 5, 8], 202, -1.2, 1.2), randomTensor([2, 8], 203, -0.5, 0.5)];
      for (const reverse of [false, true]) {
        const got = lstmSequence(xw, u, reverse, 'lstm', gate).data();
        reference(xw, u, reverse, gate).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
        gradCheck((a: tn.Tensor, b: tn.Tensor) => lstmSequence(a, b, reverse, 'lstm', gate), [xs, us]);
      }
    });

    for (const resetAfter of [true, false]) {
      if (gate === 'sigmoid' && resetAfter) continue;  // the tests above
      it(`GRU${resetAfter ? '' : ' without resetAfter'}, ${gate} gates: forward and finite differences, both directions`, () => {
        const xw = randomTensor([4, 5, 6], 210, -4, 4);
        const u = randomTensor([2, 6], 211, -1.5, 1.5);
        const b = resetAfter ? randomTensor([6], 212, -0.5, 0.5) : null;
        // Small inputs for the gradients: |x| + |h U| + |b| < 2.2.
        const [xs, us, bs] = [randomTensor([4, 5, 6], 213, -1.2, 1.2), randomTensor([2, 6], 214, -0.35, 0.35), randomTensor([6], 215, -0.3, 0.3)];
        for (const reverse of [false, true]) {
          const got = gruSequence(xw, u, b, reverse, 'gru', gate, resetAfter).data();
          gruReference(xw, u, b, reverse, gate, resetAfter).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
          if (b) gradCheck((a: tn.Tensor, c: tn.Tensor, d: tn.Tensor) => gruSequence(a, c, d, reverse, 'gru', gate, resetAfter), [xs, us, bs]);
          else gradCheck((a: tn.Tensor, c: tn.Tensor) => gruSequence(a, c, null, reverse, 'gru', gate, resetAfter), [xs, us]);
        }
      });
    }
  }

  // Past a register tile's height and a vector's width, where the original GRU's second pass over (r * h) U_h
  // covers partial tiles and chunks.
  for (const [batch, time, units] of [[7, 4, 17], [13, 2, 9], [1, 3, 33]]) {
    it(`the original GRU matches the float64 reference, batch ${batch}, ${time} steps, ${units} units`, () => {
      const xw = randomTensor([time, batch, 3 * units], 220 + units, -2, 2);
      const u = randomTensor([units, 3 * units], 230 + units, -0.6, 0.6);
      for (const gate of ['sigmoid', 'hard_sigmoid_legacy'] as const) {
        for (const reverse of [false, true]) {
          const got = gruSequence(xw, u, null, reverse, 'gru', gate, false).data();
          gruReference(xw, u, null, reverse, gate, false).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
        }
      }
    });
  }

  // Past a tile and a vector width, and with pre-activations on the hard sigmoids' flat parts (where a finite
  // difference across a kink measures nothing), the gradients equal those of the same loop written in recorded ops.
  for (const gate of ['sigmoid', 'hard_sigmoid', 'hard_sigmoid_legacy'] as const) {
    it(`${gate} gates: the gradients equal the recorded ops' of the same loop, saturated gates included`, () => {
      const [time, batch, units] = [3, 7, 9];
      const x4 = randomTensor([time, batch, 4 * units], 320, -4, 4);
      const u4 = randomTensor([units, 4 * units], 321, -1, 1);
      const x3 = randomTensor([time, batch, 3 * units], 322, -4, 4);
      const u3 = randomTensor([units, 3 * units], 323, -1, 1);
      const b3 = randomTensor([3 * units], 324, -1, 1);
      const up = randomTensor([time, batch, units], 325, -1, 1);
      const loss = (f: (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => tn.Tensor) => (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => tn.sum(tn.mul(f(a, b, c), up));
      const cases: [string, (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => tn.Tensor, (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => tn.Tensor, tn.Tensor[]][] = [
        ['lstm', (a, b) => lstmSequence(a, b, true, 'lstm', gate), (a, b) => composedLoop('lstm', gate, a, b, null, true), [x4, u4, b3]],
        ['gru', (a, b, c) => gruSequence(a, b, c, false, 'gru', gate), (a, b, c) => composedLoop('gru', gate, a, b, c, false), [x3, u3, b3]],
        ['gru without resetAfter', (a, b) => gruSequence(a, b, null, true, 'gru', gate, false), (a, b) => composedLoop('gru_before', gate, a, b, null, true), [x3, u3, b3]],
      ];
      for (const [name, nativeLoop, composed, inputs] of cases) {
        expectNear(nativeLoop(...(inputs as [tn.Tensor, tn.Tensor, tn.Tensor])).data(), composed(...(inputs as [tn.Tensor, tn.Tensor, tn.Tensor])).data(), 1e-5, 1e-6, name);
        const want = tn.grads(loss(composed))(inputs);
        const got = tn.grads(loss(nativeLoop))(inputs);
        const used = name === 'gru' ? 3 : 2;  // only the reset_after GRU has a recurrent bias
        for (let i = 0; i < used; i++) expectNear(got[i].data(), want[i].data(), 1e-4, 1e-5, `${name}, gradient ${i}`);
      }
    });
  }

  // Large enough that the backward passes split the batch rows over both threads (each block through every step on
  // its own): the gradients still equal the recorded ops'.
  it(`backward passes split over threads (${native.backendInfo().threads}) give the recorded ops' gradients, both directions`, () => {
    const [time, batch, units] = [8, 33, 40];  // time * batch * 2 * units * gates * units >= 2^21 multiply-adds: two threads
    const up = randomTensor([time, batch, units], 335, -1, 1);
    const x4 = randomTensor([time, batch, 4 * units], 330, -2, 2);
    const u4 = randomTensor([units, 4 * units], 331, -0.3, 0.3);
    const x3 = randomTensor([time, batch, 3 * units], 332, -2, 2);
    const u3 = randomTensor([units, 3 * units], 333, -0.3, 0.3);
    const b3 = randomTensor([3 * units], 334, -0.5, 0.5);
    const loss = (f: (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => tn.Tensor) => (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => tn.sum(tn.mul(f(a, b, c), up));
    for (const reverse of [false, true]) {
      const cases: [string, (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => tn.Tensor, (a: tn.Tensor, b: tn.Tensor, c: tn.Tensor) => tn.Tensor, tn.Tensor[], number][] = [
        ['lstm', (a, b) => lstmSequence(a, b, reverse), (a, b) => composedLoop('lstm', 'sigmoid', a, b, null, reverse), [x4, u4, b3], 2],
        ['gru', (a, b, c) => gruSequence(a, b, c, reverse), (a, b, c) => composedLoop('gru', 'sigmoid', a, b, c, reverse), [x3, u3, b3], 3],
        ['gru without resetAfter', (a, b) => gruSequence(a, b, null, reverse, 'gru', 'hard_sigmoid_legacy', false),
          (a, b) => composedLoop('gru_before', 'hard_sigmoid_legacy', a, b, null, reverse), [x3, u3, b3], 2],
      ];
      for (const [name, nativeLoop, composed, inputs, used] of cases) {
        const want = tn.grads(loss(composed))(inputs);
        const got = tn.grads(loss(nativeLoop))(inputs);
        for (let i = 0; i < used; i++) expectNear(got[i].data(), want[i].data(), 1e-4, 1e-5, `${name}${reverse ? ' reversed' : ''}, gradient ${i}`);
      }
    }
  });

  inferenceShapes.forEach(([batch, time, features, units], n) => {
    it(`fused inference with hard sigmoid gates and the original GRU matches the float64 layer reference, batch ${batch}, ${units} units`, () => {
      const x = randomTensor([batch, time, features], 250 + n, -2, 2);
      const k4 = randomTensor([features, 4 * units], 260 + n, -1.2, 1.2);
      const u4 = randomTensor([units, 4 * units], 270 + n, -1.2, 1.2);
      const b4 = randomTensor([4 * units], 280 + n, -0.5, 0.5);
      const k3 = randomTensor([features, 3 * units], 290 + n, -1.2, 1.2);
      const u3 = randomTensor([units, 3 * units], 300 + n, -1.2, 1.2);
      const b3 = randomTensor([3 * units], 310 + n, -0.5, 0.5);
      const shape: [number, number, number] = [batch, time, features];
      for (const gate of ['hard_sigmoid', 'hard_sigmoid_legacy'] as const) {
        for (const goBackwards of [false, true]) {
          const lstm = rnnReference('lstm', x.data(), shape, units, { kernel: k4.data(), recurrentKernel: u4.data(), bias: b4.data() }, { goBackwards, gate });
          const gru = rnnReference('gru_before', x.data(), shape, units, { kernel: k3.data(), recurrentKernel: u3.data(), bias: b3.data() }, { goBackwards, gate });
          for (const sequences of [true, false]) {
            expectInference(lstmInference(x, k4, b4, u4, goBackwards, sequences, 'lstm', gate)!, lstm, batch, time, units, sequences);
            expectInference(gruInference(x, k3, b3, u3, null, goBackwards, sequences, 'gru', gate, false)!, gru, batch, time, units, sequences);
          }
        }
      }
      // The original GRU with the sigmoid (Keras 2's default).
      const gru = rnnReference('gru_before', x.data(), shape, units, { kernel: k3.data(), recurrentKernel: u3.data(), bias: null }, {});
      expectInference(gruInference(x, k3, null, u3, null, false, true, 'gru', 'sigmoid', false)!, gru, batch, time, units, true);
    });
  });

  it('refuses a recurrent bias without resetAfter, naming the op', () => {
    expect(() => gruSequence(tn.zeros([2, 3, 6]), tn.zeros([2, 6]), tn.zeros([6]), false, 'gru (layer "g")', 'sigmoid', false)).toThrow(
      'gru (layer "g"): a GRU without resetAfter has no recurrent bias, received [6]',
    );
    expect(() => gruInference(tn.zeros([2, 3, 1]), tn.zeros([1, 6]), null, tn.zeros([2, 6]), tn.zeros([6]), false, true, 'gru', 'sigmoid', false)).toThrow(
      'gru: a GRU without resetAfter has no recurrent bias, received [6]',
    );
    // The addon's own check, for callers past the op.
    const f = (n: number) => new Float32Array(n);
    expect(() => native.gruForward(f(36), f(12), f(6), 2, 3, 2, false, RecurrentGate.sigmoid, false, f(12), f(48))).toThrow(
      'gruForward: a recurrentBias needs resetAfter (the original GRU has none)',
    );
    expect(() => native.gruBackward(f(12), f(12), f(12), f(48), 2, 3, 2, false, RecurrentGate.sigmoid, false, f(36), f(12), f(6))).toThrow(
      'gruBackward: a dRecurrentBias needs resetAfter (the original GRU has none)',
    );
    expect(() => native.gruInference(f(12), f(12), null, f(12), f(6), 2, 3, 2, 2, false, true, RecurrentGate.sigmoid, false, f(12))).toThrow(
      'gruInference: a recurrentBias needs resetAfter (the original GRU has none)',
    );
  });
});
