// Keras's keras.utils.pad_sequences: variable-length sequences to one [samples, maxlen, ...] tensor.
import { checkOptionNames } from '../names.js';
import { fmt, sizeOf } from '../shape-util.js';
import { fromArray, isStringTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';

export interface PadSequencesOptions {
  /** The length of every output sequence (default: the longest sequence). */
  maxlen?: number | null;
  /** 'int32' (default, as Keras) or 'float32'. */
  dtype?: 'int32' | 'float32';
  /** 'pre' (default) pads before each sequence, 'post' after it. */
  padding?: 'pre' | 'post';
  /** 'pre' (default) drops the start of a sequence longer than maxlen, 'post' its end. */
  truncating?: 'pre' | 'post';
  /** The padding value (default 0). */
  value?: number;
}

type Sequence = ArrayLike<unknown> | Tensor;

/**
 * Pads (and truncates) a list of sequences to `maxlen` steps: [samples, maxlen] for sequences of numbers, or
 * [samples, maxlen, ...sampleShape] when each step is itself an array (one shape for all steps, as in Keras).
 */
export function padSequences(sequences: readonly Sequence[], options: PadSequencesOptions = {}): Tensor {
  const what = 'padSequences';
  checkOptionNames(options, ['maxlen', 'dtype', 'padding', 'truncating', 'value'], what);
  if (!Array.isArray(sequences)) throw new Error(`${what}: sequences must be an array of sequences, received ${typeof sequences}`);
  const dtype = options.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32') throw new Error(`${what}: dtype must be 'int32' or 'float32', received ${JSON.stringify(dtype)}`);
  const padding = options.padding ?? 'pre';
  if (padding !== 'pre' && padding !== 'post') throw new Error(`${what}: padding must be 'pre' or 'post', received ${JSON.stringify(padding)}`);
  const truncating = options.truncating ?? 'pre';
  if (truncating !== 'pre' && truncating !== 'post') throw new Error(`${what}: truncating must be 'pre' or 'post', received ${JSON.stringify(truncating)}`);
  const value = options.value ?? 0;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new Error(`${what}: value must be a number, received ${JSON.stringify(value)}`);

  // Each sequence as a tensor [steps, ...sampleShape]; an empty one has no steps and takes no part in the shape.
  const rows = sequences.map((s, i) => {
    const isSequence = s instanceof Tensor || (s !== null && typeof s === 'object' && typeof (s as ArrayLike<unknown>).length === 'number');
    if (!isSequence) throw new Error(`${what}: sequences must be a list of arrays; sequence ${i} is ${s === null ? 'null' : typeof s}`);
    if (isStringTensor(s)) throw new Error(`${what}: sequence ${i} holds strings; map tokens to ids first (StringLookup, TextVectorization)`);
    if (!(s instanceof Tensor) && (s as ArrayLike<unknown>).length === 0) return null;
    const t = toTensor(s as TensorLike, `${what}: sequence ${i}`);
    if (t.rank === 0) throw new Error(`${what}: sequence ${i} is a single number, not a sequence`);
    return t.shape[0] === 0 ? null : t;
  });
  const first = rows.find((t) => t !== null);
  const sampleShape = first ? first.shape.slice(1) : [];
  rows.forEach((t, i) => {
    if (t && (t.rank - 1 !== sampleShape.length || t.shape.some((d, k) => k > 0 && d !== sampleShape[k - 1]))) {
      throw new Error(`${what}: the steps of sequence ${i} have shape ${fmt(t.shape.slice(1))}, but those of the first have ${fmt(sampleShape)}`);
    }
  });
  const maxlen = options.maxlen ?? rows.reduce((m, t) => Math.max(m, t ? t.shape[0] : 0), 0);
  if (!Number.isInteger(maxlen) || maxlen < 0) throw new Error(`${what}: maxlen must be a non-negative integer, received ${String(options.maxlen)}`);

  const step = sizeOf(sampleShape);
  const out = dtype === 'int32' ? new Int32Array(sequences.length * maxlen * step) : new Float32Array(sequences.length * maxlen * step);
  out.fill(value);
  rows.forEach((t, i) => {
    if (!t || maxlen === 0) return;
    const steps = Math.min(t.shape[0], maxlen);
    const from = truncating === 'pre' ? t.shape[0] - steps : 0;
    const to = padding === 'pre' ? maxlen - steps : 0;
    const src = t.values;
    const base = (i * maxlen + to) * step;
    // Storing into an Int32Array truncates toward zero, as numpy's cast to int32 does.
    for (let k = 0; k < steps * step; k++) out[base + k] = src[from * step + k] as number;
  });
  return fromArray(out, [sequences.length, maxlen, ...sampleShape]);
}
