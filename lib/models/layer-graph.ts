// A model as a graph of layer calls with their shapes, for the pictures of it: plotModel's drawing and the graph the
// TensorBoard callback writes. Sequential is a chain from its input, a functional model its graph of calls, a
// subclassed model its layers unconnected (its wiring lives in code).
import { InputLayer, type Layer, type LayerNode, type Shape } from '../layers/layer.js';
import type { Model } from './model.js';

export interface GraphNode {
  /** Unique in the graph: the layer's name, with `_call<k>` for a shared layer's later calls. */
  id: string;
  /** Null for the input of a Sequential model, which keeps no InputLayer. */
  layer: Layer | null;
  className: string;
  /** The functional model's layer call this node is (null for Sequential and subclassed models). */
  call: LayerNode | null;
  /** The tensors this call reads: the producing node's id and which of its outputs. */
  inputs: { id: string; index: number }[];
  inputShapes: Shape[] | null;
  outputShapes: Shape[] | null;
}

export function layerGraph(model: Model): GraphNode[] {
  const seq = (model as unknown as { layerOutputShapes?: Map<Layer, Shape>; inputBatchShape?: Shape | null });
  if (model.className === 'Sequential') {
    const nodes: GraphNode[] = [];
    const batchShape = seq.inputBatchShape ?? null;
    let previous: GraphNode | null = null;
    if (batchShape) {
      const shape = [null, ...batchShape.slice(1)];
      previous = { id: uniqueId('input_layer', model), layer: null, className: 'InputLayer', call: null, inputs: [], inputShapes: [shape], outputShapes: [shape] };
      nodes.push(previous);
    }
    for (const layer of model.layers) {
      const out = seq.layerOutputShapes?.get(layer) ?? null;
      const node: GraphNode = {
        id: layer.name,
        layer,
        className: layer.className,
        call: null,
        inputs: previous ? [{ id: previous.id, index: 0 }] : [],
        inputShapes: previous?.outputShapes ?? null,
        outputShapes: out ? [out] : null,
      };
      nodes.push(node);
      previous = node;
    }
    return nodes;
  }
  const { inputs, nodes: calls } = model.graph();
  if (!inputs.length) {
    return model.layers.map((layer) => ({ id: layer.name, layer, className: layer.className, call: null, inputs: [], inputShapes: null, outputShapes: null }));
  }
  const ids = new Map<unknown, string>();
  const callsOf = new Map<Layer, number>();
  const out: GraphNode[] = [];
  for (const node of [...inputs.map((t) => t.node), ...calls]) {
    const k = callsOf.get(node.layer) ?? 0;
    callsOf.set(node.layer, k + 1);
    const id = k === 0 ? node.layer.name : `${node.layer.name}_call${k}`;
    ids.set(node, id);
    out.push({
      id,
      layer: node.layer,
      className: node.layer.className,
      call: node,
      inputs: node.inputs.map((t) => ({ id: ids.get(t.node)!, index: t.index })),
      inputShapes: node.layer instanceof InputLayer ? node.outputs.map((o) => o.shape) : node.inputs.map((t) => t.shape),
      outputShapes: node.outputs.map((o) => o.shape),
    });
  }
  return out;
}

function uniqueId(base: string, model: Model): string {
  const taken = new Set(model.layers.map((l) => l.name));
  let id = base;
  for (let k = 1; taken.has(id); k++) id = `${base}_${k}`;
  return id;
}
