// What the drawings share: XML escaping, a text width estimate, axis ticks, and writing an SVG as .svg or .png.
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The drawings use a monospace font, whose advance is 0.6 em (DejaVu Sans Mono, Menlo, Consolas), so text widths are known. */
export const FONT = "'DejaVu Sans Mono', Menlo, Consolas, monospace";
export const textWidth = (s: string, size: number) => s.length * size * 0.6;

/** A number as a coordinate: two decimals, no trailing zeros. */
export const num = (v: number) => String(Math.round(v * 100) / 100);

/**
 * About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi], and the domain they span.
 */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): { ticks: number[]; lo: number; hi: number; decimals: number } {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; first + k * step <= last + step * 1e-9; k++) ticks.push(first + k * step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { ticks: ticks.map((t) => Number(t.toFixed(decimals))), lo: first, hi: last, decimals };
}

/**
 * Writes `svg` to `path` as SVG, or as PNG through sharp (librsvg) at `dpi`: one SVG unit is a point (1/72 inch), as
 * in Graphviz's output, so the PNG is dpi / 72 times the SVG's size in pixels.
 */
export async function writeSvg(svg: string, path: string, dpi: number, what: string): Promise<void> {
  const ext = extname(path).toLowerCase();
  if (ext === '.svg') {
    writeFileSync(path, svg);
    return;
  }
  if (ext !== '.png') throw new Error(`${what}: cannot write "${path}"; the file name must end in .svg or .png`);
  const { default: sharp } = await import('sharp');
  await sharp(Buffer.from(svg), { density: dpi }).flatten({ background: '#ffffff' }).png().toFile(path);
}
