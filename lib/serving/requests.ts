// A request's inputs checked against the model's and brought to flat arrays, on the caller's turn of the event loop:
// a request that does not fit is rejected here, and never reaches a worker or a batch shared with other requests.
import { isStringTensor, Tensor } from '../tensor.js';
import type { Signature } from './protocol.js';

/** A numeric typed array (a request's flat values are copied from it into the batch, converting as they go). */
export type Flat = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array | Uint8ClampedArray;

export interface ParsedRequest {
  rows: number;
  /** One sample without a batch axis: the result has none either. */
  single: boolean;
  /** One flat array per model input, rows × the input's sample size values. */
  inputs: Flat[];
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const isFlat = (x: unknown): x is Flat => ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
/** What a value that is not data was, for messages: a DataView or a BigInt64Array is named, not called an object. */
const describe = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'an array' : ArrayBuffer.isView(x) ? `a ${x.constructor.name}` : typeof x);
/** An object keyed by input name (not data: a Tensor, a typed array, a DataView or an array). */
const isKeyed = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Tensor) && !ArrayBuffer.isView(x);

/** Nested arrays as a flat array and their shape; ragged or non-numeric data is an error naming where it broke. */
function flattenNested(data: unknown[], dtype: 'float32' | 'int32', where: string): { shape: number[]; values: Flat } {
  const shape: number[] = [];
  for (let v: unknown = data; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const values = dtype === 'int32' ? new Int32Array(shape.reduce((a, b) => a * b, 1)) : new Float32Array(shape.reduce((a, b) => a * b, 1));
  let k = 0;
  // The path to a bad element is only spelled out once one is found: building it for every element costs more than
  // the copy.
  const at = (indices: number[]) => (indices.length ? indices.map((i) => `[${i}]`).join('') : 'the data');
  const walk = (x: unknown, depth: number, indices: number[]): void => {
    if (depth === shape.length) {
      if (typeof x !== 'number') throw new Error(`${where}: element ${at(indices)} is ${describe(x)}, expected a number (the data looked like shape ${fmt(shape)})`);
      values[k++] = x;
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new Error(`${where}: the nested arrays are ragged: ${at(indices)} has ${Array.isArray(x) ? `length ${x.length}` : `a ${typeof x}`} where shape ${fmt(shape)} needs length ${shape[depth]}`);
    }
    if (depth === shape.length - 1) {
      // The innermost arrays hold the numbers: copy them in a flat loop.
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        if (typeof v !== 'number') walk(v, depth + 1, [...indices, i]);
        values[k++] = v;
      }
      return;
    }
    for (let i = 0; i < x.length; i++) {
      indices.push(i);
      walk(x[i], depth + 1, indices);
      indices.pop();
    }
  };
  walk(data, 0, []);
  return { shape, values };
}

/** Whether shape[from:] is the sample shape. */
function sameSample(shape: readonly number[], from: number, sample: readonly number[]): boolean {
  if (shape.length - from !== sample.length) return false;
  for (let j = 0; j < sample.length; j++) if (shape[from + j] !== sample[j]) return false;
  return true;
}

function parseInput(x: unknown, spec: Signature['inputs'][number], where: string): ParsedRequest & { input: Flat } {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const expected = () => `one sample of shape ${fmt(spec.shape)} or a batch of shape ${fmt(['n' as unknown as number, ...spec.shape])}`;
  let shape: number[];
  let values: Flat;
  if (x instanceof Tensor) {
    if (isStringTensor(x)) throw new Error(`${where}: expected ${expected()} of numbers, received a string tensor`);
    shape = x.shape;
    values = x.values;
  } else if (isFlat(x)) {
    // A flat array takes its shape from the model: one sample, or as many whole samples as it holds.
    if (x.length === 0 || x.length % size !== 0) throw new Error(`${where}: expected ${expected()}, as a flat array of ${size} values per sample; received a ${x.constructor.name} of ${x.length} values`);
    shape = x.length === size ? spec.shape : [x.length / size, ...spec.shape];
    values = x;
  } else if (Array.isArray(x)) {
    ({ shape, values } = flattenNested(x, spec.dtype, where));
  } else {
    throw new Error(`${where}: expected ${expected()}, as a Tensor, a typed array of numbers or nested arrays; received ${describe(x)}`);
  }
  if (sameSample(shape, 0, spec.shape)) return { rows: 1, single: true, inputs: [], input: values };
  if (sameSample(shape, 1, spec.shape) && shape[0] > 0) return { rows: shape[0], single: false, inputs: [], input: values };
  throw new Error(`${where}: expected ${expected()}; received shape ${fmt(shape)}`);
}

/** Checks a request against the model's inputs (one input: the data itself; several: an array or an object by name). */
export function parseRequest(x: unknown, signature: Signature, pool: string): ParsedRequest {
  const specs = signature.inputs;
  const where = (i: number) => `${pool}.predict: ${specs.length > 1 ? `input "${specs[i].name}"` : 'input'}`;
  let list: unknown[];
  if (specs.length === 1) {
    const wrapped = Array.isArray(x) && x.length === 1 && (x[0] instanceof Tensor || isFlat(x[0]));
    const keyed = isKeyed(x);
    list = [wrapped ? (x as unknown[])[0] : keyed ? x[specs[0].name] : x];
    if (keyed && list[0] === undefined) throw new Error(`${pool}.predict: no data for input "${specs[0].name}" (received keys ${Object.keys(x).join(', ') || 'none'})`);
  } else if (Array.isArray(x)) {
    if (x.length !== specs.length) throw new Error(`${pool}.predict: the model takes ${specs.length} inputs (${specs.map((s) => s.name).join(', ')}); received an array of ${x.length}`);
    list = x;
  } else if (isKeyed(x)) {
    const dict = x;
    const missing = specs.filter((s) => dict[s.name] === undefined).map((s) => `"${s.name}"`);
    if (missing.length) throw new Error(`${pool}.predict: no data for input(s) ${missing.join(', ')} (the model takes ${specs.map((s) => s.name).join(', ')}; received keys ${Object.keys(dict).join(', ') || 'none'})`);
    list = specs.map((s) => dict[s.name]);
  } else {
    throw new Error(`${pool}.predict: the model takes ${specs.length} inputs (${specs.map((s) => s.name).join(', ')}): give an array of them or an object keyed by name`);
  }
  const parsed = list.map((v, i) => parseInput(v, specs[i], where(i)));
  const first = parsed[0];
  for (let i = 1; i < parsed.length; i++) {
    if (parsed[i].single !== first.single || parsed[i].rows !== first.rows) {
      const describe = (p: ParsedRequest) => (p.single ? 'one sample' : `a batch of ${p.rows}`);
      throw new Error(`${pool}.predict: the inputs disagree: "${specs[0].name}" is ${describe(first)}, "${specs[i].name}" is ${describe(parsed[i])}`);
    }
  }
  return { rows: first.rows, single: first.single, inputs: parsed.map((p) => p.input) };
}
