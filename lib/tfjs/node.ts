// tfjs-node's tf.node namespace, the part a ported Node program calls for TensorBoard: tensorBoard(logdir) among
// fit's callbacks, and summaryFileWriter(logdir) for a custom loop's own scalars (a reinforcement-learning reward).
// Both write TensorFlow event files through the TensorBoard callback's writer.
import { TensorBoard } from '../callbacks/tensorboard.js';
import { EventFileWriter } from '../io/tfevents.js';
import { checkOptionNames } from '../names.js';
import { Tensor } from '../tensor.js';

export interface TensorBoardCallbackArgs {
  /** 'epoch' (the default) writes each epoch's logs; 'batch' also each batch's. */
  updateFreq?: 'batch' | 'epoch';
  /** Weight histograms every this many epochs; 0 (the default) writes none. */
  histogramFreq?: number;
}

/**
 * tfjs-node's tensorBoard(logdir, { updateFreq, histogramFreq }): Keras's TensorBoard callback writing under logdir.
 * Its runs are Keras's 'train' and 'validation' (tfjs-node names the second 'val') and its tags Keras's
 * ('epoch_loss', 'batch_loss', ...), which are tfjs-node's too.
 */
export function tensorBoard(logdir = './logs', args: TensorBoardCallbackArgs = {}): TensorBoard {
  checkOptionNames(args, ['updateFreq', 'histogramFreq'], 'node.tensorBoard');
  const updateFreq = args.updateFreq ?? 'epoch';
  if (updateFreq !== 'batch' && updateFreq !== 'epoch') {
    throw new Error(`node.tensorBoard: updateFreq must be 'batch' or 'epoch', received ${JSON.stringify(args.updateFreq)}`);
  }
  return new TensorBoard({ logDir: logdir, updateFreq, histogramFreq: args.histogramFreq ?? 0 });
}

function scalarValue(value: unknown, what: string): number {
  if (typeof value === 'number') return value;
  if (value instanceof Tensor && value.size === 1) return Number(value.values[0]);
  throw new Error(`${what} must be a number or a one-element tensor, received ${value instanceof Tensor ? `a tensor of shape [${value.shape.join(',')}]` : JSON.stringify(value)}`);
}

function checkStep(step: unknown, what: string): number {
  if (!Number.isInteger(step)) throw new Error(`${what}: step must be an integer, received ${JSON.stringify(step)}`);
  return step as number;
}

/** tfjs-node's SummaryFileWriter: scalars and histograms of a custom loop, in one event file of its logdir. */
export class SummaryFileWriter {
  // Not a constructor parameter: its type would then be part of the published declarations, and with it protobufjs's.
  private readonly writer: EventFileWriter;

  /** The writer of one event file in `logdir`; summaryFileWriter(logdir) gives the one writer of that folder. */
  constructor(logdir: string) {
    this.writer = new EventFileWriter(logdir);
  }

  /** One point of the curve `name` at `step`. */
  scalar(name: string, value: Tensor | number, step: number, _description?: string): void {
    this.writer.scalar(name, scalarValue(value, `SummaryFileWriter.scalar('${name}')`), checkStep(step, `SummaryFileWriter.scalar('${name}')`));
  }

  /**
   * The distribution of `data` at `step`, binned as TensorFlow's default histogram is (tfjs-node's `buckets` count is
   * not taken: the bins are TensorFlow's exponential ones).
   */
  histogram(name: string, data: Tensor, step: number, buckets?: number, _description?: string): void {
    const what = `SummaryFileWriter.histogram('${name}')`;
    if (buckets !== undefined) throw new Error(`${what}: buckets is not supported; the values are binned as TensorFlow's default histogram`);
    if (!(data instanceof Tensor)) throw new Error(`${what}: data must be a tensor`);
    this.writer.histogram(name, data.values as ArrayLike<number>, checkStep(step, what));
  }

  /** Writes what is queued (records are also written every 2 s or 64 KiB, and when the process exits). */
  flush(): void {
    this.writer.flush();
  }
}

const writers = new Map<string, SummaryFileWriter>();
let flushAtExit = false;

/**
 * tfjs-node's summaryFileWriter(logdir): the writer of that logdir (one per logdir, as tfjs-node caches them). Its
 * queue follows the TensorBoard callback's (2 s or 64 KiB, then at exit), so tfjs-node's maxQueue, flushMillis and
 * filenameSuffix are not taken.
 */
export function summaryFileWriter(logdir: string, ...unsupported: unknown[]): SummaryFileWriter {
  if (typeof logdir !== 'string' || !logdir) throw new Error(`node.summaryFileWriter: logdir must be a non-empty string, received ${JSON.stringify(logdir)}`);
  if (unsupported.some((a) => a !== undefined)) {
    throw new Error('node.summaryFileWriter: maxQueue, flushMillis and filenameSuffix are not supported; records are written every 2 s or 64 KiB, on flush() and at exit');
  }
  let w = writers.get(logdir);
  if (!w) {
    w = new SummaryFileWriter(logdir);
    writers.set(logdir, w);
    if (!flushAtExit) {
      // A custom loop that ends within 2 s of its last scalar would otherwise lose it; flush() is synchronous.
      process.on('exit', () => { for (const writer of writers.values()) writer.flush(); });
      flushAtExit = true;
    }
  }
  return w;
}
