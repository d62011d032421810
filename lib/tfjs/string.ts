// TF.js's tf.string on tensornode's string tensors: stringToHashBucketFast (FarmHash Fingerprint64, the Hashing
// layer's hash), staticRegexReplace (a JavaScript RegExp, as TF.js's kernel uses), stringSplit (a sparse result:
// indices, values, dense shape) and stringNGrams (n-grams of ragged rows given by splits). As TF.js's CPU kernels
// do, stringSplit cuts at any one byte of the delimiter's UTF-8 encoding.
import { hashBucket } from '../layers/preprocessing-text.js';
import { fmt } from '../shape-util.js';
import { isStringTensor, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';

function strings(x: TensorLike | string | string[], op: string, what: string): { values: string[]; shape: number[] } {
  const t = typeof x === 'string' || Array.isArray(x) ? tensor(x as TensorLike) : x;
  if (!isStringTensor(t)) throw new Error(`${op}: ${what} must be a string tensor, received ${t instanceof Tensor ? `a ${t.dtype} tensor of shape ${fmt(t.shape)}` : typeof t}`);
  return { values: t.data() as unknown as string[], shape: t.shape.slice() };
}

const stringTensor = (values: string[], shape: number[]) => tensor(values as unknown as TensorLike, shape, 'string');

/** TF.js's string.stringToHashBucketFast(input, numBuckets): each string's Fingerprint64 mod numBuckets (int32, input's shape). */
export function stringToHashBucketFast(input: TensorLike | string[], numBuckets: number): Tensor {
  const op = 'string.stringToHashBucketFast';
  const { values, shape } = strings(input, op, 'input');
  if (!Number.isInteger(numBuckets) || numBuckets < 1 || numBuckets > 2 ** 31 - 1) throw new Error(`${op}: numBuckets must be a positive integer of at most 2^31 - 1 (an int32 bucket), received ${numBuckets}`);
  return tensor(Int32Array.from(values, (s) => hashBucket(s, numBuckets)), shape, 'int32');
}

/**
 * TF.js's string.staticRegexReplace(input, pattern, rewrite, replaceGlobal = true): each string with the matches of
 * `pattern` (a JavaScript regular expression, as TF.js's kernel builds it) replaced by `rewrite` ($1 for groups).
 */
export function staticRegexReplace(input: TensorLike | string[], pattern: string, rewrite: string, replaceGlobal = true): Tensor {
  const op = 'string.staticRegexReplace';
  const { values, shape } = strings(input, op, 'input');
  if (typeof pattern !== 'string' || typeof rewrite !== 'string') throw new Error(`${op}: pattern and rewrite must be strings, received ${typeof pattern} and ${typeof rewrite}`);
  if (typeof replaceGlobal !== 'boolean') throw new Error(`${op}: replaceGlobal must be true or false, received ${JSON.stringify(replaceGlobal)}`);
  let re: RegExp;
  try {
    re = new RegExp(pattern, replaceGlobal ? 'g' : '');
  } catch (err) {
    throw new Error(`${op}: invalid pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  return stringTensor(values.map((s) => s.replace(re, rewrite)), shape);
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * TF.js's string.stringSplit(input, delimiter, skipEmpty = true): the strings of a vector cut at every byte of
 * `delimiter` (into single bytes when it is empty), as a sparse tensor: { indices [n, 2] (row, position), values,
 * shape [rows, most tokens] }; skipEmpty drops empty tokens.
 */
export function stringSplit(input: TensorLike | string[], delimiter: TensorLike | string, skipEmpty = true): { indices: Tensor; values: Tensor; shape: Tensor } {
  const op = 'string.stringSplit';
  const { values: rows, shape } = strings(input, op, 'input');
  if (shape.length !== 1) throw new Error(`${op}: input must be a vector of strings, received shape ${fmt(shape)}`);
  const d = strings(delimiter, op, 'delimiter');
  if (d.shape.length !== 0) throw new Error(`${op}: delimiter must be a scalar string, received shape ${fmt(d.shape)}`);
  if (typeof skipEmpty !== 'boolean') throw new Error(`${op}: skipEmpty must be true or false, received ${JSON.stringify(skipEmpty)}`);
  const cuts = utf8.encode(d.values[0]);
  const indices: number[] = [];
  const tokens: string[] = [];
  let widest = 0;
  rows.forEach((row, r) => {
    const bytes = utf8.encode(row);
    const found: Uint8Array[] = [];
    if (bytes.length > 0) {
      if (cuts.length === 0) for (let i = 0; i < bytes.length; i++) found.push(bytes.subarray(i, i + 1));
      else {
        let start = 0;
        for (let i = 0; i <= bytes.length; i++) {
          if (i === bytes.length || cuts.includes(bytes[i])) {
            if (!skipEmpty || i > start) found.push(bytes.subarray(start, i));
            start = i + 1;
          }
        }
      }
    }
    found.forEach((tok, j) => {
      indices.push(r, j);
      tokens.push(fromUtf8.decode(tok));
    });
    widest = Math.max(widest, found.length);
  });
  return {
    indices: tensor(Int32Array.from(indices), [tokens.length, 2], 'int32'),
    values: stringTensor(tokens, [tokens.length]),
    shape: tensor(Int32Array.from([rows.length, widest]), [2], 'int32'),
  };
}

/**
 * TF.js's string.stringNGrams(data, dataSplits, separator, nGramWidths, leftPad, rightPad, padWidth,
 * preserveShortSequences): the n-grams of each row of a ragged tensor (tokens `data`, row r being
 * data[dataSplits[r] .. dataSplits[r + 1]]), for each width in nGramWidths, joined by `separator` and padded with
 * padWidth (-1: width - 1) leftPad / rightPad tokens. Returns { nGrams, nGramsSplits } in the same ragged form.
 */
export function stringNGrams(
  data: TensorLike | string[], dataSplits: TensorLike, separator: string, nGramWidths: number[], leftPad: string, rightPad: string,
  padWidth: number, preserveShortSequences: boolean,
): { nGrams: Tensor; nGramsSplits: Tensor } {
  const op = 'string.stringNGrams';
  const { values: tokens, shape } = strings(data, op, 'data');
  if (shape.length !== 1) throw new Error(`${op}: data must be a vector of strings, received shape ${fmt(shape)}`);
  const sp = toTensor(dataSplits, op, 'int32');
  if (sp.dtype !== 'int32' || sp.rank !== 1) throw new Error(`${op}: dataSplits must be an int32 vector, received a ${sp.dtype} tensor of shape ${fmt(sp.shape)}`);
  if (!Array.isArray(nGramWidths) || nGramWidths.some((w) => !Number.isInteger(w) || w < 1)) throw new Error(`${op}: nGramWidths must be positive integers, received ${JSON.stringify(nGramWidths)}`);
  if (!Number.isInteger(padWidth)) throw new Error(`${op}: padWidth must be an integer (-1 for width - 1), received ${padWidth}`);
  const splits = Array.from(sp.values);
  splits.forEach((s, i) => {
    if (i === 0 ? s !== 0 : s < splits[i - 1] || s > tokens.length) throw new Error(`${op}: dataSplits must start at 0 and rise to ${tokens.length} (data's length), received ${fmt(splits)}`);
  });
  if (splits.length > 0 && splits[splits.length - 1] !== tokens.length) throw new Error(`${op}: dataSplits must end at ${tokens.length} (data's length), received ${fmt(splits)}`);
  const padOf = (width: number) => Math.min(padWidth < 0 ? width - 1 : padWidth, width - 1);
  const countOf = (length: number, width: number) => Math.max(0, length + 2 * padOf(width) - width + 1);
  const make = (start: number, count: number, width: number, out: string[]) => {
    const pw = padOf(width);
    for (let k = 0; k < count; k++) {
      const left = Math.max(0, pw - k);
      const right = Math.max(0, pw - (count - (k + 1)));
      const inner = width - (left + right);
      const from = start + (left > 0 ? 0 : k - pw);
      const parts = [...new Array<string>(left).fill(leftPad), ...tokens.slice(from, from + Math.max(inner, 0)), ...new Array<string>(right).fill(rightPad)];
      out.push(parts.join(separator));
    }
  };
  const nGrams: string[] = [];
  // No tokens at all gives no n-grams, not even padding ones (TF.js's kernel returns early).
  if (tokens.length === 0) return { nGrams: stringTensor([], [0]), nGramsSplits: tensor(new Int32Array(splits.length), [splits.length], 'int32') };
  const outSplits = [0];
  for (let r = 0; r + 1 < splits.length; r++) {
    const length = splits[r + 1] - splits[r];
    const before = nGrams.length;
    // An empty row among others still gets its all-padding n-grams, as TF.js's kernel makes them.
    for (const w of nGramWidths) make(splits[r], countOf(length, w), w, nGrams);
    // A row too short for every width still gives one n-gram of all its tokens (padded) when asked.
    if (preserveShortSequences && length > 0 && nGrams.length === before) make(splits[r], 1, length + 2 * padWidth, nGrams);
    outSplits.push(nGrams.length);
  }
  return { nGrams: stringTensor(nGrams, [nGrams.length]), nGramsSplits: tensor(Int32Array.from(splits.length ? outSplits : []), [splits.length ? outSplits.length : 0], 'int32') };
}
