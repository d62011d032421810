// Merge layers: combine a list of tensors (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot).
import { add, div, maximum, minimum, mul, rsqrt, square, sub } from '../ops/elementwise.js';
import { matMul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { concat, reshape, transpose } from '../ops/shape.js';
import { broadcastShapes, normalizeAxis } from '../shape-util.js';
import { fmt } from '../shape-util.js';
import { tensor, type Tensor } from '../tensor.js';
import { Layer, formatShape, hasMask, type LayerArgs, type LayerInput, type Mask, type Shape } from './layer.js';

abstract class Merge extends Layer {
  protected abstract merge(inputs: Tensor[]): Tensor;
  protected minInputs = 2;
  /** A step is kept when every masked input keeps it (Keras's merged mask: the AND of the inputs' masks). */
  override supportsMasking = true;

  override computeMask(_inputs: LayerInput, mask: Mask): Mask {
    if (!hasMask(mask)) return null;
    const masks = (Array.isArray(mask) ? mask : [mask]).filter((m): m is Tensor => m !== null && m !== undefined);
    const shape = masks[0].shape;
    const out = new Float32Array(masks[0].size).fill(1);
    for (const m of masks) {
      if (m.rank !== shape.length || m.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`Layer "${this.name}" (${this.className}) received masks of different shapes ${masks.map((t) => fmt(t.shape)).join(', ')}; the masked inputs must share their [batch, time] axes`);
      }
      const v = m.values;
      for (let i = 0; i < out.length; i++) if (v[i] === 0) out[i] = 0;
    }
    return tensor(out, shape.slice());
  }

  protected inputsOf(inputs: LayerInput): Tensor[] {
    if (!Array.isArray(inputs) || inputs.length < this.minInputs) {
      throw new Error(`Layer "${this.name}" (${this.className}) should be called on a list of at least ${this.minInputs} inputs. Received: ${Array.isArray(inputs) ? inputs.length : 1} input`);
    }
    return inputs;
  }

  call(inputs: LayerInput): Tensor {
    return this.merge(this.inputsOf(inputs));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < this.minInputs) {
      throw new Error(`Layer "${this.name}" (${this.className}) should be called on a list of at least ${this.minInputs} inputs`);
    }
    // Elementwise merges broadcast like numpy; unknown (null) axes stay unknown.
    let out = shapes[0].map((d) => d ?? -1);
    for (const s of shapes.slice(1)) {
      try {
        out = broadcastShapes(out, s.map((d) => d ?? -1), this.name);
      } catch {
        throw new Error(`Layer "${this.name}" (${this.className}) received inputs with incompatible shapes: ${shapes.map(formatShape).join(', ')}`);
      }
    }
    return out.map((d) => (d === -1 ? null : d));
  }
}

/** Sum of the inputs. */
export class Add extends Merge {
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => add(a, b), xs[0]);
  }
}

/** inputs[0] - inputs[1]. */
export class Subtract extends Merge {
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  protected merge(xs: Tensor[]): Tensor {
    if (xs.length !== 2) throw new Error(`Layer "${this.name}" (Subtract) should be called on exactly 2 inputs. Received: ${xs.length} inputs`);
    return sub(xs[0], xs[1]);
  }
}

/** Elementwise product of the inputs. */
export class Multiply extends Merge {
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => mul(a, b), xs[0]);
  }
}

/** Mean of the inputs. */
export class Average extends Merge {
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  protected merge(xs: Tensor[]): Tensor {
    return div(xs.slice(1).reduce((a, b) => add(a, b), xs[0]), xs.length);
  }
}

export class Maximum extends Merge {
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => maximum(a, b), xs[0]);
  }
}

export class Minimum extends Merge {
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => minimum(a, b), xs[0]);
  }
}

/** Joins the inputs along `axis` (default the last). */
export class Concatenate extends Merge {
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }
  protected merge(xs: Tensor[]): Tensor {
    // A fully convolutional model (inputs [null, null, 3]) only meets its sizes here: an odd image size makes a U-Net's
    // upsampled path one pixel short of its skip connection, which concat alone reports without naming the layer.
    this.computeOutputShape(xs.map((x) => x.shape));
    return concat(xs, this.axis);
  }
  override computeMask(inputs: LayerInput, mask: Mask): Mask {
    if (!hasMask(mask)) return null;
    const rank = Array.isArray(inputs) ? inputs[0].rank : inputs.rank;
    // Joining features keeps the steps, and a step's mask; joining along time or batch would join the masks instead.
    if (normalizeAxis(this.axis, rank, `Concatenate "${this.name}"`) !== rank - 1) {
      throw new Error(`Layer "${this.name}" (Concatenate) received masked inputs and joins them along axis ${this.axis}; masks are supported when joining along the last (features) axis`);
    }
    return super.computeMask(inputs, mask);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2) throw new Error(`Layer "${this.name}" (Concatenate) should be called on a list of at least 2 inputs`);
    const rank = shapes[0].length;
    const a = normalizeAxis(this.axis, rank, `Concatenate "${this.name}"`);
    for (const s of shapes) {
      if (s.length !== rank || s.some((d, i) => i !== a && d !== null && shapes[0][i] !== null && d !== shapes[0][i])) {
        throw new Error(`Layer "${this.name}" (Concatenate) requires inputs with matching shapes except for the concatenation axis. Received: input_shape=${shapes.map(formatShape).join(', ')}`);
      }
    }
    const out = shapes[0].slice();
    out[a] = shapes.some((s) => s[a] === null) ? null : shapes.reduce((p, s) => p + (s[a] as number), 0);
    return out;
  }
  override getConfig() {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface DotArgs extends LayerArgs {
  /** The axis of each input to contract (one number for both, or [axis0, axis1]); never the batch axis 0. */
  axes?: number | [number, number];
  /** L2-normalize both inputs along the contracted axes first, so the result is the cosine similarity. */
  normalize?: boolean;
}

/**
 * Dot product of two samples' tensors along one axis each (Keras's batch_dot): inputs [batch, ...a] and
 * [batch, ...b] give [batch, ...a without axes[0], ...b without axes[1]], or [batch, 1] when nothing is left.
 */
export class Dot extends Merge {
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  constructor(axes: number | [number, number] | DotArgs, args: DotArgs = {}) {
    const a = typeof axes === 'object' && !Array.isArray(axes) ? axes : { ...args, axes };
    super(a);
    const ax = a.axes;
    const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
    if (!(isInt(ax) || (Array.isArray(ax) && ax.length === 2 && ax.every(isInt)))) {
      throw new Error(`Dot: invalid type for argument \`axes\`, expected an integer or a list of 2 integers. Received: axes=${JSON.stringify(ax)}`);
    }
    this.axes = Array.isArray(ax) ? [ax[0], ax[1]] : (ax as number);
    if (a.normalize !== undefined && typeof a.normalize !== 'boolean') throw new Error(`Dot: invalid value for argument \`normalize\`, expected a boolean. Received: normalize=${JSON.stringify(a.normalize)}`);
    this.normalize = a.normalize ?? false;
  }

  /** The two contracted axes for inputs of these ranks, as Keras resolves negative ones, checked. */
  private resolveAxes(shapes: Shape[]): [number, number] {
    if (shapes.length !== 2) throw new Error(`Layer "${this.name}" (Dot) should be called on a list of 2 inputs. Received: ${shapes.length} inputs`);
    const raw = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    const axes = raw.map((a, i) => (a < 0 ? ((a % shapes[i].length) + shapes[i].length) % shapes[i].length : a)) as [number, number];
    const all = shapes.map(formatShape).join(', ');
    shapes.forEach((s, i) => {
      if (s.length < 2) throw new Error(`Layer "${this.name}" (Dot) needs inputs of rank at least 2 ([batch, ...]). Received shapes: ${all}`);
      if (axes[i] === 0 || axes[i] >= s.length) throw new Error(`Layer "${this.name}" (Dot): axes=${JSON.stringify(this.axes)} must name a non-batch axis of each input. Received shapes: ${all}`);
    });
    const [d0, d1] = [shapes[0][axes[0]], shapes[1][axes[1]]];
    const [b0, b1] = [shapes[0][0], shapes[1][0]];
    if ((d0 !== null && d1 !== null && d0 !== d1) || (b0 !== null && b1 !== null && b0 !== b1)) {
      throw new Error(`Layer "${this.name}" (Dot): incompatible input shapes: ${formatShape(shapes[0])} (axis ${axes[0]}) and ${formatShape(shapes[1])} (axis ${axes[1]}); the contracted axes and the batch sizes must be equal`);
    }
    return axes;
  }

  override build(inputShape: Shape | Shape[]): void {
    if (!Array.isArray(inputShape[0])) throw new Error(`Layer "${this.name}" (Dot) should be called on a list of 2 inputs`);
    this.resolveAxes(inputShape as Shape[]);
    super.build(inputShape);
  }

  protected merge(xs: Tensor[]): Tensor {
    const [a0, a1] = this.resolveAxes(xs.map((x) => x.shape as Shape));
    let [x, y] = xs;
    if (this.normalize) {
      // Keras's l2_normalize: x / sqrt(max(sum(x^2), 1e-12)).
      const unit = (t: Tensor, axis: number) => mul(t, rsqrt(maximum(sum(square(t), axis, true), 1e-12)));
      x = unit(x, a0);
      y = unit(y, a1);
    }
    const B = x.shape[0];
    const d = x.shape[a0];
    // x as [B, P, d] and y as [B, d, Q], the other axes kept in order: one batched product.
    const restX = x.shape.filter((_, i) => i !== 0 && i !== a0);
    const restY = y.shape.filter((_, i) => i !== 0 && i !== a1);
    const permX = [0, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a0), a0];
    const permY = [0, a1, ...y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a1)];
    const X = reshape(transpose(x, permX), [B, restX.reduce((p, v) => p * v, 1), d]);
    const Y = reshape(transpose(y, permY), [B, d, restY.reduce((p, v) => p * v, 1)]);
    const out = [...restX, ...restY];
    return reshape(matMul(X, Y), [B, ...(out.length ? out : [1])]);
  }

  /**
   * No mask, as Keras's and TF.js's Dot: the output's axes are the inputs' remaining axes, not a shared time axis
   * (an attention score [batch, decoder steps, encoder steps] from two masked sequences of different lengths).
   */
  override computeMask(): Mask {
    return null;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0])) throw new Error(`Layer "${this.name}" (Dot) should be called on a list of 2 inputs`);
    const [a0, a1] = this.resolveAxes(shapes);
    const out = [...shapes[0].filter((_, i) => i !== 0 && i !== a0), ...shapes[1].filter((_, i) => i !== 0 && i !== a1)];
    return [shapes[0][0], ...(out.length ? out : [1])];
  }

  override getConfig() {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}
