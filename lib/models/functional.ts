// The functional API's graph: from symbolic inputs and outputs to the layer calls in execution order, and running
// those calls on real tensors.
import { input, InputLayer, SymbolicTensor, type CallArgs, type Layer, type LayerNode, type LayerOutput } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';

export interface Graph {
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  /** Layer calls in execution order, without the InputLayers. */
  nodes: LayerNode[];
  /** Every layer of the graph once, InputLayers included, in Keras's model.layers order (see kerasLayerOrder). */
  layers: Layer[];
}

/** Checks the symbolic inputs and outputs and orders the layer calls between them. */
export function buildGraph(inputs: SymbolicTensor | SymbolicTensor[] | Record<string, SymbolicTensor> | undefined, outputs: SymbolicTensor | SymbolicTensor[] | undefined): Graph {
  // Keras 3 takes inputs as a dict (FeatureSpace's getInputs()), whose keys then name the data's keys; here data is
  // routed by the input layers' names, so each key must be its input's name. An intermediate tensor (FeatureSpace's
  // getEncodedFeatures() in 'dict' mode) becomes a fresh input at the cut, which is named by its key.
  let keys: string[] | undefined;
  if (inputs && !Array.isArray(inputs) && !(inputs instanceof SymbolicTensor) && typeof inputs === 'object') {
    const entries = Object.entries(inputs);
    keys = entries.map(([k]) => k);
    const renamed = entries.find(([k, t]) => t instanceof SymbolicTensor && t.node.layer instanceof InputLayer && t.node.layer.name !== k);
    if (renamed) {
      throw new Error(`Model: \`inputs\` as an object must key each input by its name (the name data is matched by): key "${renamed[0]}" holds the input named "${renamed[1].node.layer.name}"; name it with tn.input({ name: '${renamed[0]}', ... }) or pass a list`);
    }
    inputs = entries.map(([, t]) => t);
  }
  const ins = inputs === undefined ? [] : Array.isArray(inputs) ? inputs : [inputs];
  const outs = outputs === undefined ? [] : Array.isArray(outputs) ? outputs : [outputs];
  if (!ins.length || !outs.length) throw new Error('Model: a functional model needs `inputs` and `outputs` (from tn.input() and layer.apply())');
  for (const [what, given] of [['inputs', inputs], ['outputs', outputs]] as const) {
    if (given && !Array.isArray(given) && !(given instanceof SymbolicTensor) && typeof given === 'object') {
      throw new Error(`Model: \`${what}\` as an object keyed by name is not supported; pass a list of symbolic tensors in order (fit, evaluate and predict take data as objects keyed by the input and output layers' names)`);
    }
  }
  for (const t of [...ins, ...outs]) {
    if (!(t instanceof SymbolicTensor)) throw new Error('Model: `inputs` and `outputs` must be symbolic tensors from tn.input() and layer.apply()');
  }
  if (ins.some((t) => !(t.node.layer instanceof InputLayer))) return buildGraph(...cutAt(ins, outs, keys));
  // Depth-first from the outputs gives every layer call after the calls it depends on.
  const order: LayerNode[] = [];
  const seen = new Set<LayerNode>();
  const firstReached = new Map<Layer, number>();
  const visit = (node: LayerNode, path: Set<LayerNode>): void => {
    if (seen.has(node)) return;
    if (path.has(node)) throw new Error('Model: the layer graph has a cycle');
    if (!firstReached.has(node.layer)) firstReached.set(node.layer, firstReached.size);
    path.add(node);
    for (const i of node.inputs) visit(i.node, path);
    path.delete(node);
    seen.add(node);
    order.push(node);
  };
  for (const o of outs) visit(o.node, new Set());
  const inputNodes = new Set(ins.map((t) => t.node));
  for (const node of order) {
    if (node.layer instanceof InputLayer && !inputNodes.has(node)) {
      throw new Error(`Graph disconnected: cannot obtain value for tensor ${node.outputs[0].toString()} at layer "${node.layer.name}". The following previous layers were accessed without issue: ${order.filter((n) => inputNodes.has(n)).map((n) => n.layer.name).join(', ')}`);
    }
  }
  const layers = kerasLayerOrder(order, firstReached);
  // Keras refuses two layers of one name in a model: getLayer(name) and the saved formats name weights by layer.
  const byName = new Map<string, number>();
  for (const l of layers) byName.set(l.name, (byName.get(l.name) ?? 0) + 1);
  for (const [name, count] of byName) {
    if (count > 1) throw new Error(`Model: the name "${name}" is used ${count} times in the model. All layer names should be unique.`);
  }
  return { inputs: ins, outputs: outs, nodes: order.filter((n) => !(n.layer instanceof InputLayer)), layers };
}

/**
 * Keras's (and TF.js's) model.layers order, which model.weights, getWeights and the saved files follow: by depth from
 * the outputs, the deepest (the inputs) first, ties in the order a depth-first walk from the outputs first reached
 * them. On a branching graph this differs from execution order: an encoder-decoder's encoder input comes first,
 * and code ported from TF.js indexes model.layers and getWeights() by it. `order` lists the calls children first.
 */
function kerasLayerOrder(order: LayerNode[], firstReached: Map<Layer, number>): Layer[] {
  const nodeDepth = new Map<LayerNode, number>();
  const layerDepth = new Map<Layer, number>();
  for (const node of [...order].reverse()) {
    const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(node, depth);
    for (const t of node.inputs) nodeDepth.set(t.node, Math.max(depth + 1, nodeDepth.get(t.node) ?? 0));
  }
  return [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || firstReached.get(a)! - firstReached.get(b)!);
}

/**
 * Keras builds a model from intermediate tensors too (keras.io's FeatureSpace examples: Model(encoded_features,
 * outputs) trains on already-encoded data, beside Model(raw_inputs, outputs) for serving): each such input becomes
 * a fresh tn.input of its shape and dtype (named by its key when inputs came as a dict, else after the layer that
 * made it), and the layer calls between the
 * inputs and the outputs are applied again from there, so the new model shares those layers and their weights.
 */
function cutAt(ins: SymbolicTensor[], outs: SymbolicTensor[], keys?: string[]): [SymbolicTensor[], SymbolicTensor[]] {
  const fresh = new Map<SymbolicTensor, SymbolicTensor>();
  const newIns = ins.map((t, i) => {
    if (t.node.layer instanceof InputLayer) return t;
    const replacement = input({ batchShape: t.shape, dtype: t.dtype, name: keys?.[i] ?? t.node.layer.name });
    fresh.set(t, replacement);
    return replacement;
  });
  // The calls downstream of the cut, in execution order; everything upstream of it is left out.
  const order: LayerNode[] = [];
  const seen = new Set<LayerNode>();
  const visit = (node: LayerNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    for (const i of node.inputs) if (!fresh.has(i)) visit(i.node);
    order.push(node);
  };
  for (const o of outs) if (!fresh.has(o)) visit(o.node);
  for (const node of order) {
    if (node.layer instanceof InputLayer || !node.inputs.some((i) => fresh.has(i))) continue;
    const args = node.inputs.map((i) => fresh.get(i) ?? i);
    const out = node.layer.apply(node.listInput ? args : args[0], node.args) as SymbolicTensor | SymbolicTensor[];
    (Array.isArray(out) ? out : [out]).forEach((t, k) => fresh.set(node.outputs[k], t));
  }
  return [newIns, outs.map((o) => fresh.get(o) ?? o)];
}

/** Runs the graph's layer calls on `xs` (one tensor per graph input). */
export function runGraph(graph: Graph, xs: Tensor[], args: CallArgs): Tensor[] {
  const values = new Map<SymbolicTensor, Tensor>();
  graph.inputs.forEach((s, i) => values.set(s, xs[i]));
  // The model's input masks ride on the input tensors; each layer reads its own input's mask, not the model's.
  const { mask: _inputMask, ...outer } = args;
  for (const node of graph.nodes) {
    const ins = node.inputs.map((s) => values.get(s)!);
    // A `training` given when the graph was built (Keras's base(x, training=False) in transfer learning, a
    // Monte-Carlo Dropout(x, training=True)) stays fixed; the model's own call decides the rest.
    const callArgs: CallArgs = { ...node.args, ...outer };
    if (node.args.training !== undefined) callArgs.training = node.args.training;
    const out: LayerOutput = node.layer.apply(node.listInput ? ins : ins[0], callArgs);
    const outs: Tensor[] = Array.isArray(out) ? out : [out];
    node.outputs.forEach((s, i) => values.set(s, outs[i]));
  }
  return graph.outputs.map((s) => values.get(s)!);
}
