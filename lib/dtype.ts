/** Element types. float32 is the default; int32 holds labels, indices and the results of comparisons. */
export type DType = 'float32' | 'int32';

export function checkDType(dtype: unknown, op: string): DType {
  if (dtype === 'float32' || dtype === 'int32') return dtype;
  throw new Error(`${op}: unknown dtype ${JSON.stringify(dtype)}; expected 'float32' or 'int32'`);
}
