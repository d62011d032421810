// Merge layers: combine a list of tensors (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate).
import { add, div, maximum, minimum, mul, sub } from '../ops/elementwise.js';
import { concat } from '../ops/shape.js';
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
