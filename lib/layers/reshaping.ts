// Reshaping layers that change spatial extents: ZeroPadding1D and ZeroPadding2D (rows and columns of zeros around
// sequences and images, as MobileNet's stride-2 convolutions use before 'valid' padding).
import { pad } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { invalid, single, singleShape } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from './layer.js';

type Pair = [number, number];

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

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
