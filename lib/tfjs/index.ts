// TF.js's global functions about memory and backends, for code ported from TF.js. tensornode has one backend (its
// native kernels) and frees tensors by garbage collection, so these do what TF.js's do to a program's results without
// doing anything else: tidy runs its function, dispose and keep change nothing, setBackend switches nothing.

/** TF.js's tidy(fn) or tidy(name, fn): returns fn()'s result (intermediate tensors are garbage-collected anyway). */
export function tidy<T>(nameOrFn: string | (() => T), fn?: () => T): T {
  const f = typeof nameOrFn === 'function' ? nameOrFn : fn;
  if (typeof f !== 'function') throw new Error('tidy: expected a function, as tidy(fn) or tidy(name, fn)');
  const out = f();
  if (out && typeof (out as { then?: unknown }).then === 'function') throw new Error('tidy: the function must not be async (as in TF.js)');
  return out;
}

/** TF.js's dispose(tensors): nothing to do here (see Tensor.dispose). */
export function dispose(_container?: unknown): void {}

/** TF.js's keep(tensor): returns it (nothing is freed at the end of a tidy here). */
export function keep<T>(result: T): T {
  return result;
}

/** TF.js's ready(): resolves at once (the addon is loaded when the package is imported). */
export async function ready(): Promise<void> {}

/** TF.js's getBackend(): the one backend, 'tensornode'. */
export function getBackend(): string {
  return 'tensornode';
}

/**
 * TF.js's setBackend(name): resolves true and changes nothing, so that `await tf.setBackend('cpu')` in ported code
 * runs; tensornode computes on its native kernels whatever the name.
 */
export async function setBackend(name: string): Promise<boolean> {
  if (typeof name !== 'string') throw new Error(`setBackend: expected a backend name, received ${typeof name}`);
  return true;
}
