// Keras's stock callbacks: EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, CSVLogger.
import { checkOptionNames } from '../names.js';
import { appendFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { LearningRateSchedule } from '../optimizers/schedules.js';
import type { Tensor } from '../tensor.js';
import { Callback, type Logs } from './callback.js';

export type Mode = 'auto' | 'min' | 'max';

export function checkMode(mode: unknown, cls: string): Mode {
  if (mode === undefined) return 'auto';
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new Error(`${cls}: mode must be 'auto', 'min' or 'max', received ${JSON.stringify(mode)}`);
  return mode;
}

/** 'max' for accuracy-like quantities, 'min' otherwise (Keras's rule for mode 'auto'). */
export function resolveMode(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|auc|precision|recall|^fmeasure/.test(monitor) ? 'max' : 'min';
}

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  verbose?: number;
  mode?: Mode;
  baseline?: number | null;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
}

/**
 * Stops training when `monitor` has not improved by more than minDelta for `patience` epochs (Keras semantics:
 * a baseline must be beaten for the wait to reset; restoreBestWeights restores the best epoch's weights when training ends;
 * epochs before startFromEpoch are not judged).
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly verbose: number;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  wait = 0;
  stoppedEpoch = 0;
  best = Infinity;
  bestEpoch = 0;
  private bestWeights: Tensor[] | null = null;
  private warnedMissing = false;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    checkOptionNames(args, ['monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch'], 'EarlyStopping');
    this.monitor = args.monitor ?? 'val_loss';
    this.patience = args.patience ?? 0;
    this.verbose = args.verbose ?? 0;
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
    this.mode = resolveMode(checkMode(args.mode, 'EarlyStopping'), this.monitor);
    const md = Math.abs(args.minDelta ?? 0);
    this.minDelta = this.mode === 'max' ? md : -md;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new Error(`EarlyStopping: patience must be a non-negative integer, received ${args.patience}`);
  }

  private better(a: number, b: number): boolean {
    return this.mode === 'max' ? a > b : a < b;
  }
  private isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.better(value - this.minDelta, reference);
  }

  override onTrainBegin(): void {
    this.warnedMissing = false;
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === 'max' ? -Infinity : Infinity;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      // Keras warns whatever the verbosity (a val_ monitor without validation data stops nothing); once per fit here.
      if (!this.warnedMissing) {
        this.warnedMissing = true;
        console.warn(`EarlyStopping conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}`);
      }
      return;
    }
    if (epoch < this.startFromEpoch) return;
    const model = this.model!;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // Until an epoch improves, the current weights are the best (Keras 3).
      this.bestWeights = model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = model.getWeights();
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  // Keras 3 restores the best weights at the end of training whether or not it stopped early (Keras 2 and TF.js
  // only when it stopped).
  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) process.stdout.write(`Epoch ${this.stoppedEpoch + 1}: early stopping\n`);
    if (this.restoreBestWeights && this.bestWeights) {
      if (this.verbose > 0) process.stdout.write(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.\n`);
      this.model!.setWeights(this.bestWeights);
    }
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  verbose?: number;
  mode?: Mode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/** Multiplies the learning rate by `factor` when `monitor` stops improving for `patience` epochs. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private wait = 0;
  private cooldownCounter = 0;
  private best = Infinity;
  private warnedMissing = false;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    checkOptionNames(args, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr'], 'ReduceLROnPlateau');
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (!(this.factor < 1 && this.factor >= 0)) throw new Error(`ReduceLROnPlateau does not support a factor >= 1.0. Received factor=${this.factor}`);
    this.patience = args.patience ?? 10;
    this.verbose = args.verbose ?? 0;
    this.mode = resolveMode(checkMode(args.mode, 'ReduceLROnPlateau'), this.monitor);
    this.minDelta = args.minDelta ?? 1e-4;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
  }

  private improved(current: number): boolean {
    return this.mode === 'min' ? current < this.best - this.minDelta : current > this.best + this.minDelta;
  }

  override onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
    this.warnedMissing = false;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const opt = this.model?.optimizer;
    if (!opt) return;
    if (opt.learningRate instanceof LearningRateSchedule) {
      throw new Error('ReduceLROnPlateau: the optimizer uses a LearningRateSchedule; it needs a plain number learningRate');
    }
    logs.learning_rate = opt.learningRate;
    const current = logs[this.monitor];
    if (current === undefined) {
      // As Keras warns (a val_ monitor without validation data, a misspelt name never reduces anything); once per fit.
      if (!this.warnedMissing) {
        this.warnedMissing = true;
        console.warn(`Learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(',')}.`);
      }
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.improved(current)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = opt.learningRate;
        if (old > this.minLr) {
          const lr = Math.max(old * this.factor, this.minLr);
          opt.learningRate = lr;
          if (this.verbose > 0) process.stdout.write(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.\n`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Sets the learning rate at the start of each epoch to schedule(epoch, currentLr). */
export class LearningRateScheduler extends Callback {
  readonly verbose: number;
  /** Keras's `LearningRateScheduler(schedule, verbose=1)`: `verbose` positionally or as `{ verbose }`. */
  constructor(readonly schedule: (epoch: number, lr: number) => number, verbose: number | { verbose?: number } = 0) {
    super();
    if (typeof schedule !== 'function') throw new Error('LearningRateScheduler: schedule must be a function (epoch, lr) => lr');
    const o = typeof verbose === 'object' && verbose !== null ? verbose : { verbose };
    checkOptionNames(o, ['verbose'], 'LearningRateScheduler');
    this.verbose = o.verbose ?? 0;
    if (typeof this.verbose !== 'number') throw new Error(`LearningRateScheduler: verbose must be a number, received ${JSON.stringify(this.verbose) ?? String(this.verbose)}`);
  }
  override onEpochBegin(epoch: number): void {
    const opt = this.model?.optimizer;
    if (!opt) throw new Error('LearningRateScheduler: the model has no optimizer; compile it first');
    // Keras raises here too ("its learning rate is not settable"): setting a number would drop the schedule silently.
    if (opt.learningRate instanceof LearningRateSchedule) {
      throw new Error(`LearningRateScheduler: the optimizer's learningRate is a schedule (${opt.learningRate.className}), so it cannot be set per epoch; use a plain number learningRate with this callback, or the schedule alone`);
    }
    const current = opt.currentLearningRate();
    const lr = this.schedule(epoch, current);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new Error(`LearningRateScheduler: the schedule must return a finite number, received ${String(lr)}`);
    opt.learningRate = lr;
    if (this.verbose > 0) process.stdout.write(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.\n`);
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    const opt = this.model?.optimizer;
    if (opt) logs.learning_rate = opt.currentLearningRate();
  }
}

/** Stops training as soon as a batch's loss is NaN or infinite. */
export class TerminateOnNaN extends Callback {
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      process.stdout.write(`Batch ${batch}: Invalid loss, terminating training\n`);
      this.model!.stopTraining = true;
    }
  }
}

/** Writes each epoch's logs as a CSV row (epoch first, then the keys in sorted order). */
export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  readonly separator: string;
  readonly append: boolean;
  /** Keras's CSVLogger(filename, separator=',', append=False), or CSVLogger(filename, { separator, append }). */
  constructor(readonly filename: string, separator: string | { separator?: string; append?: boolean } = ',', append = false) {
    super();
    if (typeof filename !== 'string' || !filename) throw new Error('CSVLogger: filename must be a non-empty string');
    const o = typeof separator === 'object' && separator !== null ? separator : { separator, append };
    checkOptionNames(o, ['separator', 'append'], 'CSVLogger');
    this.separator = o.separator ?? ',';
    this.append = o.append ?? false;
    if (typeof this.separator !== 'string' || !this.separator) throw new Error(`CSVLogger: separator must be a non-empty string, received ${JSON.stringify(this.separator) ?? String(this.separator)}`);
    if (typeof this.append !== 'boolean') throw new Error(`CSVLogger: append must be true or false, received ${JSON.stringify(this.append)}`);
  }
  override onTrainBegin(): void {
    this.keys = null;
    if (!this.append) writeFileSync(this.filename, '');
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      // Appending to a file that has rows already (a resumed run): Keras writes the header only to an empty file.
      const hasRows = this.append && existsSync(this.filename) && statSync(this.filename).size > 0;
      if (!hasRows) appendFileSync(this.filename, ['epoch', ...this.keys].join(this.separator) + '\n');
    }
    appendFileSync(this.filename, [epoch, ...this.keys.map((k) => (k in logs ? logs[k] : 'NA'))].join(this.separator) + '\n');
  }
}
