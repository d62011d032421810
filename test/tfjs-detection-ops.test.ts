// TF.js's tf.image.nonMaxSuppression (plain, WithScore with soft-NMS, Padded; sync and async) and cropAndResize
// against TF.js's own ops on the same boxes and images (@tensorflow/tfjs, CPU backend), cropAndResize's gradient by
// finite differences, and errors that name the op and the shapes.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor, rng } from './helpers/gradcheck.js';
import { expectClose, tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);
const tfOf = (t: tn.Tensor): TfTensor => tf.tensor(vals(t), t.shape.slice(), t.dtype === 'int32' ? 'int32' : 'float32');

/** n boxes in [0, 1]^2 clustered around a few centres (so that many overlap), corners in either order, and scores with ties. */
function detections(n: number, seed: number): { boxes: tn.Tensor; scores: tn.Tensor } {
  const next = rng(seed);
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const [cy, cx] = [0.25 + 0.5 * Math.floor(next() * 2), 0.25 + 0.5 * Math.floor(next() * 2)];
    const [hh, hw] = [0.05 + 0.2 * next(), 0.05 + 0.2 * next()];
    const [y, x] = [cy + 0.1 * (next() - 0.5), cx + 0.1 * (next() - 0.5)];
    b.push(...(next() < 0.8 ? [y - hh, x - hw, y + hh, x + hw] : [y + hh, x + hw, y - hh, x - hw]));
    s.push(Math.round(next() * 20) / 20);
  }
  return { boxes: tn.tensor(b, [n, 4]), scores: tn.tensor(s) };
}

describe('TF.js\'s detection ops in tn.image', () => {
  it('the nonMaxSuppression variants select what TF.js\'s do', async () => {
    await useCpu();
    for (let seed = 1; seed <= 12; seed++) {
      const { boxes, scores } = detections(40, seed);
      const [tb, ts] = [tfOf(boxes), tfOf(scores)];
      for (const [max, iou, thr] of [[10, 0.5, -Infinity], [40, 0.3, 0.2], [5, 0.7, 0.5], [60, 0, -Infinity], [40, 1, 0.1]] as const) {
        const what = `seed ${seed}, maxOutputSize ${max}, iou ${iou}, score ${thr}`;
        expect(vals(tn.image.nonMaxSuppression(boxes, scores, max, iou, thr)), what).toEqual(Array.from(tf.image.nonMaxSuppression(tb as never, ts as never, max, iou, thr).dataSync()));
        const a = tn.image.nonMaxSuppressionAsync(boxes, scores, max, iou, thr);
        expect(a).toBeInstanceOf(Promise);
        expect(vals(await a), `${what} async`).toEqual(Array.from((await tf.image.nonMaxSuppressionAsync(tb as never, ts as never, max, iou, thr)).dataSync()));
        for (const sigma of [0, 0.5, 1]) {
          const ours = tn.image.nonMaxSuppressionWithScore(boxes, scores, max, iou, thr, sigma);
          const theirs = tf.image.nonMaxSuppressionWithScore(tb as never, ts as never, max, iou, thr, sigma);
          expect(vals(ours.selectedIndices), `${what} sigma ${sigma}`).toEqual(Array.from(theirs.selectedIndices.dataSync()));
          expectClose(ours.selectedScores.data() as Float32Array, theirs.selectedScores.dataSync() as Float32Array, 1e-6, 1e-7, `${what} sigma ${sigma} scores`);
          const oa = await tn.image.nonMaxSuppressionWithScoreAsync(boxes, scores, max, iou, thr, sigma);
          expect(vals(oa.selectedIndices)).toEqual(vals(ours.selectedIndices));
        }
        for (const pad of [false, true]) {
          const ours = tn.image.nonMaxSuppressionPadded(boxes, scores, max, iou, thr, pad);
          const theirs = tf.image.nonMaxSuppressionPadded(tb as never, ts as never, max, iou, thr, pad);
          expect(vals(ours.selectedIndices), `${what} padded ${pad}`).toEqual(Array.from(theirs.selectedIndices.dataSync()));
          expect(ours.validOutputs.shape).toEqual([]);
          expect(vals(ours.validOutputs)).toEqual(Array.from(theirs.validOutputs.dataSync()));
          const oa = await tn.image.nonMaxSuppressionPaddedAsync(boxes, scores, max, iou, thr, pad);
          expect(vals(oa.selectedIndices)).toEqual(vals(ours.selectedIndices));
        }
      }
    }
    const { boxes, scores } = detections(4, 1);
    expect(() => tn.image.nonMaxSuppression(tn.zeros([4, 3]), scores, 2)).toThrow(/image.nonMaxSuppression: boxes must be \[numBoxes, 4\] \(y1, x1, y2, x2\), received shape \[4,3\]/);
    expect(() => tn.image.nonMaxSuppression(boxes, tn.zeros([3]), 2)).toThrow(/image.nonMaxSuppression: scores must be \[4\], one per box, received shape \[3\]/);
    expect(() => tn.image.nonMaxSuppression(boxes, scores, 2, 1.5)).toThrow(/image.nonMaxSuppression: iouThreshold must be in \[0, 1\], received 1.5/);
    expect(() => tn.image.nonMaxSuppressionWithScore(boxes, scores, 2, 0.5, 0, 2)).toThrow(/image.nonMaxSuppressionWithScore: softNmsSigma must be in \[0, 1\] \(TF.js's range\), received 2/);
    expect(vals(tn.image.nonMaxSuppression(boxes, scores, 4, null as never, null as never))).toEqual(vals(tn.image.nonMaxSuppression(boxes, scores, 4)));
    await expect(tn.image.nonMaxSuppressionAsync(boxes, scores, -1)).rejects.toThrow(/image.nonMaxSuppressionAsync: maxOutputSize must be a non-negative integer of at most 2\^31 - 1, received -1/);
  });

  it('cropAndResize equals TF.js\'s, bilinear and nearest, boxes inside, across and outside the image, flipped', async () => {
    await useCpu();
    const image = randomTensor([2, 7, 9, 3], 1);
    const boxes = tn.tensor([[0, 0, 1, 1], [0.1, 0.2, 0.6, 0.9], [-0.2, -0.1, 0.5, 1.3], [0.9, 0.8, 0.2, 0.1], [1.2, 1.1, 1.5, 1.4], [0.3, 0.3, 0.3, 0.7]]);
    const boxInd = tn.tensor([0, 1, 0, 1, 0, 1], [6], 'int32');
    for (const method of ['bilinear', 'nearest'] as const) {
      for (const [size, extrapolation] of [[[4, 5], 0], [[1, 1], -1], [[3, 1], 2.5], [[8, 11], 0]] as [[number, number], number][]) {
        const ours = tn.image.cropAndResize(image, boxes, boxInd, size, method, extrapolation);
        const theirs = tf.image.cropAndResize(tfOf(image) as never, tfOf(boxes) as never, tfOf(boxInd) as never, size, method, extrapolation);
        expect(ours.shape).toEqual(theirs.shape);
        expectClose(ours.data() as Float32Array, theirs.dataSync() as Float32Array, 1e-5, 1e-5, `cropAndResize ${method} ${JSON.stringify(size)} ${extrapolation}`);
      }
    }
    gradCheck((img) => tn.image.cropAndResize(img, tn.tensor([[0.1, 0.05, 0.8, 0.7], [-0.2, 0.3, 0.6, 1.2]]), tn.tensor([1, 0], [2], 'int32'), [3, 4]), [randomTensor([2, 4, 5, 2], 2)]);
    expect(() => tn.image.cropAndResize(tn.zeros([4, 4, 3]), boxes, boxInd, [2, 2])).toThrow(/image.cropAndResize: image must be \[batch, height, width, channels\], received shape \[4,4,3\]/);
    expect(() => tn.image.cropAndResize(image, boxes, tn.tensor([0, 1], [2], 'int32'), [2, 2])).toThrow(/image.cropAndResize: boxInd must be \[6\], one image index per box, received shape \[2\]/);
    expect(() => tn.image.cropAndResize(image, boxes, tn.tensor([0, 1, 0, 2, 0, 1], [6], 'int32'), [2, 2])).toThrow(/image.cropAndResize: boxInd\[3\] = 2 is outside \[0, 2\) for image of shape \[2,7,9,3\]/);
    expect(() => tn.image.cropAndResize(image, boxes, boxInd, [0, 2])).toThrow(/image.cropAndResize: cropSize must be \[cropHeight, cropWidth\] of positive integers, received \[0,2\]/);
  });
});
