// Weight penalties added to the training loss (Keras definitions: l1 * sum|w|, l2 * sum w^2).
import { fromConfig, lookup, normalizeName } from './names.js';
import { abs, add, mul, square, sum } from './ops/index.js';
import type { Tensor } from './tensor.js';

export class Regularizer {
  readonly l1: number;
  readonly l2: number;
  constructor(args: { l1?: number; l2?: number } = {}) {
    this.l1 = args.l1 ?? 0;
    this.l2 = args.l2 ?? 0;
    for (const [k, v] of [['l1', this.l1], ['l2', this.l2]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`Regularizer: ${k} must be a non-negative number, received ${String(v)}`);
    }
  }
  /** The penalty for a weight, as a scalar tensor. */
  apply(w: Tensor): Tensor {
    let penalty: Tensor | null = null;
    if (this.l1) penalty = mul(sum(abs(w)), this.l1);
    if (this.l2) {
      const p2 = mul(sum(square(w)), this.l2);
      penalty = penalty ? add(penalty, p2) : p2;
    }
    return penalty ?? mul(sum(w), 0);
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** Regularizer subclasses registered with registerClass, by class name: a saved { className, config } rebuilds them. */
const customRegularizers = new Map<string, new (config: Record<string, unknown>) => Regularizer>();

/** A class's saved name: its own static className, else its JS name (registerClass's rule). */
function classNameOf(cls: Function): string {
  const own = Object.hasOwn(cls, 'className') ? (cls as { className?: unknown }).className : undefined;
  return typeof own === 'string' ? own : cls.name;
}

/** @internal registerClass's part for a Regularizer subclass (Keras's custom regularizer). */
export function registerRegularizerClass(cls: new (config: Record<string, unknown>) => Regularizer): void {
  customRegularizers.set(classNameOf(cls), cls);
}

/** @internal Whether a saved regularizer's class name is one registerClass was given. */
export function isRegisteredRegularizer(className: string): boolean {
  return customRegularizers.has(className);
}

/** L1 penalty (Keras default 0.01). */
export function l1(args: { l1?: number } | number = {}): Regularizer {
  return new Regularizer({ l1: typeof args === 'number' ? args : args.l1 ?? 0.01 });
}
/** L2 penalty (Keras default 0.01). */
export function l2(args: { l2?: number } | number = {}): Regularizer {
  return new Regularizer({ l2: typeof args === 'number' ? args : args.l2 ?? 0.01 });
}
/** Both penalties (Keras defaults 0.01 each). */
export function l1l2(args: { l1?: number; l2?: number } = {}): Regularizer {
  return new Regularizer({ l1: args.l1 ?? 0.01, l2: args.l2 ?? 0.01 });
}

export type RegularizerIdentifier = string | Regularizer | { className: string; config?: Record<string, unknown> } | null | undefined;

const table = new Map<string, () => Regularizer>([
  ['l1', () => l1()], ['l2', () => l2()], ['l1l2', () => l1l2()],
].map(([k, f]) => [normalizeName(k as string), f as () => Regularizer]));

export function getRegularizer(id: RegularizerIdentifier): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Regularizer) return id;
  if (typeof id === 'string') return lookup(table, id, 'regularizer', ['l1', 'l2', 'l1_l2'])();
  if (typeof id === 'object' && typeof id.className === 'string') {
    const custom = customRegularizers.get(id.className);
    if (custom) return fromConfig(custom, id.config ?? {});
    // Keras's serialized form, as getConfig() writes it: { className: 'L1L2', config: { l1, l2 } }.
    if (['l1', 'l2', 'l1l2'].includes(normalizeName(id.className))) return new Regularizer(id.config as { l1?: number; l2?: number } ?? {});
  }
  throw new Error(`Unknown regularizer ${JSON.stringify(id)}. Known regularizers: l1, l2, l1_l2, and the Regularizer subclasses registered with tn.serialization.registerClass`);
}

/**
 * The JSON form of a regularizer for a layer's config (null for none). A subclass keeps its own class name and
 * getConfig(), so that loading rebuilds it (registered) or names it (not), rather than an L1L2 of zeros.
 */
export function serializeRegularizer(id: RegularizerIdentifier): { className: string; config: Record<string, unknown> } | null {
  const r = getRegularizer(id);
  if (!r) return null;
  return { className: r.constructor === Regularizer ? 'L1L2' : classNameOf(r.constructor), config: r.getConfig() };
}
