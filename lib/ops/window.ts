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
