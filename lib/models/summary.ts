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

/** Keras's default column stops (fractions of the line) and line lengths for the two table layouts. */
const defaultLayout = {
  plain: { positions: [0.45, 0.8, 1], lineLength: 88 },
  branching: { positions: [0.3, 0.56, 0.74, 1], lineLength: 108 },
};

/** Options of Model.summary as Keras names them. */
export interface SummaryLayout {
  lineLength?: number;
  positions?: number[];
  /** Keras's expand_nested: the layers of nested models, indented under theirs. */
  expandNested?: boolean;
  /** Keras's show_trainable: a "Trainable" column, Y or N for layers with weights, - for the rest. */
  showTrainable?: boolean;
}

/**
 * Content widths of the columns for a fixed layout. `positions` are the columns' right edges, as fractions of
 * lineLength when the last is at most 1 (Keras's relative form) or as character columns otherwise (absolute);
 * column i then spans the line from edge i - 1 to edge i, its borders and one space of padding each side included,
 * so the table is exactly as wide as the last edge.
 */
function fixedWidths(layout: SummaryLayout, headers: string[], branching: boolean): number[] {
  const { lineLength, positions } = layout;
  if (lineLength !== undefined && (!Number.isInteger(lineLength) || lineLength <= 0)) {
    throw new Error(`summary: lineLength must be a positive integer, received ${lineLength}`);
  }
  const defaults = branching ? defaultLayout.branching : defaultLayout.plain;
  let stops = positions ?? defaults.positions;
  let length = lineLength ?? defaults.lineLength;
  // Keras makes room for the Trainable column the same way: 8 more characters, the other edges at 0.86 of theirs.
  if (layout.showTrainable && Array.isArray(stops) && stops.length === headers.length - 1 && stops[stops.length - 1] <= 1) {
    stops = [...stops.map((p) => p * 0.86), 1];
    length += 8;
  }
  if (!Array.isArray(stops) || stops.length !== headers.length || !stops.every((p) => typeof p === 'number' && Number.isFinite(p) && p > 0)) {
    throw new Error(
      `summary: positions must list ${headers.length} positive numbers, one right edge per column (${headers.map((h) => JSON.stringify(h)).join(', ')}); ` +
        `received ${JSON.stringify(positions)}`,
    );
  }
  const relative = stops[stops.length - 1] <= 1;
  const edges = relative ? stops.map((p) => Math.floor(p * length)) : stops.map((p) => Math.floor(p));
  return edges.map((edge, i) => {
    // The first column also holds the table's left border.
    const width = edge - (i === 0 ? 1 : edges[i - 1]) - 3;
    if (width < 1) {
      throw new Error(
        `summary: positions ${JSON.stringify(positions ?? stops)}${relative ? ` of a ${length}-character line` : ''} leave column ` +
          `${JSON.stringify(headers[i])} no room (its right edge is at character ${edge}, ${i === 0 ? 'the line starts at 0' : `the previous one at ${edges[i - 1]}`}); ` +
          'edges must increase by at least 4 characters (the first must be at least 5)',
      );
    }
    return width;
  });
}

/** Text broken into lines of at most `width` characters, at the last space that fits (else mid-word). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > 0 ? cut : width;
    lines.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  lines.push(rest);
  return lines;
}

/** The rows a model's table lists: its layers, without a Sequential's InputLayer. */
function shownLayers(model: Model): Layer[] {
  return model.layers.filter((l) => !(model.className === 'Sequential' && l instanceof InputLayer));
}

/** A nested model (Model itself is only a type here: model.ts imports this module). */
function isModel(layer: Layer): layer is Model {
  const m = layer as unknown as Partial<Model>;
  return Array.isArray(m.layers) && typeof m.summary === 'function';
}

/**
 * Prints Keras's summary table. Without lineLength and positions the columns fit their contents; with either, the
 * columns sit at Keras's stops (defaults [0.45, 0.8, 1] of 88 characters, or [0.3, 0.56, 0.74, 1] of 108 with a
 * "Connected to" column) and longer cells wrap onto more lines, as Keras's table does.
 */
export function printSummary(model: Model, print: (line: string) => void, layout: SummaryLayout = {}): void {
  const layers = shownLayers(model);
  const functional = model.className !== 'Sequential' && model.outputs.length > 0;
  const branching = functional && layers.some((l) => l.inboundNodes.some((n) => n.inputs.length > 1));
  const headers = branching ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  if (layout.showTrainable) headers.push('Trainable');
  const rows: string[][] = [];
  const addRows = (owner: Model, l: Layer, level: number) => {
    const prefix = level ? `${'   '.repeat(level)}└ ` : '';
    const cells = [`${prefix}${l.name} (${l.className})`, outputShapeOf(owner, l), paramsOf(l)];
    if (branching) {
      // As in Keras, a nested model's own layers connect to nothing in this graph.
      const ins = level ? [] : l.inboundNodes.flatMap((n) => n.inputs.map((t) => `${t.node.layer.name}[${Math.max(0, t.node.layer.inboundNodes.indexOf(t.node))}][${t.index}]`));
      cells.push(ins.length ? ins.join(', ') : '-');
    }
    if (layout.showTrainable) cells.push(l.weights.length === 0 ? '-' : l.trainable ? 'Y' : 'N');
    rows.push(cells);
    if (layout.expandNested && isModel(l)) for (const inner of shownLayers(l)) addRows(l, inner, level + 1);
  };
  for (const l of layers) addRows(model, l, 0);
  const fixed = layout.lineLength !== undefined || layout.positions !== undefined;
  const base = [...(branching ? [31, 22, 11, 22] : [31, 22, 13]), ...(layout.showTrainable ? [9] : [])];
  const widths = fixed ? fixedWidths(layout, headers, branching) : base.map((w, i) => Math.max(w, headers[i].length, ...rows.map((r) => r[i].length)));
  const line = (l: string, m: string, r: string, fill: string) => l + widths.map((w) => fill.repeat(w + 2)).join(m) + r;
  const cell = (cells: string[], edge: string) => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) =>
      edge + wrapped.map((w, i) => ` ${i === 2 ? (w[k] ?? '').padStart(widths[i]) : (w[k] ?? '').padEnd(widths[i])} `).join(edge) + edge,
    ).join('\n');
  };
  print(`Model: "${model.name}"`);
  print(line('┏', '┳', '┓', '━'));
  for (const l of cell(headers, '┃').split('\n')) print(l);
  print(line('┡', '╇', '┩', '━'));
  rows.forEach((r, i) => {
    for (const l of cell(r, '│').split('\n')) print(l);
    if (i < rows.length - 1) print(line('├', '┼', '┤', '─'));
  });
  print(line('└', '┴', '┘', '─'));
  // The weights that exist: a subclassed model's own (made in its build()) and its built layers', as Keras counts them.
  const total = model.countParams();
  const trainable = model.trainableWeights.reduce((n, w) => n + w.size, 0);
  print(` Total params: ${thousands(total)} (${readableSize(total * 4)})`);
  print(` Trainable params: ${thousands(trainable)} (${readableSize(trainable * 4)})`);
  print(` Non-trainable params: ${thousands(total - trainable)} (${readableSize((total - trainable) * 4)})`);
}
