// Embedding: integer ids to rows of a trainable matrix. Its gradient is a scatter-add of the output gradient into
// the rows that were read (native gather and scatter-add, through the gather op).
import { getConstraint, serializeConstraint, type Constraint, type ConstraintIdentifier } from '../constraints.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { gather } from '../ops/shape.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { tensor, type Tensor, type Variable } from '../tensor.js';
import { invalid, positiveInt, single, singleShape } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Mask, type Shape } from './layer.js';

export interface EmbeddingArgs extends LayerArgs {
  inputDim?: number;
  outputDim?: number;
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier;
  /** Applied to the embeddings after each optimizer update (Keras's embeddings_constraint). */
  embeddingsConstraint?: ConstraintIdentifier;
  /** Id 0 is padding: the output carries a mask [batch, time] that is 0 where the id is 0 (Keras's mask_zero). */
  maskZero?: boolean;
  /** Length of the input sequences (TF.js; the same as inputShape: [inputLength]). */
  inputLength?: number;
}

/** Turns integer ids [batch, ...] into vectors [batch, ..., outputDim]: row id of the embeddings matrix. */
export class Embedding extends Layer {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: InitializerIdentifier;
  readonly embeddingsRegularizer: RegularizerIdentifier;
  readonly embeddingsConstraint: Constraint | null;
  readonly maskZero: boolean;
  embeddings: Variable | null = null;

  constructor(inputDim: number | EmbeddingArgs, outputDim?: number | EmbeddingArgs, args: EmbeddingArgs = {}) {
    let a: EmbeddingArgs;
    if (typeof inputDim === 'object') a = inputDim;
    else if (typeof outputDim === 'object') a = { ...outputDim, inputDim };
    else a = { ...args, inputDim, outputDim };
    super(a.inputLength !== undefined && !a.inputShape && !a.batchInputShape ? { ...a, inputShape: [a.inputLength] } : a);
    this.inputDim = positiveInt(a.inputDim, 'Embedding', 'inputDim');
    this.outputDim = positiveInt(a.outputDim, 'Embedding', 'outputDim');
    if (a.maskZero !== undefined && typeof a.maskZero !== 'boolean') throw invalid('Embedding', 'maskZero', 'true or false', a.maskZero);
    this.maskZero = a.maskZero ?? false;
    this.embeddingsInitializer = a.embeddingsInitializer ?? { className: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } };
    this.embeddingsRegularizer = a.embeddingsRegularizer;
    this.embeddingsConstraint = getConstraint(a.embeddingsConstraint);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.embeddings = this.addWeight('embeddings', { shape: [this.inputDim, this.outputDim], initializer: this.embeddingsInitializer, regularizer: this.embeddingsRegularizer, constraint: this.embeddingsConstraint });
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const ids = single(inputs, this);
    try {
      return gather(this.embeddings!, ids);
    } catch (err) {
      throw new Error(`Layer "${this.name}" (Embedding with inputDim ${this.inputDim}): ${(err as Error).message}`);
    }
  }

  override computeMask(inputs: LayerInput): Mask {
    if (!this.maskZero) return null;
    const ids = single(inputs, this);
    const v = ids.values;
    const keep = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) keep[i] = v[i] !== 0 ? 1 : 0;
    return tensor(keep, ids.shape.slice());
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...singleShape(inputShape, this), this.outputDim];
  }

  protected override optionsOutsideConfig(): string[] {
    // TF.js's and Keras 2's inputLength sets the input shape; the config keeps it as batchInputShape.
    return ['inputLength'];
  }

  override getConfig() {
    return {
      ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, maskZero: this.maskZero,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer), embeddingsRegularizer: serializeRegularizer(this.embeddingsRegularizer),
      ...(this.embeddingsConstraint ? { embeddingsConstraint: serializeConstraint(this.embeddingsConstraint) } : {}),
    };
  }
}
