// Activations by name (Keras's snake_case or TF.js's camelCase) or as functions.
import { UnaryOp } from './native.js';
import { lookup, normalizeName } from './names.js';
import { registeredFunction, registeredFunctionName } from './registered-functions.js';
import * as ops from './ops/index.js';
import { unary } from './ops/elementwise.js';
import type { Tensor } from './tensor.js';

export type ActivationFn = (x: Tensor) => Tensor;
export type ActivationIdentifier = string | ActivationFn | null | undefined;

/** A resolved activation. `unary` is set when the activation is one native elementwise map that can be fused. */
export interface Activation {
  readonly name: string;
  readonly apply: ActivationFn;
  readonly unary?: { op: UnaryOp; alpha: number };
  /** Softmax over the last axis (exporters write one Softmax node; cross-entropy finds its logits through the op). */
  readonly softmax?: boolean;
}

/** Whether an activation is the identity (layers then skip it). */
export function isLinear(act: Activation): boolean {
  return act.unary?.op === UnaryOp.linear;
}

function elementwise(name: string, op: UnaryOp, alpha = 0): Activation {
  return { name, unary: { op, alpha }, apply: (x) => unary(op, name, x, alpha) };
}

const builtins: Activation[] = [
  elementwise('linear', UnaryOp.linear),
  elementwise('relu', UnaryOp.relu),
  elementwise('relu6', UnaryOp.relu6),
  elementwise('sigmoid', UnaryOp.sigmoid),
  elementwise('hard_sigmoid', UnaryOp.hardSigmoid),
  // Keras 2's and TF.js's hard_sigmoid, clip(0.2 x + 0.5, 0, 1): what their saved models mean by 'hard_sigmoid'.
  { name: 'hard_sigmoid_legacy', apply: (x) => ops.clipByValue(ops.add(ops.mul(x, 0.2), 0.5), 0, 1) },
  elementwise('tanh', UnaryOp.tanh),
  { name: 'softmax', softmax: true, apply: (x) => ops.softmax(x, -1) },
  { name: 'log_softmax', apply: (x) => ops.logSoftmax(x, -1) },
  elementwise('elu', UnaryOp.elu, 1),
  elementwise('selu', UnaryOp.selu),
  elementwise('softplus', UnaryOp.softplus),
  elementwise('softsign', UnaryOp.softsign),
  elementwise('swish', UnaryOp.swish),
  elementwise('silu', UnaryOp.swish),
  elementwise('gelu', UnaryOp.gelu),
  // Keras 3's leaky_relu activation uses a negative slope of 0.2 (the LeakyReLU layer defaults to 0.3).
  elementwise('leaky_relu', UnaryOp.leakyRelu, 0.2),
  elementwise('exponential', UnaryOp.exp),
];

const table = new Map<string, Activation>(builtins.map((a) => [normalizeName(a.name), a]));
const known = builtins.map((a) => a.name);

/** Resolves an activation identifier; null/undefined mean linear. */
export function getActivation(identifier: ActivationIdentifier): Activation {
  if (identifier === null || identifier === undefined) return table.get('linear')!;
  // A function registered with registerKerasSerializable goes by its registered name, which saving writes and
  // loading resolves here (Keras's activations.get finds registered custom objects the same way).
  if (typeof identifier === 'function') return { name: registeredFunctionName(identifier) ?? (identifier.name || 'custom'), apply: identifier };
  if (typeof identifier !== 'string') throw new Error(`Unknown activation ${String(identifier)}: expected a name or a function`);
  const registered = table.has(normalizeName(identifier)) ? undefined : registeredFunction(identifier);
  if (registered) return { name: registeredFunctionName(registered)!, apply: registered as unknown as ActivationFn };
  try {
    return lookup(table, identifier, 'activation', known);
  } catch (err) {
    throw new Error(`${(err as Error).message}; or a function of your own, registered with tn.saving.registerKerasSerializable(fn)`);
  }
}
