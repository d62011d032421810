// TensorFlow's event files, what TensorBoard reads: TFRecord-framed `Event` protobufs. The messages are the parts of
// tensorflow/core/util/event.proto, core/framework/summary.proto and core/framework/graph.proto (with node_def,
// attr_value and tensor_shape) that scalars, histograms and a graph use, as a protobufjs JSON descriptor; the field
// numbers are TensorFlow's, so any TensorBoard decodes what we encode.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { frameRecord } from './tfrecord.js';

const descriptor = {
  nested: {
    tensorflow: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'graphDef', 'summary'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            graphDef: { type: 'bytes', id: 4 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simpleValue', 'histo'] } },
              fields: {
                nodeName: { type: 'string', id: 7 },
                tag: { type: 'string', id: 1 },
                metadata: { type: 'SummaryMetadata', id: 9 },
                simpleValue: { type: 'float', id: 2 },
                histo: { type: 'HistogramProto', id: 5 },
              },
            },
          },
        },
        SummaryMetadata: {
          fields: {
            pluginData: { type: 'PluginData', id: 1 },
            displayName: { type: 'string', id: 2 },
            summaryDescription: { type: 'string', id: 3 },
          },
          nested: {
            PluginData: {
              fields: {
                pluginName: { type: 'string', id: 1 },
                content: { type: 'bytes', id: 2 },
              },
            },
          },
        },
        HistogramProto: {
          fields: {
            min: { type: 'double', id: 1 },
            max: { type: 'double', id: 2 },
            num: { type: 'double', id: 3 },
            sum: { type: 'double', id: 4 },
            sumSquares: { type: 'double', id: 5 },
            bucketLimit: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
            bucket: { rule: 'repeated', type: 'double', id: 7, options: { packed: true } },
          },
        },
        GraphDef: {
          fields: {
            node: { rule: 'repeated', type: 'NodeDef', id: 1 },
            versions: { type: 'VersionDef', id: 4 },
          },
        },
        VersionDef: {
          fields: {
            producer: { type: 'int32', id: 1 },
            minConsumer: { type: 'int32', id: 2 },
          },
        },
        NodeDef: {
          fields: {
            name: { type: 'string', id: 1 },
            op: { type: 'string', id: 2 },
            input: { rule: 'repeated', type: 'string', id: 3 },
            device: { type: 'string', id: 4 },
            attr: { keyType: 'string', type: 'AttrValue', id: 5 },
          },
        },
        AttrValue: {
          oneofs: { value: { oneof: ['list', 's', 'i', 'f', 'b', 'type', 'shape'] } },
          fields: {
            list: { type: 'ListValue', id: 1 },
            s: { type: 'bytes', id: 2 },
            i: { type: 'int64', id: 3 },
            f: { type: 'float', id: 4 },
            b: { type: 'bool', id: 5 },
            type: { type: 'int32', id: 6 },
            shape: { type: 'TensorShapeProto', id: 7 },
          },
          nested: {
            ListValue: {
              fields: {
                s: { rule: 'repeated', type: 'bytes', id: 2 },
                i: { rule: 'repeated', type: 'int64', id: 3, options: { packed: true } },
                f: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
                b: { rule: 'repeated', type: 'bool', id: 5, options: { packed: true } },
                shape: { rule: 'repeated', type: 'TensorShapeProto', id: 7 },
              },
            },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'Dim', id: 2 },
            unknownRank: { type: 'bool', id: 3 },
          },
          nested: {
            Dim: {
              fields: {
                size: { type: 'int64', id: 1 },
                name: { type: 'string', id: 2 },
              },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
export const Event = root.lookupType('tensorflow.Event');
export const GraphDef = root.lookupType('tensorflow.GraphDef');

/** DataType.DT_FLOAT, DT_INT32 and DT_STRING of tensorflow/core/framework/types.proto. */
export const DataType = { float32: 1, int32: 3, string: 7 } as const;

export interface HistogramMessage {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

export interface AttrMessage {
  list?: { s?: Uint8Array[]; i?: number[]; f?: number[]; b?: boolean[]; shape?: ShapeMessage[] };
  s?: Uint8Array;
  i?: number;
  f?: number;
  b?: boolean;
  type?: number;
  shape?: ShapeMessage;
}
export interface ShapeMessage {
  dim?: { size: number }[];
  unknownRank?: boolean;
}
export interface NodeMessage {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, AttrMessage>;
}

// TensorFlow's default histogram buckets (tensorflow/core/lib/histogram/histogram.cc): edges growing by 10% from
// 1e-12 to 1e20, mirrored for negative values, with 0 between and ±DBL_MAX at the ends. Bucket i holds the values v
// with limit[i-1] <= v < limit[i].
const defaultLimits = (() => {
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  pos.push(Number.MAX_VALUE);
  return [...pos.map((v) => -v).reverse(), 0, ...pos];
})();

/**
 * A HistogramProto of `values` in TensorFlow's layout (Histogram::EncodeToProto): the default buckets, with every
 * run of empty buckets collapsed into one (its limit is the run's last), so a few thousand weights give a few dozen
 * buckets. Non-finite values are left out, as TensorBoard cannot draw them.
 */
export function histogram(values: ArrayLike<number>): HistogramMessage {
  const counts = new Float64Array(defaultLimits.length);
  let min = Infinity;
  let max = -Infinity;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (!Number.isFinite(v)) continue;
    // The first limit above v.
    let lo = 0;
    let hi = defaultLimits.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (defaultLimits[mid] > v) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]++;
    if (v < min) min = v;
    if (v > max) max = v;
    num++;
    sum += v;
    sumSquares += v * v;
  }
  const bucketLimit: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < counts.length; ) {
    let end = defaultLimits[i];
    let count = counts[i];
    i++;
    if (count <= 0) {
      while (i < counts.length && counts[i] <= 0) {
        end = defaultLimits[i];
        count = counts[i];
        i++;
      }
    }
    bucketLimit.push(end);
    bucket.push(count);
  }
  if (num === 0) {
    min = 0;
    max = 0;
  }
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}

let fileCounter = 0;

/**
 * Appends events to one `events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2` file (TensorFlow 2's name) in `dir`,
 * starting with the file_version event. Records wait in memory until flush(), which is one small synchronous append:
 * the callback flushes after every epoch, and whenever two seconds or 64 KiB have gathered, so a crash loses little
 * and the event loop is never held for long. A record cut short by a crash is ignored by TensorBoard's reader.
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number | null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private lastFlush = Date.now();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    this.path = join(dir, `events.out.tfevents.${Math.floor(now)}.${hostname()}.${process.pid}.${fileCounter++}.v2`);
    this.fd = openSync(this.path, 'a');
    this.write({ wallTime: now, step: 0, fileVersion: 'brain.Event:2' });
    this.flush();
  }

  /** Frames and queues one Event (wallTime defaults to now). */
  write(event: { wallTime?: number; step?: number; fileVersion?: string; graphDef?: Uint8Array; summary?: unknown }): void {
    if (this.fd === null) throw new Error(`EventFileWriter: ${this.path} is closed`);
    const bytes = Event.encode(Event.fromObject({ wallTime: Date.now() / 1000, ...event })).finish();
    const record = frameRecord(bytes);
    this.pending.push(record);
    this.pendingBytes += record.length;
    if (this.pendingBytes >= 65536 || Date.now() - this.lastFlush >= 2000) this.flush();
  }

  /** A scalar summary: TensorBoard's Scalars dashboard. */
  scalar(tag: string, value: number, step: number): void {
    this.write({ step, summary: { value: [{ tag, simpleValue: value }] } });
  }

  /** A histogram summary of `values`: TensorBoard's Histograms and Distributions dashboards. */
  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    this.write({ step, summary: { value: [{ tag, histo: histogram(values) }] } });
  }

  /** A GraphDef: TensorBoard's Graphs dashboard. */
  graph(nodes: NodeMessage[]): void {
    const graphDef = GraphDef.encode(GraphDef.fromObject({ node: nodes, versions: { producer: 1 } })).finish();
    this.write({ step: 0, graphDef });
  }

  flush(): void {
    if (this.fd === null || !this.pending.length) return;
    const all = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    let at = 0;
    while (at < all.length) at += writeSync(this.fd, all, at, all.length - at);
    this.lastFlush = Date.now();
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}
