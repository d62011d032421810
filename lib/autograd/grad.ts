// Functional gradient API (TF.js and JAX style) on top of the tape.
import { fmt } from '../shape-util.js';
import { Tensor, toTensor, Variable, zeros, type TensorLike } from '../tensor.js';
import { asGradFunction, backward } from './tape.js';

type ScalarFn = (...args: Tensor[]) => Tensor;

/** A fresh leaf that shares x's buffer, so that x itself is never marked. */
function watched(x: TensorLike, op: string, i: number): Tensor {
  const t = toTensor(x, op);
  if (t.dtype !== 'float32') throw new Error(`${op}: argument ${i} has dtype ${t.dtype}; gradients need float32`);
  const w = new Tensor(t._storage, t.shape.slice(), t.dtype);
  w._leaf = true;
  return w;
}

/** Backward passes this API has run; call() compares it before and after f to see whether f took a gradient. */
let gradientPasses = 0;
/** Outputs whose f took a gradient inside (nested grad calls). */
const tookGradient = new WeakSet<Tensor>();

function call(f: ScalarFn, args: Tensor[], op: string): Tensor {
  if (typeof f !== 'function') throw new Error(`${op}: expected a function, received ${typeof f}`);
  const before = gradientPasses;
  const y = asGradFunction(() => f(...args));
  if (!(y instanceof Tensor)) throw new Error(`${op}: the function must return a tensor, received ${y === null ? 'null' : typeof y}`);
  if (gradientPasses !== before) tookGradient.add(y);
  return y;
}

/**
 * Gradients here are first-order: a backward pass does not record its own operations, so a gradient of a gradient
 * (TF.js's tf.grad(tf.grad(f)), a gradient penalty) would come out as zeros. When f took a gradient inside and its
 * result reaches none of the sources, that is what happened: say so rather than return zeros.
 */
function refuseSecondOrder(y: Tensor, connected: number, op: string): void {
  gradientPasses++;
  if (connected === 0 && tookGradient.has(y)) {
    throw new Error(`${op}: the function's result depends on its inputs only through a gradient taken inside it; tensornode computes first-order gradients only (a gradient records no operations of its own), so a gradient of a gradient is not supported`);
  }
}

function seedFor(y: Tensor, dy: TensorLike | undefined, op: string): Tensor | null {
  if (dy === undefined) return null;
  const s = toTensor(dy, op);
  if (s.shape.length !== y.shape.length || s.shape.some((d, i) => d !== y.shape[i])) {
    throw new Error(`${op}: dy has shape ${fmt(s.shape)} but the function's output has shape ${fmt(y.shape)}`);
  }
  return s;
}

function gradientsOf(y: Tensor, sources: Tensor[], dy: Tensor | null, op = 'gradients'): Tensor[] {
  const g = backward(y, dy, sources);
  refuseSecondOrder(y, g.size, op);
  // A source the output does not depend on has a zero gradient.
  return sources.map((s) => g.get(s) ?? zeros(s.shape));
}

/** Returns a function that computes the gradient of sum(f(x) * dy) with respect to x (dy defaults to ones). */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => Tensor {
  return (x, dy) => {
    const w = watched(x, 'grad', 0);
    const y = call(f, [w], 'grad');
    return gradientsOf(y, [w], seedFor(y, dy, 'grad'), 'grad')[0];
  };
}

/** Like grad, for a function of several tensors: returns one gradient per argument. */
export function grads(f: ScalarFn): (args: TensorLike[], dy?: TensorLike) => Tensor[] {
  return (args, dy) => {
    if (!Array.isArray(args)) throw new Error('grads: arguments must be passed as an array');
    const ws = args.map((a, i) => watched(a, 'grads', i));
    const y = call(f, ws, 'grads');
    return gradientsOf(y, ws, seedFor(y, dy, 'grads'), 'grads');
  };
}

/** Returns a function that computes both f(x) and its gradient. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const w = watched(x, 'valueAndGrad', 0);
    const y = call(f, [w], 'valueAndGrad');
    return { value: y, grad: gradientsOf(y, [w], seedFor(y, dy, 'valueAndGrad'), 'valueAndGrad')[0] };
  };
}

/** Returns a function that computes f(...args) and one gradient per argument. */
export function valueAndGrads(f: ScalarFn): (args: TensorLike[], dy?: TensorLike) => { value: Tensor; grads: Tensor[] } {
  return (args, dy) => {
    if (!Array.isArray(args)) throw new Error('valueAndGrads: arguments must be passed as an array');
    const ws = args.map((a, i) => watched(a, 'valueAndGrads', i));
    const y = call(f, ws, 'valueAndGrads');
    return { value: y, grads: gradientsOf(y, ws, seedFor(y, dy, 'valueAndGrads'), 'valueAndGrads') };
  };
}

/**
 * The error for a function to minimize or differentiate whose result is not one number. Its usual cause in ported
 * TF.js code is a loss of one value per sample: tn.losses are Keras's functions, where TF.js's reduce to a scalar.
 */
export function notScalarError(op: string, result: unknown): Error {
  if (!(result instanceof Tensor)) return new Error(`${op}: f must return a scalar tensor, received ${result === null ? 'null' : typeof result}`);
  return new Error(`${op}: f must return a scalar tensor, received shape ${fmt(result.shape)}; a loss of one value per sample (Keras's tn.losses.meanSquaredError and the other tn.losses functions give one, where TF.js's reduce it) needs its .mean()`);
}

/**
 * The value of f() and the gradients of it with respect to trainable variables: those in varList, or every
 * trainable variable f used. Keys are variable names.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  const y = call(f, [], 'variableGrads');
  if (y.size !== 1) throw notScalarError('variableGrads', y);
  const sources = varList ?? null;
  if (sources) {
    for (const v of sources) {
      if (!(v instanceof Variable)) throw new Error('variableGrads: varList must contain only variables');
    }
  }
  const g = backward(y, null, sources ? sources.filter((v) => v.trainable) : null);
  refuseSecondOrder(y, g.size, 'variableGrads');
  const out: Record<string, Tensor> = {};
  const vars = new Map<string, Variable>();
  // Keyed in the order the variables were created (a model's weights in order), as TF.js's record is, rather than
  // in the backward pass's order.
  for (const [t, gt] of [...g].sort(([a], [b]) => a.id - b.id)) {
    if (!(t instanceof Variable)) continue;
    if (vars.has(t.name) && vars.get(t.name) !== t) {
      throw new Error(`variableGrads: two of the variables f uses are named '${t.name}' (layers of the same name in two models), so a record keyed by name cannot hold both; pass varList, or name the layers apart`);
    }
    out[t.name] = gt;
    vars.set(t.name, t);
  }
  if (sources) for (const v of sources) if (v.trainable && !(v.name in out)) { out[v.name] = zeros(v.shape); vars.set(v.name, v); }
  gradientVariables.set(out, vars);
  return { value: y, grads: out };
}

/**
 * The variables behind each key of a record variableGrads returned, so that applyGradients(record) updates those
 * variables even when another model has variables of the same names.
 */
const gradientVariables = new WeakMap<object, Map<string, Variable>>();

/** @internal The variable variableGrads recorded for `name` in `record`, if the record is one of its results. */
export function recordedVariable(record: object, name: string): Variable | undefined {
  return gradientVariables.get(record)?.get(name);
}

/** Gradients of target (summed) with respect to each source, for custom training loops: tn.gradients(loss, vars). */
export function gradients(target: Tensor, sources: Tensor[]): Tensor[] {
  if (!(target instanceof Tensor)) throw new Error('gradients: target must be a tensor');
  if (!Array.isArray(sources)) throw new Error('gradients: sources must be an array of tensors');
  return gradientsOf(target, sources, null);
}
