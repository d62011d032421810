// Keras's progress output: "Epoch 1/5" then a bar rewritten in place on a terminal,
//   250/250 ━━━━━━━━━━━━━━━━━━━━ 3s 12ms/step - accuracy: 0.9123 - loss: 0.2876 - val_accuracy: 0.9781 - val_loss: 0.0716
// one line per epoch when the output is not a terminal (or with verbose 2), nothing with verbose 0.
import { Callback, type Logs } from './callback.js';

export interface Writer {
  write(s: string): unknown;
  isTTY?: boolean;
}

function formatValue(v: number): string {
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

export function formatLogs(logs: Logs): string {
  return Object.keys(logs)
    .sort()
    .map((k) => ` - ${k}: ${formatValue(logs[k])}`)
    .join('');
}

function formatStep(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(0)}s/step`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(0)}ms/step`;
  return `${(seconds * 1e6).toFixed(0)}us/step`;
}

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

/** One progress bar over `target` steps (null when the count is not known: "37/Unknown", no bar, no ETA). */
export class Progbar {
  private readonly start = performance.now();
  private lastRender = 0;
  private readonly dynamic: boolean;
  private readonly width = 20;

  constructor(readonly target: number | null, readonly verbose: number, private readonly out: Writer = process.stdout) {
    this.dynamic = verbose === 1 && !!out.isTTY;
  }

  /** Called after each step; on a terminal redraws at most every 50 ms (and always at the end). */
  update(current: number, logs: Logs, finalize = false): void {
    if (this.verbose === 0) return;
    const now = performance.now();
    if (!finalize && (!this.dynamic || now - this.lastRender < 50)) return;
    this.lastRender = now;
    const elapsed = (now - this.start) / 1000;
    const perStep = current > 0 ? elapsed / current : 0;
    const target = this.target;
    if (this.verbose === 2) {
      if (finalize) this.out.write(`${current}/${target ?? current} - ${elapsed.toFixed(0)}s - ${formatStep(perStep)}${formatLogs(logs)}\n`);
      return;
    }
    const color = this.dynamic;
    let count: string;
    let bar = '';
    if (target === null) {
      count = `${String(current).padStart(7)}/Unknown`;
    } else {
      const digits = String(target).length;
      count = `${String(current).padStart(digits)}/${target}`;
      const filled = target > 0 ? Math.floor((this.width * Math.min(current, target)) / target) : this.width;
      bar = ' ' + (color ? '\x1b[32m' : '') + '━'.repeat(filled) + (color ? '\x1b[0m\x1b[37m' : '') + '━'.repeat(this.width - filled) + (color ? '\x1b[0m' : '');
    }
    const time = finalize || target === null ? `${elapsed.toFixed(0)}s ${formatStep(perStep)}` : `${formatEta(perStep * (target - current))} ${formatStep(perStep)}`;
    const line = `${color ? `\x1b[1m${count}\x1b[0m` : count}${bar} ${time}${formatLogs(logs)}`;
    if (this.dynamic) this.out.write(`\r${line}\x1b[K${finalize ? '\n' : ''}`);
    else if (finalize) this.out.write(`${line}\n`);
  }
}

/** The callback fit() adds for verbose 1 and 2. */
export class ProgbarLogger extends Callback {
  private bar: Progbar | null = null;
  private epochs = 0;
  private steps: number | null = 0;
  private seen = 0;
  private lastLogs: Logs = {};

  constructor(private readonly verbose: number, private readonly out: Writer = process.stdout) {
    super();
  }

  override onTrainBegin(): void {
    this.epochs = Number(this.params.epochs ?? 1);
  }
  override onEpochBegin(epoch: number): void {
    // Read per epoch: a dataset of unknown length is counted during the first epoch.
    this.steps = this.params.steps === null ? null : Number(this.params.steps ?? 0);
    this.out.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
    this.bar = new Progbar(this.steps, this.verbose, this.out);
    this.seen = 0;
  }
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.seen = batch + 1;
    this.lastLogs = logs;
    this.bar?.update(this.seen, logs);
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    this.bar?.update(this.seen || (this.steps ?? 0), { ...this.lastLogs, ...logs }, true);
  }
}
