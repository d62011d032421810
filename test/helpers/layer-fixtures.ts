// Layer fixtures (test/fixtures/<file>.json, written by the .py beside them): a layer's output and the gradients of
// sum(output * upstream) for its input and every weight, in float64 PyTorch with Keras's weight layouts. One `it`
// per case builds the layer from `attrs`, sets its weights from the fixture's inputs and compares.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

interface Encoded { shape: number[]; data: number[] }
interface LayerCase {
  name: string;
  /** The class in tn.layers. */
  layer: string;
  attrs: Record<string, unknown>;
  /** x, and each weight under the last part of its name ('kernel', 'recurrent_kernel', ...). */
  inputs: Record<string, Encoded>;
  upstream: Encoded;
  output: Encoded;
  grads: Record<string, Encoded>;
}

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const t = (e: Encoded) => tn.tensor(Float32Array.from(e.data), e.shape);

/** Largest |actual - expected| relative to max(1, max |expected|) below `tol`. */
function expectClose(actual: tn.Tensor, expected: Encoded, what: string, tol = 2e-5): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const a = actual.data() as Float32Array;
  const scale = Math.max(1, ...expected.data.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - expected.data[i]) / scale);
  expect(worst, what).toBeLessThan(tol);
}

export function layerFixtureTests(file: string): void {
  const { cases } = JSON.parse(readFileSync(join(fixtures, `${file}.json`), 'utf8')) as { cases: LayerCase[] };
  if (!Array.isArray(cases) || cases.length === 0) throw new Error(`fixture ${file}.json has no cases`);
  for (const c of cases) {
    it(`${c.name}: output, and gradients of the input and every weight`, () => {
      const Cls = (tn.layers as unknown as Record<string, new (a: Record<string, unknown>) => tn.Layer>)[c.layer];
      const layer = new Cls({ ...c.attrs });
      const x = t(c.inputs.x);
      layer.apply(x);
      const byName = new Map(layer.weights.map((w) => [w.name.split('/').pop()!, w]));
      expect([...byName.keys()].sort()).toEqual(Object.keys(c.inputs).filter((k) => k !== 'x').sort());
      for (const [k, w] of byName) w.assign(t(c.inputs[k]));
      const up = t(c.upstream);
      const loss = (xs: tn.Tensor) => tn.sum(tn.mul(layer.apply(xs) as tn.Tensor, up));
      expectClose(layer.apply(x) as tn.Tensor, c.output, `${c.name}: output`);
      const [gx] = tn.grads(loss)([x]);
      expectClose(gx, c.grads.x, `${c.name}: input gradient`);
      if (byName.size) {
        const { grads } = tn.variableGrads(() => loss(x), [...byName.values()]);
        for (const [k, w] of byName) expectClose(grads[w.name], c.grads[k], `${c.name}: gradient of ${k}`);
      }
    });
  }
}
