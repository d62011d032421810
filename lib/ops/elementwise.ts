// Elementwise ops: unary maps and activations, broadcasting arithmetic, comparisons, where, clipByValue, cast.
import { record } from '../autograd/tape.js';
import type { DType } from '../dtype.js';
import { native, BinaryOp, UnaryOp } from '../native.js';
import { broadcastShapes, fmt } from '../shape-util.js';
import { empty, isStringTensor, Tensor, type TensorLike } from '../tensor.js';
import { sumToShape } from './broadcast.js';
import { binaryStrided, broadcastLayout, castTo, f32, floatArg, forEachBroadcast, toTensor } from './util.js';

// ---------------------------------------------------------------------------------------------------------------
// Unary

/** @internal y = f(x) on native code, with the gradient rule of the same map. */
export function unary(op: UnaryOp, name: string, x: TensorLike, alpha = 0): Tensor {
  const t = floatArg(x, name);
  const y = empty(t.shape.slice());
  native.unary(op, f32(t), f32(y), alpha);
  return record(y, name, [t], (dy) => [unaryGrad(op, t, y, dy, alpha)]);
}

/** @internal dx = dy * f'(x), reading x and the forward result y. */
export function unaryGrad(op: UnaryOp, x: Tensor, y: Tensor, dy: Tensor, alpha = 0): Tensor {
  const dx = empty(x.shape.slice());
  native.unaryGrad(op, f32(x), f32(y), f32(dy), f32(dx), alpha);
  return dx;
}

/** Integer maps that keep int32 (neg, abs, square, sign) run here; everything else goes through float32. */
function intUnary(x: Tensor, f: (v: number) => number): Tensor {
  const out = empty(x.shape.slice(), 'int32');
  const s = x.values;
  const d = out.values;
  for (let i = 0; i < s.length; i++) d[i] = f(s[i]);
  return out;
}

export function neg(x: TensorLike): Tensor {
  const t = toTensor(x, 'neg');
  return t.dtype === 'int32' ? intUnary(t, (v) => -v | 0) : unary(UnaryOp.neg, 'neg', t);
}
export function abs(x: TensorLike): Tensor {
  const t = toTensor(x, 'abs');
  return t.dtype === 'int32' ? intUnary(t, (v) => Math.abs(v) | 0) : unary(UnaryOp.abs, 'abs', t);
}
export function square(x: TensorLike): Tensor {
  const t = toTensor(x, 'square');
  return t.dtype === 'int32' ? intUnary(t, (v) => Math.imul(v, v)) : unary(UnaryOp.square, 'square', t);
}
export function sign(x: TensorLike): Tensor {
  const t = toTensor(x, 'sign');
  return t.dtype === 'int32' ? intUnary(t, (v) => Math.sign(v)) : unary(UnaryOp.sign, 'sign', t);
}
export const exp = (x: TensorLike): Tensor => unary(UnaryOp.exp, 'exp', x);
export const log = (x: TensorLike): Tensor => unary(UnaryOp.log, 'log', x);
export const sqrt = (x: TensorLike): Tensor => unary(UnaryOp.sqrt, 'sqrt', x);
export const rsqrt = (x: TensorLike): Tensor => unary(UnaryOp.rsqrt, 'rsqrt', x);
export const reciprocal = (x: TensorLike): Tensor => unary(UnaryOp.reciprocal, 'reciprocal', x);
export const log1p = (x: TensorLike): Tensor => unary(UnaryOp.log1p, 'log1p', x);
export const expm1 = (x: TensorLike): Tensor => unary(UnaryOp.expm1, 'expm1', x);
export const sin = (x: TensorLike): Tensor => unary(UnaryOp.sin, 'sin', x);
export const cos = (x: TensorLike): Tensor => unary(UnaryOp.cos, 'cos', x);
export const floor = (x: TensorLike): Tensor => unary(UnaryOp.floor, 'floor', x);
export const ceil = (x: TensorLike): Tensor => unary(UnaryOp.ceil, 'ceil', x);
/** Rounds half to even, as TensorFlow and numpy do. */
export const round = (x: TensorLike): Tensor => unary(UnaryOp.round, 'round', x);

// Activations
export const relu = (x: TensorLike): Tensor => unary(UnaryOp.relu, 'relu', x);
export const relu6 = (x: TensorLike): Tensor => unary(UnaryOp.relu6, 'relu6', x);
/** max(x, alpha * x); Keras's default slope is 0.3 (PyTorch's 0.01). */
export function leakyRelu(x: TensorLike, alpha = 0.3): Tensor {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new Error(`leakyRelu: alpha must be a finite number, received ${String(alpha)}`);
  return unary(UnaryOp.leakyRelu, 'leakyRelu', x, alpha);
}
/** x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(x: TensorLike, alpha = 1): Tensor {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new Error(`elu: alpha must be a finite number, received ${String(alpha)}`);
  return unary(UnaryOp.elu, 'elu', x, alpha);
}
export const selu = (x: TensorLike): Tensor => unary(UnaryOp.selu, 'selu', x);
export const sigmoid = (x: TensorLike): Tensor => unary(UnaryOp.sigmoid, 'sigmoid', x);
export const hardSigmoid = (x: TensorLike): Tensor => unary(UnaryOp.hardSigmoid, 'hardSigmoid', x);
export const tanh = (x: TensorLike): Tensor => unary(UnaryOp.tanh, 'tanh', x);
export const softplus = (x: TensorLike): Tensor => unary(UnaryOp.softplus, 'softplus', x);
export const softsign = (x: TensorLike): Tensor => unary(UnaryOp.softsign, 'softsign', x);
/** x * sigmoid(x), also known as SiLU. */
export const swish = (x: TensorLike): Tensor => unary(UnaryOp.swish, 'swish', x);
/** x * Phi(x); with approximate = true, the tanh form 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))). */
export function gelu(x: TensorLike, approximate = false): Tensor {
  if (typeof approximate !== 'boolean') throw new Error(`gelu: approximate must be true or false, received ${JSON.stringify(approximate)}`);
  return approximate ? unary(UnaryOp.geluTanh, 'gelu', x) : unary(UnaryOp.gelu, 'gelu', x);
}

// ---------------------------------------------------------------------------------------------------------------
// Binary arithmetic

/** The dtype of a binary op's result: int32 only when both sides are int32 and the op keeps integers. */
function resultType(a: Tensor, b: Tensor, keepsInt: boolean): DType {
  return a.dtype === 'int32' && b.dtype === 'int32' && keepsInt ? 'int32' : 'float32';
}

function binaryForward(op: BinaryOp, a: Tensor, b: Tensor, name: string): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = empty(shape);
  if (out.size === 0) return out;
  const layout = broadcastLayout(shape, [a.shape, b.shape]);
  binaryStrided(op, f32(a), layout.strides[0], f32(b), layout.strides[1], f32(out), layout.shape);
  return out;
}

function intBinary(a: Tensor, b: Tensor, name: string, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = empty(shape, 'int32');
  const av = a.values;
  const bv = b.values;
  const ov = out.values;
  forEachBroadcast(broadcastLayout(shape, [a.shape, b.shape]), (i, [oa, ob]) => {
    ov[i] = f(av[oa], bv[ob]);
  });
  return out;
}

type BinaryGrad = (dy: Tensor, a: Tensor, b: Tensor, y: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null];

function binary(op: BinaryOp, name: string, x: TensorLike, y: TensorLike, intF: ((u: number, v: number) => number) | null, grad: BinaryGrad): Tensor {
  let a = toTensor(x, name);
  let b = toTensor(y, name);
  if (resultType(a, b, intF !== null) === 'int32') return intBinary(a, b, name, intF!);
  if (a.dtype !== 'float32') a = castTo(a, 'float32');
  if (b.dtype !== 'float32') b = castTo(b, 'float32');
  const out = binaryForward(op, a, b, name);
  return record(out, name, [a, b], (dy, needs) => {
    const [ga, gb] = grad(dy, a, b, out, needs);
    return [ga && needs[0] ? sumToShape(ga, a.shape) : null, gb && needs[1] ? sumToShape(gb, b.shape) : null];
  });
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.add, 'add', a, b, (u, v) => (u + v) | 0, (dy) => [dy, dy]);
}
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.sub, 'sub', a, b, (u, v) => (u - v) | 0, (dy, _a, _b, _y, needs) => [dy, needs[1] ? neg(dy) : null]);
}
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.mul, 'mul', a, b, (u, v) => Math.imul(u, v), (dy, x, y, _o, needs) => [
    needs[0] ? mul(dy, y) : null,
    needs[1] ? mul(dy, x) : null,
  ]);
}
/** True division (int32 operands give float32). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.div, 'div', a, b, null, (dy, _x, y, out, needs) => [
    needs[0] ? div(dy, y) : null,
    needs[1] ? neg(div(mul(dy, out), y)) : null,
  ]);
}
/** a ** b. The gradient with respect to b uses log(a), taken as 0 where a <= 0 (as TensorFlow does). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.pow, 'pow', a, b, null, (dy, x, y, out, needs) => [
    needs[0] ? mul(dy, mul(y, pow(x, sub(y, 1)))) : null,
    needs[1] ? mul(dy, mul(out, where(greater(x, 0), log(maximum(x, 1e-30)), 0))) : null,
  ]);
}
/** Elementwise maximum; NaN wins. Ties send the gradient to a. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.maximum, 'maximum', a, b, (u, v) => Math.max(u, v), (dy, x, y, _o, needs) => [
    needs[0] ? mul(dy, cast(greaterEqual(x, y), 'float32')) : null,
    needs[1] ? mul(dy, cast(less(x, y), 'float32')) : null,
  ]);
}
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.minimum, 'minimum', a, b, (u, v) => Math.min(u, v), (dy, x, y, _o, needs) => [
    needs[0] ? mul(dy, cast(lessEqual(x, y), 'float32')) : null,
    needs[1] ? mul(dy, cast(greater(x, y), 'float32')) : null,
  ]);
}
/** (a - b)^2. */
export function squaredDifference(a: TensorLike, b: TensorLike): Tensor {
  return binary(BinaryOp.squaredDifference, 'squaredDifference', a, b, (u, v) => Math.imul(u - v, u - v), (dy, x, y, _o, needs) => {
    const g = mul(dy, mul(sub(x, y), 2));
    return [needs[0] ? g : null, needs[1] ? neg(g) : null];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Comparisons (int32 0/1 results, not differentiable)

function compare(name: string, x: TensorLike, y: TensorLike, f: (u: number, v: number) => boolean): Tensor {
  const a = toTensor(x, name);
  const b = toTensor(y, name);
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = empty(shape, 'int32');
  const av = a.values;
  const bv = b.values;
  const ov = out.values;
  if (a.size === out.size && b.size === out.size) {
    for (let i = 0; i < ov.length; i++) ov[i] = f(av[i], bv[i]) ? 1 : 0;
  } else if (a.size === out.size && b.size === 1) {
    const v = bv[0];
    for (let i = 0; i < ov.length; i++) ov[i] = f(av[i], v) ? 1 : 0;
  } else {
    forEachBroadcast(broadcastLayout(shape, [a.shape, b.shape]), (i, [oa, ob]) => {
      ov[i] = f(av[oa], bv[ob]) ? 1 : 0;
    });
  }
  return out;
}

export const equal = (a: TensorLike, b: TensorLike): Tensor => compare('equal', a, b, (u, v) => u === v);
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => compare('notEqual', a, b, (u, v) => u !== v);
export const greater = (a: TensorLike, b: TensorLike): Tensor => compare('greater', a, b, (u, v) => u > v);
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => compare('greaterEqual', a, b, (u, v) => u >= v);
export const less = (a: TensorLike, b: TensorLike): Tensor => compare('less', a, b, (u, v) => u < v);
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => compare('lessEqual', a, b, (u, v) => u <= v);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => compare('logicalAnd', a, b, (u, v) => u !== 0 && v !== 0);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => compare('logicalOr', a, b, (u, v) => u !== 0 || v !== 0);
export function logicalNot(x: TensorLike): Tensor {
  return compare('logicalNot', x, 0, (u) => u === 0);
}
export function isNaN(x: TensorLike): Tensor {
  return compare('isNaN', x, 0, (u) => Number.isNaN(u));
}

/**
 * Picks a where condition is non-zero, else b, broadcasting all three. Differentiable in a and b.
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = toTensor(condition, 'where');
  let x = toTensor(a, 'where');
  let y = toTensor(b, 'where');
  const dtype: DType = x.dtype === 'int32' && y.dtype === 'int32' ? 'int32' : 'float32';
  if (x.dtype !== dtype) x = castTo(x, dtype);
  if (y.dtype !== dtype) y = castTo(y, dtype);
  const shape = broadcastShapes(broadcastShapes(c.shape, x.shape, 'where'), y.shape, 'where');
  const out = empty(shape, dtype);
  const cv = c.values;
  const xv = x.values;
  const yv = y.values;
  const ov = out.values;
  forEachBroadcast(broadcastLayout(shape, [c.shape, x.shape, y.shape]), (i, [oc, ox, oy]) => {
    ov[i] = cv[oc] !== 0 ? xv[ox] : yv[oy];
  });
  if (dtype !== 'float32') return out;
  return record(out, 'where', [x, y], (dy, needs) => [
    needs[0] ? sumToShape(where(c, dy, 0), x.shape) : null,
    needs[1] ? sumToShape(where(c, 0, dy), y.shape) : null,
  ]);
}

/** Limits values to [clipValueMin, clipValueMax]; the gradient passes where x lies inside the range. */
export function clipByValue(x: TensorLike, clipValueMin: number, clipValueMax: number): Tensor {
  const t = floatArg(x, 'clipByValue');
  if (typeof clipValueMin !== 'number' || typeof clipValueMax !== 'number' || !(clipValueMin <= clipValueMax)) {
    throw new Error(`clipByValue: clipValueMin (${clipValueMin}) must be a number no larger than clipValueMax (${clipValueMax})`);
  }
  const out = empty(t.shape.slice());
  const s = f32(t);
  const d = f32(out);
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    d[i] = v < clipValueMin ? clipValueMin : v > clipValueMax ? clipValueMax : v;
  }
  return record(out, 'clipByValue', [t], (dy) => {
    const g = empty(t.shape.slice());
    const gv = f32(g);
    const dv = f32(dy);
    for (let i = 0; i < s.length; i++) gv[i] = s[i] >= clipValueMin && s[i] <= clipValueMax ? dv[i] : 0;
    return [g];
  });
}

/** Converts to another dtype (float to int truncates toward zero). float32 to float32 returns x itself. */
export function cast(x: TensorLike, dtype: DType): Tensor {
  const t = toTensor(x, 'cast');
  return castTo(t, dtype);
}

/**
 * The same values, cut off from the gradient computation (Keras's ops.stop_gradient, TensorFlow's tf.stop_gradient):
 * a view of x's buffer that records no op, so nothing flows back to x through it.
 */
export function stopGradient(x: TensorLike): Tensor {
  const t = toTensor(x, 'stopGradient');
  return new Tensor(t._storage, t.shape.slice(), t.dtype);
}

/**
 * TF.js's clone(x): a new tensor with a copy of x's values (a variable's later assign does not reach it), through
 * which gradients flow unchanged, unlike the method x.clone(), which detaches. A string tensor is copied too.
 */
export function clone(x: TensorLike): Tensor {
  if (isStringTensor(x)) return x.clone();
  const t = toTensor(x, 'clone');
  return record(t.clone(), 'clone', [t], (dy) => [dy]);
}

/**
 * Floor-mod with broadcasting, as TF.js's mod (tf.math.floormod): the remainder takes the sign of b, so
 * mod(-1, 3) = 2 and mod(1, -3) = -2. int32 operands give int32 (a zero divisor is an error, as TensorFlow's integer
 * division); in float32 x mod 0 is NaN. Gradients as TensorFlow's FloorMod: da = dy, db = -dy * floor(a / b).
 */
export function mod(a: TensorLike, b: TensorLike): Tensor {
  let x = toTensor(a, 'mod');
  let y = toTensor(b, 'mod');
  const dtype = resultType(x, y, true);
  if (dtype === 'int32') {
    return intBinary(x, y, 'mod', (u, v) => {
      if (v === 0) throw new Error(`mod: integer division by zero (shapes ${fmt(x.shape)} and ${fmt(y.shape)})`);
      return floorMod(u, v) | 0;
    });
  }
  if (x.dtype !== 'float32') x = castTo(x, 'float32');
  if (y.dtype !== 'float32') y = castTo(y, 'float32');
  const shape = broadcastShapes(x.shape, y.shape, 'mod');
  const out = empty(shape);
  const xv = x.values;
  const yv = y.values;
  const ov = out.values;
  forEachBroadcast(broadcastLayout(shape, [x.shape, y.shape]), (i, [ox, oy]) => {
    ov[i] = floorMod(xv[ox], yv[oy]);
  });
  const [X, Y] = [x, y];
  return record(out, 'mod', [X, Y], (dy, needs) => [
    needs[0] ? sumToShape(dy, X.shape) : null,
    needs[1] ? sumToShape(neg(mul(dy, floor(div(X, Y)))), Y.shape) : null,
  ]);
}

/**
 * Floor division with broadcasting, as TF.js's floorDiv: floor(a / b), so floorDiv(-7, 2) = -4. int32 operands give
 * int32 (a zero divisor is an error, as in mod); float32 x / 0 follows IEEE (+-Infinity, NaN for 0 / 0). The result
 * is piecewise constant, so its gradient is 0 (TensorFlow registers none; TF.js's uses div's).
 */
export function floorDiv(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'floorDiv');
  const y = toTensor(b, 'floorDiv');
  if (resultType(x, y, true) === 'int32') {
    return intBinary(x, y, 'floorDiv', (u, v) => {
      if (v === 0) throw new Error(`floorDiv: integer division by zero (shapes ${fmt(x.shape)} and ${fmt(y.shape)})`);
      return Math.floor(u / v) | 0;
    });
  }
  broadcastShapes(x.shape, y.shape, 'floorDiv');
  return floor(div(x, y));
}

function floorMod(u: number, v: number): number {
  const r = u % v;
  return r !== 0 && (r < 0) !== (v < 0) ? r + v : r;
}

/**
 * The error function, computed in float64 and rounded once (within 1e-7 of erf in float32). Below |x| = 4 the
 * series erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)) has only positive terms, so it loses
 * nothing to cancellation; beyond, 1 - |erf(x)| < 2e-8 is below float32's resolution at 1. Gradient 2/sqrt(pi) exp(-x^2).
 */
export function erf(x: TensorLike): Tensor {
  const t = floatArg(x, 'erf');
  const out = empty(t.shape.slice());
  const s = f32(t);
  const d = f32(out);
  for (let i = 0; i < s.length; i++) d[i] = erf64(s[i]);
  return record(out, 'erf', [t], (dy) => [mul(dy, mul(exp(neg(square(t))), 2 / Math.sqrt(Math.PI)))]);
}

function erf64(v: number): number {
  if (Number.isNaN(v)) return v;
  const a = Math.abs(v);
  if (a >= 4) return Math.sign(v);
  const x2 = a * a;
  let term = a;
  let total = a;
  for (let n = 0; term > 1e-17 * total; n++) {
    term *= (2 * x2) / (2 * n + 3);
    total += term;
  }
  return Math.sign(v) * (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * total;
}
