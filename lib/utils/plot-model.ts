// Keras's plot_model: a model's layers as boxes and its connections as arrows, drawn by Graphviz's `dot` when it is
// installed, else laid out here (a layered drawing of the same graph) so the picture needs nothing outside Node.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { formatShape, type Shape } from '../layers/layer.js';
import { layerGraph, type GraphNode } from '../models/layer-graph.js';
import { Model } from '../models/model.js';
import { escapeXml, FONT, num, textWidth, writeSvg } from './svg.js';

export interface PlotModelArgs {
  /** Each layer's output shape (default false). */
  showShapes?: boolean;
  /** Each layer's output dtype (default false). */
  showDtype?: boolean;
  /** The layer's name before its class (plotModel: default false, as Keras 3's plot_model; modelToDot: default true). */
  showLayerNames?: boolean;
  /** 'TB' top to bottom (default) or 'LR' left to right. */
  rankdir?: 'TB' | 'LR';
  /** Draw a nested model's layers inside a dashed frame instead of one box (default false). */
  expandNested?: boolean;
  /** Resolution of a PNG (default 200, Keras's). */
  dpi?: number;
  /** Each layer's activation, for layers that have one (default false). */
  showLayerActivations?: boolean;
  /** Whether each layer is trainable (default false). */
  showTrainable?: boolean;
  /** 'graphviz' (the `dot` program) or 'builtin'; by default Graphviz when `dot` is on the PATH. */
  renderer?: 'graphviz' | 'builtin';
}

interface PlotNode {
  id: string;
  /** Keras's label: a header (the layer's name when shown, and its class), an activation row, then a row of cells. */
  name: string | null;
  className: string;
  activation: string | null;
  /** [caption, value]: 'Output shape: ' and '(None, 10)'; trainable cells have an empty caption. */
  cells: [string, string][];
  inputs: string[];
  /** The names of the nested models this node sits in, outermost first. */
  clusters: string[];
  /** An InputLayer: in an expanded nested model it takes the outer call's input. */
  isInput: boolean;
}

const headerOf = (n: PlotNode) => (n.name === null ? n.className : `${n.name} (${n.className})`);
const rowsOf = (n: PlotNode) => [...(n.activation ? [['Activation: ', n.activation]] : []), ...n.cells].map(([c, v]) => c + v);

const shapes = (s: Shape[] | null) => (!s ? '?' : s.length === 1 ? formatShape(s[0]) : `[${s.map(formatShape).join(', ')}]`);

function checkArgs(args: PlotModelArgs): Required<Omit<PlotModelArgs, 'renderer'>> & { renderer?: 'graphviz' | 'builtin' } {
  if (args === null || typeof args !== 'object') throw new Error(`plotModel: expected an options object, received ${String(args)}`);
  const rankdir = args.rankdir ?? 'TB';
  if (rankdir !== 'TB' && rankdir !== 'LR') throw new Error(`plotModel: rankdir must be 'TB' or 'LR', received ${JSON.stringify(rankdir)}`);
  const dpi = args.dpi ?? 200;
  if (!(typeof dpi === 'number' && dpi > 0 && dpi <= 2400)) throw new Error(`plotModel: dpi must be a positive number up to 2400, received ${String(args.dpi)}`);
  if (args.renderer !== undefined && args.renderer !== 'graphviz' && args.renderer !== 'builtin') {
    throw new Error(`plotModel: renderer must be 'graphviz' or 'builtin', received ${JSON.stringify(args.renderer)}`);
  }
  return {
    showShapes: args.showShapes ?? false,
    showDtype: args.showDtype ?? false,
    showLayerNames: args.showLayerNames ?? true,
    rankdir,
    expandNested: args.expandNested ?? false,
    dpi,
    showLayerActivations: args.showLayerActivations ?? false,
    showTrainable: args.showTrainable ?? false,
    renderer: args.renderer,
  };
}

/**
 * A box's text as Keras 3's plot_model writes it: 'name (Class)' (or 'Class'), 'Activation: relu', then 'Input shape:
 * …' (not for an InputLayer), 'Output shape: …', 'Output dtype: …', and 'Trainable' / 'Non-trainable' for a layer with
 * weights.
 */
function label(node: GraphNode, o: ReturnType<typeof checkArgs>, id: string, clusters: string[]): PlotNode {
  const config = node.layer?.getConfig() ?? {};
  const cells: [string, string][] = [];
  if (o.showShapes) {
    if (node.className !== 'InputLayer') cells.push(['Input shape: ', shapes(node.inputShapes)]);
    cells.push(['Output shape: ', shapes(node.outputShapes)]);
  }
  if (o.showDtype) cells.push(['Output dtype: ', node.layer?.dtype ?? 'float32']);
  if (o.showTrainable && node.layer && node.layer.weights.length) cells.push(['', node.layer.trainable ? 'Trainable' : 'Non-trainable']);
  return {
    id,
    name: o.showLayerNames ? node.layer?.name ?? node.id : null,
    className: node.className,
    activation: o.showLayerActivations && typeof config.activation === 'string' ? config.activation : null,
    cells,
    inputs: [],
    clusters,
    isInput: node.className === 'InputLayer',
  };
}

/**
 * The graph to draw, as Keras's model_to_dot builds it: a Sequential model's layers (without an input box), a
 * functional model's layers (its InputLayers included) with one box per layer even when it is called several times,
 * a subclassed model as one box. With expandNested a nested model's boxes replace its own, inside its frame: arrows
 * into it go to its InputLayers (or a Sequential model's first layer), arrows out of it leave its output layers.
 */
function plotNodes(model: Model, o: ReturnType<typeof checkArgs>, prefix = '', clusters: string[] = []): { nodes: PlotNode[]; firsts: PlotNode[]; outputs: string[] } {
  if (model.className !== 'Sequential' && !model.inputs.length) {
    const whole = label({ id: model.name, layer: model, className: model.className, call: null, inputs: [], inputShapes: null, outputShapes: null }, o, prefix + model.name, clusters);
    return { nodes: [whole], firsts: [whole], outputs: [whole.id] };
  }
  const graph = layerGraph(model).filter((n) => n.layer !== null);
  const nodes: PlotNode[] = [];
  // Where an arrow from (node id, output index) starts once shared layers are merged and nested models expanded.
  const resolved = new Map<string, string[]>();
  const ref = (id: string, index: number) => resolved.get(`${id}:${index}`) ?? resolved.get(`${id}:*`) ?? (graph.some((g) => g.id === id) ? [prefix + id] : []);
  // The boxes that receive the model's inputs: its InputLayers, or a Sequential model's first layer.
  const firsts: PlotNode[] = [];
  const byLayer = new Map<unknown, PlotNode>();
  for (const node of graph) {
    // One arrow per pair of boxes, as Keras draws them.
    const inputs = [...new Set(node.inputs.flatMap((i) => ref(i.id, i.index)))];
    const shared = !(o.expandNested && node.layer instanceof Model) ? byLayer.get(node.layer) : undefined;
    if (shared) {
      for (const i of inputs) if (!shared.inputs.includes(i)) shared.inputs.push(i);
      resolved.set(`${node.id}:*`, [shared.id]);
      continue;
    }
    if (o.expandNested && node.layer instanceof Model) {
      const inner = plotNodes(node.layer, o, `${prefix}${node.id}/`, [...clusters, node.layer.name]);
      // A nested model's k-th input box reads the call's k-th input (a Sequential model's first box reads them all).
      inner.firsts.forEach((f, k) => {
        const given = f.isInput ? [inputs[k] ?? inputs[0]].filter((x): x is string => x !== undefined) : inputs;
        for (const i of given) if (!f.inputs.includes(i)) f.inputs.push(i);
      });
      nodes.push(...inner.nodes);
      if (!firsts.length && !graph.some((g) => g.className === 'InputLayer')) firsts.push(...inner.firsts);
      inner.outputs.forEach((id, k) => resolved.set(`${node.id}:${k}`, [id]));
      continue;
    }
    const drawn = label(node, o, prefix + node.id, clusters);
    drawn.inputs = inputs;
    nodes.push(drawn);
    byLayer.set(node.layer, drawn);
    if (drawn.isInput || (model.className === 'Sequential' && nodes.length === 1)) firsts.push(drawn);
  }
  const last = graph[graph.length - 1];
  const outputs = model.outputs.length
    ? model.outputs.map((t) => {
        const n = graph.find((g) => g.call === t.node);
        return n ? ref(n.id, t.index)[0] : prefix + t.node.layer.name;
      })
    : last
      ? ref(last.id, 0)
      : [];
  return { nodes, firsts, outputs };
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Keras 3's HTML-like table label: a black header row, an activation row, a row of white cells. */
function dotLabel(n: PlotNode): string {
  const colspan = Math.max(1, n.cells.length);
  const header = n.name === null ? `<b>${html(n.className)}</b>` : `<b>${html(n.name)}</b> (${html(n.className)})`;
  let t = '<table border="0" cellborder="1" bgcolor="black" cellpadding="10">';
  t += `<tr><td colspan="${colspan}" bgcolor="black"><font point-size="16" color="white">${header}</font></td></tr>`;
  if (n.activation) t += `<tr><td bgcolor="white" colspan="${colspan}"><font point-size="14">Activation: <b>${html(n.activation)}</b></font></td></tr>`;
  if (n.cells.length) {
    t += '<tr>';
    for (const [caption, value] of n.cells) {
      if (caption) t += `<td bgcolor="white"><font point-size="14">${html(caption)}<b>${html(value)}</b></font></td>`;
      else t += `<td bgcolor="${value === 'Trainable' ? 'forestgreen' : 'firebrick'}"><font point-size="14" color="white"><b>${value}</b></font></td>`;
    }
    t += '</tr>';
  }
  return `<${t}</table>>`;
}

/** Keras's model_to_dot: the model as Graphviz DOT text, with Keras 3's graph settings and table labels. */
export function modelToDot(model: Model, args: PlotModelArgs = {}): string {
  if (!(model instanceof Model)) throw new Error(`modelToDot: expected a model, received ${String(model)}`);
  const o = checkArgs(args);
  const { nodes } = plotNodes(model, o);
  const lines = [
    'digraph G {',
    `  rankdir=${o.rankdir};`,
    '  concentrate=true;',
    `  dpi=${o.dpi};`,
    '  splines=ortho;',
    '  node [shape=plaintext, fontname="Helvetica", margin=0];',
    '  edge [penwidth=2];',
  ];
  // Nodes inside nested models go in dashed clusters, one level at a time.
  const emit = (path: string[], indent: string): void => {
    for (const n of nodes) {
      if (n.clusters.length === path.length && n.clusters.every((c, i) => c === path[i])) lines.push(`${indent}${dotString(n.id)} [label=${dotLabel(n)}];`);
    }
    const children = [...new Set(nodes.filter((n) => n.clusters.length > path.length && path.every((c, i) => n.clusters[i] === c)).map((n) => n.clusters[path.length]))];
    for (const c of children) {
      lines.push(`${indent}subgraph ${dotString(`cluster_${[...path, c].join('/')}`)} {`, `${indent}  label=${dotString(c)};`, `${indent}  labeljust=l;`, `${indent}  style=dashed;`);
      emit([...path, c], indent + '  ');
      lines.push(`${indent}}`);
    }
  };
  emit([], '  ');
  for (const n of nodes) for (const i of n.inputs) lines.push(`  ${dotString(i)} -> ${dotString(n.id)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Runs Graphviz's `dot` without holding the event loop; null when it is not installed. */
function runDot(args: string[], input: string): Promise<{ status: number | null; stderr: string } | null> {
  return new Promise((resolve) => {
    const child = spawn('dot', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', () => resolve(null));
    child.on('close', (status) => resolve({ status, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/**
 * Keras's plot_model: draws `model` into `toFile` ('.png', '.svg', or '.dot' for the Graphviz source). With Graphviz's
 * `dot` on the PATH (or renderer 'graphviz') it draws the picture, as Keras does; otherwise the library lays the graph
 * out itself: ranks from the inputs down (a Sequential model is one column, branches sit side by side and merge
 * below), boxes ordered to keep edges short, PNGs rendered from the SVG by sharp. Returns the SVG, or the DOT text
 * for '.dot'. The file name and options may also come as one object, Keras's keywords: `plotModel(model, { toFile,
 * showShapes })`.
 */
export async function plotModel(model: Model, toFile?: string | (PlotModelArgs & { toFile?: string }), options: PlotModelArgs = {}): Promise<string> {
  if (!(model instanceof Model)) throw new Error(`plotModel: expected a model, received ${String(model)}`);
  // Keras's keywords as one object, as a port of plot_model(model, to_file=..., show_shapes=True) writes them.
  if (toFile !== null && typeof toFile === 'object') ({ toFile, ...options } = { ...toFile, ...options });
  toFile ??= 'model.png';
  if (typeof toFile !== 'string') throw new Error(`plotModel: toFile must be a file name ending in .png, .svg or .dot, received ${String(toFile)}`);
  const args = { showLayerNames: false, ...options };
  const o = checkArgs(args);
  const ext = extname(toFile).toLowerCase();
  if (ext !== '.png' && ext !== '.svg' && ext !== '.dot') throw new Error(`plotModel: cannot write "${toFile}"; the file name must end in .png, .svg or .dot`);
  if (!model.layers.length) throw new Error(`plotModel: model "${model.name}" has no layers to draw`);
  if (ext === '.dot') {
    const dot = modelToDot(model, args);
    writeFileSync(toFile, dot);
    return dot;
  }
  if (o.renderer !== 'builtin') {
    const dot = modelToDot(model, args);
    const r = await runDot([`-T${ext.slice(1)}`, `-Gdpi=${o.dpi}`, '-o', toFile], dot);
    if (r && r.status === 0) return ext === '.svg' ? readFileSync(toFile, 'utf8') : dot;
    if (r) throw new Error(`plotModel: Graphviz's dot failed (exit status ${r.status}): ${r.stderr.trim()}`);
    if (o.renderer === 'graphviz') throw new Error("plotModel: renderer 'graphviz' needs Graphviz's `dot` program on the PATH (apt-get install graphviz, brew install graphviz); leave renderer out to draw without it");
  }
  const svg = layoutSvg(plotNodes(model, o).nodes, o.rankdir);
  await writeSvg(svg, toFile, o.dpi, 'plotModel');
  return svg;
}

// ---- The built-in layered layout ------------------------------------------------------------------------------

const FONT_SIZE = 12;
const LINE = 16;
const PAD = { x: 10, y: 7 };
/** The header band: one line of bold text, white on black as in Keras's tables. */
const HEADER = LINE + 2 * PAD.y;
const GAP = { breadth: 28, depth: 44 };
const MARGIN = 20;

interface Box {
  id: string;
  header: string;
  rows: string[];
  clusters: string[];
  dummy: boolean;
  width: number;
  height: number;
  rank: number;
  order: number;
  /** Centre along the rank (x for TB, y for LR) and across ranks. */
  breadth: number;
  depth: number;
  preds: Box[];
  succs: Box[];
}

function layoutSvg(nodes: PlotNode[], rankdir: 'TB' | 'LR'): string {
  const tb = rankdir === 'TB';
  const byId = new Map<string, Box>();
  const boxes: Box[] = nodes.map((n) => {
    const header = headerOf(n);
    const rows = rowsOf(n);
    const width = Math.ceil(Math.max(...[header, ...rows].map((l) => textWidth(l, FONT_SIZE))) + 2 * PAD.x);
    const height = HEADER + (rows.length ? rows.length * LINE + 2 * PAD.y : 0);
    const b: Box = { id: n.id, header, rows, clusters: n.clusters, dummy: false, width, height, rank: 0, order: 0, breadth: 0, depth: 0, preds: [], succs: [] };
    byId.set(n.id, b);
    return b;
  });
  const edges: [Box, Box][] = [];
  for (const n of nodes) {
    const b = byId.get(n.id)!;
    for (const i of n.inputs) {
      const a = byId.get(i);
      // A layer applied to its own output is a loop in the graph; the drawing leaves that arrow out.
      if (a && a !== b) edges.push([a, b]);
    }
  }
  // Ranks: the longest path from an input. A shared layer can close a cycle (A -> B -> A); the edge that closes it
  // does not count, and is drawn going back up.
  const preds = new Map<Box, Box[]>(boxes.map((b) => [b, []]));
  for (const [a, b] of edges) preds.get(b)!.push(a);
  const done = new Set<Box>();
  const onPath = new Set<Box>();
  const rankOf = (b: Box): number => {
    if (done.has(b) || onPath.has(b)) return b.rank;
    onPath.add(b);
    for (const a of preds.get(b)!) if (!onPath.has(a)) b.rank = Math.max(b.rank, rankOf(a) + 1);
    onPath.delete(b);
    done.add(b);
    return b.rank;
  };
  boxes.forEach(rankOf);
  // An edge across several ranks passes through a dummy box in each, so it gets room and is not drawn over boxes.
  const routes = new Map<[Box, Box], Box[]>();
  const all = [...boxes];
  for (const e of edges) {
    const [a, b] = e;
    let prev = a;
    const path: Box[] = [a];
    for (let r = a.rank + 1; r < b.rank; r++) {
      const d: Box = { id: '', header: '', rows: [], clusters: [], dummy: true, width: 8, height: 8, rank: r, order: 0, breadth: 0, depth: 0, preds: [prev], succs: [] };
      prev.succs.push(d);
      all.push(d);
      path.push(d);
      prev = d;
    }
    prev.succs.push(b);
    b.preds.push(prev);
    path.push(b);
    routes.set(e, path);
  }
  const ranks: Box[][] = [];
  for (const b of all) (ranks[b.rank] ??= []).push(b);
  const size = (b: Box) => (tb ? b.width : b.height);
  const across = (b: Box) => (tb ? b.height : b.width);

  // Order within ranks by the barycentre of the neighbours in the rank before (going down) or after (going up).
  const renumber = (rank: Box[]) => rank.forEach((b, i) => (b.order = i));
  ranks.forEach(renumber);
  const mean = (xs: number[], fallback: number) => (xs.length ? xs.reduce((a, v) => a + v, 0) / xs.length : fallback);
  for (let sweep = 0; sweep < 6; sweep++) {
    const down = sweep % 2 === 0;
    const seq = down ? ranks.slice(1) : ranks.slice(0, -1).reverse();
    for (const rank of seq) {
      const key = new Map(rank.map((b) => [b, mean((down ? b.preds : b.succs).map((n) => n.order), b.order)]));
      rank.sort((p, q) => key.get(p)! - key.get(q)! || p.order - q.order);
      renumber(rank);
    }
  }

  // Positions along the rank: packed in order, then pulled toward the neighbours' mean without overlapping.
  const place = (rank: Box[], wanted: number[]) => {
    for (let i = 0; i < rank.length; i++) {
      const min = i === 0 ? -Infinity : rank[i - 1].breadth + (size(rank[i - 1]) + size(rank[i])) / 2 + GAP.breadth;
      rank[i].breadth = Math.max(wanted[i], min);
    }
    // Shift the rank so that, on average, its boxes sit where they were wanted.
    const shift = mean(rank.map((b, i) => wanted[i] - b.breadth), 0);
    for (const b of rank) b.breadth += shift;
  };
  for (const rank of ranks) place(rank, rank.map(() => 0));
  for (let sweep = 0; sweep < 8; sweep++) {
    const down = sweep % 2 === 0;
    const seq = down ? ranks.slice(1) : ranks.slice(0, -1).reverse();
    for (const rank of seq) place(rank, rank.map((b) => mean((down ? b.preds : b.succs).map((n) => n.breadth), b.breadth)));
  }
  for (const rank of ranks.slice(1)) place(rank, rank.map((b) => mean(b.preds.map((n) => n.breadth), b.breadth)));

  // Depth: each rank as deep as its deepest box.
  let depth = 0;
  for (const rank of ranks) {
    const d = Math.max(...rank.map(across));
    for (const b of rank) {
      b.depth = depth + d / 2;
      // A long edge runs straight through the ranks it crosses, beside their boxes.
      if (b.dummy && tb) b.height = d;
      else if (b.dummy) b.width = d;
    }
    depth += d + GAP.depth;
  }
  const minB = Math.min(...all.map((b) => b.breadth - size(b) / 2));
  const maxB = Math.max(...all.map((b) => b.breadth + size(b) / 2));
  // Room for a nested model's frame and its name.
  const clustered = boxes.some((b) => b.clusters.length);
  const margin = MARGIN + (clustered ? 14 : 0);
  const x = (b: Box) => (tb ? b.breadth - minB : b.depth) + margin;
  const y = (b: Box) => (tb ? b.depth : b.breadth - minB) + margin;
  const width = Math.ceil((tb ? maxB - minB : depth - GAP.depth) + 2 * margin);
  const height = Math.ceil((tb ? depth - GAP.depth : maxB - minB) + 2 * margin);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT)}" font-size="${FONT_SIZE}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#000000"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  // Nested models' frames, outermost first.
  const clusterPaths = [...new Set(boxes.flatMap((b) => b.clusters.map((_, i) => b.clusters.slice(0, i + 1).join('\u0000'))))].sort((a, b) => a.split('\u0000').length - b.split('\u0000').length);
  for (const key of clusterPaths) {
    const path = key.split('\u0000');
    const members = boxes.filter((b) => path.every((c, i) => b.clusters[i] === c));
    const pad = 10 + 6 * (Math.max(...members.map((b) => b.clusters.length)) - path.length);
    const x0 = Math.min(...members.map((b) => x(b) - b.width / 2)) - pad;
    const y0 = Math.min(...members.map((b) => y(b) - b.height / 2)) - pad - 12;
    const x1 = Math.max(...members.map((b) => x(b) + b.width / 2)) + pad;
    const y1 = Math.max(...members.map((b) => y(b) + b.height / 2)) + pad;
    out.push(`<g class="cluster" data-model="${escapeXml(path[path.length - 1])}"><rect x="${num(x0)}" y="${num(y0)}" width="${num(x1 - x0)}" height="${num(y1 - y0)}" rx="6" fill="none" stroke="#8892a6" stroke-dasharray="5,4"/><text x="${num(x0 + 6)}" y="${num(y0 + 13)}" font-size="11" fill="#55607a">${escapeXml(path[path.length - 1])}</text></g>`);
  }
  // Edges leave the bottom (right) of a box and enter the top (left) of the next, through their dummies.
  for (const [[a, b], path] of routes) {
    const exit = (n: Box) => (tb ? [x(n), y(n) + n.height / 2] : [x(n) + n.width / 2, y(n)]);
    const entry = (n: Box) => (tb ? [x(n), y(n) - n.height / 2] : [x(n) - n.width / 2, y(n)]);
    let d = `M${num(exit(path[0])[0])},${num(exit(path[0])[1])}`;
    for (let k = 1; k < path.length; k++) {
      const [x0, y0] = exit(path[k - 1]);
      const [x1, y1] = entry(path[k]);
      d += tb ? ` C${num(x0)},${num((y0 + y1) / 2)} ${num(x1)},${num((y0 + y1) / 2)} ${num(x1)},${num(y1)}` : ` C${num((x0 + x1) / 2)},${num(y0)} ${num((x0 + x1) / 2)},${num(y1)} ${num(x1)},${num(y1)}`;
      if (path[k].dummy) d += ` L${num(exit(path[k])[0])},${num(exit(path[k])[1])}`;
    }
    out.push(`<path class="edge" data-from="${escapeXml(a.id)}" data-to="${escapeXml(b.id)}" d="${d}" fill="none" stroke="#000000" stroke-width="1.5" marker-end="url(#arrow)"/>`);
  }
  for (const b of boxes) {
    const x0 = x(b) - b.width / 2;
    const y0 = y(b) - b.height / 2;
    out.push(`<g class="node" data-layer="${escapeXml(b.id)}">`);
    out.push(`<rect class="box" x="${num(x0)}" y="${num(y0)}" width="${num(b.width)}" height="${num(b.height)}" fill="#ffffff" stroke="#000000" stroke-width="1.2"/>`);
    out.push(`<rect class="header" x="${num(x0)}" y="${num(y0)}" width="${num(b.width)}" height="${HEADER}" fill="#000000"/>`);
    out.push(`<text x="${num(x(b))}" y="${num(y0 + PAD.y + 12)}" text-anchor="middle" font-weight="bold" fill="#ffffff">${escapeXml(b.header)}</text>`);
    b.rows.forEach((row, i) => {
      const colour = row === 'Trainable' ? '#228b22' : row === 'Non-trainable' ? '#b22222' : '#000000';
      out.push(`<text x="${num(x(b))}" y="${num(y0 + HEADER + PAD.y + LINE * i + 12)}" text-anchor="middle" fill="${colour}">${escapeXml(row)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
