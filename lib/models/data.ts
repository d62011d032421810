// Turning the x and y that users pass to fit/evaluate/predict into lists of tensors, checking their sizes, and
// cutting them into batches.
import { allocate, adopt } from '../memory.js';
import { fmt } from '../shape-util.js';
import { fromStrings, isStringTensor, stringsOf, Tensor, toInputTensor, toTensor, type TensorLike } from '../tensor.js';

export type Inputs = TensorLike | TensorLike[] | Record<string, TensorLike>;

/** x or y as a list ordered like the model's inputs or outputs (a dict is matched by name). */
export function toList(data: Inputs, names: string[], what: string, modelName: string): Tensor[] {
  if (data === undefined || data === null) throw new Error(`${what} must be given (received ${String(data)})`);
  let list: TensorLike[];
  if (data instanceof Tensor || ArrayBuffer.isView(data) || typeof data === 'number') {
    list = [data as TensorLike];
  } else if (Array.isArray(data)) {
    // A list of tensors is one entry per input; a nested array of numbers is one tensor.
    list = data.length > 0 && data.every((d) => d instanceof Tensor) ? (data as Tensor[]) : names.length > 1 && data.every((d) => Array.isArray(d) || ArrayBuffer.isView(d)) && data.length === names.length ? (data as TensorLike[]) : [data as TensorLike];
  } else if (typeof data === 'object') {
    const dict = data as Record<string, TensorLike>;
    const missing = names.filter((n) => !(n in dict));
    if (missing.length) throw new Error(`${what}: no data for ${missing.map((m) => `'${m}'`).join(', ')} (model "${modelName}" expects keys ${names.join(', ')}; received ${Object.keys(dict).join(', ')})`);
    list = names.map((n) => dict[n]);
  } else {
    throw new Error(`${what} must be a tensor, an array of tensors or an object of tensors, received ${typeof data}`);
  }
  if (names.length && list.length !== names.length) {
    throw new Error(`Layer "${modelName}" expects ${names.length} ${what === 'x' ? 'input' : 'output'}(s), but it received ${list.length} ${what === 'x' ? 'input' : 'target'} tensors`);
  }
  return list.map((d, i) => {
    const t = toInputTensor(d, `${what}[${i}]`);
    if (t.rank === 0) throw new Error(`${what}${list.length > 1 ? `[${i}]` : ''} must have a batch axis, received a scalar`);
    return t;
  });
}

/** The common number of samples, or Keras's "Data cardinality is ambiguous" error. */
export function cardinality(groups: [string, Tensor[]][]): number {
  const sizes = groups.map(([name, ts]) => [name, ts.map((t) => t.shape[0])] as const);
  const all = sizes.flatMap(([, s]) => s);
  if (all.some((s) => s !== all[0])) {
    const lines = sizes.map(([name, s]) => `'${name}' sizes: ${s.join(', ')}`).join('\n');
    throw new Error(`Data cardinality is ambiguous. Make sure all arrays contain the same number of samples.\n${lines}`);
  }
  return all[0];
}

/** Rows [start, end) of t: a zero-copy view of the buffer (ops never write to their inputs). */
export function rowRange(t: Tensor, start: number, end: number): Tensor {
  if (start === 0 && end === t.shape[0]) return t;
  const row = t.size / (t.shape[0] || 1);
  if (isStringTensor(t)) return fromStrings(stringsOf(t, 'rowRange').slice(start * row, end * row), [end - start, ...t.shape.slice(1)]);
  return new Tensor(adopt(t.values.subarray(start * row, end * row)), [end - start, ...t.shape.slice(1)], t.dtype);
}

/** The rows of t listed in order[start, end), copied into one buffer (from the step's pool inside a step). */
export function gatherRows(t: Tensor, order: Int32Array, start: number, end: number): Tensor {
  const n = end - start;
  const row = t.size / (t.shape[0] || 1);
  if (isStringTensor(t)) {
    const src = stringsOf(t, 'gatherRows');
    const out: string[] = new Array(n * row);
    for (let i = 0; i < n; i++) for (let j = 0; j < row; j++) out[i * row + j] = src[order[start + i] * row + j];
    return fromStrings(out, [n, ...t.shape.slice(1)]);
  }
  const s = allocate(t.dtype, n * row);
  const dst = s.data!;
  const src = t.values;
  for (let i = 0; i < n; i++) {
    const r = order[start + i];
    if (row >= 32) dst.set(src.subarray(r * row, (r + 1) * row), i * row);
    else for (let j = 0; j < row; j++) dst[i * row + j] = src[r * row + j];
  }
  return new Tensor(s, [n, ...t.shape.slice(1)], t.dtype);
}

/** Per-sample weights from a class-weight table: the label of each sample (integer or one-hot) picks its weight. */
export function classWeightsFor(y: Tensor, classWeight: Record<number, number>): Tensor {
  const n = y.shape[0];
  const per = y.size / (n || 1);
  const v = y.values;
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let label: number;
    if (per === 1) {
      label = v[i];
    } else {
      label = 0;
      for (let c = 1; c < per; c++) if (v[i * per + c] > v[i * per + label]) label = c;
    }
    // A class the mapping leaves out weighs 1, as in Keras 3 (class_weight.get(c, 1.0)).
    w[i] = classWeight[label] ?? 1;
  }
  return new Tensor(adopt(w), [n], 'float32');
}

export function checkSampleWeight(sw: TensorLike | undefined | null, n: number): Tensor | null {
  if (sw === undefined || sw === null) return null;
  const t = toTensor(sw, 'sampleWeight');
  if (t.shape[0] !== n) throw new Error(`sampleWeight has shape ${fmt(t.shape)}, but there are ${n} samples`);
  return t;
}
