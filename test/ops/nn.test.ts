// The fused training ops in lib/ops/nn.ts that the losses build on: sparseSoftmaxCrossEntropy (softmax and
// cross-entropy with integer labels in one pass) and takeAlongLastAxis (one entry per row). Values against float64,
// gradients by finite differences, labels as int32 or float, and the errors for bad labels.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { sparseSoftmaxCrossEntropy, takeAlongLastAxis } from '../../lib/ops/nn.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

/** -log softmax(z)[label] per row, in float64. */
function crossEntropyReference(z: tn.Tensor, labels: number[]): number[] {
  const classes = z.shape[z.rank - 1];
  const v = z.data();
  return labels.map((k, r) => {
    const row = Array.from(v.subarray(r * classes, (r + 1) * classes));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
    return lse - row[k];
  });
}

describe('sparseSoftmaxCrossEntropy', () => {
  for (const shape of [[4, 5], [2, 3, 17], [1, 1], [3, 1, 2]]) {
    it(`matches float64 values and finite differences, logits ${JSON.stringify(shape)}`, () => {
      const rows = shape.slice(0, -1).reduce((p, d) => p * d, 1);
      const classes = shape[shape.length - 1];
      const labels = Array.from({ length: rows }, (_, r) => (r * 7 + 3) % classes);
      const z = randomTensor(shape, shape.length * 13 + classes, -4, 4);
      const lossShape = shape.slice(0, -1);
      for (const l of [tn.tensor(labels, lossShape, 'int32'), tn.tensor(labels, lossShape)]) {
        const y = sparseSoftmaxCrossEntropy(z, l);
        expect(y.shape).toEqual(lossShape);
        const got = y.data();
        crossEntropyReference(z, labels).forEach((v, i) => expect(Math.abs(got[i] - v), `row ${i}`).toBeLessThan(1e-5 * Math.max(1, v)));
        gradCheck((t) => sparseSoftmaxCrossEntropy(t, l), [z]);
      }
    });
  }

  it('stays finite and exact for extreme logits, and its gradient is softmax - onehot', () => {
    const z = tn.tensor([[1000, -1000, 0], [-500, 500, 499]]);
    const y = sparseSoftmaxCrossEntropy(z, tn.tensor([1, 2], [2], 'int32')).data();
    expect(y[0]).toBeCloseTo(2000, 2);
    expect(y[1]).toBeCloseTo(1 + Math.log(1 + Math.exp(-1)), 5);
    const g = tn.grad((t) => sparseSoftmaxCrossEntropy(t, tn.tensor([1, 2], [2], 'int32')))(z).data();
    const e = Math.exp(-1) / (1 + Math.exp(-1));
    [1, -1, 0, 0, 1 - e, e - 1].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
  });

  it('names the op, the label and the class count on a bad label', () => {
    expect(() => sparseSoftmaxCrossEntropy(tn.zeros([2, 3]), tn.tensor([0, 3], [2], 'int32'))).toThrow('sparse_categorical_crossentropy: label 3 at position 1 is out of range for 3 classes (expected an integer from 0 to 2)');
    expect(() => sparseSoftmaxCrossEntropy(tn.zeros([2, 3]), tn.tensor([0.5, 1]))).toThrow(/label 0.5 at position 0 is out of range/);
    expect(() => sparseSoftmaxCrossEntropy(tn.zeros([2, 3]), tn.tensor([0, 1, 2], [3], 'int32'))).toThrow('sparse_categorical_crossentropy: received 3 labels (shape [3]) for 2 predictions');
  });
});

describe('takeAlongLastAxis', () => {
  for (const shape of [[4, 5], [2, 3, 17], [1, 1]]) {
    it(`picks one entry per row and scatters its gradient back, x ${JSON.stringify(shape)}`, () => {
      const rows = shape.slice(0, -1).reduce((p, d) => p * d, 1);
      const classes = shape[shape.length - 1];
      const index = Int32Array.from({ length: rows }, (_, r) => (r * 5 + 1) % classes);
      const x = randomTensor(shape, classes * 3 + rows);
      const y = takeAlongLastAxis(x, index);
      expect(y.shape).toEqual(shape.slice(0, -1));
      const xv = x.data();
      expect(Array.from(y.data())).toEqual(Array.from(index, (k, r) => xv[r * classes + k]));
      const [g] = gradCheck((t) => takeAlongLastAxis(t, index), [x]);
      // Exactly one non-zero per row, at the picked class.
      const gv = g.data();
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < classes; c++) expect(gv[r * classes + c] !== 0, `row ${r} class ${c}`).toBe(c === index[r]);
      }
    });
  }

  it('composes: -log(take(p, label)) has the gradient of the sparse cross-entropy of probabilities', () => {
    const p = randomTensor([3, 4], 9, 0.05, 1);
    const index = Int32Array.from([2, 0, 3]);
    gradCheck((t) => tn.neg(tn.log(takeAlongLastAxis(t, index))), [p]);
  });
});
