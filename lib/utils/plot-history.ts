// Training curves from fit()'s History: one panel per metric, training and validation, as an SVG or PNG.
import type { History } from '../callbacks/callback.js';
import { escapeXml, FONT, niceTicks, num, textWidth, writeSvg } from './svg.js';

export interface PlotHistoryArgs {
  /** The metrics to draw, one panel each ('loss', 'accuracy', ...); by default every training log, loss first. */
  metrics?: string[];
  /** A title above the panels. */
  title?: string;
  /** Panels per row (default: up to 3). */
  columns?: number;
  /** Resolution of a PNG (default 144, twice the SVG's size). */
  dpi?: number;
}

const COLORS = { training: '#1f77b4', validation: '#ff7f0e' };
const PANEL = { width: 380, height: 270, left: 62, right: 16, top: 34, bottom: 46 };

/**
 * Draws the loss and metric curves of `history` (what fit() returns, or its `.history` object) into `path` ('.svg'
 * or '.png'): one panel per metric with the training values as a solid line and the 'val_' values as a dashed one,
 * against the epoch (1 for the first, as the progress bar counts), with ticked axes and a legend. Returns the SVG.
 */
export async function plotHistory(history: History | Record<string, number[]>, path: string, args: PlotHistoryArgs = {}): Promise<string> {
  const svg = historySvg(history, args);
  await writeSvg(svg, path, args.dpi ?? 144, 'plotHistory');
  return svg;
}

/** The SVG plotHistory writes. */
function historySvg(history: History | Record<string, number[]>, args: PlotHistoryArgs = {}): string {
  const logs = isHistory(history) ? history.history : history;
  if (!logs || typeof logs !== 'object') throw new Error(`plotHistory: expected a History (what fit() returns) or its .history object, received ${String(history)}`);
  for (const [k, v] of Object.entries(logs)) {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new Error(`plotHistory: history["${k}"] must be an array of numbers`);
  }
  const available = Object.keys(logs).filter((k) => !k.startsWith('val_') || !(k.slice(4) in logs));
  const metrics = args.metrics ?? [...available.filter((k) => k === 'loss'), ...available.filter((k) => k !== 'loss')];
  if (!metrics.length) throw new Error('plotHistory: the history has no logs to draw (was fit() run?)');
  for (const m of metrics) {
    if (!(m in logs) && !(`val_${m}` in logs)) {
      throw new Error(`plotHistory: no metric "${m}" in the history; it has ${Object.keys(logs).map((k) => JSON.stringify(k)).join(', ')}`);
    }
  }
  const epochs = isHistory(history) && history.epoch.length ? history.epoch.map((e) => e + 1) : null;
  const columns = args.columns ?? Math.min(3, metrics.length);
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`plotHistory: columns must be a positive integer, received ${String(args.columns)}`);
  const rows = Math.ceil(metrics.length / columns);
  const titleHeight = args.title ? 30 : 0;
  const width = columns * PANEL.width;
  const height = titleHeight + rows * PANEL.height;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (args.title) parts.push(`<text class="title" x="${num(width / 2)}" y="21" font-size="15" text-anchor="middle" font-weight="bold">${escapeXml(args.title)}</text>`);
  metrics.forEach((metric, i) => {
    const x0 = (i % columns) * PANEL.width;
    const y0 = titleHeight + Math.floor(i / columns) * PANEL.height;
    parts.push(panel(metric, logs[metric], logs[`val_${metric}`], epochs, x0, y0));
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function isHistory(h: unknown): h is History {
  return !!h && typeof h === 'object' && 'history' in h && 'epoch' in h;
}

function panel(metric: string, train: number[] | undefined, val: number[] | undefined, epochs: number[] | null, x0: number, y0: number): string {
  const series = [
    { name: 'training' as const, values: train },
    { name: 'validation' as const, values: val },
  ].filter((s): s is { name: 'training' | 'validation'; values: number[] } => !!s.values && s.values.length > 0);
  const n = Math.max(...series.map((s) => s.values.length));
  const xs = Array.from({ length: n }, (_, k) => epochs?.[k] ?? k + 1);
  const finite = series.flatMap((s) => s.values).filter(Number.isFinite);
  const yTicks = niceTicks(finite.length ? Math.min(...finite) : 0, finite.length ? Math.max(...finite) : 1);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs), 6, true);
  const left = x0 + PANEL.left;
  const right = x0 + PANEL.width - PANEL.right;
  const top = y0 + PANEL.top;
  const bottom = y0 + PANEL.height - PANEL.bottom;
  const px = (x: number) => left + ((x - xTicks.lo) / (xTicks.hi - xTicks.lo)) * (right - left);
  const py = (y: number) => bottom - ((y - yTicks.lo) / (yTicks.hi - yTicks.lo)) * (bottom - top);
  const out: string[] = [`<g class="panel" data-metric="${escapeXml(metric)}">`];
  out.push(`<text class="panel-title" x="${num((left + right) / 2)}" y="${num(y0 + 20)}" font-size="13" text-anchor="middle" font-weight="bold">${escapeXml(metric)}</text>`);
  for (const t of yTicks.ticks) {
    const y = py(t);
    out.push(`<line class="grid" x1="${num(left)}" y1="${num(y)}" x2="${num(right)}" y2="${num(y)}" stroke="#e6e6e6" stroke-width="1"/>`);
    out.push(`<g class="tick y"><line x1="${num(left - 5)}" y1="${num(y)}" x2="${num(left)}" y2="${num(y)}" stroke="#333333"/><text x="${num(left - 8)}" y="${num(y + 4)}" font-size="11" text-anchor="end" data-value="${t}">${t.toFixed(yTicks.decimals)}</text></g>`);
  }
  for (const t of xTicks.ticks) {
    const x = px(t);
    out.push(`<g class="tick x"><line x1="${num(x)}" y1="${num(bottom)}" x2="${num(x)}" y2="${num(bottom + 5)}" stroke="#333333"/><text x="${num(x)}" y="${num(bottom + 18)}" font-size="11" text-anchor="middle" data-value="${t}">${t}</text></g>`);
  }
  out.push(`<rect class="frame" x="${num(left)}" y="${num(top)}" width="${num(right - left)}" height="${num(bottom - top)}" fill="none" stroke="#333333" stroke-width="1"/>`);
  out.push(`<text class="axis-label x" x="${num((left + right) / 2)}" y="${num(bottom + 36)}" font-size="12" text-anchor="middle">epoch</text>`);
  out.push(`<text class="axis-label y" transform="translate(${num(x0 + 14)},${num((top + bottom) / 2)}) rotate(-90)" font-size="12" text-anchor="middle">${escapeXml(metric)}</text>`);
  for (const s of series) {
    // A non-finite value (a diverged loss) breaks the line rather than drawing off the chart.
    let d = '';
    let pen = false;
    const dots: string[] = [];
    s.values.forEach((v, k) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${num(px(xs[k]))},${num(py(v))} `;
      pen = true;
      if (n <= 40) dots.push(`<circle cx="${num(px(xs[k]))}" cy="${num(py(v))}" r="2.5" fill="${COLORS[s.name]}"/>`);
    });
    const dash = s.name === 'validation' ? ' stroke-dasharray="6,4"' : '';
    out.push(`<path class="curve ${s.name}" d="${d.trim()}" fill="none" stroke="${COLORS[s.name]}" stroke-width="2"${dash}/>`);
    out.push(...dots);
  }
  // The legend goes in the corner of the plot area that the curves cross least.
  const legendWidth = 24 + textWidth('validation', 11) + 16;
  const legendHeight = 8 + 16 * series.length;
  // Points along each line's segments too, so a line through a corner counts as well as a dot in it.
  const points = series.flatMap((s) => {
    const pts = s.values.flatMap((v, k) => (Number.isFinite(v) ? [[px(xs[k]), py(v)]] : []));
    return pts.flatMap((p, k) => (k + 1 < pts.length ? [0, 0.25, 0.5, 0.75].map((f) => [p[0] + f * (pts[k + 1][0] - p[0]), p[1] + f * (pts[k + 1][1] - p[1])]) : [p]));
  });
  const corners = [
    [right - legendWidth - 6, top + 6],
    [right - legendWidth - 6, bottom - legendHeight - 6],
    [left + 6, top + 6],
    [left + 6, bottom - legendHeight - 6],
  ];
  const crossings = (c: number[]) => points.filter(([x, y]) => x >= c[0] - 4 && x <= c[0] + legendWidth + 4 && y >= c[1] - 4 && y <= c[1] + legendHeight + 4).length;
  const [lx, ly] = corners.reduce((best, c) => (crossings(c) < crossings(best) ? c : best));
  out.push(`<g class="legend"><rect x="${num(lx)}" y="${num(ly)}" width="${num(legendWidth)}" height="${num(legendHeight)}" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb"/>`);
  series.forEach((s, k) => {
    const y = ly + 12 + 16 * k;
    const dash = s.name === 'validation' ? ' stroke-dasharray="6,4"' : '';
    out.push(`<line x1="${num(lx + 6)}" y1="${num(y)}" x2="${num(lx + 26)}" y2="${num(y)}" stroke="${COLORS[s.name]}" stroke-width="2"${dash}/><text x="${num(lx + 32)}" y="${num(y + 4)}" font-size="11">${s.name}</text>`);
  });
  out.push('</g>', '</g>');
  return out.join('\n');
}
