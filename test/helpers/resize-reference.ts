// Float64 references for image resizing, written differently from lib/ops/resize.ts: every output pixel is a sum
// over all input pixels weighted by the triangle (tent) kernel at the clamped half-pixel source coordinate, which is
// what bilinear interpolation with half-pixel centers is (tf.image.resize(method='bilinear', antialias=False),
// PyTorch's interpolate(mode='bilinear', align_corners=False)).

/** The weight of each input index for output index i along an axis of input size n and output size m. */
export function tentWeights(n: number, m: number, i: number): number[] {
  const s = Math.min(Math.max((i + 0.5) * (n / m) - 0.5, 0), n - 1);
  return Array.from({ length: n }, (_, p) => Math.max(0, 1 - Math.abs(s - p)));
}

/** x [batch, h, w, c] (row-major values) resized to [batch, oh, ow, c] in float64. */
export function bilinearReference(x: ArrayLike<number>, shape: number[], oh: number, ow: number): number[] {
  const [n, h, w, c] = shape;
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const wy = tentWeights(h, oh, i);
      for (let j = 0; j < ow; j++) {
        const wx = tentWeights(w, ow, j);
        for (let k = 0; k < c; k++) {
          let acc = 0;
          for (let p = 0; p < h; p++) {
            if (wy[p] === 0) continue;
            for (let q = 0; q < w; q++) acc += wy[p] * wx[q] * x[((b * h + p) * w + q) * c + k];
          }
          out.push(acc);
        }
      }
    }
  }
  return out;
}

/** x [batch, h, w, c] with row p copied to rows p * sh .. p * sh + sh - 1 and likewise for columns. */
export function nearestReference(x: ArrayLike<number>, shape: number[], sh: number, sw: number): number[] {
  const [n, h, w, c] = shape;
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h * sh; i++)
      for (let j = 0; j < w * sw; j++)
        for (let k = 0; k < c; k++) out.push(x[((b * h + Math.floor(i / sh)) * w + Math.floor(j / sw)) * c + k]);
  return out;
}
