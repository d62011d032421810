// broadcastTo and its adjoint sumToShape. Every broadcasting op (elementwise, matmul, the reductions' gradients)
// goes through this pair, which sits below all of them so that no op family imports another for its gradient.
import { record } from '../autograd/tape.js';
import { native, BinaryOp, ReduceOp } from '../native.js';
import { checkShape, fmt, shapesEqual } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { binaryStrided, broadcastLayout, f32, layoutForReduce, reducePlan, toTensor } from './util.js';

/** Repeats x along broadcast axes to reach `shape` (numpy rules). Its gradient sums back. */
export function broadcastTo(x: TensorLike, shape: number[]): Tensor {
  const t = toTensor(x, 'broadcastTo');
  checkShape(shape, 'broadcastTo');
  if (shapesEqual(t.shape, shape)) return t;
  if (shape.length < t.rank) throw new Error(`broadcastTo: cannot broadcast shape ${fmt(t.shape)} to the lower-rank ${fmt(shape)}`);
  for (let i = 0; i < t.rank; i++) {
    const d = t.shape[t.rank - 1 - i];
    const s = shape[shape.length - 1 - i];
    if (d !== s && d !== 1) throw new Error(`broadcastTo: cannot broadcast shape ${fmt(t.shape)} to ${fmt(shape)}`);
  }
  const out = empty(shape.slice(), t.dtype);
  if (t.size === 1) {
    out.values.fill(t.values[0]);
  } else if (t.dtype === 'float32') {
    const layout = broadcastLayout(shape, [t.shape, [1]]);
    binaryStrided(BinaryOp.add, f32(t), layout.strides[0], zeroScalar(), layout.strides[1], f32(out), layout.shape);
  } else {
    const layout = broadcastLayout(shape, [t.shape]);
    const src = t.values;
    const dst = out.values;
    const strides = layout.strides[0];
    const idx = new Array<number>(layout.shape.length).fill(0);
    for (let i = 0; i < dst.length; i++) {
      let off = 0;
      for (let d = 0; d < idx.length; d++) off += idx[d] * strides[d];
      dst[i] = src[off];
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < layout.shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  if (t.dtype !== 'float32') return out;
  return record(out, 'broadcastTo', [t], (dy) => [sumToShape(dy, t.shape)]);
}

const zero = new Float32Array(1);
function zeroScalar(): Float32Array {
  return zero;
}

/**
 * Sums a broadcast gradient back to an operand's shape: the adjoint of broadcastTo, so each is the other's gradient.
 * `g` is float32 (a gradient) and `shape` broadcasts to g's shape.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const p = reducePlan(g.shape, axes, true);
  const out = empty(shape.slice());
  native.reduce(ReduceOp.sum, f32(layoutForReduce(g, p)), p.outer, p.n, p.inner, f32(out));
  return record(out, 'sumToShape', [g], (dy) => [broadcastTo(dy, g.shape)]);
}
