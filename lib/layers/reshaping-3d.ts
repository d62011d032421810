// The volume siblings of the 2-D reshaping layers (Keras's keras/layers/reshaping): ZeroPadding3D, Cropping3D and
// UpSampling3D on [batch, dim1, dim2, dim3, channels] (or channels first, [batch, channels, dim1, dim2, dim3]).
import { pad, repeat, slice } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { invalid, single, singleShape } from './core.js';
import { Layer, formatShape, type LayerArgs, type LayerInput, type Shape } from './layer.js';
import { dataFormatOf, isCount } from './reshaping.js';

type Pair = [number, number];
type Sides3 = [Pair, Pair, Pair];
type DataFormat = 'channels_last' | 'channels_first';
type DataFormatArg = DataFormat | 'channelsLast' | 'channelsFirst';

/**
 * Keras's three forms of 3-D padding and cropping: n (every side), [d1, d2, d3] (symmetric along each), or
 * [[d1_before, d1_after], [d2_before, d2_after], [d3_before, d3_after]].
 */
function volumeSides(p: unknown, cls: string, arg: string): Sides3 {
  if (isCount(p)) return [[p, p], [p, p], [p, p]];
  if (Array.isArray(p) && p.length === 3) {
    if (p.every(isCount)) return p.map((d: number) => [d, d]) as Sides3;
    if (p.every((q) => Array.isArray(q) && q.length === 2 && isCount(q[0]) && isCount(q[1]))) return p.map((q: Pair) => [q[0], q[1]]) as Sides3;
  }
  throw invalid(cls, arg, 'a non-negative integer, a list of 3 of them, or 3 pairs [[before, after], [before, after], [before, after]]', p);
}

/** The index of the first spatial axis of a rank-5 input in this layout. */
const firstSpatial = (f: DataFormat): number => (f === 'channels_last' ? 1 : 2);

export interface ZeroPadding3DArgs extends LayerArgs {
  /** n, [d1, d2, d3], or [[before, after] x 3] (default 1 on every side). */
  padding?: number | [number, number, number] | Sides3;
  dataFormat?: DataFormatArg;
}

/** Adds zeros around volumes, [batch, dim1, dim2, dim3, channels] (or channels first). */
export class ZeroPadding3D extends Layer {
  readonly padding: Sides3;
  readonly dataFormat: DataFormat;

  constructor(padding: number | [number, number, number] | Sides3 | ZeroPadding3DArgs = {}, args: ZeroPadding3DArgs = {}) {
    const a = typeof padding === 'object' && !Array.isArray(padding) ? padding : { ...args, padding };
    super(a);
    this.padding = volumeSides(a.padding ?? 1, 'ZeroPadding3D', 'padding');
    this.dataFormat = dataFormatOf(a.dataFormat, 'ZeroPadding3D');
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const widths: Pair[] = [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]];
    const h = firstSpatial(this.dataFormat);
    this.padding.forEach((p, k) => (widths[h + k] = p));
    return pad(x, widths);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this).slice();
    const h = firstSpatial(this.dataFormat);
    this.padding.forEach(([a, b], k) => {
      const d = s[h + k];
      if (d !== null && d !== undefined) s[h + k] = d + a + b;
    });
    return s;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((p) => p.slice()), dataFormat: this.dataFormat };
  }
}

export interface Cropping3DArgs extends LayerArgs {
  /** n, [d1, d2, d3], or [[before, after] x 3] (default 1 on every side). */
  cropping?: number | [number, number, number] | Sides3;
  dataFormat?: DataFormatArg;
}

/** Removes slices at the borders of volumes, [batch, dim1, dim2, dim3, channels] (or channels first). */
export class Cropping3D extends Layer {
  readonly cropping: Sides3;
  readonly dataFormat: DataFormat;

  constructor(cropping: number | [number, number, number] | Sides3 | Cropping3DArgs = {}, args: Cropping3DArgs = {}) {
    const a = typeof cropping === 'object' && !Array.isArray(cropping) ? cropping : { ...args, cropping };
    super(a);
    this.cropping = volumeSides(a.cropping ?? 1, 'Cropping3D', 'cropping');
    this.dataFormat = dataFormatOf(a.dataFormat, 'Cropping3D');
    this.inputSpec = { ndim: 5 };
  }

  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const out = this.computeOutputShape(x.shape) as number[];
    const h = firstSpatial(this.dataFormat);
    const begin = [0, 0, 0, 0, 0];
    this.cropping.forEach(([a], k) => (begin[h + k] = a));
    return slice(x, begin, out);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this).slice();
    const h = firstSpatial(this.dataFormat);
    this.cropping.forEach(([a, b], k) => {
      const d = s[h + k];
      if (d === null || d === undefined) return;
      if (a + b >= d) {
        throw new Error(`Layer "${this.name}": \`cropping\` ${JSON.stringify(this.cropping)} removes ${a + b} entries of spatial axis ${k + 1}, but the input has ${d}; it must leave at least one. Input shape: ${formatShape(s)}`);
      }
      s[h + k] = d - a - b;
    });
    return s;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping.map((p) => p.slice()), dataFormat: this.dataFormat };
  }
}

export interface UpSampling3DArgs extends LayerArgs {
  /** Factors along the three spatial axes: an int (all) or [d1, d2, d3] (default [2, 2, 2]). */
  size?: number | [number, number, number];
  dataFormat?: DataFormatArg;
}

/** Repeats each entry of the three spatial axes `size` times (nearest neighbour, as Keras 3's UpSampling3D). */
export class UpSampling3D extends Layer {
  readonly size: [number, number, number];
  readonly dataFormat: DataFormat;

  constructor(size: number | [number, number, number] | UpSampling3DArgs = {}, args: UpSampling3DArgs = {}) {
    const a = typeof size === 'object' && !Array.isArray(size) ? size : { ...args, size };
    super(a);
    const v = a.size ?? 2;
    const ok = (d: unknown) => typeof d === 'number' && Number.isInteger(d) && d > 0;
    if (ok(v)) this.size = [v as number, v as number, v as number];
    else if (Array.isArray(v) && v.length === 3 && v.every(ok)) this.size = [v[0], v[1], v[2]];
    else throw invalid('UpSampling3D', 'size', 'a positive integer or a list of 3 positive integers', v);
    this.dataFormat = dataFormatOf(a.dataFormat, 'UpSampling3D');
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: LayerInput): Tensor {
    let x = single(inputs, this);
    const h = firstSpatial(this.dataFormat);
    this.size.forEach((f, k) => {
      if (f > 1) x = repeat(x, f, h + k);
    });
    return x;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this).slice();
    const h = firstSpatial(this.dataFormat);
    this.size.forEach((f, k) => {
      const d = s[h + k];
      if (d !== null && d !== undefined) s[h + k] = d * f;
    });
    return s;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size.slice(), dataFormat: this.dataFormat };
  }
}
