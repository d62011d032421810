// Matrix products on the native GEMM: matMul (batched, transposes read in place) and the fused dense op
// x @ kernel + bias -> activation that Dense layers run as one kernel call.
import { claimFusedUpdate, record } from '../autograd/tape.js';
import { native, ReduceOp, UnaryOp } from '../native.js';
import { broadcastShapes, fmt, shapesEqual, sizeOf } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { unary, unaryGrad } from './elementwise.js';
import { broadcastTo, sumToShape } from './broadcast.js';
import { reshape } from './shape.js';
import { f32, floatArg } from './util.js';

interface Dims {
  m: number;
  n: number;
  k: number;
}

function dims(a: readonly number[], b: readonly number[], ta: boolean, tb: boolean, op: string): Dims {
  const ar = a[a.length - 2];
  const ac = a[a.length - 1];
  const br = b[b.length - 2];
  const bc = b[b.length - 1];
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const kb = tb ? bc : br;
  const n = tb ? br : bc;
  if (k !== kb) {
    const how = ta || tb ? ` (transposeA=${ta}, transposeB=${tb})` : '';
    throw new Error(`${op}: inner dimensions must agree, received shapes ${fmt(a)} and ${fmt(b)}${how}`);
  }
  return { m, n, k };
}

/** op(a) @ op(b) for rank >= 2 operands with broadcast batch axes; not recorded. */
function product(a: Tensor, ta: boolean, b: Tensor, tb: boolean, op = 'matMul'): Tensor {
  const { m, n, k } = dims(a.shape, b.shape, ta, tb, op);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(batchA, batchB, op);
  } catch {
    throw new Error(`${op}: batch dimensions must broadcast, received shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const count = sizeOf(batch);
  // An operand whose batch axes are all 1 is shared by every item (stride 0); one that covers the whole batch
  // walks it; anything in between is materialised first.
  const layout = (t: Tensor, own: number[], rows: number, cols: number): [Tensor, number] => {
    if (sizeOf(own) === 1) return [t, 0];
    const padded = [...new Array(batch.length - own.length).fill(1), ...own];
    if (shapesEqual(padded, batch)) return [t, rows * cols];
    return [broadcastTo(t, [...batch, rows, cols]), rows * cols];
  };
  const [A, strideA] = layout(a, batchA, a.shape[a.rank - 2], a.shape[a.rank - 1]);
  const [B, strideB] = layout(b, batchB, b.shape[b.rank - 2], b.shape[b.rank - 1]);
  const out = empty([...batch, m, n]);
  // A leading dimension is at least 1 even for an empty operand (BLAS's rule, which the binding enforces).
  native.gemm(
    ta, tb, count, m, n, k,
    f32(A), 0, Math.max(1, ta ? m : k), strideA,
    f32(B), 0, Math.max(1, tb ? k : n), strideB,
    0, f32(out), 0, n, m * n,
    null, UnaryOp.linear, 0,
  );
  return out;
}

/**
 * Matrix product of the last two axes, batched over the leading ones (numpy broadcasting). transposeA and
 * transposeB transpose the last two axes of a and b first; no transposed copy is made. Rank-1 operands are treated
 * as a row (a) or a column (b) vector and that axis is dropped from the result, as numpy does.
 */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  let x = floatArg(a, 'matMul');
  let y = floatArg(b, 'matMul');
  if (x.rank === 0 || y.rank === 0) {
    throw new Error(`matMul: operands must have rank at least 1, received shapes ${fmt(x.shape)} and ${fmt(y.shape)}`);
  }
  // Checked here, on the caller's shapes: the vector and folded paths below reshape before the product.
  const ka = x.rank === 1 ? x.shape[0] : x.shape[x.rank - (transposeA ? 2 : 1)];
  const kb = y.rank === 1 ? y.shape[0] : y.shape[y.rank - (transposeB ? 1 : 2)];
  if (ka !== kb) {
    const how = transposeA || transposeB ? ` (transposeA=${transposeA}, transposeB=${transposeB})` : '';
    throw new Error(`matMul: inner dimensions must agree, received shapes ${fmt(x.shape)} and ${fmt(y.shape)}${how}`);
  }
  if (x.rank === 1 || y.rank === 1) {
    const vx = x.rank === 1;
    const vy = y.rank === 1;
    if (vx) x = reshape(x, [1, x.size]);
    if (vy) y = reshape(y, [y.size, 1]);
    const r = matMul(x, y, vx ? false : transposeA, vy ? false : transposeB);
    const s = r.shape.slice();
    if (vy) s.splice(s.length - 1, 1);
    if (vx) s.splice(s.length - (vy ? 1 : 2), 1);
    return reshape(r, s);
  }
  // [..., m, k] @ [k, n]: the batch folds into m and the whole product is one GEMM (and so are its gradients).
  if (y.rank === 2 && x.rank > 2 && !transposeA) {
    const k = x.shape[x.rank - 1];
    const r = matMul(reshape(x, [sizeOf(x.shape.slice(0, -1)), k]), y, false, transposeB);
    return reshape(r, [...x.shape.slice(0, -1), r.shape[1]]);
  }
  const ta = transposeA;
  const tb = transposeB;
  const X = x;
  const Y = y;
  const out = product(X, ta, Y, tb);
  return record(out, 'matMul', [X, Y], (dy, needs) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (needs[0]) {
      if (!ta) dx = product(dy, false, Y, !tb);
      else dx = product(Y, tb, dy, true);
      dx = sumToShape(dx, X.shape);
    }
    if (needs[1]) {
      if (!tb) dw = product(X, !ta, dy, false);
      else dw = product(dy, true, X, ta);
      dw = sumToShape(dw, Y.shape);
    }
    return [dx, dw];
  });
}

/**
 * Whether a product of these dimensions runs faster with bfloat16 operands than in float32: the operands' conversion
 * and packing are a pass over A and B, which the doubled multiply rate repays only with enough work per element.
 * A transposed B (a Dense layer's input gradient, dz @ kernel^T) is transposed and converted panel by panel, while
 * the float32 GEMM reads it in place: on the two benchmark models' shapes it measured anywhere from 0.5x to 1.7x of
 * float32 from run to run on this shared machine (benchmarks/RESULTS.md, Mixed precision), no clear gain, so that
 * product stays float32.
 */
export function bfloat16Pays(m: number, n: number, k: number, transposeB = false): boolean {
  return !transposeB && k >= BF16_MIN_K && m * n * k >= BF16_MIN_MACS;
}
const BF16_MIN_K = 16;
const BF16_MIN_MACS = 1 << 18;

/** Activations whose derivative can be read off the output alone, so that they can run in the GEMM epilogue. */
export function epilogueActivation(activation: UnaryOp, alpha: number): boolean {
  switch (activation) {
    case UnaryOp.linear: case UnaryOp.relu: case UnaryOp.relu6: case UnaryOp.sigmoid: case UnaryOp.tanh:
    case UnaryOp.selu:
      return true;
    case UnaryOp.leakyRelu: case UnaryOp.elu:
      return alpha > 0;
    default:
      return false;
  }
}

/**
 * Below this many kernel elements (64 KiB) the separate update costs no more than the fused one; the fused pass wants
 * blocks of 32 kernel rows for two threads (native/optim.cc), so a kernel with fewer than 64 rows keeps the separate,
 * fully threaded products (a 32 x 2048 kernel at batch 256 took 1.4x as long fused); and past batch 512 the products
 * outweigh the memory traffic the fusion saves (0.92-1.04x at 1024, 0.97-1.01x at 512).
 */
const fusedUpdateMin = 16384;
const fusedUpdateMinRows = 64;
const fusedUpdateMaxBatch = 512;

/**
 * The Dense layer's computation as one op: activation(x @ kernel + bias) over the last axis of x.
 * The bias and an output-differentiable activation run in the GEMM epilogue; others run as a separate op.
 */
export function dense(
  x: Tensor, kernel: Tensor, bias: Tensor | null, activation = UnaryOp.linear, alpha = 0, bfloat16 = false,
): Tensor {
  if (!epilogueActivation(activation, alpha)) {
    return unary(activation, 'activation', dense(x, kernel, bias, UnaryOp.linear, 0, bfloat16), alpha);
  }
  if (kernel.rank !== 2 || x.rank < 1 || x.shape[x.rank - 1] !== kernel.shape[0]) {
    throw new Error(`dense: the input's last axis must match the kernel's first, received input shape ${fmt(x.shape)} and kernel shape ${fmt(kernel.shape)}`);
  }
  const units = kernel.shape[1];
  if (bias && (bias.rank !== 1 || bias.shape[0] !== units)) {
    throw new Error(`dense: bias must have shape [${units}], received ${fmt(bias.shape)}`);
  }
  const k = kernel.shape[0];
  const m = sizeOf(x.shape.slice(0, -1));
  const out = empty([...x.shape.slice(0, -1), units]);
  const ldx = Math.max(1, k);
  const ldk = Math.max(1, units);
  // Under mixed_bfloat16 all three products take bfloat16 operands where that pays for their shape.
  const gemm = (ta: boolean, tb: boolean, rows: number, cols: number, inner: number, a: Tensor, lda: number,
    b: Tensor, ldb: number, c: Tensor, ldc: number, withBias: Tensor | null, act: UnaryOp): void => {
    if (bfloat16 && bfloat16Pays(rows, cols, inner, tb)) {
      native.gemmBf16(ta, tb, rows, cols, inner, f32(a), lda, f32(b), ldb, 0, f32(c), ldc, withBias ? f32(withBias) : null, act, alpha);
    } else {
      native.gemm(ta, tb, 1, rows, cols, inner, f32(a), 0, lda, 0, f32(b), 0, ldb, 0, 0, f32(c), 0, ldc, 0,
        withBias ? f32(withBias) : null, act, alpha);
    }
  };
  gemm(false, false, m, units, k, x, ldx, kernel, ldk, out, ldk, bias, activation);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(out, 'dense', inputs, (dy, needs) => {
    let dz = dy;
    if (activation !== UnaryOp.linear) dz = unaryGrad(activation, out, out, dy, alpha);
    let dx: Tensor | null = null;
    let dk: Tensor | null = null;
    let db: Tensor | null = null;
    // A kernel big enough for its update's memory traffic to matter, updated by the optimizer during this pass
    // (trainStep, Optimizer.fusedDenseUpdate): dx, the kernel's gradient and the update in one pass over the kernel.
    const update = needs[1] && !bfloat16 && k * units >= fusedUpdateMin && k >= fusedUpdateMinRows &&
      m <= fusedUpdateMaxBatch ? claimFusedUpdate(kernel) : null;
    if (update) {
      if (needs[0]) dx = empty(x.shape.slice());
      update(f32(x), f32(dz), dx ? f32(dx) : null, m, k, units);
    } else if (needs[0]) {
      dx = empty(x.shape.slice());
      gemm(false, true, m, k, units, dz, ldk, kernel, ldk, dx, ldx, null, UnaryOp.linear);
    }
    if (needs[1] && !update) {
      dk = empty(kernel.shape.slice());
      gemm(true, false, k, units, m, x, ldx, dz, ldk, dk, ldk, null, UnaryOp.linear);
    }
    if (bias && needs[2]) {
      db = empty([units]);
      native.reduce(ReduceOp.sum, f32(dz), 1, m, units, f32(db));
    }
    return [dx, dk, db];
  });
}
