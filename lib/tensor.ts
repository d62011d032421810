// Tensor: an immutable n-dimensional array of float32 or int32, plus the creation helpers.
import { constants as bufferConstants } from 'node:buffer';
import type { GradNode } from './autograd/tape.js';
import { checkDType, type DType } from './dtype.js';
import { allocate, adopt, keepStorage, Storage, type DataArray } from './memory.js';
import { generator } from './random.js';
import { checkShape, fmt, sizeOf } from './shape-util.js';

export type { DType } from './dtype.js';
export type { DataArray } from './memory.js';

/** Nested arrays of numbers (or booleans), as accepted by `tensor()`. */
export type NestedArray = number | boolean | NestedArray[];
/** Nested arrays of strings, as accepted by `tensor()` for a string tensor. */
export type NestedStringArray = string | NestedStringArray[];
export type TypedArrayLike = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array | Uint8ClampedArray;
/** Anything an op accepts where it takes a tensor. */
export type TensorLike = Tensor | NestedArray | TypedArrayLike | NestedStringArray;

let nextId = 0;

export class Tensor {
  /** A process-unique id, handy as a map key. */
  readonly id: number;
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  /** @internal The buffer, shared with views of this tensor. */
  _storage: Storage;
  /** @internal The op that produced this tensor, recorded while gradients are being taken. */
  _node: GradNode | null = null;
  /** @internal A leaf whose gradient is wanted: a trainable variable, or an argument of grad(). */
  _leaf = false;
  /**
   * The mask a layer attached to its output (Keras's `_keras_mask`): [batch, time], 1 for steps to keep and 0 for
   * padding, read by the next layer's apply(). Null when the tensor carries no mask.
   */
  kerasMask: Tensor | null = null;

  constructor(storage: Storage, shape: number[], dtype: DType) {
    this.id = nextId++;
    this._storage = storage;
    this.shape = shape;
    this.dtype = dtype;
    this.size = sizeOf(shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** @internal The live buffer (not a copy). Throws if a finished training step has recycled it. */
  get values(): DataArray {
    const d = this._storage.data;
    if (d === null) {
      throw new Error(
        `Tensor ${fmt(this.shape)} was created inside a training, evaluation or prediction step, and its memory was` +
          ' reused when that step ended. Keep values that must outlive a step in layer weights (addWeight) or create' +
          ' them in build(), or copy them out with data() inside the step.',
      );
    }
    return d;
  }

  /** True when gradients flow back through this tensor. */
  get requiresGrad(): boolean {
    return this._leaf || this._node !== null;
  }

  /**
   * A copy of the data as a flat typed array: Float32Array for float32, Int32Array for int32. The type parameter lets
   * TypeScript take the one you name or assign to (`const v: Float32Array = t.data()`); it is not checked.
   */
  data<D extends DataArray = DataArray>(): D {
    return this.values.slice() as D;
  }
  /** Alias of data(), for TF.js users. */
  dataSync<D extends DataArray = DataArray>(): D {
    return this.data<D>();
  }

  /**
   * The data as nested arrays of numbers (a number for a scalar). The type parameter lets TypeScript take the nesting
   * you name or assign to (`const rows: number[][] = t.array()`); it is not checked.
   */
  array<T = NestedArray>(): T {
    const v = this.values;
    if (this.rank === 0) return v[0] as T;
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const n = this.shape[dim];
      const inner = stride / (n || 1);
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dim === this.rank - 1 ? v[offset + i] : build(dim + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, this.size) as T;
  }
  /** Alias of array(), for TF.js users. */
  arraySync<T = NestedArray>(): T {
    return this.array<T>();
  }

  /** The single value of a tensor with one element. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: the tensor has shape ${fmt(this.shape)} (${this.size} elements); item() needs exactly one`);
    return this.values[0];
  }

  toString(): string {
    return `Tensor(shape=${fmt(this.shape)}, dtype=${this.dtype})\n${formatValues(this)}`;
  }

  /** Prints toString() to the console. */
  print(): void {
    console.log(this.toString());
  }

  /**
   * TF.js's dispose(), for code ported from TF.js: it does nothing. A tensor's memory is released when nothing
   * references it any more (inside fit, evaluate and predict, when each batch ends), so there is nothing to free by hand.
   */
  dispose(): void {}
  /** TF.js's isDisposed: always false, since dispose() frees nothing (see dispose). */
  get isDisposed(): boolean {
    return false;
  }

  /** A new tensor with a copy of the data, detached from any gradient computation. */
  clone(): Tensor {
    const s = allocate(this.dtype, this.size);
    s.data!.set(this.values);
    return new Tensor(s, this.shape.slice(), this.dtype);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Trainable (or frozen) state: a tensor whose values can be replaced in place. */
export class Variable extends Tensor {
  readonly name: string;
  private _trainable: boolean;
  /** A projection the optimizer applies after each update (a layer's kernelConstraint; tn.constraints). */
  constraint: { apply(values: Float32Array, shape: number[]): void } | null = null;

  /** @internal */
  constructor(storage: Storage, shape: number[], dtype: DType, trainable: boolean, name: string) {
    super(storage, shape, dtype);
    keepStorage(storage);
    this.name = name;
    this._trainable = trainable;
    this._leaf = trainable && dtype === 'float32';
    // Two live variables may share a name (two models with a layer "h"); lookups by name then refuse to guess.
    const refs = (registry.get(name) ?? []).filter((r) => r.deref() !== undefined);
    refs.push(new WeakRef(this));
    registry.set(name, refs);
  }

  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(t: boolean) {
    this._trainable = t;
    this._leaf = t && this.dtype === 'float32';
  }

  /** Replaces the values (same shape and dtype). */
  assign(value: TensorLike): void {
    const t = toTensor(value, `assign to variable '${this.name}'`, this.dtype);
    if (t.size !== this.size || t.shape.length !== this.shape.length || t.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`assign to variable '${this.name}': shape ${fmt(t.shape)} does not match the variable's shape ${fmt(this.shape)}`);
    }
    if (t.dtype !== this.dtype) {
      throw new Error(`assign to variable '${this.name}': dtype ${t.dtype} does not match the variable's dtype ${this.dtype}`);
    }
    if (t._storage !== this._storage) this.values.set(t.values);
  }

  /** Keras's assign_add: adds a value of the variable's shape in place (a custom metric's running count). */
  assignAdd(value: TensorLike): void {
    this.assignUpdated(value, 'assignAdd', 1);
  }

  /** Keras's assign_sub: subtracts a value of the variable's shape in place. */
  assignSub(value: TensorLike): void {
    this.assignUpdated(value, 'assignSub', -1);
  }

  private assignUpdated(value: TensorLike, op: string, sign: 1 | -1): void {
    const t = toTensor(value, `${op} to variable '${this.name}'`, this.dtype);
    if (t.size !== this.size || t.shape.length !== this.shape.length || t.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`${op} to variable '${this.name}': shape ${fmt(t.shape)} does not match the variable's shape ${fmt(this.shape)}`);
    }
    const v = this.values;
    const d = t.values;
    for (let i = 0; i < v.length; i++) v[i] += sign * (d[i] as number);
  }

  /**
   * TF.js's LayerVariable.read(): the variable itself, which already is the tensor (ported code passes
   * `model.trainableWeights.map((w) => w.read())` to variableGrads, and reads weights this way).
   */
  read(): this {
    return this;
  }

  /** TF.js's LayerVariable.write(value): assign, with its checks, returning the variable so that calls chain. */
  write(value: TensorLike): this {
    this.assign(value);
    return this;
  }
}

const variableNames = new Map<string, number>();
/** Live variables by name, for TF.js's optimizer.applyGradients({name: grad}). Weak: variables are still collected. */
const registry = new Map<string, WeakRef<Variable>[]>();

/** @internal The live variable with this name, if any; throws when more than one live variable has the name. */
export function variableByName(name: string): Variable | undefined {
  const live = (registry.get(name) ?? []).map((r) => r.deref()).filter((v): v is Variable => v !== undefined);
  if (live.length > 1) {
    throw new Error(`more than one variable is named '${name}' (two models with a layer of the same name), so a gradient keyed by that name cannot be matched to its variable: pass [gradient, variable] pairs, or the record variableGrads returned`);
  }
  return live[0];
}

/** @internal How many variables are alive (not yet garbage-collected) and the bytes of their values. */
export function liveVariables(): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const [name, refs] of registry) {
    const live = refs.filter((r) => r.deref() !== undefined);
    if (live.length === 0) registry.delete(name);
    else if (live.length !== refs.length) registry.set(name, live);
    for (const r of live) {
      count++;
      bytes += r.deref()!.size * 4;
    }
  }
  return { count, bytes };
}

/** A unique name from a base ('Variable', 'Variable_1', ...). */
export function uniqueVariableName(base: string): string {
  const n = variableNames.get(base) ?? 0;
  variableNames.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** A variable holding a copy of `initialValue`. */
export function variable(initialValue: TensorLike, trainable = true, name?: string, dtype?: DType): Variable {
  if (dtype !== undefined) checkDType(dtype, 'variable');
  if (typeof trainable !== 'boolean') throw new Error(`variable: trainable must be a boolean, received ${String(trainable)}`);
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw new Error(`variable: name must be a non-empty string, received ${JSON.stringify(name)}`);
  const t = toTensor(initialValue, 'variable', dtype);
  // TF.js's tf.variable converts the initial value to the dtype asked for (a tensor's included); the typed arrays'
  // set() converts as its cast does (float to int32 toward zero).
  const out = dtype ?? t.dtype;
  const s = allocate(out, t.size);
  keepStorage(s);
  s.data!.set(t.values);
  return new Variable(s, t.shape.slice(), out, trainable, name ?? uniqueVariableName('Variable'));
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion

// One buffer holds at most this many 4-byte elements (Node's Buffer limit, which fresh buffers come from).
const maxElements = Math.floor(bufferConstants.MAX_LENGTH / 4);
/** @internal The most elements one tensor can hold, for ops that check their output's size before building it. */
export const maxTensorElements = maxElements;

/** @internal A tensor of the given shape over a new buffer (contents unspecified unless zero). */
export function empty(shape: number[], dtype: DType = 'float32', zero = false): Tensor {
  const size = sizeOf(shape);
  if (size > maxElements) {
    throw new Error(`cannot allocate a ${dtype} tensor of shape ${fmt(shape)}: its ${size} elements exceed the ${maxElements} one buffer can hold`);
  }
  return new Tensor(allocate(dtype, size, zero), shape, dtype);
}

/** @internal A tensor over an existing array. */
export function fromArray(data: DataArray, shape: number[]): Tensor {
  return new Tensor(adopt(data), shape, data instanceof Int32Array ? 'int32' : 'float32');
}

function isTypedArray(v: unknown): v is TypedArrayLike {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function inferShape(values: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  // Check that the nesting is rectangular.
  const check = (x: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(x)) throw new Error(`${op}: ragged nested array: ${path} is an array where a number was expected (shape ${fmt(shape)})`);
      if (typeof x !== 'number' && typeof x !== 'boolean') throw new Error(`${op}: ${path} is ${typeof x === 'string' ? JSON.stringify(x) : String(x)}, not a number`);
      return;
    }
    if (!Array.isArray(x)) throw new Error(`${op}: ragged nested array: ${path} is a number where an array of ${shape[depth]} was expected`);
    if (x.length !== shape[depth]) {
      throw new Error(`${op}: ragged nested array: ${path} has ${x.length} elements, expected ${shape[depth]} (shape ${fmt(shape)})`);
    }
    for (let i = 0; i < x.length; i++) check(x[i], depth + 1, `${path}[${i}]`);
  };
  check(values, 0, 'values');
  return shape;
}

function flattenInto(values: NestedArray, out: DataArray): void {
  let k = 0;
  const walk = (x: NestedArray): void => {
    if (Array.isArray(x)) {
      for (const e of x) walk(e);
    } else {
      out[k++] = typeof x === 'boolean' ? (x ? 1 : 0) : x;
    }
  };
  walk(values);
}

/**
 * Creates a tensor from nested arrays, a typed array or a number.
 * `shape` reshapes flat input; `dtype` defaults to int32 for an Int32Array and float32 otherwise.
 */
export function tensor(values: TensorLike, shape?: readonly number[], dtype?: DType | 'string'): Tensor {
  if (dtype === 'string' || isStringArray(values)) return stringTensor(values, shape?.slice(), 'tensor');
  if (dtype !== undefined) checkDType(dtype, 'tensor');
  if (values instanceof Tensor) {
    const t = values;
    const s = shape === undefined ? t.shape.slice() : checkShape(shape, 'tensor');
    if (sizeOf(s) !== t.size) throw new Error(`tensor: shape ${fmt(s)} needs ${sizeOf(s)} values, received ${t.size}`);
    const out = empty(s, dtype ?? t.dtype);
    out.values.set(t.values);
    return out;
  }
  let flatShape: number[];
  let dt: DType;
  let fill: (out: DataArray) => void;
  if (isTypedArray(values)) {
    flatShape = [values.length];
    dt = dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
    fill = (out) => {
      if (dt === 'int32' && !(values instanceof Int32Array)) {
        for (let i = 0; i < values.length; i++) out[i] = Math.trunc(Number(values[i]));
      } else {
        out.set(values as ArrayLike<number>);
      }
    };
  } else if (typeof values === 'number' || typeof values === 'boolean' || Array.isArray(values)) {
    const nested = values as NestedArray;
    flatShape = inferShape(nested, 'tensor');
    dt = dtype ?? 'float32';
    fill = (out) => flattenInto(nested, out);
  } else {
    throw new Error(`tensor: values must be a number, nested arrays of numbers or a typed array (or strings, for a string tensor), received ${typeof values}`);
  }
  const finalShape = shape === undefined ? flatShape : checkShape(shape, 'tensor');
  const n = sizeOf(flatShape);
  if (sizeOf(finalShape) !== n) {
    throw new Error(`tensor: shape ${fmt(finalShape)} needs ${sizeOf(finalShape)} values, received ${n}`);
  }
  const out = empty(finalShape, dt);
  fill(out.values);
  return out;
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype: DType = 'float32'): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`scalar: value must be a number, received ${typeof value}`);
  return tensor(value, [], dtype);
}

/** TF.js's tensor1d ... tensor6d: tensor() that checks the rank (of the nested values, or of the shape given). */
function tensorOfRank(rank: number) {
  const name = `tensor${rank}d`;
  return (values: TensorLike, shape?: number[] | DType, dtype?: DType): Tensor => {
    // tensor1d(values, dtype) has no shape argument.
    if (typeof shape === 'string') {
      dtype = shape;
      shape = undefined;
    }
    if (shape !== undefined && (!Array.isArray(shape) || shape.length !== rank)) throw new Error(`${name}: shape must have ${rank} dimension(s), received ${JSON.stringify(shape)}`);
    const isFlat = ArrayBuffer.isView(values) || (Array.isArray(values) && values.every((v) => !Array.isArray(v)));
    if (rank > 1 && shape === undefined && isFlat) throw new Error(`${name}: values given flat need a shape of ${rank} dimensions (${name}(values, [${Array.from({ length: rank }, (_, i) => `d${i}`).join(', ')}]))`);
    const t = tensor(values, shape as number[] | undefined, dtype);
    if (t.rank !== rank) throw new Error(`${name}: expected ${rank}-D values, received a tensor of shape ${fmt(t.shape)}`);
    return t;
  };
}
export const tensor1d = tensorOfRank(1) as (values: TensorLike, dtype?: DType) => Tensor;
export const tensor2d = tensorOfRank(2);
export const tensor3d = tensorOfRank(3);
export const tensor4d = tensorOfRank(4);
export const tensor5d = tensorOfRank(5);
export const tensor6d = tensorOfRank(6);

/**
 * @internal Marks layers' SymbolicTensor (defined on a floor above), so that an op given one can say what it is:
 * Keras 3 builds op nodes from `x + inputs` in a functional model, tensornode's ops compute on values only.
 */
export const symbolicTensorBrand = Symbol('SymbolicTensor');

/** @internal Converts an op argument to a tensor. */
/**
 * @internal A variable's values as a constraint receives them: a Float32Array over the variable's memory, which
 * tensornode's constraints project in place, carrying the variable's `shape`, so that a constraint written as TF.js's
 * and Keras's are (apply(w) on a tensor, returning the projected one) computes on a tensor of that shape when it hands
 * `w` to an op, instead of on a flat vector.
 */
export class ShapedValues extends Float32Array {
  shape?: number[];
  static over(values: Float32Array, shape: number[]): ShapedValues {
    const v = new ShapedValues(values.buffer as ArrayBuffer, values.byteOffset, values.length);
    v.shape = shape.slice();
    return v;
  }
}

export function toTensor(x: TensorLike, op: string, dtype?: DType): Tensor {
  if (x instanceof StringTensor || isStringArray(x)) throw stringTensorError(op, x instanceof Tensor ? x.shape : undefined);
  if (x instanceof Tensor) return x;
  if (x === undefined || x === null) throw new Error(`${op}: expected a tensor, received ${String(x)}`);
  if ((x as unknown as Record<symbol, unknown>)[symbolicTensorBrand]) {
    throw new Error(
      `${op}: received ${String(x)}, a functional model's symbolic tensor; tensornode's ops compute on values, so they do not ` +
        'build a model as Keras 3 ops on KerasTensors do. Use the layer instead (tn.layers.add([a, b]) for a + b; subtract, ' +
        'multiply, average, maximum, minimum, concatenate, Reshape, Permute, Activation, Rescaling), or a layer subclass whose ' +
        'call applies the op',
    );
  }
  // Arrays a ShapedValues's methods (map, slice) make carry no shape of their own.
  const shape = x instanceof ShapedValues && x.shape && sizeOf(x.shape) === x.length ? x.shape : undefined;
  try {
    return tensor(x, shape, dtype);
  } catch (err) {
    throw new Error(`${op}: could not convert the argument to a tensor: ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Creation

/** A number argument (any value, NaN included: it is data); a string or an object there is a misplaced argument. */
export function checkNumber(v: unknown, op: string, name: string): void {
  if (typeof v !== 'number') throw new Error(`${op}: ${name} must be a number, received ${JSON.stringify(v) ?? String(v)}`);
}

export function fill(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  const s = checkShape(shape, 'fill');
  checkDType(dtype, 'fill');
  if (typeof value !== 'number') throw new Error(`fill: value must be a number, received ${typeof value}`);
  const t = empty(s, dtype);
  t.values.fill(value);
  return t;
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const s = checkShape(shape, 'zeros');
  checkDType(dtype, 'zeros');
  return empty(s, dtype, true);
}

export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(checkShape(shape, 'ones'), 1, dtype);
}

export function zerosLike(x: TensorLike): Tensor {
  const t = toTensor(x, 'zerosLike');
  return zeros(t.shape, t.dtype);
}

export function onesLike(x: TensorLike): Tensor {
  const t = toTensor(x, 'onesLike');
  return ones(t.shape, t.dtype);
}

/** Evenly spaced values in [start, stop); range(n) counts from 0 to n - 1. */
export function range(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [k, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`range: ${k} must be a finite number, received ${String(v)}`);
  }
  if (step === 0) throw new Error('range: step must not be 0');
  checkDType(dtype, 'range');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const t = empty([n], dtype);
  const v = t.values;
  for (let i = 0; i < n; i++) v[i] = start + i * step;
  return t;
}

/** `n` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number): Tensor {
  checkNumber(start, 'linspace', 'start');
  checkNumber(stop, 'linspace', 'stop');
  if (!Number.isInteger(num) || num < 0) throw new Error(`linspace: num must be a non-negative integer, received ${num}`);
  const t = empty([num]);
  const v = t.values;
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) v[i] = start + i * step;
  return t;
}

/** An identity matrix (or a rectangular one with ones on the diagonal). */
export function eye(numRows: number, numColumns?: number, dtype: DType = 'float32'): Tensor {
  const cols = numColumns ?? numRows;
  const s = checkShape([numRows, cols], 'eye', 'size');
  checkDType(dtype, 'eye');
  const t = empty(s, dtype, true);
  const v = t.values;
  for (let i = 0; i < Math.min(numRows, cols); i++) v[i * cols + i] = 1;
  return t;
}

/** Normally distributed values; `seed` makes this call repeatable, else the global generator (setSeed) is used. */
export function randomNormal(shape: readonly number[], mean = 0, stddev = 1, dtype: DType = 'float32', seed?: number): Tensor {
  const s = checkShape(shape, 'randomNormal');
  checkDType(dtype, 'randomNormal');
  checkNumber(mean, 'randomNormal', 'mean');
  checkNumber(stddev, 'randomNormal', 'stddev');
  const g = generator(seed);
  const t = empty(s, dtype);
  const v = t.values;
  for (let i = 0; i < v.length; i++) v[i] = mean + stddev * g.normal();
  return t;
}

/** Uniform values in [minval, maxval). */
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, dtype: DType = 'float32', seed?: number): Tensor {
  const s = checkShape(shape, 'randomUniform');
  checkDType(dtype, 'randomUniform');
  checkNumber(minval, 'randomUniform', 'minval');
  checkNumber(maxval, 'randomUniform', 'maxval');
  if (!(maxval >= minval)) throw new Error(`randomUniform: maxval (${maxval}) must be at least minval (${minval})`);
  const g = generator(seed);
  const t = empty(s, dtype);
  const v = t.values;
  const span = maxval - minval;
  if (dtype === 'int32') {
    for (let i = 0; i < v.length; i++) v[i] = Math.floor(minval + span * g.uniform());
  } else {
    for (let i = 0; i < v.length; i++) v[i] = minval + span * g.uniform();
  }
  return t;
}

/** Normal values redrawn until they fall within two standard deviations of the mean (as TensorFlow does). */
export function truncatedNormal(shape: readonly number[], mean = 0, stddev = 1, dtype: DType = 'float32', seed?: number): Tensor {
  const s = checkShape(shape, 'truncatedNormal');
  checkDType(dtype, 'truncatedNormal');
  checkNumber(mean, 'truncatedNormal', 'mean');
  checkNumber(stddev, 'truncatedNormal', 'stddev');
  const g = generator(seed);
  const t = empty(s, dtype);
  const v = t.values;
  for (let i = 0; i < v.length; i++) {
    let z: number;
    do z = g.normal();
    while (z < -2 || z > 2);
    v[i] = mean + stddev * z;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Printing

function formatNumber(v: number, dtype: DType): string {
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e8)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

function formatValues(t: Tensor): string {
  const v = t.values;
  if (t.rank === 0) return formatNumber(v[0], t.dtype);
  const summarize = t.size > 1000;
  const edge = 3;
  const strides: number[] = [];
  let acc = 1;
  for (let i = t.rank - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= t.shape[i];
  }
  const render = (dim: number, offset: number, indent: string): string => {
    const n = t.shape[dim];
    const idx: (number | null)[] = [];
    if (summarize && n > 2 * edge) {
      for (let i = 0; i < edge; i++) idx.push(i);
      idx.push(null);
      for (let i = n - edge; i < n; i++) idx.push(i);
    } else {
      for (let i = 0; i < n; i++) idx.push(i);
    }
    if (dim === t.rank - 1) {
      return `[${idx.map((i) => (i === null ? '...' : formatNumber(v[offset + i], t.dtype))).join(', ')}]`;
    }
    const sep = `,\n${'\n'.repeat(Math.max(0, t.rank - dim - 2))}${indent} `;
    return `[${idx.map((i) => (i === null ? '...' : render(dim + 1, offset + i * strides[dim], indent + ' '))).join(sep)}]`;
  };
  return render(0, 0, '');
}

// ---------------------------------------------------------------------------------------------------------------
// String tensors
//
// Only as far as the text preprocessing layers (StringLookup, Hashing, TextVectorization) need them: a flat
// string[] with a shape, printable, readable with data()/array(), sliced into batches by fit/predict, and accepted
// as a model input. No op computes on strings; every op that is handed one throws (toTensor, and `values` as the
// backstop for code that reads a tensor's buffer directly).

/**
 * A tensor of strings (`dtype` 'string'). Its `dtype` field holds 'string' at run time; the static type stays the
 * numeric DType so that the numeric ops keep their types, so test for one with `isStringTensor(t)`.
 */
export class StringTensor extends Tensor {
  /** @internal The strings, flat in row-major order (shared with row views made by fit/predict batching). */
  readonly _strings: string[];
  /** @internal */
  constructor(strings: string[], shape: number[]) {
    super(new Storage(null, null), shape, 'string' as unknown as DType);
    this._strings = strings;
  }
  override get values(): DataArray {
    throw new Error(
      `a numeric computation read a string tensor of shape ${fmt(this.shape)}; only the text preprocessing layers ` +
        '(StringLookup, Hashing, TextVectorization) take strings. Map strings to numbers with one of them first.',
    );
  }
  /** The strings, flat in row-major order (a copy). */
  override data<D extends DataArray = DataArray>(): D {
    return this._strings.slice() as unknown as D;
  }
  /** The strings as nested arrays. */
  override array<T = NestedArray>(): T {
    return nestStrings(this._strings, this.shape) as unknown as T;
  }
  override item(): number {
    if (this.size !== 1) throw new Error(`item: the tensor has shape ${fmt(this.shape)} (${this.size} elements); item() needs exactly one`);
    return this._strings[0] as unknown as number;
  }
  override clone(): Tensor {
    return new StringTensor(this._strings.slice(), this.shape.slice());
  }
  override toString(): string {
    const body = this.rank === 0 ? JSON.stringify(this._strings[0]) : JSON.stringify(nestStrings(this._strings, this.shape));
    return `Tensor(shape=${fmt(this.shape)}, dtype=string)\n${body}`;
  }
}

/** True for a tensor of strings. */
export function isStringTensor(x: unknown): x is StringTensor {
  return x instanceof StringTensor;
}

/** @internal The strings of a string tensor, flat (not a copy: do not modify). */
export function stringsOf(t: Tensor, op: string): string[] {
  if (!(t instanceof StringTensor)) throw new Error(`${op}: expected a string tensor, received a ${t.dtype} tensor of shape ${fmt(t.shape)}`);
  return t._strings;
}

/** @internal A string tensor over `strings` (not copied). */
export function fromStrings(strings: string[], shape: number[]): StringTensor {
  if (sizeOf(shape) !== strings.length) throw new Error(`string tensor: shape ${fmt(shape)} needs ${sizeOf(shape)} strings, received ${strings.length}`);
  return new StringTensor(strings, shape);
}

function stringTensorError(op: string, shape: number[] | undefined): Error {
  return new Error(
    `${op}: received a string tensor${shape ? ` of shape ${fmt(shape)}` : ''}; only the text preprocessing layers ` +
      '(StringLookup, Hashing, TextVectorization) take strings. Map strings to numbers with one of them first.',
  );
}

/** Whether nested arrays hold strings (the first leaf decides; the rest is checked while flattening). */
function isStringArray(x: unknown): boolean {
  let v = x;
  while (Array.isArray(v) && v.length > 0) v = v[0];
  return typeof v === 'string';
}

function nestStrings(flat: string[], shape: number[]): unknown {
  if (shape.length === 0) return flat[0];
  const build = (dim: number, offset: number, stride: number): unknown[] => {
    const n = shape[dim];
    const inner = stride / (n || 1);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = dim === shape.length - 1 ? flat[offset + i] : build(dim + 1, offset + i * inner, inner);
    return out;
  };
  return build(0, 0, sizeOf(shape));
}

function stringTensor(values: TensorLike, shape: number[] | undefined, op: string): StringTensor {
  if (values instanceof StringTensor) {
    const s = shape === undefined ? values.shape.slice() : checkShape(shape, op);
    return fromStrings(values._strings.slice(), s);
  }
  if (values instanceof Tensor || ArrayBuffer.isView(values)) throw new Error(`${op}: dtype 'string' needs strings, received numbers`);
  const flatShape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v)) {
    flatShape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  const flat: string[] = [];
  const walk = (x: unknown, depth: number, path: string): void => {
    if (depth === flatShape.length) {
      if (typeof x !== 'string') throw new Error(`${op}: ${path} is ${Array.isArray(x) ? 'an array' : String(x)}, not a string (a string tensor holds only strings)`);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x)) throw new Error(`${op}: ragged nested array: ${path} is a string where an array of ${flatShape[depth]} was expected`);
    if (x.length !== flatShape[depth]) throw new Error(`${op}: ragged nested array: ${path} has ${x.length} elements, expected ${flatShape[depth]} (shape ${fmt(flatShape)})`);
    for (let i = 0; i < x.length; i++) walk(x[i], depth + 1, `${path}[${i}]`);
  };
  walk(values, 0, 'values');
  const finalShape = shape === undefined ? flatShape : checkShape(shape, op);
  return fromStrings(flat, finalShape);
}

/** @internal Like toTensor, but a string tensor (or nested arrays of strings) passes: for layer and model inputs. */
export function toInputTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof StringTensor) return x;
  if (isStringArray(x)) return stringTensor(x, undefined, op);
  return toTensor(x, op);
}
