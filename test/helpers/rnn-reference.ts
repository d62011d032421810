// Float64 references for the recurrent layers, written as direct loops from Keras's equations (independent of
// lib/'s ops): SimpleRNN, LSTM and GRU (both reset orders), with Keras's masking (a masked step keeps the states and
// repeats the previous output, or outputs zeros with zeroOutputForMask), initial states and goBackwards.

export type Kind = 'simple' | 'lstm' | 'gru' | 'gru_before';

export interface RnnWeights {
  /** [features, gates * units] */
  kernel: ArrayLike<number>;
  /** [units, gates * units] */
  recurrentKernel: ArrayLike<number>;
  /** [gates * units], or [2, 3 * units] for 'gru' (input row, then recurrent row); null without bias. */
  bias: ArrayLike<number> | null;
}

export interface RnnOptions {
  goBackwards?: boolean;
  /** [batch * time], 1 keep, 0 masked. */
  mask?: ArrayLike<number> | null;
  /** One [batch * units] array per state (LSTM: h, c). */
  initialStates?: ArrayLike<number>[];
  zeroOutputForMask?: boolean;
  /** LSTM's and GRU's gate activation: the sigmoid (default), Keras 3's hard_sigmoid or Keras 2's / TF.js's. */
  gate?: 'sigmoid' | 'hard_sigmoid' | 'hard_sigmoid_legacy';
}

export interface RnnResult {
  /** [batch, time, units] in processing order (reversed with goBackwards, as Keras returns it). */
  sequence: Float64Array;
  /** The last output [batch, units]. */
  last: Float64Array;
  /** Final states, each [batch, units]. */
  states: Float64Array[];
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

const hardSigmoid = (slope: number) => (v: number) => Math.min(1, Math.max(0, slope * v + 0.5));
const GATES = { sigmoid, hard_sigmoid: hardSigmoid(1 / 6), hard_sigmoid_legacy: hardSigmoid(0.2) };

/** x [batch, time, features] through one recurrent layer: tanh cell, sigmoid gates unless o.gate says otherwise. */
export function rnnReference(kind: Kind, x: ArrayLike<number>, shape: [number, number, number], units: number, w: RnnWeights, o: RnnOptions = {}): RnnResult {
  const sigmoid = GATES[o.gate ?? 'sigmoid'];
  const [batch, time, features] = shape;
  const gates = kind === 'simple' ? 1 : kind === 'lstm' ? 4 : 3;
  const cols = gates * units;
  const nStates = kind === 'lstm' ? 2 : 1;
  const sequence = new Float64Array(batch * time * units);
  const last = new Float64Array(batch * units);
  const states = Array.from({ length: nStates }, () => new Float64Array(batch * units));
  const K = w.kernel;
  const U = w.recurrentKernel;
  const B = w.bias;
  for (let b = 0; b < batch; b++) {
    let h: Float64Array = new Float64Array(units);
    let c: Float64Array = new Float64Array(units);
    if (o.initialStates) {
      for (let j = 0; j < units; j++) h[j] = o.initialStates[0][b * units + j];
      if (kind === 'lstm') for (let j = 0; j < units; j++) c[j] = o.initialStates[1][b * units + j];
    }
    let prev: Float64Array = new Float64Array(units);
    for (let k = 0; k < time; k++) {
      const t = o.goBackwards ? time - 1 - k : k;
      // Input projection and recurrent projection, each [cols].
      const xw = new Float64Array(cols);
      const hu = new Float64Array(cols);
      for (let col = 0; col < cols; col++) {
        let s = 0;
        for (let f = 0; f < features; f++) s += x[(b * time + t) * features + f] * K[f * cols + col];
        if (B) s += B[col];
        xw[col] = s;
        let r = 0;
        for (let j = 0; j < units; j++) r += h[j] * U[j * cols + col];
        if (B && kind === 'gru') r += B[cols + col];
        hu[col] = r;
      }
      const hNew = new Float64Array(units);
      const cNew = new Float64Array(units);
      for (let j = 0; j < units; j++) {
        if (kind === 'simple') hNew[j] = Math.tanh(xw[j] + hu[j]);
        else if (kind === 'lstm') {
          const i = sigmoid(xw[j] + hu[j]);
          const f = sigmoid(xw[units + j] + hu[units + j]);
          const g = Math.tanh(xw[2 * units + j] + hu[2 * units + j]);
          const og = sigmoid(xw[3 * units + j] + hu[3 * units + j]);
          cNew[j] = f * c[j] + i * g;
          hNew[j] = og * Math.tanh(cNew[j]);
        } else {
          const z = sigmoid(xw[j] + hu[j]);
          const r = sigmoid(xw[units + j] + hu[units + j]);
          let hh: number;
          if (kind === 'gru') hh = Math.tanh(xw[2 * units + j] + r * hu[2 * units + j]);
          else {
            // Reset before the matMul: (r * h) U_h.
            let s = 0;
            for (let q = 0; q < units; q++) {
              const rq = sigmoid(xw[units + q] + hu[units + q]);
              s += rq * h[q] * U[q * cols + 2 * units + j];
            }
            void r;
            hh = Math.tanh(xw[2 * units + j] + s);
          }
          hNew[j] = z * h[j] + (1 - z) * hh;
        }
      }
      const keep = o.mask ? o.mask[b * time + t] !== 0 : true;
      let out: Float64Array;
      if (keep) {
        h = hNew;
        if (kind === 'lstm') c = cNew;
        out = hNew;
      } else {
        out = o.zeroOutputForMask ? new Float64Array(units) : prev;
      }
      prev = out;
      sequence.set(out, (b * time + k) * units);
    }
    last.set(prev, b * units);
    states[0].set(h, b * units);
    if (kind === 'lstm') states[1].set(c, b * units);
  }
  return { sequence, last, states };
}
