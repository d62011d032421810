// Reshaping layers (Keras's keras/layers/reshaping): ZeroPadding1D/2D (zeros around sequences and images, as
// MobileNet's stride-2 convolutions use before 'valid' padding), Cropping1D/2D, UpSampling1D/2D, RepeatVector,
// Permute; and Lambda, which wraps a JavaScript function.
import { resizeBilinear } from '../ops/resize.js';
import { broadcastTo } from '../ops/broadcast.js';
import { expandDims, pad, repeat, slice, transpose } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { invalid, positiveInt, single, singleShape } from './core.js';
import { Layer, formatShape, type CallArgs, type LayerArgs, type LayerInput, type LayerOutput, type Shape } from './layer.js';

type Pair = [number, number];

/** A padding or cropping width: a non-negative integer. */
export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** An int (both sides) or [before, after] of non-negative integers. */
function sides(v: unknown): Pair | null {
  if (isCount(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && isCount(v[0]) && isCount(v[1])) return [v[0], v[1]];
  return null;
}

export interface ZeroPadding1DArgs extends LayerArgs {
  /** n (both ends) or [start, end]: zeros added along the steps axis of [batch, steps, features]. */
  padding?: number | Pair;
}

/** Adds zeros at the start and end of the steps axis of [batch, steps, features]. */
export class ZeroPadding1D extends Layer {
  readonly padding: Pair;

  constructor(padding: number | Pair | ZeroPadding1DArgs = {}, args: ZeroPadding1DArgs = {}) {
    const a = typeof padding === 'object' && !Array.isArray(padding) ? padding : { ...args, padding };
    super(a);
    const p = sides(a.padding ?? 1);
    if (!p) throw invalid('ZeroPadding1D', 'padding', 'a non-negative integer or a pair [start, end] of them', a.padding);
    this.padding = p;
    this.inputSpec = { ndim: 3 };
  }

  call(inputs: LayerInput): Tensor {
    return pad(single(inputs, this), [[0, 0], this.padding, [0, 0]]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], s[1] === null ? null : s[1] + this.padding[0] + this.padding[1], s[2]];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.slice() };
  }
}

export interface ZeroPadding2DArgs extends LayerArgs {
  /**
   * n (every side), [rows, columns] (symmetric along each), or [[top, bottom], [left, right]], as Keras and TF.js
   * accept it.
   */
  padding?: number | Pair | [Pair, Pair];
  dataFormat?: 'channels_last' | 'channelsLast' | 'channels_first' | 'channelsFirst';
}

/** Adds rows and columns of zeros around images, [batch, height, width, channels] (or channels first). */
export class ZeroPadding2D extends Layer {
  /** [[top, bottom], [left, right]] */
  readonly padding: [Pair, Pair];
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(padding: number | Pair | [Pair, Pair] | ZeroPadding2DArgs = {}, args: ZeroPadding2DArgs = {}) {
    const a = typeof padding === 'object' && !Array.isArray(padding) ? padding : { ...args, padding };
    super(a);
    const p = a.padding ?? 1;
    const expected = 'a non-negative integer, a pair [rows, columns] of them, or [[top, bottom], [left, right]]';
    if (isCount(p)) {
      this.padding = [[p, p], [p, p]];
    } else if (Array.isArray(p) && p.length === 2 && isCount(p[0]) && isCount(p[1])) {
      this.padding = [[p[0], p[0]], [p[1], p[1]]];
    } else if (Array.isArray(p) && p.length === 2 && Array.isArray(p[0]) && Array.isArray(p[1])) {
      const rows = sides(p[0]);
      const cols = sides(p[1]);
      if (!rows || !cols || !Array.isArray(p[0]) || !Array.isArray(p[1])) throw invalid('ZeroPadding2D', 'padding', expected, a.padding);
      this.padding = [rows, cols];
    } else {
      throw invalid('ZeroPadding2D', 'padding', expected, a.padding);
    }
    const f = a.dataFormat ?? 'channels_last';
    if (f === 'channels_last' || f === 'channelsLast') this.dataFormat = 'channels_last';
    else if (f === 'channels_first' || f === 'channelsFirst') this.dataFormat = 'channels_first';
    else throw invalid('ZeroPadding2D', 'dataFormat', "'channels_last' or 'channels_first'", a.dataFormat);
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: LayerInput): Tensor {
    const [rows, cols] = this.padding;
    const x = single(inputs, this);
    return pad(x, this.dataFormat === 'channels_last' ? [[0, 0], rows, cols, [0, 0]] : [[0, 0], [0, 0], rows, cols]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this).slice();
    const [rows, cols] = this.padding;
    const h = this.dataFormat === 'channels_last' ? 1 : 2;
    if (s[h] !== null) s[h] = s[h]! + rows[0] + rows[1];
    if (s[h + 1] !== null) s[h + 1] = s[h + 1]! + cols[0] + cols[1];
    return s;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((p) => p.slice()), dataFormat: this.dataFormat };
  }
}

type DataFormat = 'channels_last' | 'channels_first';
type DataFormatArg = DataFormat | 'channelsLast' | 'channelsFirst';

export function dataFormatOf(f: unknown, cls: string): DataFormat {
  if (f === undefined || f === null || f === 'channels_last' || f === 'channelsLast') return 'channels_last';
  if (f === 'channels_first' || f === 'channelsFirst') return 'channels_first';
  throw invalid(cls, 'dataFormat', "'channels_last' or 'channels_first'", f);
}

/** An int (both axes) or [rows, cols] of positive integers. */
function factorPair(v: unknown, cls: string, arg: string): Pair {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => Number.isInteger(d) && d > 0)) return [v[0], v[1]];
  throw invalid(cls, arg, 'a positive integer or a pair [rows, columns] of them', v);
}

/** The form 2-D padding and cropping share: n, [rows, columns], or [[top, bottom], [left, right]]. */
function boxSides(p: unknown, cls: string, arg: string): [Pair, Pair] {
  const expected = 'a non-negative integer, a pair [rows, columns] of them, or [[top, bottom], [left, right]]';
  if (isCount(p)) return [[p, p], [p, p]];
  if (Array.isArray(p) && p.length === 2 && isCount(p[0]) && isCount(p[1])) return [[p[0], p[0]], [p[1], p[1]]];
  if (Array.isArray(p) && p.length === 2 && Array.isArray(p[0]) && Array.isArray(p[1])) {
    const rows = sides(p[0]);
    const cols = sides(p[1]);
    if (rows && cols) return [rows, cols];
  }
  throw invalid(cls, arg, expected, p);
}

export interface UpSampling1DArgs extends LayerArgs {
  /** How many times each step is repeated (default 2). */
  size?: number;
}

/** Repeats each step of [batch, steps, features] `size` times along the steps axis: [batch, steps * size, features]. */
export class UpSampling1D extends Layer {
  readonly size: number;

  constructor(size: number | UpSampling1DArgs = {}, args: UpSampling1DArgs = {}) {
    const a = typeof size === 'object' ? size : { ...args, size };
    super(a);
    this.size = positiveInt(a.size ?? 2, 'UpSampling1D', 'size');
    this.inputSpec = { ndim: 3 };
  }

  call(inputs: LayerInput): Tensor {
    return repeat(single(inputs, this), this.size, 1);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], s[1] === null ? null : s[1] * this.size, s[2]];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size };
  }
}

export interface UpSampling2DArgs extends LayerArgs {
  /** Factors for rows and columns: an int (both) or [rows, columns] (default [2, 2]). */
  size?: number | Pair;
  dataFormat?: DataFormatArg;
  /** 'nearest' (repeat rows and columns, the default) or 'bilinear'. */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * Upsamples images by integer factors along rows and columns. 'nearest' repeats each row and column; 'bilinear'
 * interpolates as Keras 3 does (tf.image.resize with half-pixel centers, no antialiasing): output row i samples
 * input row (i + 0.5) / size - 0.5, clamped to the image (lib/ops/resize.ts).
 */
export class UpSampling2D extends Layer {
  readonly size: Pair;
  readonly dataFormat: DataFormat;
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(size: number | Pair | UpSampling2DArgs = {}, args: UpSampling2DArgs = {}) {
    const a = typeof size === 'object' && !Array.isArray(size) ? size : { ...args, size };
    super(a);
    this.size = factorPair(a.size ?? 2, 'UpSampling2D', 'size');
    this.dataFormat = dataFormatOf(a.dataFormat, 'UpSampling2D');
    const interp = a.interpolation ?? 'nearest';
    if (interp !== 'nearest' && interp !== 'bilinear') throw invalid('UpSampling2D', 'interpolation', "'nearest' or 'bilinear'", a.interpolation);
    this.interpolation = interp;
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const h = this.dataFormat === 'channels_last' ? 1 : 2;
    if (this.interpolation === 'nearest') return repeat(repeat(x, this.size[0], h), this.size[1], h + 1);
    const size: Pair = [x.shape[h] * this.size[0], x.shape[h + 1] * this.size[1]];
    if (this.dataFormat === 'channels_last') return resizeBilinear(x, size);
    return transpose(resizeBilinear(transpose(x, [0, 2, 3, 1]), size), [0, 3, 1, 2]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this).slice();
    const h = this.dataFormat === 'channels_last' ? 1 : 2;
    if (s[h] !== null) s[h] = s[h]! * this.size[0];
    if (s[h + 1] !== null) s[h + 1] = s[h + 1]! * this.size[1];
    return s;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size.slice(), dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

export interface Cropping1DArgs extends LayerArgs {
  /** n (both ends) or [start, end]: steps removed from [batch, steps, features] (default [1, 1]). */
  cropping?: number | Pair;
}

/** Removes steps at the start and end of the steps axis of [batch, steps, features]. */
export class Cropping1D extends Layer {
  readonly cropping: Pair;

  constructor(cropping: number | Pair | Cropping1DArgs = {}, args: Cropping1DArgs = {}) {
    const a = typeof cropping === 'object' && !Array.isArray(cropping) ? cropping : { ...args, cropping };
    super(a);
    const c = sides(a.cropping ?? 1);
    if (!c) throw invalid('Cropping1D', 'cropping', 'a non-negative integer or a pair [start, end] of them', a.cropping);
    this.cropping = c;
    this.inputSpec = { ndim: 3 };
  }

  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    this.computeOutputShape(x.shape);
    return slice(x, [0, this.cropping[0], 0], [-1, x.shape[1] - this.cropping[0] - this.cropping[1], -1]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const [a, b] = this.cropping;
    if (s[1] !== null && a + b >= s[1]) {
      throw new Error(`Layer "${this.name}": \`cropping\` [${a}, ${b}] removes ${a + b} steps, but the input has ${s[1]}; it must leave at least one. Input shape: ${formatShape(s)}`);
    }
    return [s[0], s[1] === null ? null : s[1] - a - b, s[2]];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping.slice() };
  }
}

export interface Cropping2DArgs extends LayerArgs {
  /** n (every side), [rows, columns] (symmetric along each), or [[top, bottom], [left, right]] (default 0). */
  cropping?: number | Pair | [Pair, Pair];
  dataFormat?: DataFormatArg;
}

/** Removes rows and columns at the borders of images, [batch, height, width, channels] (or channels first). */
export class Cropping2D extends Layer {
  /** [[top, bottom], [left, right]] */
  readonly cropping: [Pair, Pair];
  readonly dataFormat: DataFormat;

  constructor(cropping: number | Pair | [Pair, Pair] | Cropping2DArgs = {}, args: Cropping2DArgs = {}) {
    const a = typeof cropping === 'object' && !Array.isArray(cropping) ? cropping : { ...args, cropping };
    super(a);
    this.cropping = boxSides(a.cropping ?? 0, 'Cropping2D', 'cropping');
    this.dataFormat = dataFormatOf(a.dataFormat, 'Cropping2D');
    this.inputSpec = { ndim: 4 };
  }

  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const out = this.computeOutputShape(x.shape) as number[];
    const h = this.dataFormat === 'channels_last' ? 1 : 2;
    const begin = [0, 0, 0, 0];
    begin[h] = this.cropping[0][0];
    begin[h + 1] = this.cropping[1][0];
    return slice(x, begin, out);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this).slice();
    const h = this.dataFormat === 'channels_last' ? 1 : 2;
    this.cropping.forEach(([a, b], k) => {
      const d = s[h + k];
      if (d === null) return;
      if (a + b >= d) {
        throw new Error(`Layer "${this.name}": \`cropping\` ${JSON.stringify(this.cropping)} removes ${a + b} ${k === 0 ? 'rows' : 'columns'}, but the input has ${d}; it must leave at least one. Input shape: ${formatShape(s)}`);
      }
      s[h + k] = d - a - b;
    });
    return s;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping.map((p) => p.slice()), dataFormat: this.dataFormat };
  }
}

export interface RepeatVectorArgs extends LayerArgs {
  /** How many times the vector is repeated. */
  n?: number;
}

/** Repeats each sample's vector n times: [batch, features] -> [batch, n, features]. */
export class RepeatVector extends Layer {
  readonly n: number;

  constructor(n: number | RepeatVectorArgs, args: RepeatVectorArgs = {}) {
    const a = typeof n === 'object' ? n : { ...args, n };
    super(a);
    this.n = positiveInt(a.n, 'RepeatVector', 'n');
    this.inputSpec = { ndim: 2 };
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    return broadcastTo(expandDims(x, 1), [x.shape[0], this.n, x.shape[1]]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], this.n, s[1]];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

export interface PermuteArgs extends LayerArgs {
  /** A permutation of the axes 1..rank-1 (the batch axis 0 stays first), e.g. [2, 1] swaps the two axes of a sequence. */
  dims?: number[];
}

/** Permutes the non-batch axes of its input: output axis i + 1 is input axis dims[i]. */
export class Permute extends Layer {
  readonly dims: number[];

  constructor(dims: number[] | PermuteArgs, args: PermuteArgs = {}) {
    const a = Array.isArray(dims) ? { ...args, dims } : dims;
    super(a);
    const d = a.dims;
    if (!Array.isArray(d) || d.length === 0 || [...d].sort((p, q) => p - q).some((v, i) => v !== i + 1)) {
      throw invalid('Permute', 'dims', 'a permutation of the axes 1..n (consecutive integers starting at 1; axis 0 is the batch axis)', d);
    }
    this.dims = d.slice();
    this.inputSpec = { ndim: d.length + 1 };
  }

  call(inputs: LayerInput): Tensor {
    return transpose(single(inputs, this), [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], ...this.dims.map((d) => s[d])];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims.slice() };
  }
}

/** A function of a Lambda layer: tensors in, tensors out, built from ops. */
export type LambdaFunction = (inputs: LayerInput, args: Record<string, unknown>) => LayerOutput;

export interface LambdaArgs extends LayerArgs {
  /** The computation: a function of the input tensor (or list of tensors) and `arguments`, made of differentiable ops. */
  function?: LambdaFunction;
  /**
   * The output shape without the batch axis, or a function from the input shape (with batch axis) to the output
   * shape. Without it the shape comes from running the function on zeros.
   */
  outputShape?: Shape | ((inputShape: Shape | Shape[]) => Shape | Shape[]);
  /** Extra arguments passed to the function (Keras's `arguments`). */
  arguments?: Record<string, unknown>;
}

/**
 * Wraps a JavaScript function as a layer (Keras's Lambda), for computations without weights. A function cannot be
 * saved in a model file: saving a model with a Lambda layer throws; rebuild such models in code and load their
 * weights.
 */
export class Lambda extends Layer {
  readonly fn: LambdaFunction;
  override readonly outputShape: Shape | ((inputShape: Shape | Shape[]) => Shape | Shape[]) | null;
  readonly arguments: Record<string, unknown>;

  constructor(fn: LambdaFunction | LambdaArgs, args: LambdaArgs = {}) {
    const a = typeof fn === 'function' ? { ...args, function: fn } : fn;
    super(a);
    if (typeof a.function !== 'function') {
      const received = a.function === undefined ? undefined : typeof a.function === 'string' ? a.function : typeof a.function;
      throw invalid('Lambda', 'function', 'a JavaScript function (a Lambda loaded from a saved config has none: rebuild it in code)', received);
    }
    this.fn = a.function;
    const o = a.outputShape;
    if (o !== undefined && o !== null && typeof o !== 'function' && (!Array.isArray(o) || o.some((d) => d !== null && (!Number.isInteger(d) || d <= 0)))) {
      throw invalid('Lambda', 'outputShape', 'an array of positive integers (or null), or a function of the input shape', o);
    }
    this.outputShape = o ?? null;
    this.arguments = a.arguments ?? {};
  }

  call(inputs: LayerInput, _args: CallArgs = {}): LayerOutput {
    return this.fn(inputs, this.arguments);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    if (typeof this.outputShape === 'function') return this.outputShape(inputShape);
    if (this.outputShape) {
      const first = (inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
      return [first[0], ...this.outputShape];
    }
    return super.computeOutputShape(inputShape);
  }

  /** A Lambda's function has no serializable form; saving says so instead of writing a config that cannot load. */
  override getConfig(): Record<string, unknown> {
    throw new Error(`Lambda layer "${this.name}" wraps a JavaScript function, which cannot be saved in a model config. Rebuild the model in code (with the same function) and restore its weights with setWeights() or loadWeights.`);
  }
}
