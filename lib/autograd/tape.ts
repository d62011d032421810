// Reverse-mode autograd. While any input of an op requires a gradient, the op records a node: its inputs and a
// closure that maps the output's gradient to the inputs' gradients. backward() walks those nodes from a root in
// reverse topological order, summing gradients where a tensor feeds several ops.
import { native, BinaryOp } from '../native.js';
import { empty, ones, Tensor } from '../tensor.js';
import { fmt, shapesEqual } from '../shape-util.js';

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /**
   * Gradients of the inputs from the gradient of the output. `needs[i]` says whether input i's gradient is wanted;
   * the rule may return null for the others and should skip the work.
   */
  readonly backward: (dy: Tensor, needs: readonly boolean[]) => readonly (Tensor | null | undefined)[];
}

let paused = 0;

export function isRecording(): boolean {
  return paused === 0;
}

/** How many gradient functions (the f of tn.grad, variableGrads, optimizer.minimize, ...) are running. */
let gradFunctions = 0;

/** Runs `fn` as the function a gradient will be taken of, so that insideGradFunction() holds while it runs. */
export function asGradFunction<T>(fn: () => T): T {
  gradFunctions++;
  try {
    return fn();
  } finally {
    gradFunctions--;
  }
}

/**
 * Whether a gradient function is running and recording: model.predict then records its forward pass, as TF.js's
 * predict inside tf.variableGrads does (the policy-gradient examples call it there), instead of running untaped.
 */
export function insideGradFunction(): boolean {
  return gradFunctions > 0 && paused === 0;
}

/** Runs `fn` without recording gradients (inference, metric computation, weight updates). */
export function noGrad<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

/**
 * Whether an op on these inputs would record a node: for ops whose forward pass keeps extra state (such as the
 * positions of maxima) only when a backward pass can follow.
 */
export function willRecord(inputs: readonly Tensor[]): boolean {
  if (paused !== 0) return false;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t._leaf || t._node !== null) return true;
  }
  return false;
}

/** Attaches a backward rule to `out` when any input requires a gradient. Returns `out`. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (willRecord(inputs)) out._node = { op, inputs, backward };
  return out;
}

function addSame(a: Tensor, b: Tensor): Tensor {
  const out = empty(a.shape.slice());
  const rank1 = [a.size];
  native.binary(BinaryOp.add, a.values as Float32Array, [1], b.values as Float32Array, [1], out.values as Float32Array, rank1);
  return out;
}

/** Tensors reachable from root through recorded nodes, each after all of its inputs (post-order). */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t._node ? t._node.inputs : [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const c = inputs[i];
      if (!visited.has(c) && (c._node !== null || c._leaf)) {
        visited.add(c);
        stack.push([c, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * An update of a variable applied by the op that computes its gradient, in the same pass (a Dense layer's backward
 * pass with Adam's update of its kernel): the gradient never exists as a whole array. `x` and `dz` are the op's input
 * and output gradient as [rows, inputDim] and [rows, units]; `dx`, when given, receives x's gradient, computed with
 * the kernel before the update.
 */
export type FusedUpdate = (x: Float32Array, dz: Float32Array, dx: Float32Array | null, rows: number, inputDim: number, units: number) => void;

/** Which sources' updates may be fused into the op that computes their gradient (trainStep's optimizer decides). */
export type FusedUpdates = (source: Tensor) => FusedUpdate | null;

let fusion: { updates: FusedUpdates; consumers: Map<Tensor, number> } | null = null;

/**
 * For an op's backward rule: the fused update of `t`, when the running backward pass was given one for it and this
 * op is the only one that uses `t` (so the op's gradient is the whole gradient). The caller must then apply it and
 * return no gradient for `t`; backward leaves `t` out of its result. t's values change there and then: no other rule
 * may read t without having it among its inputs (it would then count as a second use, and nothing would be fused).
 */
export function claimFusedUpdate(t: Tensor): FusedUpdate | null {
  if (fusion === null || fusion.consumers.get(t) !== 1) return null;
  return fusion.updates(t);
}

/**
 * Gradients of sum(root * seed) with respect to `sources` (or, when sources is null, every leaf that requires a
 * gradient). A source the root does not depend on gets no entry, nor does one whose update `fused` offered and an op
 * applied (claimFusedUpdate).
 */
export function backward(root: Tensor, seed: Tensor | null, sources: readonly Tensor[] | null, fused: FusedUpdates | null = null): Map<Tensor, Tensor> {
  if (seed !== null && !shapesEqual(seed.shape, root.shape)) {
    throw new Error(`gradient: the upstream gradient has shape ${fmt(seed.shape)}, but the output has shape ${fmt(root.shape)}`);
  }
  return noGrad(() => {
    const order = topologicalOrder(root);
    const sourceSet = sources ? new Set(sources) : null;
    // A tensor is useful when a wanted gradient flows through it.
    const useful = new Set<Tensor>();
    for (const t of order) {
      if (sourceSet ? sourceSet.has(t) : t._leaf) {
        useful.add(t);
        continue;
      }
      if (t._node && t._node.inputs.some((i) => useful.has(i))) useful.add(t);
    }
    const result = new Map<Tensor, Tensor>();
    if (!useful.has(root)) return result;
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, seed ?? ones(root.shape));
    // A backward pass inside a backward rule (higher-order gradients) must not claim the outer pass's updates.
    const outer = fusion;
    fusion = null;
    if (fused !== null && sourceSet !== null) {
      // How many recorded uses each source has on the way to the root: only a single use carries the whole gradient.
      const consumers = new Map<Tensor, number>();
      for (const t of order) {
        if (!t._node || !useful.has(t)) continue;
        for (const i of t._node.inputs) if (sourceSet.has(i)) consumers.set(i, (consumers.get(i) ?? 0) + 1);
      }
      fusion = { updates: fused, consumers };
    }
    try {
      walk(order, grads, sourceSet, useful, result);
    } finally {
      fusion = outer;
    }
    return result;
  });
}

/** The reverse sweep: each node's rule maps its output's gradient to its inputs', summed where a tensor is reused. */
function walk(order: Tensor[], grads: Map<Tensor, Tensor>, sourceSet: Set<Tensor> | null, useful: Set<Tensor>, result: Map<Tensor, Tensor>): void {
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const g = grads.get(t);
    if (g === undefined) continue;
    grads.delete(t);
    if (sourceSet ? sourceSet.has(t) : t._leaf) result.set(t, g);
    const node = t._node;
    if (node === null) continue;
    const needs = node.inputs.map((i) => useful.has(i));
    if (!needs.some(Boolean)) continue;
    const inputGrads = node.backward(g, needs);
    for (let i = 0; i < node.inputs.length; i++) {
      if (!needs[i]) continue;
      const gi = inputGrads[i];
      if (gi === null || gi === undefined) continue;
      const input = node.inputs[i];
      if (!shapesEqual(gi.shape, input.shape)) {
        throw new Error(`internal error: ${node.op} backward produced a gradient of shape ${fmt(gi.shape)} for an input of shape ${fmt(input.shape)}`);
      }
      const prev = grads.get(input);
      grads.set(input, prev === undefined ? gi : addSame(prev, gi));
    }
  }
}
