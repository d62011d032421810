// plotModel: the built-in drawing is well-formed XML with one box per layer call (its name, class and shapes) and one
// arrow per connection, from the bottom of a box to the top of the next; sharp renders it with the boxes where the
// SVG says. The Graphviz path is checked with a stand-in `dot` on the PATH (Graphviz is not installed here).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { findAll, hasClass, parseXml, pathPoints, type XmlElement } from '../helpers/xml.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-plot-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

interface Drawn { boxes: Map<string, { x: number; y: number; w: number; h: number; texts: string[] }>; edges: { from: string; to: string; d: string; points: [number, number][] }[]; doc: XmlElement }

/** Points along a path of M, L and C commands: 20 per segment, cubic Béziers evaluated from their control points. */
function samples(d: string): [number, number][] {
  const { commands, points, controls } = pathPoints(d);
  const out: [number, number][] = [];
  let c = 0;
  commands.forEach((cmd, k) => {
    if (cmd === 'M') return;
    const [p0, p3] = [points[k - 1], points[k]];
    const [p1, p2] = cmd === 'C' ? [controls[c++], controls[c++]] : [p0, p3];
    for (let i = 1; i < 20; i++) {
      const t = i / 20;
      const u = 1 - t;
      const at = (j: 0 | 1) => u * u * u * p0[j] + 3 * u * u * t * p1[j] + 3 * u * t * t * p2[j] + t * t * t * p3[j];
      out.push([at(0), at(1)]);
    }
  });
  return out;
}

function drawing(svg: string): Drawn {
  const doc = parseXml(svg);
  const boxes = new Map<string, { x: number; y: number; w: number; h: number; texts: string[] }>();
  for (const g of findAll(doc, (e) => e.name === 'g' && hasClass(e, 'node'))) {
    const r = g.children.find((c) => c.name === 'rect')!.attrs;
    expect(boxes.has(g.attrs['data-layer'])).toBe(false);
    boxes.set(g.attrs['data-layer'], { x: Number(r.x), y: Number(r.y), w: Number(r.width), h: Number(r.height), texts: g.children.filter((c) => c.name === 'text').map((t) => t.text) });
  }
  const edges = findAll(doc, (e) => e.name === 'path' && hasClass(e, 'edge')).map((p) => ({ from: p.attrs['data-from'], to: p.attrs['data-to'], d: p.attrs.d, points: pathPoints(p.attrs.d).points }));
  return { boxes, edges, doc };
}

function branchy(): tn.Model {
  const inp = tn.input({ shape: [6], name: 'features' });
  const a = new tn.layers.Dense(4, { activation: 'relu', name: 'left' }).apply(inp) as tn.SymbolicTensor;
  const b = new tn.layers.Dense(3, { name: 'right' }).apply(inp) as tn.SymbolicTensor;
  const c = new tn.layers.Dense(3, { name: 'right_more' }).apply(b) as tn.SymbolicTensor;
  const merged = new tn.layers.Concatenate({ name: 'joined' }).apply([a, c]) as tn.SymbolicTensor;
  const skip = new tn.layers.Concatenate({ name: 'with_skip' }).apply([merged, inp]) as tn.SymbolicTensor;
  return new tn.Model({ inputs: inp, outputs: new tn.layers.Dense(1, { name: 'head' }).apply(skip) as tn.SymbolicTensor });
}

const overlap = (p: { x: number; y: number; w: number; h: number }, q: { x: number; y: number; w: number; h: number }) =>
  p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;

describe('plotModel (built-in layout)', () => {
  it('draws a Sequential model as a column of boxes with names and shapes, joined by arrows', async () => {
    const m = new tn.Sequential([new tn.layers.Dense(8, { inputShape: [4], activation: 'relu' }), new tn.layers.Dropout(0.2), new tn.layers.Dense(2, { activation: 'softmax' })]);
    const svg = await tn.utils.plotModel(m, join(root, 'seq.svg'), { showShapes: true, showDtype: true, showLayerActivations: true, showLayerNames: true, renderer: 'builtin' });
    expect(readFileSync(join(root, 'seq.svg'), 'utf8')).toBe(svg);
    const { boxes, edges } = drawing(svg);
    // Keras draws a Sequential model's layers without an input box; the first one shows the input shape.
    expect([...boxes.keys()]).toEqual(['dense', 'dropout', 'dense_1']);
    expect(boxes.get('dense')!.texts).toEqual(['dense (Dense)', 'Activation: relu', 'Input shape: (None, 4)', 'Output shape: (None, 8)', 'Output dtype: float32']);
    expect(boxes.get('dropout')!.texts).toEqual(['dropout (Dropout)', 'Input shape: (None, 8)', 'Output shape: (None, 8)', 'Output dtype: float32']);
    expect(boxes.get('dense_1')!.texts.slice(-2)).toEqual(['Output shape: (None, 2)', 'Output dtype: float32']);
    expect(edges.map((e) => [e.from, e.to])).toEqual([['dense', 'dropout'], ['dropout', 'dense_1']]);
    // One column: the boxes share a centre line and go down the page.
    const centres = [...boxes.values()].map((b) => b.x + b.w / 2);
    for (const c of centres) expect(c).toBeCloseTo(centres[0], 1);
    const ys = [...boxes.values()].map((b) => b.y);
    expect(ys).toEqual([...ys].sort((p, q) => p - q));
  });

  it('draws every connection of a functional model with branches, a merge and a skip, no boxes overlapping', async () => {
    const svg = await tn.utils.plotModel(branchy(), join(root, 'branchy.svg'), { showShapes: true, showLayerNames: true, renderer: 'builtin' });
    const { boxes, edges } = drawing(svg);
    expect([...boxes.keys()].sort()).toEqual(['features', 'head', 'joined', 'left', 'right', 'right_more', 'with_skip']);
    expect(boxes.get('with_skip')!.texts).toEqual(['with_skip (Concatenate)', 'Input shape: [(None, 7), (None, 6)]', 'Output shape: (None, 13)']);
    expect(boxes.get('features')!.texts).toEqual(['features (InputLayer)', 'Output shape: (None, 6)']);
    expect(edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(
      ['features->left', 'features->right', 'right->right_more', 'left->joined', 'right_more->joined', 'joined->with_skip', 'features->with_skip', 'with_skip->head'].sort(),
    );
    const list = [...boxes.values()];
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) expect(overlap(list[i], list[j])).toBe(false);
    // Each arrow leaves the bottom centre of its source and ends at the top centre of its target, further down.
    for (const e of edges) {
      const a = boxes.get(e.from)!;
      const b = boxes.get(e.to)!;
      const [start, end] = [e.points[0], e.points[e.points.length - 1]];
      expect(start[0]).toBeCloseTo(a.x + a.w / 2, 1);
      expect(start[1]).toBeCloseTo(a.y + a.h, 1);
      expect(end[0]).toBeCloseTo(b.x + b.w / 2, 1);
      expect(end[1]).toBeCloseTo(b.y, 1);
      expect(end[1]).toBeGreaterThan(start[1]);
    }
    // No arrow passes through a box (the skip crosses the ranks of 'right', 'right_more' and 'joined' beside them):
    // points along every curve and line, sampled, stay out of every box but its own two.
    for (const e of edges) {
      for (const [px, py] of samples(e.d)) {
        for (const [name, b] of boxes) {
          if (name === e.from || name === e.to) continue;
          expect(px > b.x && px < b.x + b.w && py > b.y && py < b.y + b.h, `${e.from}->${e.to} crosses ${name}`).toBe(false);
        }
      }
    }
  });

  it('draws a shared layer once, with the arrows of all its calls (a siamese model)', async () => {
    const left = tn.input({ shape: [5], name: 'left_in' });
    const right = tn.input({ shape: [5], name: 'right_in' });
    const encoder = new tn.layers.Dense(4, { name: 'encoder' });
    const joined = new tn.layers.Subtract({ name: 'difference' }).apply([encoder.apply(left) as tn.SymbolicTensor, encoder.apply(right) as tn.SymbolicTensor]) as tn.SymbolicTensor;
    const m = new tn.Model({ inputs: [left, right], outputs: new tn.layers.Dense(1, { name: 'score' }).apply(joined) as tn.SymbolicTensor });
    const { boxes, edges } = drawing(await tn.utils.plotModel(m, join(root, 'siamese.svg'), { renderer: 'builtin', showTrainable: true }));
    expect(boxes.get('encoder')!.texts).toEqual(['Dense', 'Trainable']);
    expect(boxes.get('difference')!.texts).toEqual(['Subtract']);
    expect([...boxes.keys()]).toEqual(['left_in', 'right_in', 'encoder', 'difference', 'score']);
    expect(edges.map((e) => `${e.from}->${e.to}`)).toEqual(['left_in->encoder', 'right_in->encoder', 'encoder->difference', 'difference->score']);
    // The two inputs side by side above the encoder.
    expect(boxes.get('left_in')!.y).toBe(boxes.get('right_in')!.y);
    expect(overlap(boxes.get('left_in')!, boxes.get('right_in')!)).toBe(false);
  });

  it("lays out left to right with rankdir 'LR', and by default shows the classes only (Keras 3's default)", async () => {
    const svg = await tn.utils.plotModel(branchy(), join(root, 'lr.svg'), { rankdir: 'LR', renderer: 'builtin' });
    const { boxes, edges } = drawing(svg);
    expect(boxes.get('left')!.texts).toEqual(['Dense']);
    for (const e of edges) {
      const a = boxes.get(e.from)!;
      const b = boxes.get(e.to)!;
      expect(e.points[0][0]).toBeCloseTo(a.x + a.w, 1);
      expect(e.points[e.points.length - 1][0]).toBeCloseTo(b.x, 1);
    }
  });

  it('expands a nested model inside a dashed frame with expandNested', async () => {
    const inner = new tn.Sequential([new tn.layers.Dense(8, { inputShape: [4], name: 'inner_a' }), new tn.layers.Dense(3, { name: 'inner_b' })], { name: 'block' });
    const inp = tn.input({ shape: [4], name: 'x' });
    const outer = new tn.Model({ inputs: inp, outputs: new tn.layers.Dense(1, { name: 'out' }).apply(inner.apply(inp) as tn.SymbolicTensor) as tn.SymbolicTensor });
    const collapsed = drawing(await tn.utils.plotModel(outer, join(root, 'nested.svg'), { renderer: 'builtin', showLayerNames: true }));
    expect([...collapsed.boxes.keys()]).toEqual(['x', 'block', 'out']);
    expect(collapsed.boxes.get('block')!.texts).toEqual(['block (Sequential)']);
    const expanded = drawing(await tn.utils.plotModel(outer, join(root, 'nested-expanded.svg'), { renderer: 'builtin', expandNested: true }));
    expect([...expanded.boxes.keys()]).toEqual(['x', 'block/inner_a', 'block/inner_b', 'out']);
    expect(expanded.edges.map((e) => [e.from, e.to])).toEqual([['x', 'block/inner_a'], ['block/inner_a', 'block/inner_b'], ['block/inner_b', 'out']]);
    const frame = findAll(expanded.doc, (e) => hasClass(e, 'cluster'))[0];
    expect(frame.attrs['data-model']).toBe('block');
    const r = frame.children.find((c) => c.name === 'rect')!.attrs;
    for (const name of ['block/inner_a', 'block/inner_b']) {
      const b = expanded.boxes.get(name)!;
      expect(b.x >= Number(r.x) && b.y >= Number(r.y) && b.x + b.w <= Number(r.x) + Number(r.width) && b.y + b.h <= Number(r.y) + Number(r.height)).toBe(true);
    }
  });

  it('draws a subclassed model as one box, as Keras does (its wiring is code)', async () => {
    class TwoLayers extends tn.Model {
      readonly first = new tn.layers.Dense(4);
      readonly second = new tn.layers.Dense(1);
      override call(x: tn.Tensor | tn.Tensor[]) {
        return this.second.apply(this.first.apply(x)) as tn.Tensor;
      }
    }
    const m = new TwoLayers({ name: 'two' });
    const { boxes, edges } = drawing(await tn.utils.plotModel(m, join(root, 'subclassed.svg'), { renderer: 'builtin', showLayerNames: true }));
    expect([...boxes.entries()].map(([id, b]) => [id, b.texts])).toEqual([['two', ['two (TwoLayers)']]]);
    expect(edges).toEqual([]);
  });

  it('renders to PNG with sharp at the dpi asked, the boxes filled where the SVG puts them', async () => {
    const file = join(root, 'branchy.png');
    const svg = await tn.utils.plotModel(branchy(), file, { showShapes: true, showLayerNames: true, dpi: 144, renderer: 'builtin' });
    const { boxes, doc } = drawing(svg);
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    const scale = 144 / 72;
    expect(info.width).toBe(Math.round(Number(doc.attrs.width) * scale));
    expect(info.height).toBe(Math.round(Number(doc.attrs.height) * scale));
    const pixel = (x: number, y: number) => {
      const i = (Math.round(y * scale) * info.width + Math.round(x * scale)) * info.channels;
      return [data[i], data[i + 1], data[i + 2]];
    };
    const count = (y: number, x0: number, x1: number, test: (p: number[]) => boolean) => {
      let n = 0;
      for (let x = x0; x < x1; x += 0.5) if (test(pixel(x, y))) n++;
      return n;
    };
    for (const b of boxes.values()) {
      // Keras's table: a black header band with the name in white, the shapes in black on white below, a dark
      // border; just outside the box, the white page.
      expect(pixel(b.x + 3, b.y + 4)).toEqual([0, 0, 0]);
      expect(count(b.y + 15, b.x + 10, b.x + b.w - 10, (p) => Math.min(...p) > 200)).toBeGreaterThan(5);
      expect(pixel(b.x + 3, b.y + b.h - 4)).toEqual([255, 255, 255]);
      expect(count(b.y + 30 + 7 + 12 - 4, b.x + 10, b.x + b.w - 10, (p) => Math.max(...p) < 100)).toBeGreaterThan(5);
      expect(Math.max(...pixel(b.x, b.y + b.h - 8))).toBeLessThan(160);
      expect(pixel(b.x - 6, b.y + b.h / 2)).toEqual([255, 255, 255]);
    }
  });
});

describe('plotModel (Graphviz)', () => {
  it('writes the DOT source for .dot, with a node per layer and an edge per connection', async () => {
    const dot = await tn.utils.plotModel(branchy(), join(root, 'branchy.dot'), { showShapes: true });
    expect(readFileSync(join(root, 'branchy.dot'), 'utf8')).toBe(dot);
    expect(dot).toMatch(/^digraph G \{\n  rankdir=TB;\n  concentrate=true;\n  dpi=200;\n  splines=ortho;/);
    // Keras 3's table label; plot_model shows no names by default.
    expect(dot).toContain(
      '"with_skip" [label=<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="2" bgcolor="black"><font point-size="16" color="white"><b>Concatenate</b></font></td></tr>' +
        '<tr><td bgcolor="white"><font point-size="14">Input shape: <b>[(None, 7), (None, 6)]</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 13)</b></font></td></tr></table>>];',
    );
    expect(tn.utils.modelToDot(branchy())).toContain('<b>with_skip</b> (Concatenate)');
    expect(dot.match(/->/g)!.length).toBe(8);
    expect(dot).toContain('"features" -> "with_skip";');
  });

  it("takes Keras's keywords as one object: plotModel(model, { toFile, showShapes })", async () => {
    const file = join(root, 'keywords.dot');
    const dot = await tn.utils.plotModel(branchy(), { toFile: file, showShapes: true });
    expect(readFileSync(file, 'utf8')).toBe(dot);
    expect(dot).toBe(await tn.utils.plotModel(branchy(), join(root, 'positional.dot'), { showShapes: true }));
    expect(dot).toContain('Output shape: <b>(None, 13)</b>');
    await expect(tn.utils.plotModel(branchy(), 7 as unknown as string)).rejects.toThrow(/plotModel: toFile must be a file name ending in \.png, \.svg or \.dot, received 7/);
  });

  it('runs `dot` from the PATH when it is there, giving it the DOT source and the dpi', async () => {
    const bin = mkdtempSync(join(root, 'bin-'));
    const log = join(bin, 'args.txt');
    // A stand-in for Graphviz: records its arguments and input, writes a file where -o says.
    writeFileSync(join(bin, 'dot'), `#!/bin/sh\necho "$@" > ${log}\ncat > ${log}.in\nfor last; do :; done\necho '<svg xmlns="http://www.w3.org/2000/svg"/>' > "$last"\n`);
    chmodSync(join(bin, 'dot'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${path}`;
    try {
      const out = join(root, 'via-dot.svg');
      const m = branchy();
      const svg = await tn.utils.plotModel(m, out, { dpi: 150 });
      expect(svg).toBe('<svg xmlns="http://www.w3.org/2000/svg"/>\n');
      expect(readFileSync(log, 'utf8').trim()).toBe(`-Tsvg -Gdpi=150 -o ${out}`);
      expect(readFileSync(`${log}.in`, 'utf8')).toBe(tn.utils.modelToDot(m, { dpi: 150, showLayerNames: false }));
    } finally {
      process.env.PATH = path;
    }
  });

  it('names the problem for a bad file name or option, or a missing or failing dot', async () => {
    const m = branchy();
    const path = process.env.PATH;
    const bin = mkdtempSync(join(root, 'failing-'));
    writeFileSync(join(bin, 'dot'), '#!/bin/sh\necho "Error: syntax error in line 3" >&2\nexit 1\n');
    chmodSync(join(bin, 'dot'), 0o755);
    try {
      process.env.PATH = join(root, 'nowhere');
      await expect(tn.utils.plotModel(m, join(root, 'x.svg'), { renderer: 'graphviz' })).rejects.toThrow(/renderer 'graphviz' needs Graphviz's `dot` program on the PATH/);
      // Without dot and without a renderer asked for, the built-in drawing.
      expect(await tn.utils.plotModel(m, join(root, 'x.svg'))).toContain('class="node"');
      process.env.PATH = bin;
      await expect(tn.utils.plotModel(m, join(root, 'x.svg'))).rejects.toThrow(/Graphviz's dot failed \(exit status 1\): Error: syntax error in line 3/);
    } finally {
      process.env.PATH = path;
    }
    await expect(tn.utils.plotModel(m, join(root, 'x.jpg'))).rejects.toThrow(/plotModel: cannot write ".*x\.jpg"; the file name must end in \.png, \.svg or \.dot/);
    await expect(tn.utils.plotModel(m, join(root, 'x.svg'), { rankdir: 'BT' as 'TB' })).rejects.toThrow(/rankdir must be 'TB' or 'LR', received "BT"/);
    await expect(tn.utils.plotModel({} as tn.Model, join(root, 'x.svg'))).rejects.toThrow(/expected a model/);
  });
});
