// Float64 references for the depthwise convolution, written from the definition (every output channel
// c * depthMultiplier + q reads input channel c through kernel [i, j, c, q]), independent of the native kernels:
// forward, and the gradients of sum(y * dy) with respect to the input, the kernel and the bias.
import { depthwiseConv2dGeometry } from '../../lib/ops/conv.js';
import type { Padding } from '../../lib/ops/window.js';

export interface DepthwiseGeometry {
  n: number; h: number; w: number; c: number; kh: number; kw: number; m: number; oh: number; ow: number;
  sh: number; sw: number; dh: number; dw: number; pt: number; pl: number;
}

/** The geometry as the op computes it ('same' per TensorFlow, the odd pad at the end). */
export function depthwiseGeometryOf(
  x: readonly number[], k: readonly number[], strides: [number, number], padding: Padding, dilations: [number, number],
): DepthwiseGeometry {
  const [n, h, w, c, kh, kw, m, oh, ow, sh, sw, dh, dw, pt, pl] = depthwiseConv2dGeometry(x, k, strides, padding, dilations, 'reference').native;
  return { n, h, w, c, kh, kw, m, oh, ow, sh, sw, dh, dw, pt, pl };
}

/** Calls f(xIndex, yIndex, kIndex) for every product the convolution forms (taps inside the input only). */
function forEachProduct(g: DepthwiseGeometry, f: (xi: number, yi: number, ki: number) => void): void {
  const oc = g.c * g.m;
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let i = 0; i < g.kh; i++) {
          const h = oh * g.sh - g.pt + i * g.dh;
          if (h < 0 || h >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const w = ow * g.sw - g.pl + j * g.dw;
            if (w < 0 || w >= g.w) continue;
            for (let c = 0; c < g.c; c++)
              for (let q = 0; q < g.m; q++) {
                const o = c * g.m + q;
                f(((n * g.h + h) * g.w + w) * g.c + c, ((n * g.oh + oh) * g.ow + ow) * oc + o, (i * g.kw + j) * oc + o);
              }
          }
        }
}

/** y = depthwise(x, k) + bias (no activation), and the sum of the terms' magnitudes for the tolerance. */
export function depthwiseForwardRef(g: DepthwiseGeometry, x: ArrayLike<number>, k: ArrayLike<number>, bias: ArrayLike<number> | null) {
  const oc = g.c * g.m;
  const y = new Float64Array(g.n * g.oh * g.ow * oc);
  const mag = new Float64Array(y.length);
  if (bias) {
    for (let p = 0; p < y.length; p++) {
      y[p] = bias[p % oc];
      mag[p] = Math.abs(bias[p % oc]);
    }
  }
  forEachProduct(g, (xi, yi, ki) => {
    const v = x[xi] * k[ki];
    y[yi] += v;
    mag[yi] += Math.abs(v);
  });
  return { y, mag };
}

/** Gradients of sum(y * dz) (dz: the upstream gradient with any activation's derivative already applied). */
export function depthwiseBackwardRef(g: DepthwiseGeometry, x: ArrayLike<number>, k: ArrayLike<number>, dz: ArrayLike<number>) {
  const oc = g.c * g.m;
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  const dxMag = new Float64Array(dx.length);
  const dk = new Float64Array(g.kh * g.kw * oc);
  const dkMag = new Float64Array(dk.length);
  const db = new Float64Array(oc);
  const dbMag = new Float64Array(oc);
  for (let p = 0; p < dz.length; p++) {
    db[p % oc] += dz[p];
    dbMag[p % oc] += Math.abs(dz[p]);
  }
  forEachProduct(g, (xi, yi, ki) => {
    dx[xi] += dz[yi] * k[ki];
    dxMag[xi] += Math.abs(dz[yi] * k[ki]);
    dk[ki] += dz[yi] * x[xi];
    dkMag[ki] += Math.abs(dz[yi] * x[xi]);
  });
  return { dx, dxMag, dk, dkMag, db, dbMag };
}
