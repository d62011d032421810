// Sequential: a plain stack of layers, each feeding the next.
import { InputLayer, Layer, SymbolicTensor, type CallArgs, type LayerArgs, type LayerInput, type LayerOutput, type Shape } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';
import type { Dataset } from '../data/dataset.js';
import type { PyDataset } from '../data/py-dataset.js';
import type { Inputs } from './data.js';
import type { PredictDatasetArgs } from './training-dataset.js';
import type { PredictArgs, WorkerArgs } from './training.js';
import { fusedPair, runConvReluPool } from './fusion.js';
import { Model } from './model.js';
import { checkOptionNames } from '../names.js';

export interface SequentialArgs extends LayerArgs {
  layers?: (Layer | SymbolicTensor)[];
}

export class Sequential extends Model {
  private readonly stack: Layer[] = [];
  private batchShape: Shape | null = null;
  /** The symbolic output of each layer of the stack in the model's own graph (see extendGraph). */
  private symbolic: SymbolicTensor[] = [];
  private graphBroken = false;
  /** Output shape of each layer (batch axis null), known once the input shape is. */
  readonly layerOutputShapes = new Map<Layer, Shape>();

  /** A Sequential has one output: predict gives a Tensor (predictAsync and predictOnBatch likewise). */
  override predict(x: Inputs, args?: PredictArgs): Tensor {
    return super.predict(x, args) as Tensor;
  }
  override predictOnBatch(x: Inputs): Tensor {
    return super.predictOnBatch(x) as Tensor;
  }
  override predictAsync(dataset: Dataset<unknown> | PyDataset, args?: PredictDatasetArgs): Promise<Tensor>;
  override predictAsync(x: Inputs, args?: PredictArgs & WorkerArgs): Promise<Tensor>;
  override async predictAsync(x: Inputs | Dataset<unknown> | PyDataset, args?: (PredictArgs & WorkerArgs) | PredictDatasetArgs): Promise<Tensor> {
    return (await super.predictAsync(x as Inputs, args as PredictArgs & WorkerArgs)) as Tensor;
  }

  /**
   * new Sequential([layers]), new Sequential({ layers, name }), tn.sequential({ layers }), or Keras's positional
   * Sequential(layers, name).
   */
  constructor(layers?: (Layer | SymbolicTensor)[] | SequentialArgs, args: LayerArgs | string = {}) {
    const rest: LayerArgs = typeof args === 'string' ? { name: args } : args;
    const a: SequentialArgs = Array.isArray(layers) ? { ...rest, layers } : layers ?? rest;
    checkOptionNames(a, ['layers', 'name', 'trainable'], 'Sequential');
    super({ name: a.name, trainable: a.trainable });
    for (const l of a.layers ?? []) this.add(l);
  }

  override get className(): string {
    return 'Sequential';
  }

  /** Appends a layer (or sets the input shape, given tn.input() or an InputLayer). */
  add(layer: Layer | SymbolicTensor): void {
    if (layer instanceof SymbolicTensor) {
      if (!(layer.node.layer instanceof InputLayer)) throw new Error('Sequential.add: a symbolic tensor can only be added as the model input (from tn.input())');
      layer = layer.node.layer;
    }
    if (!(layer instanceof Layer)) {
      throw new Error(`Only instances of Layer can be added to a Sequential model. Received: ${String(layer)} (of type ${typeof layer})`);
    }
    if (layer instanceof InputLayer) {
      if (this.stack.length) throw new Error('Sequential.add: an InputLayer can only be the first layer');
      this.batchShape = layer.batchInputShape!.slice();
      return;
    }
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new Error(`All layers added to a Sequential model should have unique names. Name "${layer.name}" is already the name of a layer in this model. Update the \`name\` argument to pass a unique name.`);
    }
    // A built model as the first layer lends its input shape, as in Keras.
    const firstShape = layer.batchInputShape ?? (layer instanceof Sequential ? layer.batchShape : layer instanceof Model && layer.built && layer.inputs?.length === 1 ? layer.inputs[0].shape : null);
    if (!this.stack.length && !this.batchShape && firstShape) this.batchShape = firstShape.slice();
    this.stack.push(layer);
    if (this.batchShape) {
      try {
        this.buildShapes();
      } catch (err) {
        this.stack.pop();
        throw err;
      }
    }
  }

  /** Removes the last layer. */
  pop(): Layer {
    const l = this.stack.pop();
    if (!l) throw new Error('There are no layers in the model.');
    this.layerOutputShapes.delete(l);
    if (this.symbolic.length > this.stack.length) {
      this.symbolic.length = this.stack.length;
      this.outputs = this.symbolic.length ? [this.symbolic[this.symbolic.length - 1]] : [];
    }
    return l;
  }

  override get layers(): Layer[] {
    return this.stack.slice();
  }

  override isSubclassed(): boolean {
    return false;
  }

  override get inputNames(): string[] {
    return [this.stack[0]?.name ?? 'input'];
  }
  override get outputNames(): string[] {
    return [this.stack[this.stack.length - 1]?.name ?? 'output'];
  }

  protected override expectedInputShapes(): Shape[] | null {
    return this.batchShape ? [this.batchShape] : null;
  }

  protected override outputCount(): number {
    return 1;
  }

  /** Builds every layer from a known input shape, checking each layer against the one before. */
  private buildShapes(): void {
    let shape: Shape = this.batchShape!.slice();
    shape[0] = null;
    for (const l of this.stack) {
      l.maybeBuild(shape);
      shape = l.computeOutputShape(shape) as Shape;
      this.layerOutputShapes.set(l, shape);
    }
    this.built = true;
    this.extendGraph();
  }

  /**
   * As Keras 3's Sequential, once the input shape is known the layers are also called on a symbolic input, so that
   * model.inputs / model.outputs and each layer's .output exist (a feature extractor is then
   * `new Model({ inputs: model.inputs, outputs: model.layers[1].output })`). Incremental: add() calls the new layer
   * only. Training and prediction do not use this graph (call() runs the stack).
   */
  private extendGraph(): void {
    if (this.graphBroken) return;
    try {
      if (!this.inputs.length) {
        const shape = this.batchShape!.slice();
        this.inputs = [new InputLayer({ batchInputShape: shape, name: `${this.name}_input` }).output];
        this.symbolic = [];
      }
      for (let i = this.symbolic.length; i < this.stack.length; i++) {
        const out = this.stack[i].apply(i ? this.symbolic[i - 1] : this.inputs[0]);
        if (Array.isArray(out)) throw new SequentialOutputError(this.name, this.stack[i], out.length);
        this.symbolic.push(out);
      }
      this.outputs = this.symbolic.length ? [this.symbolic[this.symbolic.length - 1]] : [];
    } catch (e) {
      if (e instanceof SequentialOutputError) throw e;
      // A layer that cannot be called symbolically leaves the model without a graph; it still trains and predicts.
      this.graphBroken = true;
      this.inputs = [];
      this.outputs = [];
    }
  }

  /** Builds the model for inputs of `inputShape` (with the batch axis, which may be null). */
  override build(inputShape: Shape | Shape[]): void {
    this.batchShape = (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape)).slice();
    // Built from data, the model accepts any batch size.
    this.batchShape[0] = null;
    if (this.stack.length) this.buildShapes();
    this.built = true;
  }

  override call(inputs: LayerInput, args: CallArgs = {}): LayerOutput {
    if (!this.stack.length) throw new Error(`Sequential model "${this.name}" has no layers; add some before calling it`);
    let x: LayerOutput = inputs;
    // Each layer reads the mask its input carries (the first layer's is the model's input's).
    const { mask: _inputMask, ...layerArgs } = args;
    for (let i = 0; i < this.stack.length; i++) {
      const l = this.stack[i];
      // A masked input takes the plain path, where a layer without mask support says so.
      const fused = Array.isArray(x) || x.kerasMask ? null : fusedPair(this.stack, i, x.shape);
      if (fused && this.layerOutputShapes.has(fused[1])) {
        x = runConvReluPool(fused[0], fused[1], x as Tensor);
        i++;
        continue;
      }
      x = l.apply(x, layerArgs) as LayerOutput;
      // Keras's rule: every layer of a Sequential gives one tensor (an LSTM with returnState gives several).
      if (Array.isArray(x)) throw new Error(`Sequential model "${this.name}": layer "${l.name}" (${l.className}) returned ${x.length} outputs, but all layers in a Sequential model should have a single output tensor. For multi-output layers, use the functional API`);
      if (!this.layerOutputShapes.has(l)) this.layerOutputShapes.set(l, [null, ...x.shape.slice(1)]);
    }
    return x;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    let shape = inputShape;
    for (const l of this.stack) shape = l.computeOutputShape(shape);
    return shape;
  }

  /** The input shape with its batch axis once known (getConfig's batchInputShape, without serializing the layers). */
  get inputBatchShape(): Shape | null {
    return this.batchShape ? this.batchShape.slice() : null;
  }

  override getConfig() {
    return { ...super.getConfig(), batchInputShape: this.inputBatchShape };
  }
}

/** Keras's error for a layer with several outputs in a Sequential (thrown through extendGraph's fallback). */
class SequentialOutputError extends Error {
  constructor(model: string, layer: Layer, count: number) {
    super(`Sequential model "${model}": layer "${layer.name}" (${layer.className}) returns ${count} outputs, but all layers in a Sequential model should have a single output tensor. For multi-output layers, use the functional API`);
  }
}
