// Float64 references for GroupNormalization and UnitNormalization, by direct loops over samples and groups (not the
// reshape-and-reduce the layers use).

/** The row-major index of a multi-index. */
function offset(index: number[], shape: number[]): number {
  return index.reduce((o, v, d) => o * shape[d] + v, 0);
}

/** Every multi-index of `shape`, in row-major order. */
function* indices(shape: number[]): Generator<number[]> {
  const n = shape.reduce((p, d) => p * d, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    yield idx.slice();
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/**
 * y = (x - mean_g) / sqrt(var_g + epsilon) * gamma[c] + beta[c], where for sample b the group g of channel c
 * (c along `axis`) is floor(c / (channels / groups)), and mean_g, var_g (biased) run over that sample's elements
 * whose channel is in group g.
 */
export function groupNormReference(x: ArrayLike<number>, shape: number[], axis: number, groups: number, epsilon: number, gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null): number[] {
  const channels = shape[axis];
  const perGroup = channels / groups;
  const y = new Array<number>(x.length);
  const sums = new Map<string, { n: number; s: number; ss: number }>();
  const key = (idx: number[]) => `${idx[0]}:${Math.floor(idx[axis] / perGroup)}`;
  for (const idx of indices(shape)) {
    const v = x[offset(idx, shape)];
    const e = sums.get(key(idx)) ?? { n: 0, s: 0, ss: 0 };
    e.n++;
    e.s += v;
    sums.set(key(idx), e);
  }
  for (const idx of indices(shape)) {
    const e = sums.get(key(idx))!;
    e.ss += (x[offset(idx, shape)] - e.s / e.n) ** 2;
  }
  for (const idx of indices(shape)) {
    const o = offset(idx, shape);
    const e = sums.get(key(idx))!;
    const c = idx[axis];
    y[o] = ((x[o] - e.s / e.n) / Math.sqrt(e.ss / e.n + epsilon)) * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
  }
  return y;
}

/** y = x / max(||x||, 1e-12), the L2 norm taken over `axes` for each index of the other axes. */
export function unitNormReference(x: ArrayLike<number>, shape: number[], axes: number[]): number[] {
  const key = (idx: number[]) => idx.map((v, d) => (axes.includes(d) ? 0 : v)).join(':');
  const norms = new Map<string, number>();
  for (const idx of indices(shape)) norms.set(key(idx), (norms.get(key(idx)) ?? 0) + x[offset(idx, shape)] ** 2);
  const y = new Array<number>(x.length);
  for (const idx of indices(shape)) {
    const o = offset(idx, shape);
    y[o] = x[o] / Math.max(Math.sqrt(norms.get(key(idx))!), 1e-12);
  }
  return y;
}
