// Reading the PyTorch-computed reference values in test/fixtures and comparing float32 results with them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import * as tn from '../../lib/index.js';

export interface Spec {
  shape: number[];
  data: number[];
}

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8')) as T;
}

export function fromSpec(s: Spec, dtype: tn.DType = 'float32'): tn.Tensor {
  return tn.tensor(Float32Array.from(s.data), s.shape, dtype);
}

/** Elementwise |a - e| <= atol + rtol * |e|, reporting the worst element on failure. */
export function expectClose(actual: tn.Tensor | ArrayLike<number>, expected: Spec | ArrayLike<number>, what: string, rtol = 1e-4, atol = 1e-5): void {
  const a = actual instanceof tn.Tensor ? actual.data() : actual;
  const e = 'data' in (expected as Spec) ? (expected as Spec).data : (expected as ArrayLike<number>);
  if (actual instanceof tn.Tensor && 'shape' in (expected as Spec)) expect(actual.shape, `${what}: shape`).toEqual((expected as Spec).shape);
  expect(a.length, `${what}: length`).toBe(e.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}
