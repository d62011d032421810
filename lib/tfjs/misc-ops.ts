// TF.js's remaining top-level ops that ported programs call: the low-level LSTM cells (basicLSTMCell,
// multiRNNCell), sparseToDense, randomGamma and rand, broadcastArgs, bitwiseAnd, the signal helpers
// enclosingPowerOfTwo and cosineWindow, and the chained x.variable() and x.toBool().
import { add, mul, notEqual, sigmoid, tanh } from '../ops/elementwise.js';
import { matMul } from '../ops/matmul.js';
import { replaceRows } from '../ops/numpy.js';
import { broadcastTo } from '../ops/broadcast.js';
import { concat, reshape, slice } from '../ops/shape.js';
import { generator } from '../random.js';
import { broadcastShapes, checkShape, fmt } from '../shape-util.js';
import { fill, isStringTensor, maxTensorElements, Tensor, tensor, toTensor, variable, type DType, type TensorLike } from '../tensor.js';

/** The element count of `shape`, refused before a typed array of it is allocated when no tensor could hold it. */
function elements(shape: number[], op: string): number {
  const size = shape.reduce((p, d) => p * d, 1);
  if (size > maxTensorElements) throw new Error(`${op}: shape ${fmt(shape)} has ${size} elements, more than a tensor holds (${maxTensorElements})`);
  return size;
}

function numeric(x: TensorLike, op: string, what: string): Tensor {
  const t = toTensor(x, op);
  if (isStringTensor(t)) throw new Error(`${op}: ${what} is a string tensor of shape ${fmt(t.shape)}`);
  return t;
}

/**
 * TF.js's basicLSTMCell(forgetBias, lstmKernel, lstmBias, data, c, h): one LSTM step, [newC, newH]. The gates
 * are [data, h] lstmKernel + lstmBias split in four as TF.js orders them (input, cell candidate, forget, output),
 * the forget gate biased by forgetBias.
 */
export function basicLSTMCell(forgetBias: TensorLike, lstmKernel: TensorLike, lstmBias: TensorLike, data: TensorLike, c: TensorLike, h: TensorLike): [Tensor, Tensor] {
  const op = 'basicLSTMCell';
  const [fb, k, b, x, c0, h0] = [numeric(forgetBias, op, 'forgetBias'), numeric(lstmKernel, op, 'lstmKernel'), numeric(lstmBias, op, 'lstmBias'), numeric(data, op, 'data'), numeric(c, op, 'c'), numeric(h, op, 'h')];
  if (x.rank !== 2 || h0.rank !== 2 || c0.rank !== 2 || h0.shape[0] !== x.shape[0] || c0.shape[0] !== x.shape[0] || c0.shape[1] !== h0.shape[1]) {
    throw new Error(`${op}: data, c and h must be [batch, features], [batch, units] and [batch, units], received ${fmt(x.shape)}, ${fmt(c0.shape)} and ${fmt(h0.shape)}`);
  }
  const units = h0.shape[1];
  if (k.rank !== 2 || k.shape[0] !== x.shape[1] + units || k.shape[1] !== 4 * units) {
    throw new Error(`${op}: lstmKernel must be [${x.shape[1] + units}, ${4 * units}] (data's features plus the units, by four gates) for data ${fmt(x.shape)} and h ${fmt(h0.shape)}, received ${fmt(k.shape)}`);
  }
  if (b.size !== 4 * units) throw new Error(`${op}: lstmBias must have ${4 * units} values (four gates of ${units} units), received shape ${fmt(b.shape)}`);
  const z = add(matMul(concat([x, h0], 1), k), b);
  const gate = (g: number) => slice(z, [0, g * units], [x.shape[0], units]);
  const newC = add(mul(sigmoid(gate(0)), tanh(gate(1))), mul(c0, sigmoid(add(fb, gate(2)))));
  return [newC, mul(tanh(newC), sigmoid(gate(3)))];
}

/**
 * TF.js's multiRNNCell(lstmCells, data, c, h): the cells stacked, each fed the previous one's h, returning
 * [newC[], newH[]] (one per cell). Each cell is a function (data, c, h) => [newC, newH], such as a basicLSTMCell
 * with its weights bound.
 */
export function multiRNNCell(lstmCells: ((data: Tensor, c: Tensor, h: Tensor) => [Tensor, Tensor])[], data: TensorLike, c: TensorLike[], h: TensorLike[]): [Tensor[], Tensor[]] {
  const op = 'multiRNNCell';
  if (!Array.isArray(lstmCells) || lstmCells.some((f) => typeof f !== 'function')) throw new Error(`${op}: lstmCells must be a list of functions (data, c, h) => [newC, newH]`);
  if (!Array.isArray(c) || !Array.isArray(h) || c.length !== lstmCells.length || h.length !== lstmCells.length) {
    throw new Error(`${op}: c and h must be lists with one state per cell (${lstmCells.length}), received ${Array.isArray(c) ? c.length : typeof c} and ${Array.isArray(h) ? h.length : typeof h}`);
  }
  let input = numeric(data, op, 'data');
  const newC: Tensor[] = [];
  const newH: Tensor[] = [];
  lstmCells.forEach((cell, i) => {
    const [ci, hi] = cell(input, numeric(c[i], op, `c[${i}]`), numeric(h[i], op, `h[${i}]`));
    newC.push(ci);
    newH.push(hi);
    input = hi;
  });
  return [newC, newH];
}

/**
 * TF.js's sparseToDense(sparseIndices, sparseValues, outputShape, defaultValue = 0): a tensor of outputShape
 * holding defaultValue, with sparseValues (one per index, or one scalar for all) at sparseIndices (a scalar or a
 * vector of positions for a 1-D output, or rows [n, rank] of coordinates); a repeated index takes its last value.
 * Differentiable in the values (float32).
 */
export function sparseToDense(sparseIndices: TensorLike, sparseValues: TensorLike, outputShape: number[], defaultValue: number | TensorLike = 0): Tensor {
  const op = 'sparseToDense';
  const shape = checkShape(outputShape, op, 'outputShape');
  const idx = numeric(sparseIndices, op, 'sparseIndices');
  const values = numeric(sparseValues, op, 'sparseValues');
  const def = numeric(defaultValue, op, 'defaultValue');
  if (def.size !== 1) throw new Error(`${op}: defaultValue must be a scalar, received shape ${fmt(def.shape)}`);
  if (idx.dtype !== 'int32' && !Array.from(idx.values).every(Number.isInteger)) throw new Error(`${op}: sparseIndices must be integers`);
  if (idx.rank > 2) throw new Error(`${op}: sparseIndices must be a scalar, a vector or a matrix [n, rank], received shape ${fmt(idx.shape)}`);
  const n = idx.rank === 0 ? 1 : idx.shape[0];
  const width = idx.rank === 2 ? idx.shape[1] : 1;
  if (width !== shape.length) throw new Error(`${op}: each index must have ${shape.length} coordinates for outputShape ${fmt(shape)}, received sparseIndices of shape ${fmt(idx.shape)}`);
  if (!(values.rank === 0 || (values.rank === 1 && values.shape[0] === n))) throw new Error(`${op}: sparseValues must be a scalar or [${n}] (one per index), received shape ${fmt(values.shape)}`);
  const rows = reshape(idx.dtype === 'int32' ? idx : idx.cast('int32'), [n, width]);
  const iv = rows.values;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < width; a++) {
      if (iv[i * width + a] < 0 || iv[i * width + a] >= shape[a]) throw new Error(`${op}: index ${fmt(Array.from(iv.subarray(i * width, (i + 1) * width)))} (row ${i}) is outside outputShape ${fmt(shape)}`);
    }
  }
  const v = values.rank === 0 ? broadcastTo(values, [n]) : values;
  if (values.dtype === 'int32') {
    const out = new Int32Array(elements(shape, op)).fill(def.values[0]);
    const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
    for (let i = 0; i < n; i++) {
      let flat = 0;
      for (let a = 0; a < width; a++) flat += iv[i * width + a] * strides[a];
      out[flat] = v.values[i];
    }
    return tensor(out, shape, 'int32');
  }
  return replaceRows(fill(shape, def.values[0]), rows, v, op);
}

/**
 * TF.js's randomGamma(shape, alpha, beta = 1, dtype = 'float32', seed): Gamma draws by Marsaglia and Tsang's method,
 * scaled by beta as TF.js's sampler scales them (its mean is alpha * beta), from the seed or the global generator.
 */
export function randomGamma(shape: number[], alpha: number, beta = 1, dtype: 'float32' | 'int32' = 'float32', seed?: number): Tensor {
  const op = 'randomGamma';
  const s = checkShape(shape, op);
  if (typeof alpha !== 'number' || !(alpha > 0)) throw new Error(`${op}: alpha must be a positive number, received ${JSON.stringify(alpha)}`);
  if (typeof beta !== 'number' || !(beta > 0)) throw new Error(`${op}: beta must be a positive number, received ${JSON.stringify(beta)}`);
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${op}: dtype must be 'float32' or 'int32', received ${JSON.stringify(dtype)}`);
  const g = generator(seed);
  const d = alpha < 1 ? alpha + 2 / 3 : alpha - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  const size = elements(s, op);
  const out = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  for (let i = 0; i < size; i++) {
    let v: number;
    for (;;) {
      let x: number;
      do {
        x = g.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = g.uniform();
      if (u < 1 - 0.331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) break;
    }
    let value = beta * d * v;
    // alpha < 1 boosts a draw for alpha + 1 by u^(1 / alpha).
    if (alpha < 1) value *= Math.pow(g.uniform(), 1 / alpha);
    out[i] = dtype === 'float32' ? value : Math.round(value);
  }
  return tensor(out, s, dtype);
}

/** TF.js's rand(shape, randFunction, dtype = 'float32'): a tensor of randFunction()'s values, one call per element. */
export function rand(shape: number[], randFunction: () => number, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const s = checkShape(shape, 'rand');
  if (typeof randFunction !== 'function') throw new Error('rand: randFunction must be a function returning a number');
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`rand: dtype must be 'float32' or 'int32', received ${JSON.stringify(dtype)}`);
  const size = elements(s, 'rand');
  const out = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  for (let i = 0; i < size; i++) out[i] = randFunction();
  return tensor(out, s, dtype);
}

/** TF.js's broadcastArgs(s0, s1): the shape (an int32 vector) that shapes s0 and s1 broadcast to. */
export function broadcastArgs(s0: TensorLike, s1: TensorLike): Tensor {
  const a = toTensor(s0, 'broadcastArgs', 'int32');
  const b = toTensor(s1, 'broadcastArgs', 'int32');
  if (a.rank !== 1 || b.rank !== 1) throw new Error(`broadcastArgs: s0 and s1 must be vectors of dimensions, received shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const out = broadcastShapes(Array.from(a.values), Array.from(b.values), 'broadcastArgs');
  return tensor(Int32Array.from(out), [out.length], 'int32');
}

/** TF.js's bitwiseAnd(x, y): the bitwise AND of two int32 tensors of one shape. */
export function bitwiseAnd(x: TensorLike, y: TensorLike): Tensor {
  const a = numeric(x, 'bitwiseAnd', 'x');
  const b = numeric(y, 'bitwiseAnd', 'y');
  if (a.dtype !== 'int32' || b.dtype !== 'int32') throw new Error(`bitwiseAnd: x and y must be int32, received ${a.dtype} and ${b.dtype}`);
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) throw new Error(`bitwiseAnd: x and y must have one shape, received ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return tensor(Int32Array.from(a.values, (v, i) => v & b.values[i]), a.shape.slice(), 'int32');
}

/** TF.js's enclosingPowerOfTwo(value): the smallest power of two >= value. */
export function enclosingPowerOfTwo(value: number): number {
  if (typeof value !== 'number' || !(value > 0)) throw new Error(`enclosingPowerOfTwo: value must be a positive number, received ${JSON.stringify(value)}`);
  return Math.floor(2 ** Math.ceil(Math.log(value) / Math.log(2)));
}

/** TF.js's cosineWindow(windowLength, a, b): a - b cos(2 pi i / (N - 1)) for odd N, / N for even (periodic). */
export function cosineWindow(windowLength: number, a: number, b: number): Tensor {
  if (!Number.isInteger(windowLength) || windowLength < 1) throw new Error(`cosineWindow: windowLength must be a positive integer, received ${windowLength}`);
  elements([windowLength], 'cosineWindow');
  if (typeof a !== 'number' || typeof b !== 'number') throw new Error(`cosineWindow: a and b must be numbers, received ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  const even = 1 - (windowLength % 2);
  return tensor(Float32Array.from({ length: windowLength }, (_, i) => a - b * Math.cos((2 * Math.PI * i) / (windowLength + even - 1))), [windowLength]);
}

// TF.js's chained x.variable(trainable, name, dtype), x.toBool() (int32 0 / 1, tensornode's booleans), x.bytes()
// (the values' bytes, or each string's UTF-8 bytes) and x.throwIfDisposed() (nothing to throw: see dispose()).
// x.variable() returns a Variable; its declared type lists Variable's public members rather than naming the class,
// whose private members would make the Tensor type nominal (two builds' Tensors, as lib and dist, would not match).
declare module '../tensor.js' {
  interface Tensor {
    variable(trainable?: boolean, name?: string, dtype?: DType): Tensor & Pick<Variable, 'name' | 'trainable' | 'assign' | 'assignAdd' | 'assignSub'>;
    toBool(): Tensor;
    bytes(): Promise<Uint8Array | Uint8Array[]>;
    throwIfDisposed(): void;
  }
}

const chained: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  variable(trainable?: boolean, name?: string, dtype?: DType) { return variable(this, trainable, name, dtype); },
  toBool() { return notEqual(this, 0); },
  async bytes() {
    if (isStringTensor(this)) return (this.data() as unknown as string[]).map((s) => new TextEncoder().encode(s));
    const v = this.values;
    return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  },
  throwIfDisposed() {},
};
for (const [name, fn] of Object.entries(chained)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
