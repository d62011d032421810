// Weight constraints (Keras's keras.constraints): projections the optimizer applies to a variable after each update,
// in place. Norms run over `axis` (Keras's default 0: for a Dense kernel [inputs, units], each unit's incoming weights;
// for a Conv2D kernel pass [0, 1, 2], each filter).
import { checkOptionNames, fromConfig, lookup, normalizeName } from './names.js';
import { ShapedValues, Tensor } from './tensor.js';

/** Keras's backend.epsilon(), which keeps a zero norm from dividing by zero. */
const EPSILON = 1e-7;

export abstract class Constraint {
  abstract readonly className: string;
  /**
   * Projects the values (a float32 variable of `shape`, row-major) in place, or returns the projected weight as a
   * tensor, as Keras's `__call__(w)` and TF.js's `apply(w)` do (`return tn.sub(w, tn.mean(w, 0))`): `values` carries
   * its `shape`, so ops take it as the tensor of that shape.
   */
  abstract apply(values: Float32Array, shape: number[]): void | Tensor;
  getConfig(): Record<string, unknown> {
    return {};
  }
}

function axesOf(axis: unknown, cls: string): number[] {
  const list = Array.isArray(axis) ? axis : [axis];
  if (!list.length || !list.every((a) => Number.isInteger(a))) {
    throw new Error(`${cls}: received an invalid value for \`axis\`, expected an integer or a list of integers. Received: axis=${JSON.stringify(axis)}`);
  }
  return list as number[];
}

function finiteArg(v: unknown, cls: string, arg: string, fallback: number): number {
  const n = v ?? fallback;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${cls}: received an invalid value for \`${arg}\`, expected a finite number. Received: ${arg}=${JSON.stringify(v)}`);
  return n;
}

/**
 * The L2 norm over `axes` for each index of the other axes, and for each element the index of its norm. An axis
 * beyond the rank (Keras's axis 0 on a bias of rank 1 is fine; axis 3 on it is not) is an error naming the shape.
 */
function norms(values: Float32Array, shape: number[], axes: number[], cls: string): { norm: Float64Array; slot: Int32Array } {
  const rank = shape.length;
  const reduced = new Set(axes.map((a) => {
    const k = a < 0 ? a + rank : a;
    if (k < 0 || k >= rank) throw new Error(`${cls}: axis ${a} is out of range for a weight of shape [${shape.join(', ')}]`);
    return k;
  }));
  const kept = shape.map((_, i) => i).filter((i) => !reduced.has(i));
  const keptSize = kept.reduce((p, i) => p * shape[i], 1);
  const norm = new Float64Array(keptSize);
  const slot = new Int32Array(values.length);
  const idx = new Array<number>(rank).fill(0);
  for (let e = 0; e < values.length; e++) {
    let s = 0;
    for (const i of kept) s = s * shape[i] + idx[i];
    slot[e] = s;
    norm[s] += values[e] * values[e];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  for (let s = 0; s < keptSize; s++) norm[s] = Math.sqrt(norm[s]);
  return { norm, slot };
}

/**
 * A constraint that rescales each slice over `axis` from its L2 norm n to desired(n): w * desired(n) / (1e-7 + n),
 * Keras's formula for MaxNorm, UnitNorm and MinMaxNorm.
 */
abstract class NormConstraint extends Constraint {
  readonly axis: number | number[];
  private readonly axes: number[];
  private readonly cls: string;
  constructor(axis: number | number[] | undefined, cls: string) {
    super();
    this.cls = cls;
    this.axis = axis ?? 0;
    this.axes = axesOf(this.axis, cls);
  }
  protected abstract desired(norm: number): number;
  apply(values: Float32Array, shape: number[]): void {
    const { norm, slot } = norms(values, shape, this.axes, this.cls);
    for (let e = 0; e < values.length; e++) {
      const n = norm[slot[e]];
      values[e] = values[e] * (this.desired(n) / (EPSILON + n));
    }
  }
}

/** Rescales each slice whose L2 norm exceeds maxValue down to it (Keras's MaxNorm / max_norm). */
export class MaxNorm extends NormConstraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  constructor(args: { maxValue?: number; axis?: number | number[] } = {}) {
    checkOptionNames(args, ['maxValue', 'axis'], 'MaxNorm');
    super(args.axis, 'MaxNorm');
    this.maxValue = finiteArg(args.maxValue, 'MaxNorm', 'maxValue', 2);
  }
  protected desired(n: number): number {
    return Math.min(n, this.maxValue);
  }
  override getConfig() {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

/** Sets negative weights to zero (Keras's NonNeg / non_neg). */
export class NonNeg extends Constraint {
  readonly className = 'NonNeg';
  constructor(_args: Record<string, never> = {}) {
    super();
  }
  apply(values: Float32Array): void {
    for (let e = 0; e < values.length; e++) if (values[e] < 0) values[e] = 0;
  }
}

/** Scales each slice to unit L2 norm (Keras's UnitNorm / unit_norm). */
export class UnitNorm extends NormConstraint {
  readonly className = 'UnitNorm';
  constructor(args: { axis?: number | number[] } = {}) {
    checkOptionNames(args, ['axis'], 'UnitNorm');
    super(args.axis, 'UnitNorm');
  }
  protected desired(): number {
    return 1;
  }
  override getConfig() {
    return { axis: this.axis };
  }
}

/**
 * Moves each slice's L2 norm into [minValue, maxValue]: norm' = rate * clip(norm, min, max) + (1 - rate) * norm
 * (Keras's MinMaxNorm / min_max_norm; rate 1 is a strict projection).
 */
export class MinMaxNorm extends NormConstraint {
  readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  constructor(args: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] } = {}) {
    checkOptionNames(args, ['minValue', 'maxValue', 'rate', 'axis'], 'MinMaxNorm');
    super(args.axis, 'MinMaxNorm');
    this.minValue = finiteArg(args.minValue, 'MinMaxNorm', 'minValue', 0);
    this.maxValue = finiteArg(args.maxValue, 'MinMaxNorm', 'maxValue', 1);
    this.rate = finiteArg(args.rate, 'MinMaxNorm', 'rate', 1);
  }
  protected desired(n: number): number {
    return this.rate * Math.min(Math.max(n, this.minValue), this.maxValue) + (1 - this.rate) * n;
  }
  override getConfig() {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

export type ConstraintIdentifier = string | Constraint | { className: string; config?: Record<string, unknown> } | null | undefined;

const classes: Record<string, new (args?: never) => Constraint> = {
  max_norm: MaxNorm as never, non_neg: NonNeg as never, unit_norm: UnitNorm as never, min_max_norm: MinMaxNorm as never,
};
// Keras's function names (max_norm) and class names (MaxNorm), in any case and with or without underscores.
const table = new Map<string, new (args?: never) => Constraint>(Object.entries(classes).map(([k, v]) => [normalizeName(k), v]));

/** Constraint subclasses registered with registerClass, by class name: a saved { className, config } rebuilds them. */
const customConstraints = new Map<string, new (config: Record<string, unknown>) => Constraint>();

/**
 * Registered classes without a static className. Their instances may name themselves otherwise (a `className = 'Clip'`
 * field, as the built-in constraints declare theirs), and that instance name is what a saved model holds.
 */
const instanceNamedConstraints = new Set<new (config: Record<string, unknown>) => Constraint>();

/**
 * @internal registerClass's part for a Constraint subclass (Keras's custom constraint), under `name`; `staticName`
 * says whether `name` is the class's static className or only its JavaScript name.
 */
export function registerConstraintClass(cls: new (config: Record<string, unknown>) => Constraint, name: string, staticName = true): void {
  customConstraints.set(name, cls);
  if (!staticName) instanceNamedConstraints.add(cls);
}

/**
 * The registered class a saved { className, config } names: by its registered name, or else the registered class
 * whose instance, built from that config as loading builds it, gives itself that className.
 */
function registeredConstraint(className: string, config: Record<string, unknown>): (new (config: Record<string, unknown>) => Constraint) | undefined {
  const direct = customConstraints.get(className);
  if (direct) return direct;
  for (const cls of instanceNamedConstraints) {
    let made: Constraint;
    try {
      made = fromConfig(cls, config);
    } catch {
      continue; // not this class: its constructor refuses the config
    }
    if (made.className === className) {
      customConstraints.set(className, cls);
      return cls;
    }
  }
  return undefined;
}

/** @internal Whether a saved constraint's class name and config are those of a class registerClass was given. */
export function isRegisteredConstraint(className: string, config: Record<string, unknown> = {}): boolean {
  return registeredConstraint(className, config) !== undefined;
}

/**
 * @internal Applies a constraint to a variable's values after its update: what its apply() projected in place, or
 * the tensor it returned copied back (a constraint written as Keras's __call__, whose result was otherwise lost).
 */
export function applyConstraint(c: { apply(values: Float32Array, shape: number[]): unknown; className?: string }, values: Float32Array, shape: number[]): void {
  const out: unknown = c.apply(ShapedValues.over(values, shape), shape);
  if (out === undefined || out === null) return;
  if (!(out instanceof Tensor) || out.size !== values.length) {
    const got = out instanceof Tensor ? `a tensor of shape [${out.shape.join(', ')}]` : typeof out;
    throw new Error(`constraint ${c.className ?? c.constructor.name}: apply(values, shape) must project the values in place or return the projected weight, a tensor of shape [${shape.join(', ')}]; it returned ${got}`);
  }
  values.set(out.values as ArrayLike<number>);
}

/** Resolves 'max_norm' / 'maxNorm' / 'MaxNorm', a Constraint, or { className, config }; null when none is given. */
export function getConstraint(id: ConstraintIdentifier): Constraint | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Constraint) return id;
  const known = Object.keys(classes);
  const find = (name: string) => lookup(table, name, 'constraint', known);
  if (typeof id === 'string') return new (find(id))();
  if (typeof id === 'object' && typeof id.className === 'string') {
    const custom = registeredConstraint(id.className, id.config ?? {});
    if (custom) return fromConfig(custom, id.config ?? {});
    return new (find(id.className) as unknown as new (a: unknown) => Constraint)(id.config ?? {});
  }
  throw new Error(`Unknown constraint ${JSON.stringify(id)}. Known constraints: ${known.join(', ')}`);
}

/** { className, config } for a layer's config, or null for none. */
export function serializeConstraint(c: Constraint | null): { className: string; config: Record<string, unknown> } | null {
  return c ? { className: c.className, config: c.getConfig() } : null;
}

/** Keras's function-style factories: tn.constraints.maxNorm({ maxValue: 3 }). */
export const maxNorm = (args: ConstructorParameters<typeof MaxNorm>[0] = {}) => new MaxNorm(args);
export const nonNeg = () => new NonNeg();
export const unitNorm = (args: ConstructorParameters<typeof UnitNorm>[0] = {}) => new UnitNorm(args);
export const minMaxNorm = (args: ConstructorParameters<typeof MinMaxNorm>[0] = {}) => new MinMaxNorm(args);
