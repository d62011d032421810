// TF.js's global functions about memory, backends and the environment, for code ported from TF.js. tensornode has one
// backend (its native kernels) and frees tensors by garbage collection, so these do what TF.js's do to a program's
// results without doing anything else: tidy runs its function, dispose, keep, disposeVariables and enableProdMode change
// nothing, setBackend switches nothing. tf.util is ./util.ts, tf.losses's functions ./losses.ts, tf.metrics's ./metrics.ts.
import { packageVersion } from '../backend.js';
import { Tensor } from '../tensor.js';

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

/** TF.js's nextFrame(): resolves on the next turn of the event loop (setImmediate; Node has no animation frames). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** TF.js's enableProdMode(): does nothing; tensornode has no debug mode whose checks it would turn off. */
export function enableProdMode(): void {}

/**
 * TF.js's disposeVariables(): does nothing. Variables are garbage-collected like tensors, and the ones a model or
 * optimizer holds stay usable (in TF.js they would be freed).
 */
export function disposeVariables(): void {}

/**
 * TF.js's tf.version: the TF.js version whose API the TF.js names here follow, and tensornode's own version
 * (package.json's, as backendInfo().version).
 */
export const version: Readonly<Record<string, string>> = Object.freeze({
  'tfjs-core': '4.22.0',
  'tfjs-layers': '4.22.0',
  tfjs: '4.22.0',
  tensornode: packageVersion,
});

/**
 * TF.js's print(x, verbose): logs the values to the console ('Tensor' and the values; with verbose, also the shape
 * and dtype). The layout is tensornode's (toString), not TF.js's.
 */
export function print(x: Tensor, verbose = false): void {
  if (!(x instanceof Tensor)) throw new Error(`print: expected a tensor, received ${describe(x)}`);
  const s = x.toString();
  console.log(verbose ? s : `Tensor\n${s.slice(s.indexOf('\n') + 1)}`);
}

/** What TF.js's tf.time resolves to: here both are the wall time in milliseconds (the kernels run synchronously). */
export interface TimingInfo {
  wallMs: number;
  kernelMs: number;
}

/**
 * TF.js's time(fn): runs fn and resolves to its duration. Kernels run synchronously on the calling thread, so the
 * kernel time is the wall time; kernelMs is that same number. A promise fn returns is awaited.
 */
export async function time(fn: () => unknown): Promise<TimingInfo> {
  if (typeof fn !== 'function') throw new Error(`time: expected a function, received ${describe(fn)}`);
  const start = performance.now();
  const out = fn();
  if (out && typeof (out as { then?: unknown }).then === 'function') await out;
  const wallMs = performance.now() - start;
  return { wallMs, kernelMs: wallMs };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v;
}
