// Keras 3's summary table.
import { InputLayer, formatShape, type Layer, type Shape } from '../layers/layer.js';
import type { Model } from './model.js';

function readableSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  for (const u of units) {
    if (v / 1024 < 1) return `${v.toFixed(2)} ${u}`;
    v /= 1024;
  }
  return `${v.toFixed(2)} PB`;
}

const thousands = (n: number) => n.toLocaleString('en-US');

function outputShapeOf(model: Model, layer: Layer): string {
  const seq = (model as unknown as { layerOutputShapes?: Map<Layer, Shape> }).layerOutputShapes;
  const fromSeq = seq?.get(layer);
  if (fromSeq) return formatShape(fromSeq);
  const node = layer.inboundNodes.find((n) => n.outputs.length > 0);
  if (node) return node.outputs.length === 1 ? formatShape(node.outputs[0].shape) : node.outputs.map((o) => formatShape(o.shape)).join(', ');
  return '?';
}

function paramsOf(layer: Layer): string {
  if (!layer.built) return '0 (unbuilt)';
  return thousands(layer.weights.reduce((n, w) => n + w.size, 0));
}

export function printSummary(model: Model, print: (line: string) => void, lineLength?: number): void {
  const layers = model.layers.filter((l) => !(model.className === 'Sequential' && l instanceof InputLayer));
  const functional = model.className !== 'Sequential' && model.outputs.length > 0;
  const branching = functional && layers.some((l) => l.inboundNodes.some((n) => n.inputs.length > 1));
  const headers = branching ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const rows = layers.map((l) => {
    const cells = [`${l.name} (${l.className})`, outputShapeOf(model, l), paramsOf(l)];
    if (branching) {
      const ins = l.inboundNodes.flatMap((n) => n.inputs.map((t) => `${t.node.layer.name}[${Math.max(0, t.node.layer.inboundNodes.indexOf(t.node))}][${t.index}]`));
      cells.push(ins.length ? ins.join(', ') : '-');
    }
    return cells;
  });
  const base = branching ? [31, 22, 11, 22] : [31, 22, 13];
  const widths = base.map((w, i) => Math.max(w, headers[i].length, ...rows.map((r) => r[i].length)));
  if (lineLength && !branching) {
    const extra = lineLength - (widths.reduce((a, b) => a + b, 0) + 3 * widths.length + 1);
    if (extra > 0) widths[0] += extra;
  }
  const line = (l: string, m: string, r: string, fill: string) => l + widths.map((w) => fill.repeat(w + 2)).join(m) + r;
  const cell = (cells: string[], edge: string) =>
    edge + cells.map((c, i) => ` ${i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])} `).join(edge) + edge;
  print(`Model: "${model.name}"`);
  print(line('┏', '┳', '┓', '━'));
  print(cell(headers, '┃'));
  print(line('┡', '╇', '┩', '━'));
  rows.forEach((r, i) => {
    print(cell(r, '│'));
    if (i < rows.length - 1) print(line('├', '┼', '┤', '─'));
  });
  print(line('└', '┴', '┘', '─'));
  const built = layers.every((l) => l.built);
  const total = built ? model.countParams() : 0;
  const trainable = built ? model.trainableWeights.reduce((n, w) => n + w.size, 0) : 0;
  print(` Total params: ${thousands(total)} (${readableSize(total * 4)})`);
  print(` Trainable params: ${thousands(trainable)} (${readableSize(trainable * 4)})`);
  print(` Non-trainable params: ${thousands(total - trainable)} (${readableSize((total - trainable) * 4)})`);
}
