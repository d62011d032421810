// Weight initializers with Keras's definitions and defaults, by name or object, seedable.
import { lookup, normalizeName } from './names.js';
import { Generator, generator } from './random.js';
import { checkShape, fmt, sizeOf } from './shape-util.js';
import { empty, Tensor, toTensor, type TensorLike } from './tensor.js';

export abstract class Initializer {
  /** Keras class name, used by getConfig. */
  abstract readonly className: string;
  constructor(readonly seed?: number) {}
  abstract fill(values: Float32Array, shape: number[], g: Generator): void;

  /** A new float32 tensor of `shape` with this initializer's values. */
  apply(shape: number[]): Tensor {
    const s = checkShape(shape, this.className);
    const t = empty(s, 'float32');
    // A deterministic initializer (zeros, ones, constant, identity) draws nothing, so it never asks for the global
    // generator, which setDeterministic(true) without setSeed refuses.
    this.fill(t.values as Float32Array, s, this.random ? this.generator() : (undefined as unknown as Generator));
    return t;
  }

  /** Whether fill() draws from the generator. */
  protected get random(): boolean {
    return true;
  }

  /** A seeded initializer repeats the same values on every call, as in Keras. */
  protected generator(): Generator {
    return this.seed === undefined ? generator() : new Generator(this.seed);
  }

  getConfig(): Record<string, unknown> {
    return this.seed === undefined ? {} : { seed: this.seed };
  }
}

export class Zeros extends Initializer {
  readonly className = 'Zeros';
  protected override get random(): boolean {
    return false;
  }
  // Takes (and ignores) a config object, so that getInitializer({ className: 'Zeros', config: {} }) works.
  constructor(_args: Record<string, never> = {}) {
    super();
  }
  fill(v: Float32Array): void {
    v.fill(0);
  }
}

export class Ones extends Initializer {
  readonly className = 'Ones';
  protected override get random(): boolean {
    return false;
  }
  constructor(_args: Record<string, never> = {}) {
    super();
  }
  fill(v: Float32Array): void {
    v.fill(1);
  }
}

/** What Constant takes: a number, or (Keras 3) an array or tensor broadcast to the weight's shape. */
export type ConstantValue = number | TensorLike;

export class Constant extends Initializer {
  readonly className = 'Constant';
  protected override get random(): boolean {
    return false;
  }
  readonly value: ConstantValue;
  private readonly values: Float32Array;
  private readonly valueShape: number[];
  constructor(args: { value?: ConstantValue } | ConstantValue = {}) {
    super();
    // Keras 3's Constant(value) broadcasts any array to the shape, as keras.io's pretrained embeddings use it:
    // Constant(embedding_matrix). The positional form takes an array or a tensor as well as a number.
    let given: unknown = typeof args === 'number' || Array.isArray(args) || ArrayBuffer.isView(args) || args instanceof Tensor ? args : (args as { value?: ConstantValue }).value ?? 0;
    // A Keras 3 file writes an array value as { class_name: '__numpy__' (or '__tensor__'), config: { value, dtype } }.
    if (given !== null && typeof given === 'object' && !Array.isArray(given) && !ArrayBuffer.isView(given) && !(given instanceof Tensor)) {
      const o = given as { class_name?: unknown; className?: unknown; config?: { value?: unknown } };
      if ((o.class_name ?? o.className) === '__numpy__' || (o.class_name ?? o.className) === '__tensor__') given = o.config?.value;
    }
    let t: Tensor;
    try {
      t = toTensor(given as TensorLike, 'Constant', 'float32');
    } catch (err) {
      throw new Error(`Constant: received an invalid value for \`value\`, expected a number or an array of numbers. Received: value=${String(given).slice(0, 60)} (${(err as Error).message})`);
    }
    this.values = Float32Array.from(t.dtype === 'float32' ? (t.values as Float32Array) : t.data());
    this.valueShape = t.shape.slice();
    this.value = t.rank === 0 ? this.values[0] : (t.array() as ConstantValue);
  }
  fill(v: Float32Array, shape: number[]): void {
    if (this.valueShape.length === 0) {
      v.fill(this.values[0]);
      return;
    }
    // numpy's broadcasting, as Keras's ops.broadcast_to(value, shape).
    const vs = this.valueShape;
    const lead = shape.length - vs.length;
    if (lead < 0 || vs.some((d, i) => d !== 1 && d !== shape[lead + i])) {
      throw new Error(`Constant: a value of shape ${fmt(vs)} cannot be broadcast to the weight's shape ${fmt(shape)}`);
    }
    const strides = new Array<number>(shape.length).fill(0);
    for (let i = vs.length - 1, s = 1; i >= 0; i--) {
      strides[lead + i] = vs[i] === 1 ? 0 : s;
      s *= vs[i];
    }
    const index = new Array<number>(shape.length).fill(0);
    for (let k = 0; k < v.length; k++) {
      let src = 0;
      for (let d = 0; d < shape.length; d++) src += index[d] * strides[d];
      v[k] = this.values[src];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
  }
  override getConfig() {
    // An array as Keras 3 serializes a NumPy value, which its from_config reads back.
    if (typeof this.value === 'number') return { value: this.value };
    return { value: { class_name: '__numpy__', config: { value: this.value, dtype: 'float32' } } };
  }
}

/** gain times the identity matrix, for 2-D shapes (Keras's Identity / IdentityInitializer; a non-square one has ones on its main diagonal). */
export class Identity extends Initializer {
  readonly className = 'Identity';
  protected override get random(): boolean {
    return false;
  }
  readonly gain: number;
  constructor(args: { gain?: number } = {}) {
    super();
    this.gain = args.gain ?? 1;
    if (typeof this.gain !== 'number' || !Number.isFinite(this.gain)) throw new Error(`Identity: received an invalid value for \`gain\`, expected a finite number. Received: gain=${String(this.gain)}`);
  }
  fill(v: Float32Array, shape: number[]): void {
    if (shape.length !== 2) throw new Error(`Identity: the identity initializer needs a 2-D shape, received shape [${shape.join(', ')}]`);
    v.fill(0);
    const [rows, cols] = shape;
    for (let i = 0; i < Math.min(rows, cols); i++) v[i * cols + i] = this.gain;
  }
  override getConfig() {
    return { gain: this.gain };
  }
}

export class RandomNormal extends Initializer {
  readonly className = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor(args: { mean?: number; stddev?: number; seed?: number } = {}) {
    super(args.seed);
    this.mean = args.mean ?? 0;
    this.stddev = args.stddev ?? 0.05;
  }
  fill(v: Float32Array, _s: number[], g: Generator): void {
    for (let i = 0; i < v.length; i++) v[i] = this.mean + this.stddev * g.normal();
  }
  override getConfig() {
    return { ...super.getConfig(), mean: this.mean, stddev: this.stddev };
  }
}

export class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  constructor(args: { minval?: number; maxval?: number; seed?: number } = {}) {
    super(args.seed);
    this.minval = args.minval ?? -0.05;
    this.maxval = args.maxval ?? 0.05;
  }
  fill(v: Float32Array, _s: number[], g: Generator): void {
    for (let i = 0; i < v.length; i++) v[i] = this.minval + (this.maxval - this.minval) * g.uniform();
  }
  override getConfig() {
    return { ...super.getConfig(), minval: this.minval, maxval: this.maxval };
  }
}

function truncated(g: Generator): number {
  let z: number;
  do z = g.normal();
  while (z < -2 || z > 2);
  return z;
}

export class TruncatedNormal extends Initializer {
  readonly className = 'TruncatedNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor(args: { mean?: number; stddev?: number; seed?: number } = {}) {
    super(args.seed);
    this.mean = args.mean ?? 0;
    this.stddev = args.stddev ?? 0.05;
  }
  fill(v: Float32Array, _s: number[], g: Generator): void {
    for (let i = 0; i < v.length; i++) v[i] = this.mean + this.stddev * truncated(g);
  }
  override getConfig() {
    return { ...super.getConfig(), mean: this.mean, stddev: this.stddev };
  }
}

/** fan_in and fan_out as Keras computes them (a conv kernel's receptive field multiplies both). */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

/** Keras's VarianceScaling: scale / fan, drawn uniform, normal or truncated normal. */
export class VarianceScaling extends Initializer {
  className = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  constructor(args: { scale?: number; mode?: FanMode | 'fanIn' | 'fanOut' | 'fanAvg'; distribution?: Distribution | 'truncatedNormal' | 'untruncatedNormal' | 'normal'; seed?: number } = {}) {
    super(args.seed);
    this.scale = args.scale ?? 1;
    if (!(this.scale > 0)) throw new Error(`VarianceScaling: scale must be positive, received ${args.scale}`);
    const mode = normalizeName(args.mode ?? 'fan_in');
    const modes: Record<string, FanMode> = { fanin: 'fan_in', fanout: 'fan_out', fanavg: 'fan_avg' };
    if (!(mode in modes)) throw new Error(`VarianceScaling: mode must be fan_in, fan_out or fan_avg, received ${JSON.stringify(args.mode)}`);
    this.mode = modes[mode];
    const dist = normalizeName(args.distribution ?? 'truncated_normal');
    const dists: Record<string, Distribution> = { truncatednormal: 'truncated_normal', normal: 'truncated_normal', untruncatednormal: 'untruncated_normal', uniform: 'uniform' };
    if (!(dist in dists)) throw new Error(`VarianceScaling: distribution must be truncated_normal, untruncated_normal or uniform, received ${JSON.stringify(args.distribution)}`);
    this.distribution = dists[dist];
  }
  fill(v: Float32Array, shape: number[], g: Generator): void {
    const [fanIn, fanOut] = computeFans(shape);
    const fan = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, fan);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      for (let i = 0; i < v.length; i++) v[i] = limit * (2 * g.uniform() - 1);
    } else if (this.distribution === 'untruncated_normal') {
      const std = Math.sqrt(variance);
      for (let i = 0; i < v.length; i++) v[i] = std * g.normal();
    } else {
      // The stddev of a unit normal truncated to [-2, 2]; dividing by it restores the intended variance.
      const std = Math.sqrt(variance) / 0.87962566103423978;
      for (let i = 0; i < v.length; i++) v[i] = std * truncated(g);
    }
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), scale: this.scale, mode: this.mode, distribution: this.distribution };
  }
}

/** Glorot (Xavier) uniform: limit sqrt(6 / (fan_in + fan_out)). Keras's default for kernels. */
export class GlorotUniform extends VarianceScaling {
  override className = 'GlorotUniform';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: args.seed });
  }
}
export class GlorotNormal extends VarianceScaling {
  override className = 'GlorotNormal';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', seed: args.seed });
  }
}
export class HeUniform extends VarianceScaling {
  override className = 'HeUniform';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 2, mode: 'fan_in', distribution: 'uniform', seed: args.seed });
  }
}
export class HeNormal extends VarianceScaling {
  override className = 'HeNormal';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: args.seed });
  }
}
export class LecunUniform extends VarianceScaling {
  override className = 'LecunUniform';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fan_in', distribution: 'uniform', seed: args.seed });
  }
}
export class LecunNormal extends VarianceScaling {
  override className = 'LecunNormal';
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fan_in', distribution: 'truncated_normal', seed: args.seed });
  }
}

/** A (semi-)orthogonal matrix from the QR decomposition of a normal one, flattened to the trailing axis. */
export class Orthogonal extends Initializer {
  readonly className = 'Orthogonal';
  readonly gain: number;
  constructor(args: { gain?: number; seed?: number } = {}) {
    super(args.seed);
    this.gain = args.gain ?? 1;
  }
  fill(v: Float32Array, shape: number[], g: Generator): void {
    if (shape.length < 2) throw new Error(`Orthogonal: needs a shape of rank at least 2, received ${fmt(shape)}`);
    const cols = shape[shape.length - 1];
    const rows = v.length / cols;
    // Gram-Schmidt on the longer side's vectors: rows x cols with orthonormal rows (rows <= cols) or columns.
    const transposed = rows < cols;
    const n = transposed ? cols : rows; // length of each vector
    const k = transposed ? rows : cols; // number of vectors
    const q = new Float64Array(n * k);
    for (let j = 0; j < k; j++) {
      let norm = 0;
      while (norm < 1e-6) {
        for (let i = 0; i < n; i++) q[j * n + i] = g.normal();
        for (let p = 0; p < j; p++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += q[j * n + i] * q[p * n + i];
          for (let i = 0; i < n; i++) q[j * n + i] -= dot * q[p * n + i];
        }
        norm = 0;
        for (let i = 0; i < n; i++) norm += q[j * n + i] ** 2;
        norm = Math.sqrt(norm);
      }
      for (let i = 0; i < n; i++) q[j * n + i] /= norm;
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        v[r * cols + c] = this.gain * (transposed ? q[r * n + c] : q[c * n + r]);
      }
    }
  }
  override getConfig() {
    return { ...super.getConfig(), gain: this.gain };
  }
}

export type InitializerIdentifier = string | Initializer | { className: string; config?: Record<string, unknown> };

const classes: Record<string, new (args?: never) => Initializer> = {
  zeros: Zeros, ones: Ones, constant: Constant as never, random_normal: RandomNormal as never,
  random_uniform: RandomUniform as never, truncated_normal: TruncatedNormal as never,
  glorot_uniform: GlorotUniform as never, glorot_normal: GlorotNormal as never, he_uniform: HeUniform as never,
  he_normal: HeNormal as never, lecun_uniform: LecunUniform as never, lecun_normal: LecunNormal as never,
  orthogonal: Orthogonal as never, variance_scaling: VarianceScaling as never, identity: Identity as never,
  // Keras's short aliases (keras.initializers.get('uniform') is RandomUniform, Embedding's Keras 2 default).
  uniform: RandomUniform as never, normal: RandomNormal as never, one: Ones, zero: Zeros,
};
const table = new Map(Object.entries(classes).map(([k, v]) => [normalizeName(k), v]));
const known = Object.keys(classes);

/** Resolves 'glorot_uniform' / 'glorotUniform' / an Initializer / {className, config}. */
export function getInitializer(id: InitializerIdentifier): Initializer {
  if (id instanceof Initializer) return id;
  if (typeof id === 'string') return new (lookup(table, id, 'initializer', known))();
  if (id && typeof id === 'object' && typeof id.className === 'string') {
    const Cls = lookup(table, id.className, 'initializer', known) as unknown as new (a: unknown) => Initializer;
    return new Cls(id.config ?? {});
  }
  throw new Error(`Unknown initializer ${JSON.stringify(id)}. Known initializers: ${known.join(', ')}`);
}

/** The JSON form of an initializer for a layer's config: { className, config }, which getInitializer accepts back. */
export function serializeInitializer(id: InitializerIdentifier): { className: string; config: Record<string, unknown> } {
  const init = getInitializer(id);
  return { className: init.className, config: init.getConfig() };
}

// TF.js's factories (tf.initializers.glorotUniform({ seed })), so that code copied from TF.js runs unchanged.
export const zeros = () => new Zeros();
export const ones = () => new Ones();
export const constant = (args: { value?: ConstantValue } | ConstantValue = {}) => new Constant(args);
export const identity = (args: { gain?: number } = {}) => new Identity(args);
export const randomNormal = (args: ConstructorParameters<typeof RandomNormal>[0] = {}) => new RandomNormal(args);
export const randomUniform = (args: ConstructorParameters<typeof RandomUniform>[0] = {}) => new RandomUniform(args);
export const truncatedNormal = (args: ConstructorParameters<typeof TruncatedNormal>[0] = {}) => new TruncatedNormal(args);
export const varianceScaling = (args: ConstructorParameters<typeof VarianceScaling>[0] = {}) => new VarianceScaling(args);
export const glorotUniform = (args: { seed?: number } = {}) => new GlorotUniform(args);
export const glorotNormal = (args: { seed?: number } = {}) => new GlorotNormal(args);
export const heUniform = (args: { seed?: number } = {}) => new HeUniform(args);
export const heNormal = (args: { seed?: number } = {}) => new HeNormal(args);
export const leCunUniform = (args: { seed?: number } = {}) => new LecunUniform(args);
export const leCunNormal = (args: { seed?: number } = {}) => new LecunNormal(args);
export const orthogonal = (args: { gain?: number; seed?: number } = {}) => new Orthogonal(args);
