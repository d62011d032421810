// The state a save writes, copied when save() or saveWeights() is called, so that the file holds the model of that
// moment whatever runs while the format's writer loads.
import type { DataArray } from '../memory.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Variable } from '../tensor.js';
import type { Model } from './model.js';

/**
 * @internal A copy of what a save writes (every weight's values, the optimizer's slots, step count and learning
 * rate), taken when save() or saveWeights() is called: the file then holds the model of that moment, as Keras's
 * synchronous save and TF.js's (which holds the immutable tensors of the call) do, even when training goes on while
 * the format's writer loads (trainOnBatch does not wait for it, as fit does).
 */
export interface StateSnapshot {
  readonly values: Map<Variable, DataArray>;
  readonly slots: Map<Variable, Float32Array[] | undefined>;
  readonly iterations: number;
  readonly learningRate: Optimizer['learningRate'] | null;
}

export function snapshotState(model: Model): StateSnapshot {
  const opt = model.optimizer;
  const values = new Map(model.weights.map((w) => [w, w.values.slice()] as const));
  const slots = new Map(opt ? model.trainableWeights.map((v) => [v, opt.slotsOf(v)?.map((a) => a.slice())] as const) : []);
  return { values, slots, iterations: opt?.iterations ?? 0, learningRate: opt?.learningRate ?? null };
}

/**
 * @internal Runs `write` with the model showing the snapshot's state, and puts the live state back when it returns.
 * The formats read every value in the synchronous part of their writer (before its first await), so an async writer
 * started here reads the snapshot. Buffers are swapped, not copied; no step can run in between.
 */
export function withState<T>(model: Model, snapshot: StateSnapshot | undefined, write: () => T): T {
  if (!snapshot) return write();
  const opt = model.optimizer;
  const live = new Map<Variable, DataArray | null>();
  const liveSlots = new Map<Variable, Float32Array[] | undefined>();
  const liveStep = opt ? { iterations: opt.iterations, learningRate: opt.learningRate } : null;
  try {
    for (const [w, v] of snapshot.values) {
      live.set(w, w._storage.data);
      w._storage.data = v;
    }
    if (opt && snapshot.learningRate !== null) {
      for (const [w, arrays] of snapshot.slots) liveSlots.set(w, opt.swapSlots(w, arrays));
      opt.iterations = snapshot.iterations;
      opt.learningRate = snapshot.learningRate;
    }
    return write();
  } finally {
    for (const [w, data] of live) w._storage.data = data;
    if (opt) for (const [w, arrays] of liveSlots) opt.swapSlots(w, arrays);
    if (opt && liveStep) Object.assign(opt, liveStep);
  }
}
