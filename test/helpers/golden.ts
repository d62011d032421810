// Reference values from test/fixtures (copies of shared/golden: float64 PyTorch results with Keras semantics) and
// the float32 comparison the README asks for.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import * as tn from '../../lib/index.js';

export interface GoldenTensor {
  shape: number[];
  data: number[];
}

export interface GoldenCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, GoldenTensor>;
  upstream: GoldenTensor;
  outputs: Record<string, GoldenTensor>;
  grads: Record<string, GoldenTensor>;
}

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function goldenCases(file: string): GoldenCase[] {
  const parsed = JSON.parse(readFileSync(join(fixtures, `${file}.json`), 'utf8')) as { cases: GoldenCase[] };
  if (!Array.isArray(parsed.cases) || parsed.cases.length === 0) throw new Error(`fixture ${file}.json has no cases`);
  return parsed.cases;
}

export function toTensor(g: GoldenTensor, dtype: tn.DType = 'float32'): tn.Tensor {
  return tn.tensor(Float32Array.from(g.data), g.shape, dtype);
}

/** A whole fixture file, for the files that are not lists of op cases (seed_model_step, optimizers, losses). */
export function fixture<T>(file: string): T {
  return JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as T;
}

/**
 * Asserts that `actual` matches the expected values elementwise within atol + rtol * |expected|, reporting the
 * worst element. NaN must meet NaN and infinities must match exactly.
 */
export function expectClose(
  actual: tn.Tensor | ArrayLike<number>,
  expected: { shape: readonly number[]; data: ArrayLike<number> } | ArrayLike<number>,
  rtol = 1e-4,
  atol = 1e-5,
  what = 'value',
): void {
  const spec = 'shape' in expected && 'data' in expected ? (expected as { shape: readonly number[]; data: ArrayLike<number> }) : null;
  if (actual instanceof tn.Tensor && spec) expect(actual.shape, `${what}: shape`).toEqual([...spec.shape]);
  const a = actual instanceof tn.Tensor ? actual.data() : actual;
  const data = spec ? spec.data : (expected as ArrayLike<number>);
  expected = { shape: [data.length], data };
  expect(a.length, `${what}: length`).toBe(expected.data.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i];
    const v = a[i];
    if (Number.isNaN(e) || Number.isNaN(v)) {
      if (Number.isNaN(e) !== Number.isNaN(v)) {
        worst = i;
        worstExcess = Infinity;
        break;
      }
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(v)) {
      if (e !== v) {
        worst = i;
        worstExcess = Infinity;
        break;
      }
      continue;
    }
    const excess = Math.abs(v - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${a[worst]}, expected ${expected.data[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}
