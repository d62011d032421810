// Learning-rate schedules: functions of the optimizer's step count (Keras's definitions).
import { checkOptionNames } from '../names.js';

export abstract class LearningRateSchedule {
  abstract readonly className: string;
  /** The learning rate at `step` (the number of updates applied so far, starting at 0). */
  abstract call(step: number): number;
  abstract getConfig(): Record<string, unknown>;
}

function positive(v: unknown, cls: string, arg: string): number {
  if (typeof v !== 'number' || !(v > 0)) throw new Error(`${cls}: received an invalid value for \`${arg}\`, expected a positive number. Received: ${arg}=${String(v)}`);
  return v;
}

function finite(v: unknown, cls: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${cls}: received an invalid value for \`${arg}\`, expected a finite number. Received: ${arg}=${String(v)}`);
  return v;
}

/** initialLearningRate * decayRate ^ (step / decaySteps), with the exponent floored when staircase. */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  constructor(args: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }) {
    super();
    // name is Keras's too (a schedule's label); it has no effect on the rates.
    checkOptionNames(args, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name'], 'ExponentialDecay');
    this.initialLearningRate = positive(args?.initialLearningRate, 'ExponentialDecay', 'initialLearningRate');
    this.decaySteps = positive(args.decaySteps, 'ExponentialDecay', 'decaySteps');
    this.decayRate = positive(args.decayRate, 'ExponentialDecay', 'decayRate');
    this.staircase = args.staircase ?? false;
  }
  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * Math.pow(this.decayRate, p);
  }
  getConfig() {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate, staircase: this.staircase };
  }
}

/** values[0] up to and including boundaries[0], values[1] up to boundaries[1], ..., values[n] after. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: number[];
  readonly values: number[];
  constructor(args: { boundaries: number[]; values: number[] }) {
    super();
    // name is Keras's too (a schedule's label); it has no effect on the rates.
    checkOptionNames(args, ['boundaries', 'values', 'name'], 'PiecewiseConstantDecay');
    if (!Array.isArray(args?.boundaries) || !Array.isArray(args.values) || args.values.length !== args.boundaries.length + 1) {
      throw new Error('PiecewiseConstantDecay: `values` must have one more entry than `boundaries`');
    }
    for (let i = 1; i < args.boundaries.length; i++) {
      if (!(args.boundaries[i] > args.boundaries[i - 1])) throw new Error('PiecewiseConstantDecay: `boundaries` must be increasing');
    }
    this.boundaries = args.boundaries.slice();
    this.values = args.values.slice();
  }
  call(step: number): number {
    for (let i = 0; i < this.boundaries.length; i++) if (step <= this.boundaries[i]) return this.values[i];
    return this.values[this.values.length - 1];
  }
  getConfig() {
    return { boundaries: this.boundaries, values: this.values };
  }
}

/**
 * Cosine decay from initialLearningRate to alpha * initialLearningRate over decaySteps, optionally after a linear
 * warmup to warmupTarget over warmupSteps (then the cosine starts from warmupTarget).
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;
  constructor(args: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupTarget?: number | null; warmupSteps?: number }) {
    super();
    // name is Keras's too (a schedule's label); it has no effect on the rates.
    checkOptionNames(args, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps', 'name'], 'CosineDecay');
    if (typeof args?.initialLearningRate !== 'number' || !(args.initialLearningRate >= 0)) {
      throw new Error(`CosineDecay: received an invalid value for \`initialLearningRate\`, expected a non-negative number. Received: ${String(args?.initialLearningRate)}`);
    }
    this.initialLearningRate = args.initialLearningRate;
    this.decaySteps = positive(args.decaySteps, 'CosineDecay', 'decaySteps');
    this.alpha = args.alpha ?? 0;
    this.warmupTarget = args.warmupTarget ?? null;
    this.warmupSteps = args.warmupSteps ?? 0;
  }
  call(step: number): number {
    if (this.warmupTarget !== null && step < this.warmupSteps) {
      return this.initialLearningRate + ((this.warmupTarget - this.initialLearningRate) * step) / this.warmupSteps;
    }
    const from = this.warmupTarget ?? this.initialLearningRate;
    const s = Math.min(step - (this.warmupTarget !== null ? this.warmupSteps : 0), this.decaySteps);
    const cosine = 0.5 * (1 + Math.cos((Math.PI * s) / this.decaySteps));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }
  getConfig() {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, alpha: this.alpha, warmupTarget: this.warmupTarget, warmupSteps: this.warmupSteps };
  }
}

/** initialLearningRate / (1 + decayRate * step / decaySteps). */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly className = 'InverseTimeDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  constructor(args: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }) {
    super();
    // name is Keras's too (a schedule's label); it has no effect on the rates.
    checkOptionNames(args, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name'], 'InverseTimeDecay');
    this.initialLearningRate = positive(args?.initialLearningRate, 'InverseTimeDecay', 'initialLearningRate');
    this.decaySteps = positive(args.decaySteps, 'InverseTimeDecay', 'decaySteps');
    this.decayRate = args.decayRate;
    this.staircase = args.staircase ?? false;
  }
  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate / (1 + this.decayRate * p);
  }
  getConfig() {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate, staircase: this.staircase };
  }
}

/**
 * From initialLearningRate to endLearningRate along (1 - step / decaySteps)^power, then endLearningRate; with cycle,
 * decaySteps grows to the first multiple of itself at or past the step, so the rate climbs back and decays again.
 */
export class PolynomialDecay extends LearningRateSchedule {
  readonly className = 'PolynomialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;
  constructor(args: { initialLearningRate: number; decaySteps: number; endLearningRate?: number; power?: number; cycle?: boolean }) {
    super();
    // name is Keras's too (a schedule's label); it has no effect on the rates.
    checkOptionNames(args, ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle', 'name'], 'PolynomialDecay');
    this.initialLearningRate = finite(args?.initialLearningRate, 'PolynomialDecay', 'initialLearningRate');
    this.decaySteps = positive(args.decaySteps, 'PolynomialDecay', 'decaySteps');
    this.endLearningRate = finite(args.endLearningRate ?? 0.0001, 'PolynomialDecay', 'endLearningRate');
    this.power = finite(args.power ?? 1, 'PolynomialDecay', 'power');
    this.cycle = args.cycle ?? false;
  }
  call(step: number): number {
    let s = step;
    let decaySteps = this.decaySteps;
    if (this.cycle) decaySteps *= step === 0 ? 1 : Math.ceil(step / this.decaySteps);
    else s = Math.min(step, decaySteps);
    return (this.initialLearningRate - this.endLearningRate) * Math.pow(1 - s / decaySteps, this.power) + this.endLearningRate;
  }
  getConfig() {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, endLearningRate: this.endLearningRate, power: this.power, cycle: this.cycle };
  }
}

/**
 * Loshchilov & Hutter's SGDR: cosine decay over firstDecaySteps, then restarts, each period tMul times longer than the
 * last and starting from mMul times the previous peak; alpha is the floor, a fraction of initialLearningRate.
 */
export class CosineDecayRestarts extends LearningRateSchedule {
  readonly className = 'CosineDecayRestarts';
  readonly initialLearningRate: number;
  readonly firstDecaySteps: number;
  readonly tMul: number;
  readonly mMul: number;
  readonly alpha: number;
  constructor(args: { initialLearningRate: number; firstDecaySteps: number; tMul?: number; mMul?: number; alpha?: number }) {
    super();
    // name is Keras's too (a schedule's label); it has no effect on the rates.
    checkOptionNames(args, ['initialLearningRate', 'firstDecaySteps', 'tMul', 'mMul', 'alpha', 'name'], 'CosineDecayRestarts');
    this.initialLearningRate = finite(args?.initialLearningRate, 'CosineDecayRestarts', 'initialLearningRate');
    this.firstDecaySteps = positive(args.firstDecaySteps, 'CosineDecayRestarts', 'firstDecaySteps');
    this.tMul = positive(args.tMul ?? 2, 'CosineDecayRestarts', 'tMul');
    this.mMul = finite(args.mMul ?? 1, 'CosineDecayRestarts', 'mMul');
    this.alpha = finite(args.alpha ?? 0, 'CosineDecayRestarts', 'alpha');
  }
  call(step: number): number {
    let fraction = step / this.firstDecaySteps;
    let restart: number;
    if (this.tMul === 1) {
      restart = Math.floor(fraction);
      fraction -= restart;
    } else {
      // Periods of 1, tMul, tMul², ... first-decay lengths: the restart is the last whose start, a geometric sum, is
      // at or before the step.
      restart = Math.floor(Math.log(1 - fraction * (1 - this.tMul)) / Math.log(this.tMul));
      const start = (1 - Math.pow(this.tMul, restart)) / (1 - this.tMul);
      fraction = (fraction - start) / Math.pow(this.tMul, restart);
    }
    const cosine = 0.5 * Math.pow(this.mMul, restart) * (1 + Math.cos(Math.PI * fraction));
    return this.initialLearningRate * ((1 - this.alpha) * cosine + this.alpha);
  }
  getConfig() {
    return { initialLearningRate: this.initialLearningRate, firstDecaySteps: this.firstDecaySteps, tMul: this.tMul, mMul: this.mMul, alpha: this.alpha };
  }
}

/** A schedule from its serialized form { className, config }, as Optimizer.getConfig() writes it. */
export function getSchedule(id: { className?: unknown; config?: Record<string, unknown> }): LearningRateSchedule {
  const classes: Record<string, new (a: never) => LearningRateSchedule> = { ExponentialDecay, PiecewiseConstantDecay, CosineDecay, InverseTimeDecay, PolynomialDecay, CosineDecayRestarts };
  const Cls = typeof id.className === 'string' ? classes[id.className] : undefined;
  if (!Cls) throw new Error(`Unknown learning-rate schedule ${JSON.stringify(id.className)}. Known schedules: ${Object.keys(classes).join(', ')}`);
  return new Cls((id.config ?? {}) as never);
}
