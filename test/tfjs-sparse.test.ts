// TF.js's tf.sparse (sparseFillEmptyRows, sparseReshape, sparseSegmentSum, sparseSegmentMean) against TF.js's own
// ops on the same values (@tensorflow/tfjs, CPU backend), the segment ops' gradients by finite differences, and
// errors that name the op and the shapes.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor } from './helpers/gradcheck.js';
import { expectClose, tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);
const tfOf = (t: tn.Tensor): TfTensor => tf.tensor(vals(t), t.shape.slice(), t.dtype === 'int32' ? 'int32' : 'float32');
const i32 = (v: number[] | number[][]) => tn.tensor(v as never, undefined, 'int32');

function expectSame(ours: tn.Tensor, theirs: TfTensor, what: string): void {
  expect(ours.shape, what).toEqual(theirs.shape);
  expectClose(Float32Array.from(ours.data() as ArrayLike<number>), Float32Array.from(theirs.dataSync(), Number), 1e-6, 1e-6, what);
}

describe('TF.js\'s tn.sparse', () => {
  it('sparseFillEmptyRows equals TF.js\'s, rows in order or not, full or with empty rows', async () => {
    await useCpu();
    const cases: [number[][], number[], number[]][] = [
      [[[0, 0], [1, 0], [1, 3], [1, 4], [3, 2], [3, 3]], [0, 10, 13, 14, 32, 33], [5, 6]],
      [[[2, 1], [0, 0], [2, 0], [1, 1]], [1, 2, 3, 4], [3, 4]],
      [[[0, 1], [1, 0]], [5, 6], [2, 2]],
      [[[3, 0]], [7], [5, 1]],
    ];
    for (const [indices, values, shape] of cases) {
      const ours = tn.sparse.sparseFillEmptyRows(i32(indices), tn.tensor(values), i32(shape), -1);
      const theirs = tf.sparse.sparseFillEmptyRows(tf.tensor2d(indices, undefined, 'int32'), tf.tensor1d(values), tf.tensor1d(shape, 'int32'), -1);
      const what = JSON.stringify([indices, shape]);
      expectSame(ours.outputIndices, theirs.outputIndices, `outputIndices ${what}`);
      expectSame(ours.outputValues, theirs.outputValues, `outputValues ${what}`);
      expect(vals(ours.emptyRowIndicator), what).toEqual(Array.from(theirs.emptyRowIndicator.dataSync(), Number));
      expectSame(ours.reverseIndexMap, theirs.reverseIndexMap, `reverseIndexMap ${what}`);
    }
    expect(() => tn.sparse.sparseFillEmptyRows(i32([[5, 0]]), tn.tensor([1]), i32([3, 2]), 0)).toThrow(/sparse.sparseFillEmptyRows: indices\[0\] has row 5, outside \[0, 3\) of denseShape \[3,2\]/);
  });

  it('sparseReshape equals TF.js\'s, with an inferred dimension', async () => {
    await useCpu();
    const indices = [[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 2, 3]];
    for (const newShape of [[9, -1], [4, 9], [-1, 2, 3, 2], [36]]) {
      const ours = tn.sparse.sparseReshape(i32(indices), i32([2, 3, 6]), i32(newShape));
      const theirs = tf.sparse.sparseReshape(tf.tensor2d(indices, undefined, 'int32'), tf.tensor1d([2, 3, 6], 'int32'), tf.tensor1d(newShape, 'int32'));
      expectSame(ours.outputIndices, theirs.outputIndices, `sparseReshape to ${newShape}`);
      expectSame(ours.outputShape, theirs.outputShape, `sparseReshape shape ${newShape}`);
    }
    expect(() => tn.sparse.sparseReshape(i32(indices), i32([2, 3, 6]), i32([5, -1]))).toThrow(/sparse.sparseReshape: cannot infer the -1 of newShape \[5,-1\] for 36 elements/);
    expect(() => tn.sparse.sparseReshape(i32(indices), i32([2, 3, 6]), i32([5, 7]))).toThrow(/sparse.sparseReshape: newShape \[5,7\] holds 35 elements, inputShape \[2,3,6\] 36/);
  });

  it('sparseSegmentSum and sparseSegmentMean equal TF.js\'s, empty segments included, with the data\'s gradient', async () => {
    await useCpu();
    const data = randomTensor([5, 3], 1);
    for (const [indices, ids] of [[[0, 1, 4, 2], [0, 0, 1, 1]], [[3, 3, 0], [0, 2, 2]], [[1, 2, 3, 4, 0], [1, 1, 1, 3, 3]]]) {
      expectSame(tn.sparse.sparseSegmentSum(data, i32(indices), i32(ids)), tf.sparse.sparseSegmentSum(tfOf(data), tf.tensor1d(indices, 'int32'), tf.tensor1d(ids, 'int32')), `sparseSegmentSum ${indices} ${ids}`);
      expectSame(tn.sparse.sparseSegmentMean(data, i32(indices), i32(ids)), tf.sparse.sparseSegmentMean(tfOf(data), tf.tensor1d(indices, 'int32'), tf.tensor1d(ids, 'int32')), `sparseSegmentMean ${indices} ${ids}`);
    }
    const vector = randomTensor([6], 2);
    expectSame(tn.sparse.sparseSegmentSum(vector, i32([5, 0, 1]), i32([0, 0, 1])), tf.sparse.sparseSegmentSum(tfOf(vector), tf.tensor1d([5, 0, 1], 'int32'), tf.tensor1d([0, 0, 1], 'int32')), 'sparseSegmentSum of a vector');
    gradCheck((d) => tn.sparse.sparseSegmentSum(d, i32([0, 1, 4, 2, 0]), i32([0, 0, 1, 1, 2])), [data]);
    gradCheck((d) => tn.sparse.sparseSegmentMean(d, i32([0, 3, 4]), i32([0, 2, 2])), [data]);
    expect(() => tn.sparse.sparseSegmentSum(data, i32([0, 1]), i32([1, 0]))).toThrow(/sparse.sparseSegmentSum: segmentIds must be non-negative and sorted, received 0 at 1 after 1/);
    expect(() => tn.sparse.sparseSegmentMean(data, i32([0, 7]), i32([0, 0]))).toThrow(/sparse.sparseSegmentMean: indices\[1\] = 7 is outside \[0, 5\) for data of shape \[5,3\]/);
  });
});
