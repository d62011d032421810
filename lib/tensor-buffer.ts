// TF.js's TensorBuffer: a mutable array with a shape, filled element by element (get/set by coordinates) and turned
// into a tensor at the end. tn.buffer(shape, dtype, values) makes one; tensor.bufferSync() copies a tensor into one.
import { checkDType, type DType } from './dtype.js';
import { checkShape, fmt, sizeOf, stridesOf } from './shape-util.js';
import { maxTensorElements, tensor, type Tensor } from './tensor.js';

export class TensorBuffer {
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  /** Row-major strides of every axis but the last (TF.js's convention). */
  readonly strides: number[];
  /** The elements, row-major: written in place by set() (and by hand), read by toTensor(). */
  values: Float32Array | Int32Array;

  constructor(shape: number[], dtype: DType = 'float32', values?: ArrayLike<number>, op = 'buffer') {
    this.shape = checkShape(shape, op);
    this.dtype = checkDType(dtype, op);
    this.size = sizeOf(this.shape);
    if (this.size > maxTensorElements) throw new Error(`${op}: shape ${fmt(this.shape)} has ${this.size} elements, more than a tensor can hold (${maxTensorElements})`);
    this.strides = stridesOf(this.shape).slice(0, -1);
    const Typed = dtype === 'int32' ? Int32Array : Float32Array;
    if (values === undefined || values === null) {
      this.values = new Typed(this.size);
    } else {
      if (typeof values !== 'object' || typeof values.length !== 'number') {
        throw new Error(`${op}: values must be an array or a typed array, received ${typeof values}`);
      }
      if (values.length !== this.size) {
        throw new Error(`${op}: ${values.length} values do not match the size ${this.size} of shape ${fmt(this.shape)}`);
      }
      // A typed array of the dtype's kind is used as is (as TF.js does); anything else is copied.
      this.values = values instanceof Typed ? values : Typed.from(values as ArrayLike<number>);
    }
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The element at the coordinates (one per axis; none for a scalar). */
  get(...locs: number[]): number {
    return this.values[checkedIndex(this, locs, 'get')];
  }

  /** Writes value at the coordinates (one per axis; none for a scalar). */
  set(value: number | boolean, ...locs: number[]): void {
    if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`TensorBuffer.set: value must be a number, received ${typeof value}`);
    this.values[checkedIndex(this, locs, 'set')] = Number(value);
  }

  /** The flat (row-major) index of coordinates, unchecked, as TF.js's locToIndex. */
  locToIndex(locs: number[]): number {
    if (this.rank === 0) return 0;
    if (this.rank === 1) return locs[0];
    let index = locs[locs.length - 1];
    for (let i = 0; i < locs.length - 1; i++) index += this.strides[i] * locs[i];
    return index;
  }

  /** The coordinates of a flat index, as TF.js's indexToLoc. */
  indexToLoc(index: number): number[] {
    if (this.rank === 0) return [];
    if (this.rank === 1) return [index];
    const locs = new Array<number>(this.rank);
    for (let i = 0; i < locs.length - 1; i++) {
      locs[i] = Math.floor(index / this.strides[i]);
      index -= locs[i] * this.strides[i];
    }
    locs[locs.length - 1] = index;
    return locs;
  }

  /** A tensor with a copy of the values (later set() calls do not reach it). */
  toTensor(): Tensor {
    return tensor(this.values, this.shape, this.dtype);
  }
}

// A function, not a private method: a class with private members is nominal, and the .d.ts of a build would then not
// match the sources' type (tests mix both through the examples).
function checkedIndex(b: TensorBuffer, locs: number[], method: string): number {
  // TF.js reads get() and set() with no coordinates as element 0.
  const at = locs.length === 0 ? [0] : locs;
  if (at.length !== Math.max(b.rank, 1)) {
    throw new Error(`TensorBuffer.${method}: ${at.length} coordinates given for a buffer of rank ${b.rank} (shape ${fmt(b.shape)})`);
  }
  at.forEach((l, i) => {
    const n = b.rank === 0 ? 1 : b.shape[i];
    if (!Number.isInteger(l) || l < 0 || l >= n) {
      throw new Error(`TensorBuffer.${method}: coordinates [${at.join(', ')}] are out of range for shape ${fmt(b.shape)}`);
    }
  });
  return b.locToIndex(at);
}

/**
 * TF.js's buffer(shape, dtype = 'float32', values?): a TensorBuffer to fill with set() and turn into a tensor with
 * toTensor(). Given values (as many as the shape holds), the buffer starts from them; a typed array of the dtype's
 * kind is used in place.
 */
export function buffer(shape: number[], dtype: DType = 'float32', values?: ArrayLike<number>): TensorBuffer {
  return new TensorBuffer(shape, dtype, values, 'buffer');
}
