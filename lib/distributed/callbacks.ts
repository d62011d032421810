// Horovod's Keras callbacks: start every rank from the root's state, average the epoch logs, warm the learning rate up.
import { Callback, type Logs } from '../callbacks/callback.js';
import { SGD } from '../optimizers/optimizer.js';
import { LearningRateSchedule } from '../optimizers/schedules.js';
import { broadcastObject, broadcastVariables } from './collectives.js';
import { agree, requireWorld } from './runtime.js';

/**
 * Makes every rank start training from the root rank's weights (trainable and not: BatchNorm's moving statistics
 * too) and optimizer state (step count, learning rate, slots), at the beginning of fit. It also carries the root's
 * resume point: with BackupAndRestore on the root only (listed before this callback), every rank continues at the
 * epoch and batch the root restored.
 */
export class BroadcastGlobalVariablesCallback extends Callback {
  constructor(readonly rootRank = 0) {
    super();
    if (!Number.isInteger(rootRank) || rootRank < 0) throw new Error(`BroadcastGlobalVariablesCallback: rootRank must be a non-negative integer, received ${String(rootRank)}`);
  }

  override onTrainBegin(): void {
    const model = this.model;
    if (!model) return;
    const w = requireWorld('BroadcastGlobalVariablesCallback');
    if (this.rootRank >= w.size) throw new Error(`BroadcastGlobalVariablesCallback: rootRank ${this.rootRank} is not a rank of this world of ${w.size}`);
    const isRoot = w.rank === this.rootRank;
    broadcastVariables(model.weights, this.rootRank);
    const opt = model.optimizer;
    const vars = model.trainableWeights;
    const state = broadcastObject(
      isRoot
        ? {
            resumeAt: model.resumeAt,
            iterations: opt?.iterations ?? 0,
            learningRate: typeof opt?.learningRate === 'number' ? opt.learningRate : null,
            slots: vars.map((v) => opt?.slotsOf(v)?.length ?? 0),
          }
        : null,
      this.rootRank,
      { name: 'BroadcastGlobalVariablesCallback.state' },
    ) as { resumeAt: { epoch: number; step: number } | null; iterations: number; learningRate: number | null; slots: number[] };
    model.resumeAt = state.resumeAt;
    if (!opt) return;
    opt.iterations = state.iterations;
    if (state.learningRate !== null && !(opt.learningRate instanceof LearningRateSchedule)) opt.learningRate = state.learningRate;
    vars.forEach((v, i) => {
      const count = state.slots[i];
      if (!count) return;
      const arrays = isRoot ? opt.slotsOf(v)!.map((a) => Float32Array.from(a)) : Array.from({ length: count }, () => new Float32Array(v.size));
      arrays.forEach((a, k) => {
        agree(w, 'BroadcastGlobalVariablesCallback', {
          kind: 'broadcast', name: `optimizer slot ${k} of variable ${i}`, dtype: 'float32', shape: v.shape, detail: `root ${this.rootRank}`, note: v.name,
        });
        w.mpi.broadcast(a, this.rootRank);
      });
      opt.restoreSlots(v, arrays);
    });
  }
}

/**
 * Averages the epoch's logs (loss, metrics, validation figures) over the ranks, in place, so that History and every
 * callback listed after this one (ModelCheckpoint, EarlyStopping, ReduceLROnPlateau) see the same numbers on every
 * rank. fit's progress bar runs before the user's callbacks and shows the rank's own figures, as with Horovod.
 */
export class MetricAverageCallback extends Callback {
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    const w = requireWorld('MetricAverageCallback');
    const keys = Object.keys(logs).filter((k) => typeof logs[k] === 'number').sort();
    if (!keys.length) return;
    const values = Float64Array.from(keys, (k) => logs[k]);
    agree(w, 'MetricAverageCallback', { kind: 'allreduce', name: `epoch logs {${keys.join(', ')}}`, dtype: 'float64', shape: [keys.length], detail: 'average' });
    w.mpi.allreduce(values, 0, 1 / w.size);
    keys.forEach((k, i) => {
      logs[k] = values[i];
    });
  }
}

export interface LearningRateWarmupArgs {
  /** The learning rate after the warmup (usually the single-process rate times size()). */
  initialLr: number;
  /** Epochs over which the rate rises from initialLr / size() to initialLr. Default 5. */
  warmupEpochs?: number;
  /**
   * Scale SGD's momentum buffer by new rate / old rate whenever the rate changes (Goyal et al., 2017), as Horovod
   * does. Default true; other optimizers ignore it (as Horovod's, which corrects only an optimizer's `momentum`).
   */
  momentumCorrection?: boolean;
  /** Batches per epoch; default fit's. */
  stepsPerEpoch?: number;
  verbose?: 0 | 1;
}

/**
 * Horovod's gradual warmup: over the first warmupEpochs the learning rate goes linearly, batch by batch, from
 * initialLr / size() to initialLr: lr = initialLr / size * (epoch' * (size - 1) / warmupEpochs + 1), epoch' counting
 * fractional epochs. Large effective batches (size() times the single-process one) train stably this way.
 */
export class LearningRateWarmupCallback extends Callback {
  readonly initialLr: number;
  readonly warmupEpochs: number;
  readonly momentumCorrection: boolean;
  readonly stepsPerEpoch: number | null;
  readonly verbose: 0 | 1;
  private epoch = 0;

  constructor(args: LearningRateWarmupArgs) {
    super();
    if (!args || typeof args.initialLr !== 'number' || !(args.initialLr > 0)) {
      throw new Error(`LearningRateWarmupCallback: initialLr must be a positive number, received ${String(args?.initialLr)}`);
    }
    this.initialLr = args.initialLr;
    this.warmupEpochs = args.warmupEpochs ?? 5;
    if (!(this.warmupEpochs >= 0)) throw new Error(`LearningRateWarmupCallback: warmupEpochs must be non-negative, received ${String(args.warmupEpochs)}`);
    this.momentumCorrection = args.momentumCorrection ?? true;
    this.stepsPerEpoch = args.stepsPerEpoch ?? null;
    this.verbose = args.verbose ?? 0;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onTrainBatchBegin(batch: number): void {
    if (this.epoch >= this.warmupEpochs) return;
    const steps = this.stepsPerEpoch ?? (this.params.steps as number | undefined);
    if (!steps) throw new Error('LearningRateWarmupCallback: stepsPerEpoch is unknown; pass it to the callback');
    const size = requireWorld('LearningRateWarmupCallback').size;
    const epoch = this.epoch + batch / steps;
    this.setRate((this.initialLr / size) * ((epoch * (size - 1)) / this.warmupEpochs + 1));
  }

  override onEpochEnd(epoch: number): void {
    if (epoch === this.warmupEpochs - 1) {
      this.setRate(this.initialLr);
      if (this.verbose && requireWorld('LearningRateWarmupCallback').rank === 0) {
        console.log(`\nEpoch ${epoch + 1}: finished gradual learning rate warmup to ${this.initialLr}.`);
      }
    }
  }

  private setRate(lr: number): void {
    const opt = this.model?.optimizer;
    if (!opt) return;
    const old = opt.learningRate;
    if (old instanceof LearningRateSchedule) throw new Error('LearningRateWarmupCallback: the optimizer has a LearningRateSchedule; warm up a constant learning rate');
    if (this.momentumCorrection && old > 0 && old !== lr && opt instanceof SGD && opt.momentum) {
      const k = lr / old;
      for (const v of this.model!.trainableWeights) {
        const m = opt.slotsOf(v)?.[0];
        if (m) for (let i = 0; i < m.length; i++) m[i] *= k;
      }
    }
    opt.learningRate = lr;
  }
}
