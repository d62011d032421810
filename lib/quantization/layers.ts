// The layers of a post-training int8 model (quantizeModel): Dense and Conv2D with int8 weights, one float scale per
// output channel, and the uint8 parameters of their input found by calibration. They compute in int8 (lib/ops/
// quantized.ts) and take and return float32 tensors, so that they sit in a model next to any float layer. Their
// weights are ordinary variables: `kernel` (int32 tensors holding the int8 values), `kernel_scale` and `bias`, so
// that model.save and tn.loadModel carry them like any other layer's.
import { getActivation, isLinear, type Activation as ActivationFunction, type ActivationIdentifier } from '../activations.js';
import { registerClass } from '../io/keras-config.js';
import { activate, invalid, positiveInt, single, singleShape } from '../layers/core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from '../layers/layer.js';
import { packQuantizedWeights, quantizedConv2d, quantizedDense, type PackedQuantizedWeights, type QuantizationParams } from '../ops/quantized.js';
import { checkPadding, outputSize, pair, type Padding } from '../ops/window.js';
import type { Tensor, TensorLike, Variable } from '../tensor.js';

function checkParams(v: unknown, cls: string, arg: string): QuantizationParams {
  const p = v as QuantizationParams | null | undefined;
  if (
    !p || typeof p !== 'object' || typeof p.scale !== 'number' || !(p.scale > 0) || !Number.isFinite(p.scale) ||
    !Number.isInteger(p.zeroPoint) || p.zeroPoint < 0 || p.zeroPoint > 255
  ) {
    throw invalid(cls, arg, '{ scale: a positive number, zeroPoint: an integer in [0, 255] }', v);
  }
  return { scale: p.scale, zeroPoint: p.zeroPoint };
}

function checkPair(v: unknown, cls: string, arg: string): [number, number] {
  try {
    return pair(v as number | number[], arg, cls);
  } catch {
    throw invalid(cls, arg, 'a positive integer or a pair of positive integers', v);
  }
}

export interface QuantizedLayerArgs extends LayerArgs {
  activation?: ActivationIdentifier;
  useBias?: boolean;
  /** The uint8 code of the layer's input: value = scale * (code - zeroPoint). */
  inputQuantization?: QuantizationParams;
  /**
   * The next int8 layer's input code, when only Dropout, Flatten or Reshape lie between: the output is rounded to it
   * in the int8 epilogue, and that layer reads the codes instead of quantizing the floats (relu or linear only).
   */
  outputQuantization?: QuantizationParams | null;
}

/** What QuantizedDense and QuantizedConv2D share: the int8 kernel, its scales, the bias, and the packed form. */
abstract class QuantizedKernelLayer extends Layer {
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  readonly inputQuantization: QuantizationParams;
  readonly outputQuantization: QuantizationParams | null;
  kernel: Variable | null = null;
  kernelScale: Variable | null = null;
  bias: Variable | null = null;
  private packed: PackedQuantizedWeights | null = null;

  constructor(a: QuantizedLayerArgs) {
    super(a);
    const cls = new.target.name;
    this.activation = getActivation(a.activation);
    this.useBias = a.useBias ?? true;
    this.inputQuantization = checkParams(a.inputQuantization, cls, 'inputQuantization');
    this.outputQuantization = a.outputQuantization ? checkParams(a.outputQuantization, cls, 'outputQuantization') : null;
    if (this.outputQuantization && !this.fusedRelu && !isLinear(this.activation)) {
      throw invalid(cls, 'outputQuantization', `null with activation "${this.activation.name}" (uint8 outputs need relu or linear)`, a.outputQuantization);
    }
  }

  /** Whether the int8 epilogue applies the activation (relu) or leaves it to a float pass after it. */
  protected get fusedRelu(): boolean {
    return this.activation.name === 'relu';
  }

  protected finish(y: Tensor): Tensor {
    return this.fusedRelu || isLinear(this.activation) ? y : activate(this.activation, y);
  }

  protected addQuantizedWeights(kernelShape: number[], units: number): void {
    // Not trainable: fit() has no gradient through the int8 ops.
    this.kernel = this.addWeight('kernel', { shape: kernelShape, initializer: 'zeros', dtype: 'int32', trainable: false });
    this.kernelScale = this.addWeight('kernel_scale', { shape: [units], initializer: 'ones', trainable: false });
    if (this.useBias) this.bias = this.addWeight('bias', { shape: [units], initializer: 'zeros', trainable: false });
  }

  /** The weights packed for the kernels, made on first use and again after setWeights. */
  protected packedWeights(): PackedQuantizedWeights {
    if (this.packed) return this.packed;
    const kernel = this.kernel!;
    const units = kernel.shape[kernel.rank - 1];
    const k = kernel.size / units;
    const q = kernel.values;
    const values = new Int8Array(q.length);
    for (let i = 0; i < q.length; i++) {
      if (!(q[i] >= -127 && q[i] <= 127)) throw new Error(`Layer "${this.name}": kernel holds ${q[i]} at index ${i}; an int8 kernel holds integers in [-127, 127]`);
      values[i] = q[i];
    }
    const scales = Float32Array.from(this.kernelScale!.values);
    for (let j = 0; j < scales.length; j++) {
      if (!(scales[j] > 0) || !Number.isFinite(scales[j])) throw new Error(`Layer "${this.name}": kernel_scale[${j}] is ${scales[j]}; scales must be positive and finite`);
    }
    const bias = this.bias ? Float32Array.from(this.bias.values) : null;
    this.packed = packQuantizedWeights(values, k, units, scales, bias, this.inputQuantization);
    return this.packed;
  }

  override setWeights(weights: TensorLike[]): void {
    super.setWeights(weights);
    this.packed = null;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), activation: this.activation.name, useBias: this.useBias, inputQuantization: { ...this.inputQuantization },
      outputQuantization: this.outputQuantization && { ...this.outputQuantization },
    };
  }
}

export interface QuantizedDenseArgs extends QuantizedLayerArgs {
  units?: number;
}

/**
 * Dense in int8: output = activation(inputScale * kernelScale[j] * sum_i (q(x)_i - zeroPoint) * kernel[i, j] +
 * bias[j]), with q(x) the input's uint8 codes. Relu runs in the int8 epilogue; other activations on its float output.
 */
export class QuantizedDense extends QuantizedKernelLayer {
  static readonly className = 'QuantizedDense';
  readonly units: number;

  constructor(args: QuantizedDenseArgs) {
    super(args);
    this.units = positiveInt(args.units, 'QuantizedDense', 'units');
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, this);
    const inputDim = shape[shape.length - 1];
    if (shape.length < 2 || inputDim === null) {
      throw new Error(`Layer "${this.name}" needs the last axis of its input to be known and the input to have rank >= 2, received shape ${JSON.stringify(shape)}`);
    }
    this.addQuantizedWeights([inputDim, this.units], this.units);
    this.inputSpec = { minNdim: 2, axes: { [-1]: inputDim } };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    return this.finish(quantizedDense(x, this.packedWeights(), this.fusedRelu, `QuantizedDense (layer "${this.name}")`, this.outputQuantization));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...singleShape(inputShape, this).slice(0, -1), this.units];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units };
  }
}

/** A MaxPooling2D folded into the QuantizedConv2D before it, and the uint8 code of the convolution's output. */
export interface QuantizedPoolArgs {
  poolSize: number | [number, number];
  strides?: number | [number, number] | null;
  padding?: Padding;
  outputQuantization: QuantizationParams;
}

export interface QuantizedConv2DArgs extends QuantizedLayerArgs {
  filters?: number;
  kernelSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dilationRate?: number | [number, number];
  pool?: QuantizedPoolArgs | null;
}

/**
 * Conv2D in int8 (im2col of the uint8 input codes, the convolution's zero padding as the zero point's code), with
 * the scales and activation of QuantizedDense. With `pool`, the max pooling that followed the Conv2D in the float
 * model runs on the convolution's uint8 codes (relu or linear activation only: max pooling commutes with them and
 * with the monotone code), and only the pooled output becomes float.
 */
export class QuantizedConv2D extends QuantizedKernelLayer {
  static readonly className = 'QuantizedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly pool: { poolSize: [number, number]; strides: [number, number]; padding: Padding; outputQuantization: QuantizationParams } | null;

  constructor(args: QuantizedConv2DArgs) {
    super(args);
    const cls = 'QuantizedConv2D';
    this.filters = positiveInt(args.filters, cls, 'filters');
    this.kernelSize = checkPair(args.kernelSize, cls, 'kernelSize');
    this.strides = checkPair(args.strides ?? 1, cls, 'strides');
    this.padding = checkPadding(args.padding ?? 'valid', cls);
    this.dilationRate = checkPair(args.dilationRate ?? 1, cls, 'dilationRate');
    if (args.pool) {
      if (!this.fusedRelu && !isLinear(this.activation)) {
        throw invalid(cls, 'pool', `null with activation "${this.activation.name}" (a fused max pooling needs relu or linear)`, args.pool);
      }
      const size = checkPair(args.pool.poolSize, cls, 'pool.poolSize');
      this.pool = {
        poolSize: size,
        strides: args.pool.strides === undefined || args.pool.strides === null ? size : checkPair(args.pool.strides, cls, 'pool.strides'),
        padding: checkPadding(args.pool.padding ?? 'valid', cls),
        outputQuantization: checkParams(args.pool.outputQuantization, cls, 'pool.outputQuantization'),
      };
    } else {
      this.pool = null;
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, this);
    const c = shape[3];
    if (shape.length !== 4 || c === null) {
      throw new Error(`Layer "${this.name}" expects an input of rank 4 [batch, height, width, channels] with known channels, received shape ${JSON.stringify(shape)}`);
    }
    this.addQuantizedWeights([...this.kernelSize, c, this.filters], this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: c } };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const pool = this.pool && { poolSize: this.pool.poolSize, strides: this.pool.strides, padding: this.pool.padding, output: this.pool.outputQuantization };
    const y = quantizedConv2d(x, this.packedWeights(), {
      kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dilations: this.dilationRate, relu: this.fusedRelu, pool,
      output: this.outputQuantization,
    }, `QuantizedConv2D (layer "${this.name}")`);
    return this.finish(y);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const dim = (d: number | null, i: 0 | 1): number | null => {
      if (d === null) return null;
      const o = outputSize(d, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding)[0];
      return this.pool ? outputSize(o, this.pool.poolSize[i], this.pool.strides[i], 1, this.pool.padding)[0] : o;
    };
    return [s[0], dim(s[1], 0), dim(s[2], 1), this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize.slice(), strides: this.strides.slice(), padding: this.padding,
      dilationRate: this.dilationRate.slice(),
      pool: this.pool && { ...this.pool, poolSize: this.pool.poolSize.slice(), strides: this.pool.strides.slice(), outputQuantization: { ...this.pool.outputQuantization } },
    };
  }
}

registerClass(QuantizedDense);
registerClass(QuantizedConv2D);
