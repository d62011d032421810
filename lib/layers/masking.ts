// Masks, as Keras propagates them: the Masking layer, and the helpers the layers that read a mask share. A mask is a
// [batch, time] tensor of 1 (keep; any nonzero value counts) and 0 (padding). It carries no gradient: it is data
// about the input, so it is read as plain values and turned into constant tensors.
import { add, mul } from '../ops/elementwise.js';
import { fmt } from '../shape-util.js';
import { tensor, type Tensor } from '../tensor.js';
import { single, singleShape } from './core.js';
import { Layer, hasMask, type CallArgs, type LayerArgs, type LayerInput, type Mask, type Shape } from './layer.js';

/** The first input's mask of a call (a multi-input call passes one per input), or null. */
export function firstMask(mask: Mask | undefined): Tensor | null {
  if (!hasMask(mask)) return null;
  return Array.isArray(mask) ? mask[0] ?? null : mask;
}

/**
 * A mask's values as 0/1, checked against the input it belongs to: its shape must be `want` (by default the input's
 * [batch, time] for a sequence [batch, time, features]).
 */
export function maskValues(mask: Tensor, x: Tensor, layer: Layer, want: number[] = x.shape.slice(0, 2)): Float32Array {
  if (mask.rank !== want.length || mask.shape.some((d, i) => d !== want[i])) {
    throw new Error(`Layer "${layer.name}" (${layer.className}) received a mask of shape ${fmt(mask.shape)} for an input of shape ${fmt(x.shape)}; expected a mask of shape ${fmt(want)}`);
  }
  const v = mask.values;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] !== 0 ? 1 : 0;
  return out;
}

/**
 * Logits with their masked positions pushed to -1e9 (Keras's Softmax with a mask: x + (1 - mask) * -1e9), so that a
 * softmax over them gives those positions zero weight. The mask covers the leading axes of x (a [batch, time] mask
 * on [batch, time] scores, or a [batch, query, key] one on attention scores) and is broadcast over the rest.
 */
export function maskedLogits(x: Tensor, mask: Tensor, layer: Layer): Tensor {
  const keep = maskValues(mask, x, layer, x.shape.slice(0, mask.rank));
  const penalty = keep.map((k) => (k ? 0 : -1e9));
  return add(x, tensor(penalty, [...mask.shape, ...x.shape.slice(mask.rank).map(() => 1)]));
}

export interface MaskingArgs extends LayerArgs {
  /** Steps whose every feature equals this value are padding (default 0). */
  maskValue?: number;
}

/**
 * Marks padding steps: a step of [batch, time, features] whose every feature equals maskValue is masked (its
 * output is zeroed, and the layers after it that support masking skip it), as Keras's Masking.
 */
export class Masking extends Layer {
  readonly maskValue: number;
  override supportsMasking = true;

  constructor(args: MaskingArgs = {}) {
    super(args);
    const v = args.maskValue ?? 0;
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new Error(`Masking: received an invalid value for \`maskValue\`, expected a number. Received: maskValue=${JSON.stringify(v) ?? String(v)}`);
    }
    this.maskValue = v;
    this.inputSpec = { minNdim: 2 };
  }

  /** 1 for each step (all axes but the last) with a feature different from maskValue. */
  private stepMask(x: Tensor): Float32Array {
    const features = x.shape[x.rank - 1];
    const steps = features === 0 ? 0 : x.size / features;
    const v = x.values;
    const out = new Float32Array(steps);
    for (let s = 0; s < steps; s++) {
      for (let f = 0; f < features; f++) {
        if (v[s * features + f] !== this.maskValue) {
          out[s] = 1;
          break;
        }
      }
    }
    return out;
  }

  call(inputs: LayerInput, _args: CallArgs = {}): Tensor {
    const x = single(inputs, this);
    if (x.dtype !== 'float32') throw new Error(`Layer "${this.name}" (Masking) expects a float32 input, received ${x.dtype}`);
    return mul(x, tensor(this.stepMask(x), [...x.shape.slice(0, -1), 1]));
  }

  override computeMask(inputs: LayerInput): Mask {
    const x = single(inputs, this);
    return tensor(this.stepMask(x), x.shape.slice(0, -1));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig() {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}
