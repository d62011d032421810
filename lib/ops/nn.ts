// Fused neural-network ops, each on its own native kernel with its backward beside it: softmax + cross-entropy with
// integer labels, picking one entry per row, batch normalization, and the whole LSTM and GRU time loops (time-major),
// with an inference-only form of each that also does the input projection.
import { record, willRecord } from '../autograd/tape.js';
import { native, RecurrentGate, UnaryOp } from '../native.js';
import { fmt, sizeOf } from '../shape-util.js';
import { empty, Tensor } from '../tensor.js';
import { f32 } from './util.js';

/** Integer labels as an Int32Array, checked against the number of classes. */
export function labelIndices(labels: Tensor, classes: number, op: string, rows: number): Int32Array {
  if (labels.size !== rows) {
    throw new Error(`${op}: received ${labels.size} labels (shape ${fmt(labels.shape)}) for ${rows} predictions`);
  }
  const v = labels.values;
  const out = labels.dtype === 'int32' ? (v as Int32Array) : new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const k = v[i];
    if (!Number.isInteger(k) || k < 0 || k >= classes) {
      throw new Error(`${op}: label ${k} at position ${i} is out of range for ${classes} classes (expected an integer from 0 to ${classes - 1})`);
    }
    if (out !== v) out[i] = k;
  }
  return out;
}

/**
 * -log softmax(logits)[label] for each row of logits [..., classes], in one pass and without overflow for any
 * finite logits. Its gradient, softmax - onehot, is exact and cheap: this is the op behind sparse categorical
 * cross-entropy on a softmax output.
 */
export function sparseSoftmaxCrossEntropy(logits: Tensor, labels: Tensor, op = 'sparse_categorical_crossentropy'): Tensor {
  const classes = logits.shape[logits.rank - 1];
  const rows = classes === 0 ? 0 : logits.size / classes;
  const idx = labelIndices(labels, classes, op, rows);
  const logp = empty(logits.shape.slice());
  native.softmax(f32(logits), rows, classes, f32(logp), true);
  const lp = f32(logp);
  const out = empty(logits.shape.slice(0, -1));
  const o = f32(out);
  for (let r = 0; r < rows; r++) o[r] = -lp[r * classes + idx[r]];
  return record(out, op, [logits], (dy) => {
    const g = empty(logits.shape.slice());
    const gv = f32(g);
    native.unary(UnaryOp.exp, lp, gv, 0);
    const d = f32(dy);
    for (let r = 0; r < rows; r++) {
      const s = d[r];
      const base = r * classes;
      gv[base + idx[r]] -= 1;
      for (let c = 0; c < classes; c++) gv[base + c] *= s;
    }
    return [g];
  });
}

/** out[r] = x[r, index[r]] over the last axis of x; the gradient scatters back. */
export function takeAlongLastAxis(x: Tensor, index: Int32Array): Tensor {
  const classes = x.shape[x.rank - 1];
  const rows = sizeOf(x.shape.slice(0, -1));
  const out = empty(x.shape.slice(0, -1));
  const xv = f32(x);
  const o = f32(out);
  for (let r = 0; r < rows; r++) o[r] = xv[r * classes + index[r]];
  return record(out, 'takeAlongLastAxis', [x], (dy) => {
    const g = empty(x.shape.slice(), 'float32', true);
    const gv = f32(g);
    const d = f32(dy);
    for (let r = 0; r < rows; r++) gv[r * classes + index[r]] += d[r];
    return [g];
  });
}

export interface BatchNormResult {
  y: Tensor;
  /** The statistics used: the batch's own (training) or the ones given. */
  mean: Tensor;
  variance: Tensor;
}

/**
 * Batch normalization over every axis but the last (channels-last data, as Conv2D and Dense produce it):
 * y = (x - mean) / sqrt(variance + epsilon) * gamma + beta, each pass one native kernel. Without `stats` the
 * batch's own mean and biased variance are used and differentiated through (training); with them (the moving
 * averages, inference) they are constants. gamma and beta may be null.
 */
export function fusedBatchNorm(
  x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number, stats: { mean: Tensor; variance: Tensor } | null, op = 'batchNormalization',
): BatchNormResult {
  if (x.dtype !== 'float32') throw new Error(`${op}: expected a float32 input, received ${x.dtype}`);
  if (x.rank < 1) throw new Error(`${op}: expected an input with a channel axis, received a scalar`);
  const channels = x.shape[x.rank - 1];
  const rows = channels === 0 ? 0 : x.size / channels;
  for (const [name, t] of [['gamma', gamma], ['beta', beta], ['mean', stats?.mean], ['variance', stats?.variance]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== channels)) {
      throw new Error(`${op}: ${name} must have shape [${channels}] (one per channel of the input ${fmt(x.shape)}), received ${fmt(t.shape)}`);
    }
  }
  let mean: Tensor;
  let variance: Tensor;
  if (stats) {
    mean = stats.mean;
    variance = stats.variance;
  } else {
    if (rows === 0) throw new Error(`${op}: cannot take batch statistics of an empty input ${fmt(x.shape)}`);
    mean = empty([channels]);
    variance = empty([channels]);
    native.batchNormStats(f32(x), rows, channels, f32(mean), f32(variance));
  }
  const y = empty(x.shape.slice());
  native.batchNormForward(f32(x), rows, channels, f32(mean), f32(variance), gamma && f32(gamma), beta && f32(beta), epsilon, f32(y));
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  record(y, op, inputs, (dy, needs) => {
    const dx = needs[0] ? empty(x.shape.slice()) : null;
    const dgamma = gamma && needs[1] ? empty([channels]) : null;
    const dbeta = beta && needs[gamma ? 2 : 1] ? empty([channels]) : null;
    native.batchNormBackward(f32(dy), f32(x), rows, channels, f32(mean), f32(variance), gamma && f32(gamma), epsilon, stats === null,
      dx && f32(dx), dgamma && f32(dgamma), dbeta && f32(dbeta));
    return [dx, ...(gamma ? [dgamma] : []), ...(beta ? [dbeta] : [])];
  });
  return { y, mean, variance };
}

/** The gate activations the native LSTM and GRU loops run (Keras's names; hard_sigmoid_legacy is TF.js's). */
export type RecurrentGateName = 'sigmoid' | 'hard_sigmoid' | 'hard_sigmoid_legacy';
const GATES: Record<RecurrentGateName, RecurrentGate> = {
  sigmoid: RecurrentGate.sigmoid,
  hard_sigmoid: RecurrentGate.hardSigmoid,
  hard_sigmoid_legacy: RecurrentGate.hardSigmoidLegacy,
};

/**
 * An LSTM's whole time loop from zero state, one native call each way, time-major: xw [time, batch, 4u] holds every
 * step's projected input (x W + b, gates i, f, c, o), recurrentKernel is [u, 4u]; `gate` activations (the sigmoid by
 * default), tanh cell. Returns the state h after every step [time, batch, u]; with `reverse` the steps read the input
 * from its end (Keras's goBackwards).
 */
export function lstmSequence(xw: Tensor, recurrentKernel: Tensor, reverse: boolean, op = 'lstm', gate: RecurrentGateName = 'sigmoid'): Tensor {
  if (xw.rank !== 3 || recurrentKernel.rank !== 2 || xw.shape[2] !== recurrentKernel.shape[1] || recurrentKernel.shape[1] !== 4 * recurrentKernel.shape[0]) {
    throw new Error(`${op}: expected projected inputs [time, batch, 4*units] and a recurrent kernel [units, 4*units], received ${fmt(xw.shape)} and ${fmt(recurrentKernel.shape)}`);
  }
  const [time, batch, g4] = xw.shape;
  const units = g4 / 4;
  const hs = empty([time, batch, units]);
  const cs = empty([time, batch, units]);
  const gates = empty([time, batch, g4]);
  native.lstmForward(f32(xw), f32(recurrentKernel), batch, time, units, reverse, GATES[gate], f32(hs), f32(cs), f32(gates));
  return record(hs, op, [xw, recurrentKernel], (dhs) => {
    const dxw = empty(xw.shape.slice());
    const du = empty(recurrentKernel.shape.slice());
    native.lstmBackward(f32(dhs), f32(recurrentKernel), f32(hs), f32(cs), f32(gates), batch, time, units, reverse, GATES[gate], f32(dxw), f32(du));
    return [dxw, du];
  });
}

/**
 * A GRU's whole time loop from zero state, one native call each way, time-major: xw [time, batch, 3u] holds every
 * step's x W + input bias (gates z, r, h), recurrentKernel [u, 3u], recurrentBias [3u] or null; `gate` activations,
 * tanh candidate. With resetAfter (Keras's default) r scales h U_h + recurrentBias; without (Keras 2's original GRU,
 * TF.js's default; no recurrent bias) it scales h before U_h. Returns h after every step [time, batch, u].
 */
export function gruSequence(
  xw: Tensor, recurrentKernel: Tensor, recurrentBias: Tensor | null, reverse: boolean, op = 'gru', gate: RecurrentGateName = 'sigmoid', resetAfter = true,
): Tensor {
  if (recurrentBias && !resetAfter) throw new Error(`${op}: a GRU without resetAfter has no recurrent bias, received ${fmt(recurrentBias.shape)}`);
  if (xw.rank !== 3 || recurrentKernel.rank !== 2 || xw.shape[2] !== recurrentKernel.shape[1] || recurrentKernel.shape[1] !== 3 * recurrentKernel.shape[0] ||
      (recurrentBias && (recurrentBias.rank !== 1 || recurrentBias.shape[0] !== xw.shape[2]))) {
    throw new Error(`${op}: expected projected inputs [time, batch, 3*units], a recurrent kernel [units, 3*units] and a recurrent bias [3*units], received ${fmt(xw.shape)}, ${fmt(recurrentKernel.shape)} and ${recurrentBias ? fmt(recurrentBias.shape) : 'none'}`);
  }
  const [time, batch, g3] = xw.shape;
  const units = g3 / 3;
  const hs = empty([time, batch, units]);
  const gates = empty([time, batch, 4 * units]);
  native.gruForward(f32(xw), f32(recurrentKernel), recurrentBias && f32(recurrentBias), batch, time, units, reverse, GATES[gate], resetAfter, f32(hs), f32(gates));
  const inputs = recurrentBias ? [xw, recurrentKernel, recurrentBias] : [xw, recurrentKernel];
  return record(hs, op, inputs, (dhs, needs) => {
    const dxw = empty(xw.shape.slice());
    const du = empty(recurrentKernel.shape.slice());
    const db = recurrentBias && needs[2] ? empty([g3]) : null;
    native.gruBackward(f32(dhs), f32(recurrentKernel), f32(hs), f32(gates), batch, time, units, reverse, GATES[gate], resetAfter, f32(dxw), f32(du),
      db && f32(db));
    return recurrentBias ? [dxw, du, db] : [dxw, du];
  });
}

/** The shapes an inference op takes: x [batch, time, features], kernel [features, g*u], recurrent kernel [u, g*u]. */
function inferenceShapes(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, biases: (Tensor | null)[], gates: number, op: string): number[] {
  const units = recurrentKernel.shape[0];
  const g = gates * units;
  if (x.rank !== 3 || kernel.rank !== 2 || recurrentKernel.rank !== 2 || kernel.shape[0] !== x.shape[2] || kernel.shape[1] !== g ||
      recurrentKernel.shape[1] !== g || biases.some((b) => b !== null && (b.rank !== 1 || b.shape[0] !== g))) {
    throw new Error(`${op}: expected inputs [batch, time, features], a kernel [features, ${gates}*units], a recurrent kernel [units, ${gates}*units] and biases [${gates}*units], received ${fmt(x.shape)}, ${fmt(kernel.shape)}, ${fmt(recurrentKernel.shape)} and ${biases.map((b) => (b ? fmt(b.shape) : 'none')).join(', ')}`);
  }
  return [x.shape[0], x.shape[1], x.shape[2], units];
}

/**
 * An LSTM layer's forward pass for inference in one native call, the input projection included: x [batch, time,
 * features] (batch-major), kernel [features, 4u], bias [4u] or null, recurrentKernel [u, 4u]; `gate` activations,
 * tanh cell, zero initial state. Returns h time-major, [time, batch, u] with `sequences`, else only the last step
 * [1, batch, u]. Null when a gradient would be recorded: then lstmSequence's path keeps what backward needs.
 */
export function lstmInference(
  x: Tensor, kernel: Tensor, bias: Tensor | null, recurrentKernel: Tensor, reverse: boolean, sequences: boolean, op = 'lstm', gate: RecurrentGateName = 'sigmoid',
): Tensor | null {
  if (willRecord(bias ? [x, kernel, recurrentKernel, bias] : [x, kernel, recurrentKernel])) return null;
  const [batch, time, features, units] = inferenceShapes(x, kernel, recurrentKernel, [bias], 4, op);
  const hs = empty([sequences ? time : 1, batch, units]);
  native.lstmInference(f32(x), f32(kernel), bias && f32(bias), f32(recurrentKernel), batch, time, features, units, reverse, sequences, GATES[gate], f32(hs));
  return hs;
}

/**
 * The same for a GRU: inputBias (joins x W) and recurrentBias (joins h U, with resetAfter only), each [3u] or null;
 * resetAfter as gruSequence's.
 */
export function gruInference(
  x: Tensor, kernel: Tensor, inputBias: Tensor | null, recurrentKernel: Tensor, recurrentBias: Tensor | null, reverse: boolean, sequences: boolean, op = 'gru',
  gate: RecurrentGateName = 'sigmoid', resetAfter = true,
): Tensor | null {
  if (recurrentBias && !resetAfter) throw new Error(`${op}: a GRU without resetAfter has no recurrent bias, received ${fmt(recurrentBias.shape)}`);
  const inputs = [x, kernel, recurrentKernel, ...(inputBias ? [inputBias] : []), ...(recurrentBias ? [recurrentBias] : [])];
  if (willRecord(inputs)) return null;
  const [batch, time, features, units] = inferenceShapes(x, kernel, recurrentKernel, [inputBias, recurrentBias], 3, op);
  const hs = empty([sequences ? time : 1, batch, units]);
  native.gruInference(f32(x), f32(kernel), inputBias && f32(inputBias), f32(recurrentKernel), recurrentBias && f32(recurrentBias), batch, time, features, units,
    reverse, sequences, GATES[gate], resetAfter, f32(hs));
  return hs;
}
