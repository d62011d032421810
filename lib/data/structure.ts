// The elements of a dataset are nested structures: plain objects and arrays are containers, and the leaves are
// tensors, numbers, booleans, strings, typed arrays and nested arrays of numbers. batch() stacks the leaves at the same
// place in n elements into one tensor with a new leading axis; unbatch() cuts them back into rows.
//
// An array is a leaf when it holds only numbers (or equal-length arrays of numbers, at any depth): TF.js's rule, so
// that `{ xs: [1, 2, 3], ys: 0 }` batches to a [n, 3] matrix. Any other array is a tuple, as Keras's `(x, y)`:
// `[features, label]` with a tensor or typed array inside. The one ambiguous case is a pair of plain numbers, which is
// a leaf; zip() marks the arrays it makes as tuples, and tuple() does the same for a map's result.
import { adopt } from '../memory.js';
import { fmt } from '../shape-util.js';
import { fromStrings, isStringTensor, stringsOf, Tensor, type DataArray } from '../tensor.js';

const tupleMark = Symbol('tn.data.tuple');

/** Marks an array as a tuple (a container), even when it holds only numbers: `ds.map(r => tuple([r.a, r.b]))`. */
export function tuple<T extends unknown[]>(items: T): T {
  Object.defineProperty(items, tupleMark, { value: true, enumerable: false });
  return items;
}

export function isTuple(v: unknown[]): boolean {
  return (v as unknown as Record<symbol, unknown>)[tupleMark] === true;
}

/** The shape of a nonempty rectangular nested array of numbers, or null when `v` is anything else. */
export function numericArrayShape(v: unknown): number[] | null {
  if (!Array.isArray(v) || v.length === 0 || isTuple(v)) return null;
  if (v.every((e) => typeof e === 'number' || typeof e === 'boolean')) return [v.length];
  const inner = numericArrayShape(v[0]);
  if (!inner) return null;
  for (let i = 1; i < v.length; i++) {
    const s = numericArrayShape(v[i]);
    if (!s || s.length !== inner.length || s.some((d, j) => d !== inner[j])) return null;
  }
  return [v.length, ...inner];
}

/** Whether `v` is a container (a tuple array or a plain object) rather than a leaf. */
export function isContainer(v: unknown): v is unknown[] | Record<string, unknown> {
  if (Array.isArray(v)) return numericArrayShape(v) === null;
  if (v === null || typeof v !== 'object' || v instanceof Tensor || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape ${fmt(v.shape)}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  if (Array.isArray(v)) return numericArrayShape(v) ? `an array of numbers of shape ${fmt(numericArrayShape(v)!)}` : `an array of ${v.length}`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).join(', ')}`;
  return `a ${typeof v}`;
}

const at = (path: string) => (path ? ` at ${path}` : '');

/** The leaves of one place in n elements, as one tensor with a leading axis of n. */
function stackLeaves(leaves: unknown[], path: string): Tensor {
  const first = leaves[0];
  const n = leaves.length;
  if (typeof first === 'number' || typeof first === 'boolean') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = leaves[i];
      if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`batch: element ${i} has ${describe(v)}${at(path)}, but element 0 has a number there`);
      out[i] = Number(v);
    }
    return new Tensor(adopt(out), [n], 'float32');
  }
  if (typeof first === 'string') {
    for (let i = 0; i < n; i++) if (typeof leaves[i] !== 'string') throw new Error(`batch: element ${i} has ${describe(leaves[i])}${at(path)}, but element 0 has a string there`);
    return fromStrings(leaves as string[], [n]);
  }
  if (ArrayBuffer.isView(first)) {
    const len = (first as unknown as ArrayLike<number>).length;
    const int = first instanceof Int32Array;
    const out: DataArray = int ? new Int32Array(n * len) : new Float32Array(n * len);
    for (let i = 0; i < n; i++) {
      const v = leaves[i] as ArrayLike<number>;
      if (!ArrayBuffer.isView(v) || v.length !== len) throw new Error(`batch: element ${i} has ${describe(v)}${at(path)}, but element 0 has ${describe(first)} there; elements must have equal shapes to be batched`);
      out.set(v, i * len);
    }
    return new Tensor(adopt(out), [n, len], int ? 'int32' : 'float32');
  }
  const arrayShape = numericArrayShape(first);
  if (arrayShape) {
    const size = arrayShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const s = numericArrayShape(leaves[i]);
      if (!s || s.length !== arrayShape.length || s.some((d, j) => d !== arrayShape[j])) throw new Error(`batch: element ${i} has ${describe(leaves[i])}${at(path)}, but element 0 has ${describe(first)} there; elements must have equal shapes to be batched`);
      let k = i * size;
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) for (const e of x) walk(e);
        else out[k++] = Number(x);
      };
      walk(leaves[i]);
    }
    return new Tensor(adopt(out), [n, ...arrayShape], 'float32');
  }
  if (first instanceof Tensor) {
    const shape = first.shape;
    for (let i = 0; i < n; i++) {
      const t = leaves[i];
      if (!(t instanceof Tensor) || t.rank !== shape.length || t.shape.some((d, j) => d !== shape[j]) || isStringTensor(t) !== isStringTensor(first)) {
        throw new Error(`batch: element ${i} has ${describe(t)}${at(path)}, but element 0 has ${describe(first)} there; elements must have equal shapes to be batched (resize or pad them in a map first)`);
      }
    }
    if (isStringTensor(first)) return fromStrings((leaves as Tensor[]).flatMap((t) => stringsOf(t, 'batch')), [n, ...shape]);
    const int = (leaves as Tensor[]).every((t) => t.dtype === 'int32');
    const size = first.size;
    const out: DataArray = int ? new Int32Array(n * size) : new Float32Array(n * size);
    for (let i = 0; i < n; i++) out.set((leaves[i] as Tensor).values, i * size);
    return new Tensor(adopt(out), [n, ...shape], int ? 'int32' : 'float32');
  }
  throw new Error(`batch: cannot batch ${describe(first)}${at(path)}; leaves must be tensors, numbers, booleans, strings or typed arrays`);
}

/** n elements of one structure as one element whose leaves have a leading batch axis. */
export function stackElements(elements: unknown[], path = ''): unknown {
  const first = elements[0];
  if (Array.isArray(first) && isContainer(first)) {
    for (let i = 1; i < elements.length; i++) {
      const e = elements[i];
      if (!Array.isArray(e) || e.length !== first.length) throw new Error(`batch: element ${i} has ${describe(e)}${at(path)}, but element 0 has ${describe(first)}; elements must share one structure`);
    }
    return tuple(first.map((_, k) => stackElements(elements.map((e) => (e as unknown[])[k]), `${path}[${k}]`)));
  }
  if (isContainer(first)) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (let i = 1; i < elements.length; i++) {
      const e = elements[i];
      if (!isContainer(e) || Array.isArray(e) || Object.keys(e).length !== keys.length || keys.some((k) => !(k in e))) {
        throw new Error(`batch: element ${i} has ${describe(e)}${at(path)}, but element 0 has ${describe(first)}; elements must share one structure`);
      }
    }
    for (const k of keys) out[k] = stackElements(elements.map((e) => (e as Record<string, unknown>)[k]), `${path}.${k}`);
    return out;
  }
  return stackLeaves(elements, path);
}

/** A part of paddedBatch's per-leaf spec: the same value for every leaf, or the part at `key` of a structure. */
function specAt(spec: unknown, key: string | number): unknown {
  if (spec === undefined || spec === null || typeof spec !== 'object' || numericArrayShape(spec) !== null) return spec;
  return (spec as Record<string | number, unknown>)[key];
}

/**
 * paddedBatch's first step: n elements of one structure with every tensor leaf padded to a common shape, the batch's
 * largest along each axis or `shapes` (per leaf: a list with null or -1 for "the batch's largest"), with `values`
 * (a number, '' for string tensors, or per leaf). Leaves that are not tensors are left as they are.
 */
export function padElements(elements: unknown[], shapes: unknown, values: unknown, path = ''): unknown[] {
  const first = elements[0];
  if (Array.isArray(first) && isContainer(first)) {
    if (!elements.every((e) => Array.isArray(e) && e.length === first.length)) return elements;
    const cols = first.map((_, k) => padElements(elements.map((e) => (e as unknown[])[k]), specAt(shapes, k), specAt(values, k), `${path}[${k}]`));
    return elements.map((_, i) => tuple(cols.map((c) => c[i])));
  }
  if (isContainer(first)) {
    const keys = Object.keys(first);
    if (!elements.every((e) => isContainer(e) && !Array.isArray(e))) return elements;
    const cols = new Map(keys.map((k) => [k, padElements(elements.map((e) => (e as Record<string, unknown>)[k]), specAt(shapes, k), specAt(values, k), `${path}.${k}`)]));
    return elements.map((_, i) => Object.fromEntries(keys.map((k) => [k, cols.get(k)![i]])));
  }
  if (!(first instanceof Tensor)) return elements;
  const tensors = elements as Tensor[];
  const rank = first.rank;
  if (!tensors.every((t) => t instanceof Tensor && t.rank === rank)) {
    const odd = tensors.find((t) => !(t instanceof Tensor) || t.rank !== rank);
    throw new Error(`paddedBatch: element ${tensors.indexOf(odd as Tensor)} has ${describe(odd)}${at(path)}, but element 0 has ${describe(first)} there; padding keeps the rank`);
  }
  const largest = first.shape.map((_, a) => Math.max(...tensors.map((t) => t.shape[a])));
  let target = largest;
  if (shapes !== undefined && shapes !== null) {
    if (!Array.isArray(shapes) || shapes.length !== rank) throw new Error(`paddedBatch: paddedShapes${at(path)} must list ${rank} sizes for leaves of shape ${fmt(first.shape)}, received ${JSON.stringify(shapes)}`);
    target = shapes.map((d, a) => {
      if (d === null || d === -1) return largest[a];
      if (!Number.isInteger(d) || d < largest[a]) throw new Error(`paddedBatch: paddedShapes${at(path)} gives ${JSON.stringify(d)} for axis ${a}, but an element has ${largest[a]} there (sizes must be at least the largest, or null)`);
      return d as number;
    });
  }
  const str = isStringTensor(first);
  const fill = values === undefined || values === null ? (str ? '' : 0) : values;
  if (str ? typeof fill !== 'string' : typeof fill !== 'number') throw new Error(`paddedBatch: paddingValues${at(path)} must be a ${str ? 'string' : 'number'}, received ${JSON.stringify(fill)}`);
  return tensors.map((t) => (t.shape.every((d, a) => d === target[a]) ? t : padTo(t, target, fill as number | string)));
}

/** t padded at the end of every axis to `shape` with `fill`. */
function padTo(t: Tensor, shape: number[], fill: number | string): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const rank = shape.length;
  // Rows along the last axis are contiguous in both: copy row by row, each to its place in the larger layout.
  const rowLength = rank === 0 ? 1 : t.shape[rank - 1];
  const rows = rowLength === 0 ? 0 : t.size / rowLength;
  const dest = (row: number): number => {
    let offset = 0;
    let rest = row;
    let stride = rank === 0 ? 1 : shape[rank - 1];
    for (let a = rank - 2; a >= 0; a--) {
      offset += (rest % t.shape[a]) * stride;
      rest = Math.floor(rest / t.shape[a]);
      stride *= shape[a];
    }
    return offset;
  };
  if (isStringTensor(t)) {
    const src = stringsOf(t, 'paddedBatch');
    const out = new Array<string>(size).fill(fill as string);
    for (let r = 0; r < rows; r++) for (let j = 0; j < rowLength; j++) out[dest(r) + j] = src[r * rowLength + j];
    return fromStrings(out, shape);
  }
  const out: DataArray = t.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  if (fill !== 0) out.fill(fill as number);
  for (let r = 0; r < rows; r++) out.set(t.values.subarray(r * rowLength, (r + 1) * rowLength), dest(r));
  return new Tensor(adopt(out), shape, t.dtype);
}

/** Row i of a batched leaf: a zero-copy view of the batch's buffer. */
function row(t: Tensor, i: number): Tensor {
  const per = t.size / (t.shape[0] || 1);
  const shape = t.shape.slice(1);
  if (isStringTensor(t)) return fromStrings(stringsOf(t, 'unbatch').slice(i * per, (i + 1) * per), shape);
  return new Tensor(adopt(t.values.subarray(i * per, (i + 1) * per)), shape, t.dtype);
}

function batchSizeOf(element: unknown, path: string): number {
  if (Array.isArray(element) && !isContainer(element)) return element.length;
  if (Array.isArray(element)) {
    let n = -1;
    element.forEach((e, k) => {
      const m = batchSizeOf(e, `${path}[${k}]`);
      if (n >= 0 && m !== n) throw new Error(`unbatch: the leaves of an element have different batch sizes (${n} and ${m}${at(`${path}[${k}]`)})`);
      n = m;
    });
    if (n < 0) throw new Error(`unbatch: an empty array${at(path)} has no batch axis`);
    return n;
  }
  if (isContainer(element)) return batchSizeOf(Object.values(element), path);
  if (element instanceof Tensor) {
    if (element.rank === 0) throw new Error(`unbatch: a scalar tensor${at(path)} has no batch axis`);
    return element.shape[0];
  }
  if (ArrayBuffer.isView(element)) return (element as unknown as ArrayLike<number>).length;
  throw new Error(`unbatch: ${describe(element)}${at(path)} has no batch axis; unbatch takes elements whose leaves are tensors with a leading batch axis`);
}

function rowOf(element: unknown, i: number): unknown {
  if (Array.isArray(element) && !isContainer(element)) return element[i];
  if (Array.isArray(element)) return tuple(element.map((e) => rowOf(e, i)));
  if (isContainer(element)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(element)) out[k] = rowOf(v, i);
    return out;
  }
  if (element instanceof Tensor) return row(element, i);
  return (element as ArrayLike<number>)[i];
}

/** The rows of a batched element, as separate elements. */
export function unstackElement(element: unknown): unknown[] {
  const n = batchSizeOf(element, '');
  return Array.from({ length: n }, (_, i) => rowOf(element, i));
}
