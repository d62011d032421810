// Keras's keras.utils.timeseries_dataset_from_array: sliding windows over a series, batched, as a Dataset.
import { adopt } from '../memory.js';
import { generator, Generator } from '../random.js';
import { fmt } from '../shape-util.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import { Dataset } from './dataset.js';

export interface TimeseriesOptions {
  /** Steps in each window. */
  sequenceLength: number;
  /** Steps between the starts of two windows (default 1). */
  sequenceStride?: number;
  /** Steps between two samples inside a window (default 1). */
  samplingRate?: number;
  /** Windows per batch (default 128); null gives the windows one by one. */
  batchSize?: number | null;
  /** Shuffle the windows' order (each iteration anew; default false). */
  shuffle?: boolean;
  seed?: number;
  /** The windows start at or after startIndex and end before endIndex (defaults: the whole series). */
  startIndex?: number;
  endIndex?: number;
}

const OPTIONS = ['sequenceLength', 'sequenceStride', 'samplingRate', 'batchSize', 'shuffle', 'seed', 'startIndex', 'endIndex'];

function intArg(v: unknown, name: string, min: number, fallback?: number): number {
  const n = v ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new Error(`timeseriesDatasetFromArray: ${name} must be an integer >= ${min}, received ${JSON.stringify(v)}`);
  }
  return n;
}

/**
 * Windows of `sequenceLength` steps from `data` [steps, ...features]: window j starts at startIndex + j *
 * sequenceStride and takes every samplingRate-th step. With `targets` (one per step of data) each window comes with
 * the target at its start index, as Keras pairs them (so targets shifted by the horizon give a forecast); the
 * elements are then [x, y], else x. Batched to [batch, sequenceLength, ...features].
 */
export function timeseriesDatasetFromArray(data: TensorLike, targets: TensorLike | null, options: TimeseriesOptions): Dataset<Tensor | [Tensor, Tensor]> {
  if (!options || typeof options !== 'object') throw new Error('timeseriesDatasetFromArray: expected options { sequenceLength, ... } as the third argument');
  for (const k of Object.keys(options)) if (!OPTIONS.includes(k)) throw new Error(`timeseriesDatasetFromArray: unrecognized option "${k}"; it takes ${OPTIONS.join(', ')}`);
  const x = toTensor(data, 'timeseriesDatasetFromArray');
  if (x.rank < 1) throw new Error(`timeseriesDatasetFromArray: data must have a time axis first, received shape ${fmt(x.shape)}`);
  const steps = x.shape[0];
  const y = targets === null || targets === undefined ? null : toTensor(targets, 'timeseriesDatasetFromArray');
  const length = intArg(options.sequenceLength, 'sequenceLength', 1);
  const stride = intArg(options.sequenceStride, 'sequenceStride', 1, 1);
  const rate = intArg(options.samplingRate, 'samplingRate', 1, 1);
  const batch = options.batchSize === null ? null : intArg(options.batchSize, 'batchSize', 1, 128);
  const start = intArg(options.startIndex, 'startIndex', 0, 0);
  const end = intArg(options.endIndex, 'endIndex', 0, steps);
  if (end > steps || start >= end) throw new Error(`timeseriesDatasetFromArray: startIndex ${start} and endIndex ${end} must satisfy 0 <= startIndex < endIndex <= ${steps}`);
  const span = (length - 1) * rate;
  const starts: number[] = [];
  // As Keras: with targets, no more windows than targets (targets may be the data shifted by a horizon, and shorter).
  const lastTarget = y ? y.shape[0] : Infinity;
  for (let p = start; p + span < end && p < lastTarget; p += stride) starts.push(p);
  const shuffle = options.shuffle ?? false;
  if (typeof shuffle !== 'boolean') throw new Error(`timeseriesDatasetFromArray: shuffle must be true or false, received ${JSON.stringify(shuffle)}`);
  // One stream for the dataset, drawn from each iteration: a new order per epoch, the same sequence for a seed.
  const g = shuffle ? (options.seed === undefined ? new Generator(generator().int(2 ** 31)) : new Generator(intArg(options.seed, 'seed', 0))) : null;
  const rowSize = steps ? x.size / steps : 0;
  const ySize = y && y.shape[0] ? y.size / y.shape[0] : 0;
  const xv = x.values;
  const int = x.dtype === 'int32';
  const windows = (positions: number[]): Tensor => {
    const out = int ? new Int32Array(positions.length * length * rowSize) : new Float32Array(positions.length * length * rowSize);
    positions.forEach((p, b) => {
      for (let k = 0; k < length; k++) out.set(xv.subarray((p + k * rate) * rowSize, (p + k * rate + 1) * rowSize) as never, (b * length + k) * rowSize);
    });
    return new Tensor(adopt(out), [positions.length, length, ...x.shape.slice(1)], int ? 'int32' : 'float32');
  };
  const labels = (positions: number[]): Tensor => {
    const yv = y!.values;
    const yInt = y!.dtype === 'int32';
    const out = yInt ? new Int32Array(positions.length * ySize) : new Float32Array(positions.length * ySize);
    positions.forEach((p, b) => out.set(yv.subarray(p * ySize, (p + 1) * ySize) as never, b * ySize));
    return new Tensor(adopt(out), [positions.length, ...y!.shape.slice(1)], yInt ? 'int32' : 'float32');
  };
  const count = batch === null ? starts.length : Math.ceil(starts.length / batch);
  return new Dataset(async function* () {
    const order = starts.slice();
    if (g) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = g.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    const per = batch ?? 1;
    for (let i = 0; i < order.length; i += per) {
      const positions = order.slice(i, i + per);
      let xs = windows(positions);
      let ys = y ? labels(positions) : null;
      // Unbatched: one window [sequenceLength, ...features] (and its target) per element.
      if (batch === null) {
        xs = xs.reshape(xs.shape.slice(1));
        ys = ys ? ys.reshape(ys.shape.slice(1)) : null;
      }
      yield ys ? ([xs, ys] as [Tensor, Tensor]) : xs;
    }
    return undefined;
  }, count);
}
