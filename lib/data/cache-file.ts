// cache(path)'s file: the elements of one complete iteration, one record each, read back in order.
//
//   "TNDATA1\n", then per element: u32 LE JSON length, u32 LE data length, the JSON, the data.
//
// The JSON is the element's structure with each tensor (or typed array) replaced by a reference into the record's
// data bytes; objects are wrapped ({"o": ...}) so that a user's key can never be taken for a reference. The file is
// written under a temporary name and renamed when the iteration completes, so a crash or an iteration that stops
// early never leaves a partial cache that a later run would take for the whole dataset.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { adopt } from '../memory.js';
import { fromStrings, isStringTensor, stringsOf, Tensor, type DataArray } from '../tensor.js';
import { DataError, Failure } from './failure.js';
import { isContainer, isTuple, tuple } from './structure.js';

const magic = Buffer.from('TNDATA1\n');
/** Distinguishes the temporary files of iterations that run at once in one process. */
let writers = 0;

type Encoded = number | boolean | string | null | Encoded[] | { [k: string]: Encoded };

const typedArrays: Record<string, new (b: ArrayBuffer, o: number, n: number) => ArrayBufferView> = {
  Float32Array, Float64Array, Int32Array, Int16Array, Int8Array, Uint8Array, Uint16Array, Uint32Array, Uint8ClampedArray,
};

function encode(v: unknown, chunks: Uint8Array[], offset: { n: number }): Encoded {
  const bytes = (view: ArrayBufferView) => {
    const b = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    chunks.push(b);
    const at = offset.n;
    offset.n += b.byteLength;
    return at;
  };
  if (v instanceof Failure) return { f: v.error.message };
  if (v instanceof Tensor) {
    if (isStringTensor(v)) return { s: [v.shape, stringsOf(v, 'cache')] as unknown as Encoded };
    return { t: [v.dtype, v.shape, bytes(v.values), v.size] as unknown as Encoded };
  }
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name === 'Buffer' ? 'Uint8Array' : v.constructor.name;
    if (!(name in typedArrays)) throw new Error(`cache: cannot store a ${v.constructor.name}`);
    return { a: [name, bytes(v), (v as unknown as ArrayLike<number>).length] as unknown as Encoded };
  }
  if (Array.isArray(v)) return isTuple(v) ? { z: v.map((e) => encode(e, chunks, offset)) } : v.map((e) => encode(e, chunks, offset));
  if (isContainer(v)) {
    const o: Record<string, Encoded> = {};
    for (const [k, e] of Object.entries(v)) o[k] = encode(e, chunks, offset);
    return { o };
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || v === null) return typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { n: Object.is(v, -0) ? '-0' : String(v) } : v;
  throw new Error(`cache: cannot store ${typeof v} values (elements must be tensors, numbers, strings, typed arrays, arrays and objects)`);
}

function decode(e: Encoded, data: Buffer, path: string): unknown {
  if (Array.isArray(e)) return e.map((x) => decode(x, data, path));
  if (e === null || typeof e !== 'object') return e;
  if ('z' in e) return tuple((e.z as Encoded[]).map((x) => decode(x, data, path)));
  if ('o' in e) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(e.o as Record<string, Encoded>)) out[k] = decode(x, data, path);
    return out;
  }
  if ('t' in e) {
    const [dtype, shape, at, size] = e.t as [string, number[], number, number];
    const copy = new Uint8Array(size * 4);
    copy.set(data.subarray(at, at + size * 4));
    const values: DataArray = dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    return new Tensor(adopt(values), shape, dtype === 'int32' ? 'int32' : 'float32');
  }
  if ('s' in e) {
    const [shape, strings] = e.s as [number[], string[]];
    return fromStrings(strings, shape);
  }
  if ('a' in e) {
    const [name, at, length] = e.a as [string, number, number];
    const Ctor = typedArrays[name];
    if (!Ctor) throw new DataError(`cache: ${path} holds an unknown array type ${name}; delete the file to rebuild the cache`, path);
    const bytesPer = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const copy = new Uint8Array(length * bytesPer);
    copy.set(data.subarray(at, at + length * bytesPer));
    return new Ctor(copy.buffer, 0, length);
  }
  if ('f' in e) return new Failure(new DataError(String(e.f), path));
  if ('n' in e) return Number(e.n);
  throw new DataError(`cache: ${path} is not a tensornode dataset cache; delete it to rebuild the cache`, path);
}

export class CacheWriter {
  private constructor(private readonly file: FileHandle, private readonly tmp: string, private readonly path: string) {}

  static async open(path: string): Promise<CacheWriter> {
    const tmp = `${path}.tmp-${process.pid}-${++writers}`;
    const file = await open(tmp, 'w');
    await file.write(magic);
    return new CacheWriter(file, tmp, path);
  }

  async write(element: unknown): Promise<void> {
    const chunks: Uint8Array[] = [];
    const offset = { n: 0 };
    const json = Buffer.from(JSON.stringify(encode(element, chunks, offset)));
    const head = Buffer.alloc(8);
    head.writeUInt32LE(json.length, 0);
    head.writeUInt32LE(offset.n, 4);
    await this.file.writev([head, json, ...chunks]);
  }

  /** Publishes the file when the iteration completed, discards it otherwise. */
  async close(complete: boolean): Promise<void> {
    await this.file.close();
    if (complete) await rename(this.tmp, this.path);
    else await rm(this.tmp, { force: true });
  }
}

/** The cached elements, or null when there is no cache file yet. */
export async function readCacheFile<T>(path: string): Promise<AsyncGenerator<T | Failure, undefined, undefined> | null> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const head = Buffer.alloc(magic.length);
  await file.read(head, 0, magic.length, 0);
  if (!head.equals(magic)) {
    await file.close();
    throw new DataError(`cache: ${path} is not a tensornode dataset cache; delete it to rebuild the cache`, path);
  }
  return (async function* () {
    let pos = magic.length;
    const lengths = Buffer.alloc(8);
    try {
      for (let index = 0; ; index++) {
        const { bytesRead } = await file.read(lengths, 0, 8, pos);
        if (bytesRead === 0) break;
        if (bytesRead < 8) throw new DataError(`cache: ${path} is truncated at element ${index}; delete it to rebuild the cache`, path, index);
        const jsonLength = lengths.readUInt32LE(0);
        const dataLength = lengths.readUInt32LE(4);
        const body = Buffer.alloc(jsonLength + dataLength);
        const got = await file.read(body, 0, body.length, pos + 8);
        if (got.bytesRead < body.length) throw new DataError(`cache: ${path} is truncated at element ${index}; delete it to rebuild the cache`, path, index);
        pos += 8 + body.length;
        yield decode(JSON.parse(body.subarray(0, jsonLength).toString()) as Encoded, body.subarray(jsonLength), path) as T | Failure;
      }
    } finally {
      await file.close();
    }
    return undefined;
  })();
}
