// Keras's keras.utils.FeatureSpace: structured data (a dict of columns) to the vector a model trains on. Each feature
// has a type (float, normalized, rescaled, discretized, integer or string categorical, integer or string hashed) that
// names a preprocessing layer; adapt() fits those that learn from data; crosses hash pairs of categorical features
// (after their lookup, as Keras crosses the indices) with HashedCrossing; one_hot features are encoded with
// CategoryEncoding; the results, in sorted order of their names (features, then crosses), are concatenated or given
// as a dict. The layers are ordinary layers, so getInputs() and getEncodedFeatures() build the same preprocessing
// into a functional model that saves and serves as one.
import type { Dataset } from '../data/dataset.js';
import { array } from '../data/sources.js';
import { Concatenate } from '../layers/merge.js';
import { Identity } from '../layers/core.js';
import { Discretization } from '../layers/discretization.js';
import { Layer, input, SymbolicTensor } from '../layers/layer.js';
import { Normalization, Rescaling } from '../layers/preprocessing.js';
import { HashedCrossing } from '../layers/preprocessing-crossing.js';
import { CategoryEncoding, Hashing, IntegerLookup, StringLookup } from '../layers/preprocessing-text.js';
import { expandDims, reshape, squeeze } from '../ops/shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';

type FeatureDType = 'float32' | 'int32' | 'string';
type FeatureOutput = 'int' | 'one_hot' | 'float';

/** One feature: the dtype of its input, the layer that preprocesses it, and how its result is encoded. */
export class Feature {
  constructor(readonly dtype: FeatureDType, readonly preprocessor: Layer, readonly outputMode: FeatureOutput) {
    if (!['int', 'one_hot', 'float'].includes(outputMode)) throw new Error(`FeatureSpace: a feature's outputMode must be 'int', 'one_hot' or 'float', received ${JSON.stringify(outputMode)}`);
    if (!['float32', 'int32', 'string'].includes(dtype)) throw new Error(`FeatureSpace: a feature's dtype must be 'float32', 'int32' or 'string', received ${JSON.stringify(dtype)}`);
    if (!(preprocessor instanceof Layer)) throw new Error('FeatureSpace: a feature\'s preprocessor must be a layer');
  }
}

/** A cross of categorical features, hashed into crossingDim bins. */
export class Cross {
  readonly featureNames: string[];
  constructor(featureNames: readonly string[], readonly crossingDim: number, readonly outputMode: 'int' | 'one_hot' = 'one_hot') {
    if (outputMode !== 'int' && outputMode !== 'one_hot') throw new Error(`FeatureSpace: a cross's outputMode must be 'int' or 'one_hot', received ${JSON.stringify(outputMode)}`);
    if (!Array.isArray(featureNames) || featureNames.length < 2) throw new Error(`FeatureSpace: a cross needs at least two feature names, received ${JSON.stringify(featureNames)}`);
    this.featureNames = featureNames.slice();
  }

  get name(): string {
    return this.featureNames.join('_X_');
  }
}

type FeatureType = 'float' | 'float_normalized' | 'float_rescaled' | 'float_discretized' | 'integer_categorical' | 'string_categorical' | 'integer_hashed' | 'string_hashed';

export interface FeatureSpaceArgs {
  /** Feature name -> a type name ('string_categorical', ...) or a feature from FeatureSpace.stringCategorical() and the like. */
  features: Record<string, FeatureType | Feature>;
  /** 'concat' (one float32 vector per sample, the default) or 'dict' (each encoded feature under its name). */
  outputMode?: 'concat' | 'dict';
  /** Features to cross: lists of names (crossed into crossingDim bins) or FeatureSpace.cross(...). */
  crosses?: (readonly string[] | Cross)[];
  crossingDim?: number;
  /** Bins of the 'integer_hashed' and 'string_hashed' features given by name. Default 32. */
  hashingDim?: number;
  /** Bins of the 'float_discretized' features given by name. Default 32. */
  numDiscretizationBins?: number;
  name?: string;
}

/** Data FeatureSpace.apply() takes: a column per feature, batched ([N] or [N, 1]) or one sample (a scalar). */
export type FeatureData = Record<string, TensorLike | Tensor>;

let counter = 0;
const autoName = (prefix: string) => `${prefix}_${counter++}`;

function positive(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`FeatureSpace: ${what} must be a positive integer, received ${JSON.stringify(v)}`);
  return v as number;
}

export class FeatureSpace {
  /** Plain float values. */
  static float(args: { name?: string } = {}): Feature {
    return new Feature('float32', new Identity({ name: `${args.name ?? autoName('float')}_preprocessor` }), 'float');
  }
  /** Floats rescaled linearly (a Rescaling layer). */
  static floatRescaled(args: { scale?: number; offset?: number; name?: string } = {}): Feature {
    const name = args.name ?? autoName('float_rescaled');
    return new Feature('float32', new Rescaling({ scale: args.scale ?? 1, offset: args.offset ?? 0, name: `${name}_preprocessor` }), 'float');
  }
  /** Floats standardized with the mean and variance adapt() learns (a Normalization layer). */
  static floatNormalized(args: { name?: string } = {}): Feature {
    return new Feature('float32', new Normalization({ axis: -1, name: `${args.name ?? autoName('float_normalized')}_preprocessor` }), 'float');
  }
  /** Floats bucketed (a Discretization layer: numBins learned by adapt(), or fixed binBoundaries), one-hot by default. */
  static floatDiscretized(args: { numBins?: number; binBoundaries?: number[] | null; outputMode?: 'int' | 'one_hot'; name?: string }): Feature {
    const name = args?.name ?? autoName('float_discretized');
    const boundaries = args?.binBoundaries ?? null;
    const layer = boundaries ? new Discretization({ binBoundaries: boundaries, name: `${name}_preprocessor` }) : new Discretization({ numBins: positive(args?.numBins, 'floatDiscretized\'s numBins'), name: `${name}_preprocessor` });
    return new Feature('float32', layer, args?.outputMode ?? 'one_hot');
  }
  /** Integers indexed by their vocabulary (an IntegerLookup layer, adapted), one-hot by default. */
  static integerCategorical(args: { maxTokens?: number | null; numOovIndices?: number; outputMode?: 'int' | 'one_hot'; name?: string } = {}): Feature {
    const name = args.name ?? autoName('integer_categorical');
    return new Feature('int32', new IntegerLookup({ maxTokens: args.maxTokens ?? null, numOovIndices: args.numOovIndices ?? 1, name: `${name}_preprocessor` }), args.outputMode ?? 'one_hot');
  }
  /** Strings indexed by their vocabulary (a StringLookup layer, adapted), one-hot by default. */
  static stringCategorical(args: { maxTokens?: number | null; numOovIndices?: number; outputMode?: 'int' | 'one_hot'; name?: string } = {}): Feature {
    const name = args.name ?? autoName('string_categorical');
    return new Feature('string', new StringLookup({ maxTokens: args.maxTokens ?? null, numOovIndices: args.numOovIndices ?? 1, name: `${name}_preprocessor` }), args.outputMode ?? 'one_hot');
  }
  /** Integers hashed into numBins bins (a Hashing layer), one-hot by default. */
  static integerHashed(args: { numBins: number; outputMode?: 'int' | 'one_hot'; name?: string }): Feature {
    const name = args?.name ?? autoName('integer_hashed');
    return new Feature('int32', new Hashing({ numBins: positive(args?.numBins, 'integerHashed\'s numBins'), name: `${name}_preprocessor` }), args.outputMode ?? 'one_hot');
  }
  /** Strings hashed into numBins bins (a Hashing layer), one-hot by default. */
  static stringHashed(args: { numBins: number; outputMode?: 'int' | 'one_hot'; name?: string }): Feature {
    const name = args?.name ?? autoName('string_hashed');
    return new Feature('string', new Hashing({ numBins: positive(args?.numBins, 'stringHashed\'s numBins'), name: `${name}_preprocessor` }), args.outputMode ?? 'one_hot');
  }
  /** A feature of your own: any preprocessing layer (a TextVectorization, ...), its input dtype and its encoding. */
  static feature(args: { dtype: FeatureDType; preprocessor: Layer; outputMode: FeatureOutput }): Feature {
    return new Feature(args.dtype, args.preprocessor, args.outputMode);
  }
  /** A cross of two or more categorical features into crossingDim bins, one-hot by default. */
  static cross(args: { featureNames: readonly string[]; crossingDim: number; outputMode?: 'int' | 'one_hot' }): Cross {
    return new Cross(args.featureNames, positive(args.crossingDim, 'a cross\'s crossingDim'), args.outputMode ?? 'one_hot');
  }

  readonly name: string;
  readonly features: Record<string, Feature>;
  readonly crosses: Cross[];
  readonly outputMode: 'concat' | 'dict';
  readonly crossingDim: number;
  readonly hashingDim: number;
  readonly numDiscretizationBins: number;
  /** Each feature's preprocessing layer, by feature name. */
  readonly preprocessors: Record<string, Layer>;
  /** Each cross's HashedCrossing layer, by the cross's name ('a_X_b'). */
  readonly crossers: Record<string, HashedCrossing>;
  private adapted = false;
  private encoders: Record<string, CategoryEncoding> | null = null;
  private concat: Concatenate | null = null;
  private inputs: Record<string, SymbolicTensor> | null = null;
  private encoded: SymbolicTensor | Record<string, SymbolicTensor> | null = null;

  constructor(args: FeatureSpaceArgs) {
    if (!args || typeof args !== 'object' || !args.features || typeof args.features !== 'object' || Object.keys(args.features).length === 0) {
      throw new Error('FeatureSpace: the `features` argument cannot be empty; give an object of feature name -> type');
    }
    this.name = args.name ?? autoName('feature_space');
    this.crossingDim = args.crossingDim ?? 32;
    this.hashingDim = positive(args.hashingDim ?? 32, 'hashingDim');
    this.numDiscretizationBins = positive(args.numDiscretizationBins ?? 32, 'numDiscretizationBins');
    this.features = Object.fromEntries(Object.entries(args.features).map(([name, f]) => [name, this.standardize(name, f)]));
    const mode = args.outputMode ?? 'concat';
    if (mode !== 'concat' && mode !== 'dict') throw new Error(`FeatureSpace: outputMode must be 'concat' or 'dict', received ${JSON.stringify(mode)}`);
    this.outputMode = mode;
    this.crosses = (args.crosses ?? []).map((c) => {
      const cross = c instanceof Cross ? c : new Cross(c as string[], positive(this.crossingDim, 'crossingDim (needed by crosses given as lists of names)'));
      const unknown = cross.featureNames.filter((n) => !(n in this.features));
      if (unknown.length) throw new Error(`FeatureSpace: all features referenced in \`crosses\` should be present in \`features\`; unknown: ${unknown.join(', ')} (features: ${Object.keys(this.features).join(', ')})`);
      const floats = cross.featureNames.filter((n) => this.features[n].outputMode === 'float');
      if (floats.length) throw new Error(`FeatureSpace: the cross ${cross.name} takes ${floats.join(', ')}, whose values are floats; crosses hash categorical features (integer or string categorical, hashed, or discretized)`);
      return cross;
    });
    this.preprocessors = Object.fromEntries(Object.entries(this.features).map(([name, f]) => [name, f.preprocessor]));
    this.crossers = Object.fromEntries(this.crosses.map((c) => [c.name, new HashedCrossing({ numBins: c.crossingDim, name: c.name })]));
  }

  private standardize(name: string, f: FeatureType | Feature): Feature {
    if (f instanceof Feature) return f;
    switch (f) {
      case 'float': return FeatureSpace.float({ name });
      case 'float_normalized': return FeatureSpace.floatNormalized({ name });
      case 'float_rescaled': return FeatureSpace.floatRescaled({ name });
      case 'float_discretized': return FeatureSpace.floatDiscretized({ name, numBins: this.numDiscretizationBins });
      case 'integer_categorical': return FeatureSpace.integerCategorical({ name });
      case 'string_categorical': return FeatureSpace.stringCategorical({ name });
      case 'integer_hashed': return FeatureSpace.integerHashed({ name, numBins: this.hashingDim });
      case 'string_hashed': return FeatureSpace.stringHashed({ name, numBins: this.hashingDim });
      default: throw new Error(`FeatureSpace: invalid type ${JSON.stringify(f)} for feature "${name}"; expected one of float, float_normalized, float_rescaled, float_discretized, integer_categorical, string_categorical, integer_hashed, string_hashed, or a FeatureSpace.<type>() feature`);
    }
  }

  /** The features whose layers learn from data (a Normalization with a given mean or fixed bin boundaries does not). */
  private adaptable(): string[] {
    return Object.keys(this.features).filter((name) => {
      const p = this.preprocessors[name] as Layer & { adapt?: unknown; inputMean?: unknown; numBins?: unknown };
      if (p instanceof Normalization && p.inputMean !== null) return false;
      if (p instanceof Discretization && p.numBins === null) return false;
      return typeof p.adapt === 'function';
    });
  }

  /**
   * Fits the preprocessing layers that learn from data (vocabularies, means and variances, bin boundaries): a
   * tn.data dataset of objects keyed by feature name (batched or not), or an object of columns.
   */
  async adapt(data: Dataset<Record<string, unknown>> | FeatureData): Promise<void> {
    const ds = isDataset(data) ? data : array(columnsToRows(data as FeatureData));
    for (const name of this.adaptable()) {
      let column = ds.map((e) => {
        if (!e || typeof e !== 'object' || !(name in e)) throw new Error(`FeatureSpace.adapt: an element has no feature "${name}" (its keys: ${e && typeof e === 'object' ? Object.keys(e).join(', ') : typeof e})`);
        return (e as Record<string, unknown>)[name];
      });
      const [first] = await column.take(1).toArray();
      const rank = first instanceof Tensor ? first.rank : Array.isArray(first) ? 1 : 0;
      // As Keras: scalars are batched, and batches of scalars become [batch, 1] columns, so that each layer reduces
      // over the samples (axis -1 is the feature).
      if (rank === 0) column = column.batch(32) as unknown as typeof column;
      if (rank <= 1) column = column.map((x) => expandDims(x instanceof Tensor ? x : tensor(x as never), -1));
      await (this.preprocessors[name] as unknown as { adapt(d: unknown): Promise<void> }).adapt(column);
    }
    this.adapted = true;
    this.encoders = null;
    this.encoded = null;
  }

  private checkAdapted(): void {
    if (!this.adapted && this.adaptable().length) throw new Error('FeatureSpace: call `await featureSpace.adapt(dataset)` before using it (its lookups, normalizations and discretizations learn from data)');
  }

  /** The number of values a categorical feature's (or cross's) preprocessor gives: the one-hot width. */
  private cardinality(name: string, layer: Layer): number {
    if (layer instanceof StringLookup || layer instanceof IntegerLookup) return layer.vocabularySize();
    if (layer instanceof Discretization) return (layer.binBoundaries?.length ?? 0) + 1;
    if (layer instanceof Hashing || layer instanceof HashedCrossing) return layer.numBins;
    if (layer instanceof CategoryEncoding) return layer.numTokens;
    throw new Error(`FeatureSpace: feature "${name}" has outputMode 'one_hot', but the size of its preprocessor's output (${layer.className}) is not known, so it cannot be one-hot encoded; use outputMode 'int'`);
  }

  /** Names in Keras's order (features sorted, then crosses sorted) with their specs and layers. */
  private order(): { name: string; outputMode: FeatureOutput; layer: Layer }[] {
    const features = Object.keys(this.features).sort().map((name) => ({ name, outputMode: this.features[name].outputMode, layer: this.preprocessors[name] }));
    const crosses = this.crosses.map((c) => c.name).sort().map((name) => {
      const c = this.crosses.find((x) => x.name === name)!;
      return { name, outputMode: c.outputMode as FeatureOutput, layer: this.crossers[name] as Layer };
    });
    return [...features, ...crosses];
  }

  private encodersFor(): Record<string, CategoryEncoding> {
    if (!this.encoders) {
      this.encoders = {};
      for (const { name, outputMode, layer } of this.order()) {
        if (outputMode === 'one_hot') this.encoders[name] = new CategoryEncoding({ numTokens: this.cardinality(name, layer), outputMode: 'multi_hot', name: `${name}_one_hot` });
      }
      if (this.outputMode === 'concat') this.concat = new Concatenate({ axis: -1, name: `${this.name}_concat` });
    }
    return this.encoders;
  }

  /** Preprocess, cross and merge: the same on tensors (apply) and on symbolic inputs (getEncodedFeatures). */
  private run<T extends Tensor | SymbolicTensor>(columns: Record<string, T>): T | Record<string, T> {
    const pre: Record<string, T> = {};
    for (const name of Object.keys(this.features)) pre[name] = this.preprocessors[name].apply(columns[name] as never) as T;
    const crossed: Record<string, T> = {};
    for (const c of this.crosses) crossed[c.name] = this.crossers[c.name].apply(c.featureNames.map((n) => pre[n]) as never) as T;
    const encoders = this.encodersFor();
    const out: Record<string, T> = {};
    for (const { name, outputMode } of this.order()) {
      const value = name in pre ? pre[name] : crossed[name];
      out[name] = encoders[name] ? (encoders[name].apply(value as never) as T) : value;
      if (this.outputMode === 'concat' && outputMode === 'int') {
        throw new Error(`FeatureSpace: cannot concatenate the features because "${name}" is not encoded (its outputMode is 'int'); use outputMode 'dict'`);
      }
    }
    return this.outputMode === 'dict' ? out : (this.concat!.apply(Object.values(out) as never) as T);
  }

  /** One symbolic input per feature (tn.input, shape [1], the feature's dtype, named after it), for a functional model. */
  getInputs(): Record<string, SymbolicTensor> {
    this.checkAdapted();
    if (!this.inputs) {
      this.inputs = Object.fromEntries(Object.entries(this.features).map(([name, f]) => [name, input({ shape: [1], dtype: f.dtype, name })]));
    }
    return this.inputs;
  }

  /** The encoded features of getInputs(): one symbolic tensor (concat) or an object of them (dict). */
  getEncodedFeatures(): SymbolicTensor | Record<string, SymbolicTensor> {
    this.checkAdapted();
    if (!this.encoded) this.encoded = this.run(this.getInputs());
    return this.encoded;
  }

  /**
   * Keras's feature_space(data): encodes an object of columns, batched ([N] or [N, 1] per feature: [N, width] or an
   * object of [N, ...]) or one sample (a value per feature: [width] or an object of one-sample encodings).
   */
  apply(data: FeatureData): Tensor | Record<string, Tensor> {
    this.checkAdapted();
    if (!data || typeof data !== 'object' || data instanceof Tensor || Array.isArray(data)) {
      throw new Error(`FeatureSpace: apply() takes an object of columns keyed by feature name, received ${data instanceof Tensor ? 'a tensor' : Array.isArray(data) ? 'an array' : typeof data}`);
    }
    const missing = Object.keys(this.features).filter((n) => !(n in data));
    if (missing.length) throw new Error(`FeatureSpace: the data has no ${missing.map((m) => `"${m}"`).join(', ')} (features: ${Object.keys(this.features).join(', ')}; received keys ${Object.keys(data).join(', ')})`);
    let single = false;
    const columns: Record<string, Tensor> = {};
    for (const [name, f] of Object.entries(this.features)) {
      let x = toColumn(data[name], f.dtype, name);
      if (x.rank === 0) {
        x = reshape(x, [1, 1]);
        single = true;
      } else if (x.rank === 1) {
        x = expandDims(x, -1);
      }
      columns[name] = x;
    }
    const out = this.run(columns);
    if (!single) return out;
    if (out instanceof Tensor) return squeeze(out, [0]);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.rank === 2 && v.shape[0] === 1 ? squeeze(v, [0]) : v]));
  }
}

function isDataset(v: unknown): v is Dataset<Record<string, unknown>> {
  return v !== null && typeof v === 'object' && typeof (v as Dataset<unknown>).map === 'function' && typeof (v as Dataset<unknown>).take === 'function';
}

/** { a: [..], b: [..] } to [{ a, b }, ...] (Keras's from_tensor_slices of a dict). */
function columnsToRows(data: FeatureData): Record<string, unknown>[] {
  if (!data || typeof data !== 'object') throw new Error(`FeatureSpace.adapt: expected a dataset or an object of columns, received ${typeof data}`);
  const columns = Object.entries(data).map(([k, v]) => [k, v instanceof Tensor ? (v.arraySync() as unknown[]) : (v as unknown[])] as const);
  const bad = columns.find(([, v]) => !Array.isArray(v));
  if (bad) throw new Error(`FeatureSpace.adapt: column "${bad[0]}" is not an array or a tensor`);
  const n = columns[0]?.[1].length ?? 0;
  const uneven = columns.find(([, v]) => v.length !== n);
  if (uneven) throw new Error(`FeatureSpace.adapt: the columns differ in length (${columns[0][0]}: ${n}, ${uneven[0]}: ${uneven[1].length})`);
  return Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map(([k, v]) => [k, v[i]])));
}

/** A feature's column as a tensor of its dtype. */
function toColumn(v: TensorLike | Tensor, dtype: FeatureDType, name: string): Tensor {
  if (v instanceof Tensor) return v;
  try {
    return dtype === 'string' ? tensor(v as never) : tensor(v as never, undefined, dtype);
  } catch (err) {
    throw new Error(`FeatureSpace: feature "${name}" could not be read as ${dtype === 'string' ? 'strings' : `${dtype} values`}: ${(err as Error).message}`, { cause: err });
  }
}
