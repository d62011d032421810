// plotHistory: the SVG is well-formed XML whose curves, mapped back through the axes (found from the tick marks and
// their labels, not from the library's scales), give the History's numbers; sharp (librsvg) renders it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { findAll, hasClass, parseXml, pathPoints, type XmlElement } from '../helpers/xml.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-plot-history-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

async function trainedHistory(): Promise<tn.History> {
  const x = tn.randomNormal([48, 3], 0, 1, 'float32', 3);
  const y = tn.tensor(Array.from({ length: 48 }, (_, i) => (x.dataSync()[i * 3] > 0 ? 1 : 0)), [48], 'int32');
  const m = new tn.Sequential([new tn.layers.Dense(8, { inputShape: [3], activation: 'relu' }), new tn.layers.Dense(2, { activation: 'softmax' })]);
  m.compile({ optimizer: tn.optimizers.adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m.fit(x, y, { epochs: 7, batchSize: 8, verbose: 0, validationSplit: 0.25 });
}

/** The linear map from pixels to values of one axis, from two of its tick marks and their printed labels. */
function axis(panel: XmlElement, which: 'x' | 'y'): (px: number) => number {
  const ticks = findAll(panel, (e) => e.name === 'g' && hasClass(e, 'tick') && hasClass(e, which)).map((g) => {
    const line = g.children.find((c) => c.name === 'line')!;
    const text = g.children.find((c) => c.name === 'text')!;
    return { px: Number(which === 'x' ? line.attrs.x1 : line.attrs.y1), value: Number(text.text) };
  });
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  const [a, b] = [ticks[0], ticks[ticks.length - 1]];
  // The ticks in between sit on the same line (a linear axis), to the 0.01 px the coordinates are written with.
  for (const t of ticks) expect(Math.abs(a.value + ((t.px - a.px) / (b.px - a.px)) * (b.value - a.value) - t.value)).toBeLessThan(Math.abs(b.value - a.value) * 1e-4);
  return (px) => a.value + ((px - a.px) / (b.px - a.px)) * (b.value - a.value);
}

function curves(svg: string): Map<string, { training?: [number, number][]; validation?: [number, number][]; panel: XmlElement }> {
  const doc = parseXml(svg);
  expect(doc.name).toBe('svg');
  const out = new Map<string, { training?: [number, number][]; validation?: [number, number][]; panel: XmlElement }>();
  for (const panel of findAll(doc, (e) => e.name === 'g' && hasClass(e, 'panel'))) {
    const toX = axis(panel, 'x');
    const toY = axis(panel, 'y');
    const entry: { training?: [number, number][]; validation?: [number, number][]; panel: XmlElement } = { panel };
    for (const path of findAll(panel, (e) => e.name === 'path' && hasClass(e, 'curve'))) {
      const { points } = pathPoints(path.attrs.d);
      entry[hasClass(path, 'training') ? 'training' : 'validation'] = points.map(([px, py]) => [toX(px), toY(py)]);
    }
    out.set(panel.attrs['data-metric'], entry);
  }
  return out;
}

describe('plotHistory', () => {
  it('draws each metric in its own panel, training and validation where the numbers say', async () => {
    const history = await trainedHistory();
    const file = join(root, 'curves.svg');
    const svg = await tn.utils.plotHistory(history, file, { title: 'A small run' });
    expect(readFileSync(file, 'utf8')).toBe(svg);
    const panels = curves(svg);
    expect([...panels.keys()]).toEqual(['loss', 'accuracy']);
    for (const metric of ['loss', 'accuracy']) {
      const { training, validation, panel } = panels.get(metric)!;
      for (const [series, values] of [[training!, history.history[metric]], [validation!, history.history[`val_${metric}`]]] as const) {
        expect(series.length).toBe(7);
        series.forEach(([epoch, value], k) => {
          expect(epoch).toBeCloseTo(k + 1, 2);
          // Coordinates are written to 0.01 px over a plot ~190 px tall.
          expect(Math.abs(value - values[k])).toBeLessThan(1e-3 * (Math.max(...values, 1e-9) - Math.min(...values) + 1e-3) + 1e-4);
        });
      }
      const texts = findAll(panel, (e) => e.name === 'text').map((t) => t.text);
      expect(texts).toContain('epoch');
      expect(texts).toContain('training');
      expect(texts).toContain('validation');
    }
    expect(findAll(parseXml(svg), (e) => e.name === 'text' && hasClass(e, 'title'))[0].text).toBe('A small run');
  });

  it('renders to PNG with sharp, the curves in their colours where the SVG puts them', async () => {
    const history = { loss: [1.0, 0.5, 0.25, 0.2], val_loss: [1.1, 0.7, 0.6, 0.65] };
    const file = join(root, 'curves.png');
    const svg = await tn.utils.plotHistory(history, file, { dpi: 144 });
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    const doc = parseXml(svg);
    const scale = 144 / 72;
    expect(info.width).toBe(Math.round(Number(doc.attrs.width) * scale));
    const pixel = (x: number, y: number) => {
      const i = (Math.round(y * scale) * info.width + Math.round(x * scale)) * info.channels;
      return [data[i], data[i + 1], data[i + 2]];
    };
    // Near a colour: anti-aliasing blends the line's edge, so look at the pixels around the point.
    const near = (x: number, y: number, rgb: number[]) => {
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const p = pixel(x + dx / scale, y + dy / scale);
        if (p.every((c, k) => Math.abs(c - rgb[k]) < 40)) return true;
      }
      return false;
    };
    const panel = findAll(doc, (e) => hasClass(e, 'panel'))[0];
    const training = pathPoints(findAll(panel, (e) => hasClass(e, 'training'))[0].attrs.d).points;
    const validation = pathPoints(findAll(panel, (e) => hasClass(e, 'validation'))[0].attrs.d).points;
    // Midway along a segment (between the dots) the line has its colour; the dashed one is drawn or a gap, so check its dots.
    for (let k = 0; k + 1 < training.length; k++) {
      expect(near((training[k][0] + training[k + 1][0]) / 2, (training[k][1] + training[k + 1][1]) / 2, [0x1f, 0x77, 0xb4])).toBe(true);
    }
    for (const [x, y] of validation) expect(near(x, y, [0xff, 0x7f, 0x0e])).toBe(true);
    // Away from the curves, inside the frame, the background is white (or a light grid line).
    const frame = findAll(panel, (e) => hasClass(e, 'frame'))[0].attrs;
    const bottomLeft = pixel(Number(frame.x) + 30, Number(frame.y) + Number(frame.height) - 3);
    expect(Math.min(...bottomLeft)).toBeGreaterThan(200);
  });

  it('breaks a curve at a non-finite value, draws the chosen metrics only, and names an unknown one', async () => {
    const history = { loss: [1, Number.NaN, 0.5, 0.4], accuracy: [0.5, 0.6, 0.7, 0.8] };
    const svg = await tn.utils.plotHistory(history, join(root, 'nan.svg'), { metrics: ['loss'] });
    const panels = curves(svg);
    expect([...panels.keys()]).toEqual(['loss']);
    const d = findAll(panels.get('loss')!.panel, (e) => hasClass(e, 'training'))[0].attrs.d;
    expect(pathPoints(d).commands).toEqual(['M', 'M', 'L']);
    expect(panels.get('loss')!.validation).toBeUndefined();
    await expect(tn.utils.plotHistory(history, join(root, 'x.svg'), { metrics: ['auc'] })).rejects.toThrow(/no metric "auc" in the history; it has "loss", "accuracy"/);
    await expect(tn.utils.plotHistory(history, join(root, 'x.jpg'))).rejects.toThrow(/must end in \.svg or \.png/);
  });
});
