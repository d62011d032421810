// einsum (TF.js's tf.einsum, Keras's ops.einsum) as differentiable ops: diagonals by a mask and a sum, indices used
// by one operand summed out first, and each pair of operands contracted by one (batched) matMul between transposes
// and reshapes, which are free when the operands already lie in the product's order.
import { fmt, sizeOf } from '../shape-util.js';
import { eye, type Tensor, type TensorLike } from '../tensor.js';
import { mul } from './elementwise.js';
import { matMul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape, transpose } from './shape.js';
import { floatArg } from './util.js';

interface Term {
  t: Tensor;
  subs: string[];
}

/**
 * Sums of products over the indices an equation names, numpy's notation without the ellipsis: 'ij,jk->ik' (matMul),
 * 'bij,bjk->bik', 'ij->ji', 'ii->i' (a diagonal), 'ii' (a trace), 'i,i->' (a dot product), 'i,j->ij' (an outer
 * product), any number of operands. Without '->' the output takes the indices used once, in alphabetical order.
 * The result is float32.
 */
export function einsum(equation: string, ...tensors: TensorLike[]): Tensor {
  if (typeof equation !== 'string') throw new Error(`einsum: equation must be a string such as 'ij,jk->ik', received ${String(equation)}`);
  const eq = equation.replace(/\s+/g, '');
  if (eq.includes('.')) throw new Error(`einsum: the ellipsis ('...') is not supported, received '${equation}'; name every axis with a letter`);
  const sides = eq.split('->');
  if (sides.length > 2) throw new Error(`einsum: equation '${equation}' has more than one '->'`);
  const inputs = sides[0].split(',');
  if (tensors.length === 0 || inputs.length !== tensors.length) {
    throw new Error(`einsum: equation '${equation}' names ${inputs.length} operand(s), received ${tensors.length} tensor(s)`);
  }
  for (const s of [...inputs, sides[1] ?? '']) {
    if (!/^[a-zA-Z]*$/.test(s)) throw new Error(`einsum: indices must be letters, received '${s}' in equation '${equation}'`);
  }
  let terms: Term[] = tensors.map((x, k) => {
    const t = floatArg(x, 'einsum');
    const subs = [...inputs[k]];
    if (subs.length !== t.rank) {
      throw new Error(`einsum: operand ${k} has shape ${fmt(t.shape)} (rank ${t.rank}), but '${inputs[k]}' in equation '${equation}' names ${subs.length} axes`);
    }
    return { t, subs };
  });
  const size = new Map<string, [number, number]>();
  terms.forEach(({ t, subs }, k) => subs.forEach((c, i) => {
    const seen = size.get(c);
    if (seen && seen[0] !== t.shape[i]) {
      throw new Error(`einsum: index '${c}' has size ${seen[0]} in operand ${seen[1]} (shape ${fmt(terms[seen[1]].t.shape)}) and ${t.shape[i]} in operand ${k} (shape ${fmt(t.shape)}), equation '${equation}'`);
    }
    size.set(c, [t.shape[i], k]);
  }));
  const output = sides.length === 2 ? [...sides[1]] : implicitOutput(inputs);
  if (new Set(output).size !== output.length) throw new Error(`einsum: output '${sides[1]}' repeats an index, equation '${equation}'`);
  for (const c of output) {
    if (!size.has(c)) throw new Error(`einsum: output index '${c}' appears in no operand, equation '${equation}'`);
  }

  terms = terms.map(takeDiagonals);
  // Indices that one operand alone uses (and the output does not) are summed out before any product.
  terms = terms.map((term, k) => sumOut(term, new Set([...output, ...terms.filter((_, j) => j !== k).flatMap((u) => u.subs)])));
  while (terms.length > 1) {
    const keep = new Set([...output, ...terms.slice(2).flatMap((u) => u.subs)]);
    terms = [contract(terms[0], terms[1], keep), ...terms.slice(2)];
  }
  const last = terms[0];
  return transpose(last.t, output.map((c) => last.subs.indexOf(c)));
}

/** numpy's implicit output: the indices used exactly once, in alphabetical order. */
function implicitOutput(inputs: string[]): string[] {
  const count = new Map<string, number>();
  for (const c of inputs.join('')) count.set(c, (count.get(c) ?? 0) + 1);
  return [...count].filter(([, n]) => n === 1).map(([c]) => c).sort();
}

/** An operand whose subscripts repeat an index ('ii') reduced to its diagonal: x * eye along the pair, summed once. */
function takeDiagonals(term: Term): Term {
  let { t, subs } = term;
  for (let q = 0; q < subs.length; q++) {
    const p = subs.indexOf(subs[q]);
    if (p === q) continue;
    const n = t.shape[p];
    const maskShape = t.shape.map((d, i) => (i === p || i === q ? n : 1));
    t = sum(mul(t, reshape(eye(n), maskShape)), q);
    subs = subs.filter((_, i) => i !== q);
    q--;
  }
  return { t, subs };
}

/** Sums out the indices of `term` that are not in `keep`. */
function sumOut(term: Term, keep: Set<string>): Term {
  const axes = term.subs.map((c, i) => (keep.has(c) ? -1 : i)).filter((i) => i >= 0);
  if (axes.length === 0) return term;
  return { t: sum(term.t, axes), subs: term.subs.filter((c) => keep.has(c)) };
}

/**
 * The product of two operands summed over the indices they share that `keep` does not need, as one matMul:
 * a laid out [batch, m, k] and b [batch, k, n] (or either transposed in place, when that is the order it has).
 */
function contract(a: Term, b: Term, keep: Set<string>): Term {
  a = sumOut(a, new Set([...keep, ...b.subs]));
  b = sumOut(b, new Set([...keep, ...a.subs]));
  const inB = new Set(b.subs);
  const inA = new Set(a.subs);
  const batch = a.subs.filter((c) => inB.has(c) && keep.has(c));
  const summed = a.subs.filter((c) => inB.has(c) && !keep.has(c));
  const aOnly = a.subs.filter((c) => !inB.has(c));
  const bOnly = b.subs.filter((c) => !inA.has(c));
  const dims = (t: Term, cs: string[]) => cs.map((c) => t.t.shape[t.subs.indexOf(c)]);
  const batchShape = dims(a, batch);
  const lead = batch.length > 0 ? [sizeOf(batchShape)] : [];
  const m = sizeOf(dims(a, aOnly));
  const k = sizeOf(dims(a, summed));
  const n = sizeOf(dims(b, bOnly));
  const [x, transposeA] = arrange(a, batch, aOnly, summed, [...lead, m, k], [...lead, k, m]);
  const [y, transposeB] = arrange(b, batch, summed, bOnly, [...lead, k, n], [...lead, n, k]);
  const product = matMul(x, y, transposeA, transposeB);
  return { t: reshape(product, [...batchShape, ...dims(a, aOnly), ...dims(b, bOnly)]), subs: [...batch, ...aOnly, ...bOnly] };
}

/**
 * The operand as a [batch?, rows, cols] matrix of the groups of indices given, or as its transpose [batch?, cols,
 * rows] (returning true) when that needs no copy and the plain order would.
 */
function arrange(term: Term, batch: string[], rows: string[], cols: string[], shape: number[], shapeT: number[]): [Tensor, boolean] {
  const permOf = (order: string[]) => order.map((c) => term.subs.indexOf(c));
  const plain = permOf([...batch, ...rows, ...cols]);
  const swapped = permOf([...batch, ...cols, ...rows]);
  const identity = (p: number[]) => p.every((v, i) => v === i);
  if (!identity(plain) && identity(swapped)) return [reshape(term.t, shapeT), true];
  return [reshape(transpose(term.t, plain), shape), false];
}
