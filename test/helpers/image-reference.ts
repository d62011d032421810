// Float64 references for the image preprocessing ops and layers, written as direct loops over output pixels (the op
// in lib/ops/image.ts builds a sampling plan instead).
//
// projectiveReference follows TensorFlow's ImageProjectiveTransformV3 as documented in tensorflow/core/kernels/
// image/image_ops.h: output pixel (x = column, y = row) reads the input at ((a0 x + a1 y + a2) / k,
// (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1; each coordinate is mapped into range by the fill mode; then nearest
// (round half away from zero) or bilinear sampling, every read outside the image giving fillValue.

export type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';

const clamp = (c: number, len: number) => Math.min(Math.max(c, 0), len - 1);

/** TensorFlow's coordinate maps, one axis of length len. */
export function mapCoordinate(c: number, len: number, mode: FillMode): number {
  if (mode === 'constant') return c;
  if (mode === 'nearest') return clamp(c, len);
  if (len <= 1) return 0;
  if (mode === 'reflect') {
    // [abcd] -> [dcba|abcd|dcba]: reflections about -0.5 and len - 0.5, period 2 len.
    const period = 2 * len;
    if (c < 0) {
      const shifted = c + period * Math.trunc(-c / period);
      return clamp(shifted < -len ? shifted + period : -shifted - 1, len);
    }
    if (c > len - 1) {
      const r = c - period * Math.trunc(c / period);
      return clamp(r >= len ? period - r - 1 : r, len);
    }
    return c;
  }
  // wrap, with TensorFlow's count of whole periods taken against len - 1.
  if (c < 0) return clamp(c + len * (Math.trunc(-c / (len - 1)) + 1), len);
  if (c > len - 1) return clamp(c - len * Math.trunc(c / (len - 1)), len);
  return c;
}

/** x [n, h, w, c] (row-major) under one transform per image (or one for all) -> [n, oh, ow, c] as numbers. */
export function projectiveReference(
  x: ArrayLike<number>,
  shape: number[],
  transforms: number[][],
  interpolation: 'bilinear' | 'nearest',
  fillMode: FillMode,
  fillValue = 0,
  outputShape?: [number, number],
): number[] {
  const [n, h, w, ch] = shape;
  const [oh, ow] = outputShape ?? [h, w];
  const read = (b: number, r: number, col: number, k: number) => (r >= 0 && r < h && col >= 0 && col < w ? x[((b * h + r) * w + col) * ch + k] : fillValue);
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    const [a0, a1, a2, b0, b1, b2, c0, c1] = transforms.length === 1 ? transforms[0] : transforms[b];
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const k = c0 * xo + c1 * y + 1;
        for (let c = 0; c < ch; c++) {
          if (k === 0) {
            out.push(fillValue);
            continue;
          }
          const sx = mapCoordinate((a0 * xo + a1 * y + a2) / k, w, fillMode);
          const sy = mapCoordinate((b0 * xo + b1 * y + b2) / k, h, fillMode);
          if (interpolation === 'nearest') {
            const round = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
            out.push(read(b, round(sy), round(sx), c));
          } else {
            const fy = Math.floor(sy);
            const fx = Math.floor(sx);
            const top = (fx + 1 - sx) * read(b, fy, fx, c) + (sx - fx) * read(b, fy, fx + 1, c);
            const bottom = (fx + 1 - sx) * read(b, fy + 1, fx, c) + (sx - fx) * read(b, fy + 1, fx + 1, c);
            out.push((fy + 1 - sy) * top + (sy - fy) * bottom);
          }
        }
      }
    }
  }
  return out;
}

/** Nearest-neighbour resizing with half-pixel centers: output i reads input min(floor((i + 0.5) n / m), n - 1). */
export function resizeNearestReference(x: ArrayLike<number>, shape: number[], oh: number, ow: number): number[] {
  const [n, h, w, c] = shape;
  const src = (i: number, inSize: number, outSize: number) => Math.min(Math.floor(((i + 0.5) * inSize) / outSize), inSize - 1);
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) out.push(x[((b * h + src(i, h, oh)) * w + src(j, w, ow)) * c + k]);
  return out;
}

/** The window [top, top + height) x [left, left + width) of every image of x [n, h, w, c]. */
export function cropReference(x: ArrayLike<number>, shape: number[], top: number, left: number, height: number, width: number): number[] {
  const [n, h, w, c] = shape;
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < height; i++)
      for (let j = 0; j < width; j++)
        for (let k = 0; k < c; k++) out.push(x[((b * h + top + i) * w + left + j) * c + k]);
  return out;
}

/** Image b of x [n, h, w, c] flipped left-right and/or top-bottom. */
export function flipReference(x: ArrayLike<number>, shape: number[], b: number, horizontal: boolean, vertical: boolean): number[] {
  const [, h, w, c] = shape;
  const out: number[] = [];
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      for (let k = 0; k < c; k++) out.push(x[((b * h + (vertical ? h - 1 - i : i)) * w + (horizontal ? w - 1 - j : j)) * c + k]);
  return out;
}

/** Mean and biased variance per last-axis feature of rows (all leading axes reduced), in float64. */
export function featureMoments(x: ArrayLike<number>, features: number): { mean: number[]; variance: number[] } {
  const rows = x.length / features;
  const mean = Array.from({ length: features }, (_, f) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * features + f];
    return s / rows;
  });
  const variance = mean.map((m, f) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += (x[r * features + f] - m) ** 2;
    return s / rows;
  });
  return { mean, variance };
}
