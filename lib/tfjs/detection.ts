// TF.js's tf.image ops for object detection: non-max suppression (plain, with soft-NMS scores, padded; each sync and
// async, as TF.js has both) and cropAndResize. Non-max suppression is TensorFlow's greedy selection: boxes by score,
// highest first (ties to the lower index), each kept unless its IoU with a kept box reaches iouThreshold; with
// softNmsSigma > 0, an overlap below the threshold lowers the score by exp(-0.5 iou^2 / sigma) instead.
import { add, mul } from '../ops/elementwise.js';
import { gather, reshape } from '../ops/shape.js';
import { fmt } from '../shape-util.js';
import { isStringTensor, maxTensorElements, scalar, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';

interface NmsArgs { boxes: Float32Array; scores: Float32Array; maxOutputSize: number; iouThreshold: number; scoreThreshold: number }

function nmsArgs(op: string, boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold: number | null, scoreThreshold: number | null): NmsArgs {
  // null is the default, as TF.js's sanity check reads it.
  iouThreshold ??= 0.5;
  scoreThreshold ??= Number.NEGATIVE_INFINITY;
  const b = toTensor(boxes, op);
  const s = toTensor(scores, op);
  if (isStringTensor(b) || isStringTensor(s)) throw new Error(`${op}: boxes and scores must be numbers`);
  if (b.rank !== 2 || b.shape[1] !== 4) throw new Error(`${op}: boxes must be [numBoxes, 4] (y1, x1, y2, x2), received shape ${fmt(b.shape)}`);
  if (s.rank !== 1 || s.shape[0] !== b.shape[0]) throw new Error(`${op}: scores must be [${b.shape[0]}], one per box, received shape ${fmt(s.shape)}`);
  if (!Number.isInteger(maxOutputSize) || maxOutputSize < 0 || maxOutputSize > 2 ** 31 - 1) throw new Error(`${op}: maxOutputSize must be a non-negative integer of at most 2^31 - 1, received ${maxOutputSize}`);
  if (typeof iouThreshold !== 'number' || !(iouThreshold >= 0 && iouThreshold <= 1)) throw new Error(`${op}: iouThreshold must be in [0, 1], received ${iouThreshold}`);
  if (typeof scoreThreshold !== 'number' || Number.isNaN(scoreThreshold)) throw new Error(`${op}: scoreThreshold must be a number, received ${scoreThreshold}`);
  return {
    boxes: Float32Array.from(b.values), scores: Float32Array.from(s.values),
    maxOutputSize: Math.min(maxOutputSize, b.shape[0]), iouThreshold, scoreThreshold,
  };
}

function iou(boxes: Float32Array, i: number, j: number): number {
  const [ay0, ay1] = [Math.min(boxes[4 * i], boxes[4 * i + 2]), Math.max(boxes[4 * i], boxes[4 * i + 2])];
  const [ax0, ax1] = [Math.min(boxes[4 * i + 1], boxes[4 * i + 3]), Math.max(boxes[4 * i + 1], boxes[4 * i + 3])];
  const [by0, by1] = [Math.min(boxes[4 * j], boxes[4 * j + 2]), Math.max(boxes[4 * j], boxes[4 * j + 2])];
  const [bx0, bx1] = [Math.min(boxes[4 * j + 1], boxes[4 * j + 3]), Math.max(boxes[4 * j + 1], boxes[4 * j + 3])];
  const areaA = (ay1 - ay0) * (ax1 - ax0);
  const areaB = (by1 - by0) * (bx1 - bx0);
  if (areaA <= 0 || areaB <= 0) return 0;
  const inter = Math.max(Math.min(ay1, by1) - Math.max(ay0, by0), 0) * Math.max(Math.min(ax1, bx1) - Math.max(ax0, bx0), 0);
  return inter / (areaA + areaB - inter);
}

/** The greedy selection: kept box indices and their (soft-NMS-lowered) scores. */
function select(a: NmsArgs, softNmsSigma: number): { indices: number[]; scores: number[] } {
  interface Candidate { score: number; box: number; checkedUpTo: number }
  // Sorted ascending so that the best candidate pops off the end; equal scores put the lower index last.
  const order = (p: Candidate, q: Candidate) => p.score - q.score || q.box - p.box;
  const candidates: Candidate[] = [];
  a.scores.forEach((score, box) => { if (score > a.scoreThreshold) candidates.push({ score, box, checkedUpTo: 0 }); });
  candidates.sort(order);
  const scale = softNmsSigma > 0 ? -0.5 / softNmsSigma : 0;
  const indices: number[] = [];
  const scores: number[] = [];
  while (indices.length < a.maxOutputSize && candidates.length > 0) {
    const c = candidates.pop()!;
    const original = c.score;
    if (original < a.scoreThreshold) break;
    let suppressed = false;
    // A candidate is compared with each kept box once: checkedUpTo records how far a re-inserted one got.
    for (let k = indices.length - 1; k >= c.checkedUpTo; k--) {
      const overlap = iou(a.boxes, c.box, indices[k]);
      if (overlap >= a.iouThreshold) {
        suppressed = true;
        break;
      }
      c.score *= overlap <= a.iouThreshold ? Math.exp(scale * overlap * overlap) : 0;
      if (c.score <= a.scoreThreshold) break;
    }
    c.checkedUpTo = indices.length;
    if (suppressed) continue;
    if (c.score === original) {
      indices.push(c.box);
      scores.push(c.score);
    } else if (c.score > a.scoreThreshold) {
      // Lowered by soft-NMS but still a candidate: back into its place in the order.
      let lo = 0;
      let hi = candidates.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (order(candidates[mid], c) < 0) lo = mid + 1;
        else hi = mid;
      }
      candidates.splice(lo, 0, c);
    }
  }
  return { indices, scores };
}

const ints = (v: number[]) => tensor(Int32Array.from(v), [v.length], 'int32');

/**
 * TF.js's image.nonMaxSuppression(boxes, scores, maxOutputSize, iouThreshold = 0.5, scoreThreshold = -Infinity):
 * the indices (int32) of the boxes kept, best first. boxes are [numBoxes, 4] corners (y1, x1, y2, x2) in any order.
 */
export function nonMaxSuppression(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = Number.NEGATIVE_INFINITY): Tensor {
  return ints(select(nmsArgs('image.nonMaxSuppression', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold), 0).indices);
}

/** TF.js's image.nonMaxSuppressionAsync: nonMaxSuppression as a promise. */
export async function nonMaxSuppressionAsync(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = Number.NEGATIVE_INFINITY): Promise<Tensor> {
  return ints(select(nmsArgs('image.nonMaxSuppressionAsync', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold), 0).indices);
}

/**
 * TF.js's image.nonMaxSuppressionWithScore(boxes, scores, maxOutputSize, iouThreshold = 0.5, scoreThreshold =
 * -Infinity, softNmsSigma = 0): `{ selectedIndices, selectedScores }`, soft-NMS when softNmsSigma > 0.
 */
export function nonMaxSuppressionWithScore(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = Number.NEGATIVE_INFINITY, softNmsSigma = 0): { selectedIndices: Tensor; selectedScores: Tensor } {
  return withScore('image.nonMaxSuppressionWithScore', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma);
}

export async function nonMaxSuppressionWithScoreAsync(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = Number.NEGATIVE_INFINITY, softNmsSigma = 0): Promise<{ selectedIndices: Tensor; selectedScores: Tensor }> {
  return withScore('image.nonMaxSuppressionWithScoreAsync', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma);
}

function withScore(op: string, boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold: number, scoreThreshold: number, softNmsSigma: number): { selectedIndices: Tensor; selectedScores: Tensor } {
  const a = nmsArgs(op, boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  const sigma = softNmsSigma ?? 0;
  if (typeof sigma !== 'number' || !(sigma >= 0 && sigma <= 1)) throw new Error(`${op}: softNmsSigma must be in [0, 1] (TF.js's range), received ${softNmsSigma}`);
  const r = select(a, sigma);
  return { selectedIndices: ints(r.indices), selectedScores: tensor(Float32Array.from(r.scores), [r.scores.length]) };
}

/**
 * TF.js's image.nonMaxSuppressionPadded(boxes, scores, maxOutputSize, iouThreshold = 0.5, scoreThreshold = -Infinity,
 * padToMaxOutputSize = false): `{ selectedIndices, validOutputs }`, the indices padded with 0 to maxOutputSize when
 * asked, validOutputs the count selected (an int32 scalar).
 */
export function nonMaxSuppressionPadded(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = Number.NEGATIVE_INFINITY, padToMaxOutputSize = false): { selectedIndices: Tensor; validOutputs: Tensor } {
  return padded('image.nonMaxSuppressionPadded', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, padToMaxOutputSize);
}

export async function nonMaxSuppressionPaddedAsync(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = Number.NEGATIVE_INFINITY, padToMaxOutputSize = false): Promise<{ selectedIndices: Tensor; validOutputs: Tensor }> {
  return padded('image.nonMaxSuppressionPaddedAsync', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, padToMaxOutputSize);
}

function padded(op: string, boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold: number, scoreThreshold: number, padToMaxOutputSize: boolean): { selectedIndices: Tensor; validOutputs: Tensor } {
  const a = nmsArgs(op, boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  if (typeof padToMaxOutputSize !== 'boolean') throw new Error(`${op}: padToMaxOutputSize must be true or false, received ${JSON.stringify(padToMaxOutputSize)}`);
  // As TF.js's, the padding goes to maxOutputSize capped at the number of boxes.
  const { indices } = select(a, 0);
  const valid = indices.length;
  const out = padToMaxOutputSize ? [...indices, ...new Array<number>(a.maxOutputSize - valid).fill(0)] : indices;
  return { selectedIndices: ints(out), validOutputs: scalar(valid, 'int32') };
}

/**
 * TF.js's image.cropAndResize(image, boxes, boxInd, cropSize, method = 'bilinear', extrapolationValue = 0): from
 * image [batch, h, w, c], the box (y1, x1, y2, x2, normalized: 0 and 1 are the first and last pixel) of each row of
 * boxes in image boxInd[i], resized to cropSize [cropHeight, cropWidth] ('bilinear' or 'nearest'), giving
 * [numBoxes, cropHeight, cropWidth, c]; samples outside the image are extrapolationValue. Differentiable in image.
 */
export function cropAndResize(image: TensorLike, boxes: TensorLike, boxInd: TensorLike, cropSize: [number, number], method: 'bilinear' | 'nearest' = 'bilinear', extrapolationValue = 0): Tensor {
  const op = 'image.cropAndResize';
  let img = toTensor(image, op);
  const bx = toTensor(boxes, op);
  const bi = toTensor(boxInd, op, 'int32');
  if (isStringTensor(img) || isStringTensor(bx) || isStringTensor(bi)) throw new Error(`${op}: image, boxes and boxInd must be numbers`);
  if (img.rank !== 4) throw new Error(`${op}: image must be [batch, height, width, channels], received shape ${fmt(img.shape)}`);
  if (bx.rank !== 2 || bx.shape[1] !== 4) throw new Error(`${op}: boxes must be [numBoxes, 4] (y1, x1, y2, x2), received shape ${fmt(bx.shape)}`);
  const n = bx.shape[0];
  if (bi.rank !== 1 || bi.shape[0] !== n) throw new Error(`${op}: boxInd must be [${n}], one image index per box, received shape ${fmt(bi.shape)}`);
  if (!Array.isArray(cropSize) || cropSize.length !== 2 || cropSize.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${op}: cropSize must be [cropHeight, cropWidth] of positive integers, received ${JSON.stringify(cropSize)}`);
  }
  if (method !== 'bilinear' && method !== 'nearest') throw new Error(`${op}: method must be 'bilinear' or 'nearest', received ${JSON.stringify(method)}`);
  if (typeof extrapolationValue !== 'number') throw new Error(`${op}: extrapolationValue must be a number, received ${JSON.stringify(extrapolationValue)}`);
  const [batch, h, w, c] = img.shape;
  const [ch, cw] = cropSize;
  if (n * ch * cw * Math.max(c, 1) > maxTensorElements) throw new Error(`${op}: ${n} crops of ${fmt(cropSize)} with ${c} channels are more elements than a tensor holds (${maxTensorElements})`);
  const bv = bx.values;
  const iv = bi.values;
  for (let b = 0; b < n; b++) {
    if (!(iv[b] >= 0 && iv[b] < batch)) throw new Error(`${op}: boxInd[${b}] = ${iv[b]} is outside [0, ${batch}) for image of shape ${fmt(img.shape)}`);
  }
  // Each output pixel reads up to four input pixels with bilinear weights (one with weight 1 for 'nearest'), or
  // none and takes extrapolationValue; the reads are gathers, so the gradient reaches the image.
  const corners = method === 'bilinear' ? 4 : 1;
  const m = n * ch * cw;
  const idx = Array.from({ length: corners }, () => new Int32Array(m));
  const wt = Array.from({ length: corners }, () => new Float32Array(m));
  const outside = new Float32Array(m);
  for (let b = 0; b < n; b++) {
    const [y1, x1, y2, x2] = [bv[4 * b], bv[4 * b + 1], bv[4 * b + 2], bv[4 * b + 3]];
    const base = iv[b] * h * w;
    const hs = ch > 1 ? ((y2 - y1) * (h - 1)) / (ch - 1) : 0;
    const ws = cw > 1 ? ((x2 - x1) * (w - 1)) / (cw - 1) : 0;
    for (let y = 0; y < ch; y++) {
      const yi = ch > 1 ? y1 * (h - 1) + y * hs : 0.5 * (y1 + y2) * (h - 1);
      for (let x = 0; x < cw; x++) {
        const o = (b * ch + y) * cw + x;
        const xi = cw > 1 ? x1 * (w - 1) + x * ws : 0.5 * (x1 + x2) * (w - 1);
        if (yi < 0 || yi > h - 1 || xi < 0 || xi > w - 1) {
          outside[o] = 1;
          continue;
        }
        if (method === 'nearest') {
          idx[0][o] = base + Math.round(yi) * w + Math.round(xi);
          wt[0][o] = 1;
          continue;
        }
        const [top, bottom, left, right] = [Math.floor(yi), Math.ceil(yi), Math.floor(xi), Math.ceil(xi)];
        const [yl, xl] = [yi - top, xi - left];
        const at = [[top, left, (1 - yl) * (1 - xl)], [top, right, (1 - yl) * xl], [bottom, left, yl * (1 - xl)], [bottom, right, yl * xl]];
        at.forEach(([r, col, weight], k) => {
          idx[k][o] = base + r * w + col;
          wt[k][o] = weight;
        });
      }
    }
  }
  const flat = reshape(img.dtype === 'float32' ? img : img.cast('float32'), [batch * h * w, c]);
  let out = mul(tensor(outside, [m, 1]), extrapolationValue);
  for (let k = 0; k < corners; k++) out = add(out, mul(gather(flat, tensor(idx[k], [m], 'int32')), tensor(wt[k], [m, 1])));
  return reshape(out, [n, ch, cw, c]);
}
