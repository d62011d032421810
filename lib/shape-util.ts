// Shape arithmetic shared by tensors and ops. Errors name the op and the shapes involved.

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Validates a user-given shape: an array of non-negative integers. */
export function checkShape(shape: unknown, op: string, what = 'shape'): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: ${what} must be an array of non-negative integers, received ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: ${what} must be an array of non-negative integers, received ${JSON.stringify(shape)}`);
    }
  }
  const size = sizeOf(shape as number[]);
  if (size > 2 ** 40) throw new Error(`${op}: ${what} ${fmt(shape as number[])} has too many elements (${size})`);
  return (shape as number[]).slice();
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Resolves a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new Error(`${op}: axis must be an integer, received ${String(axis)}`);
  if (axis < -rank || axis >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank} (valid: ${-rank} to ${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves an axis list (undefined means all axes), sorted and without duplicates. */
export function normalizeAxes(axis: number | number[] | undefined | null, rank: number, op: string): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const out = list.map((a) => normalizeAxis(a, rank, op));
  const set = new Set(out);
  if (set.size !== out.length) throw new Error(`${op}: repeated axis in ${JSON.stringify(list)}`);
  return [...set].sort((a, b) => a - b);
}

/** numpy broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read an operand of `shape` as if it had `outShape` (0 along broadcast axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const own = stridesOf(shape);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const j = i - (rank - shape.length);
    out[i] = j < 0 || shape[j] === 1 ? 0 : own[j];
  }
  return out;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
