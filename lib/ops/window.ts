// Sliding-window geometry shared by convolution and pooling (and the layers that report their output shapes): the
// argument forms of sizes, strides and padding, and TensorFlow's output-size rule.

export type Padding = 'valid' | 'same';

/** Window sizes, strides and dilations travel to the kernels as int32: larger ones are refused here, by name. */
const maxWindow = 2 ** 31 - 1;

/** A pair from a number or a [h, w] array of positive integers. */
export function pair(v: number | number[], name: string, op: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((e) => !Number.isInteger(e) || e <= 0)) {
    throw new Error(`${op}: ${name} must be a positive integer or a pair of them, received ${JSON.stringify(v)}`);
  }
  if (p.some((e) => e > maxWindow)) throw new Error(`${op}: ${name} must be below 2^31, received ${JSON.stringify(v)}`);
  return [p[0], p[1]];
}

/** A triple from a number or a [d, h, w] array of positive integers. */
export function triple(v: number | number[], name: string, op: string): [number, number, number] {
  const p = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(p) || p.length !== 3 || p.some((e) => !Number.isInteger(e) || e <= 0)) {
    throw new Error(`${op}: ${name} must be a positive integer or a list of three of them, received ${JSON.stringify(v)}`);
  }
  if (p.some((e) => e > maxWindow)) throw new Error(`${op}: ${name} must be below 2^31, received ${JSON.stringify(v)}`);
  return [p[0], p[1], p[2]];
}

export function checkPadding(padding: unknown, op: string): Padding {
  const p = typeof padding === 'string' ? padding.toLowerCase() : padding;
  if (p !== 'valid' && p !== 'same') throw new Error(`${op}: padding must be 'valid' or 'same', received ${JSON.stringify(padding)}`);
  return p;
}

/** Whether an op taking TF.js's explicit padding runs on a 'valid' or 'same' pad alone. */
export function namedPadding(pad: unknown, dimRoundingMode: unknown): pad is Padding {
  return typeof pad === 'string' && ['valid', 'same'].includes(pad.toLowerCase()) && (dimRoundingMode === undefined || dimRoundingMode === null);
}

/** TF.js's explicit padding: one count for every spatial side, or NHWC pairs [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type ExplicitPadding = number | number[][];

const roundings: Record<string, (v: number) => number> = { floor: Math.floor, round: Math.round, ceil: Math.ceil };

/**
 * The [top, bottom] and [left, right] zero pads of TF.js's explicit padding (null for 'valid' or 'same'), so that the
 * op runs as 'valid' on the padded input. TF.js's output size per axis is
 * dimRoundingMode((size + pads - effective window) / stride + 1), truncated when no mode is given; 'round' and 'ceil'
 * can ask for a last window reaching past the pads, which the bottom or right pad is grown to hold (TF.js's kernels
 * skip those cells, as a pad does that max pooling fills with -Infinity and average pooling leaves out of the count).
 */
export function explicitPads(
  pad: unknown, size: readonly [number, number], window: readonly [number, number], strides: readonly [number, number],
  dilations: readonly [number, number], dimRoundingMode: unknown, op: string,
): [[number, number], [number, number]] | null {
  const mode = dimRoundingMode ?? null;
  if (mode !== null && !(typeof mode === 'string' && Object.hasOwn(roundings, mode))) {
    throw new Error(`${op}: dimRoundingMode must be 'floor', 'round' or 'ceil', received ${JSON.stringify(dimRoundingMode)}`);
  }
  if (typeof pad === 'string' && ['valid', 'same'].includes(pad.toLowerCase())) {
    if (mode !== null) throw new Error(`${op}: dimRoundingMode applies to numeric padding; received pad ${JSON.stringify(pad)} with dimRoundingMode ${JSON.stringify(mode)}`);
    return null;
  }
  const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  let pads: [[number, number], [number, number]];
  if (count(pad)) {
    const n = pad as number;
    pads = [[n, n], [n, n]];
  } else if (Array.isArray(pad) && pad.length === 4 && pad.every((p) => Array.isArray(p) && p.length === 2 && p.every(count)) &&
      pad[0].every((v: number) => v === 0) && pad[3].every((v: number) => v === 0)) {
    pads = [[pad[1][0], pad[1][1]], [pad[2][0], pad[2][1]]];
  } else {
    throw new Error(`${op}: pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], received ${JSON.stringify(pad)}`);
  }
  const round = mode === null ? Math.trunc : roundings[mode];
  for (let i = 0; i < 2; i++) {
    const effective = (window[i] - 1) * dilations[i] + 1;
    const padded = size[i] + pads[i][0] + pads[i][1];
    const out = round((padded - effective) / strides[i] + 1);
    if (!(out > 0)) {
      throw new Error(`${op}: the window ${window[0]}x${window[1]} does not fit in the ${size[0]}x${size[1]} input with pad ${JSON.stringify(pad)}`);
    }
    pads[i][1] += Math.max(0, (out - 1) * strides[i] + effective - padded);
  }
  return pads;
}

/**
 * Output size and leading pad along one axis. 'same' follows TensorFlow: out = ceil(in / stride) and, when the
 * total padding is odd, the extra cell goes at the end.
 */
export function outputSize(size: number, window: number, stride: number, dilation: number, padding: Padding): [number, number] {
  const effective = (window - 1) * dilation + 1;
  if (padding === 'valid') return [size >= effective ? Math.floor((size - effective) / stride) + 1 : 0, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  return [out, Math.floor(total / 2)];
}
