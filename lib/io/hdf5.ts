// A thin layer over h5wasm (the HDF5 C library compiled to WebAssembly) for the Keras formats: open a file given as
// bytes, read attributes and datasets, walk groups; create groups, datasets and attributes and get the bytes back.
//
// h5wasm's Node build runs on the real filesystem (Emscripten's NODERAWFS), so "a file in h5wasm's filesystem" would
// be a file on disk. Its ESM build keeps an in-memory filesystem (MEMFS) and runs in Node as well: the bytes are
// written there under a fresh name, opened, read, closed and unlinked, and nothing touches the disk. HDF5's
// diagnostics are turned into exceptions (h5wasm's throwing error handler) instead of being printed to stderr.
import h5wasm, { type Dataset, type File as H5File, type Group } from 'h5wasm';

type H5Module = Awaited<typeof h5wasm.ready>;
let modulePromise: Promise<H5Module> | null = null;

async function h5(): Promise<H5Module> {
  modulePromise ??= h5wasm.ready.then((m) => {
    m.activate_throwing_error_handler();
    return m;
  });
  return modulePromise;
}

let fileCounter = 0;
function scratchName(): string {
  return `/tensornode-${process.pid}-${++fileCounter}.h5`;
}

/** The HDF5 signature; a file may start with a user block of 512, 1024, 2048, ... bytes before it. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function signatureAt(bytes: Uint8Array, offset: number): boolean {
  return SIGNATURE.every((b, i) => bytes[offset + i] === b);
}

/**
 * Checks, before HDF5 sees the bytes, that they are an HDF5 file at all and that none of the file is missing:
 * the superblock records the file's end address, which a truncated download or copy falls short of.
 */
function checkHdf5Bytes(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new Error(`${what}: expected the file's bytes as a Uint8Array`);
  let base = -1;
  for (let offset = 0; offset + 8 <= bytes.length; offset = offset === 0 ? 512 : offset * 2) {
    if (signatureAt(bytes, offset)) {
      base = offset;
      break;
    }
  }
  if (base < 0) {
    throw new Error(`${what}: not an HDF5 file (${bytes.length} bytes without the HDF5 signature \\x89HDF\\r\\n\\x1a\\n)`);
  }
  if (bytes.length < base + 16) throw new Error(`${what}: the HDF5 file is truncated (${bytes.length} bytes, which ends inside its superblock)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[base + 8];
  // Superblock layouts (HDF5 file format spec, section II.A): versions 0 and 1 keep the sizes at byte 13 and the
  // end-of-file address as the third address after the fixed fields; versions 2 and 3 keep the size of offsets at
  // byte 9 and the end-of-file address as the third address after byte 12.
  let sizeOfOffsets: number;
  let eofAt: number;
  if (version === 0 || version === 1) {
    sizeOfOffsets = bytes[base + 13];
    eofAt = base + (version === 0 ? 24 : 28) + 2 * sizeOfOffsets;
  } else if (version === 2 || version === 3) {
    sizeOfOffsets = bytes[base + 9];
    eofAt = base + 12 + 2 * sizeOfOffsets;
  } else {
    return; // A newer superblock: leave the checks to HDF5.
  }
  if (eofAt + sizeOfOffsets > bytes.length) throw new Error(`${what}: the HDF5 file is truncated (${bytes.length} bytes, which ends inside its superblock)`);
  if (sizeOfOffsets !== 8) return; // Every writer Keras uses has 8-byte addresses; leave other layouts to HDF5.
  const eof = Number(view.getBigUint64(eofAt, true));
  if (eof > bytes.length - base) {
    throw new Error(`${what}: the HDF5 file is truncated: its superblock says it is ${eof + base} bytes long, but only ${bytes.length} bytes were read`);
  }
}

/** HDF5's error stack as one line: the innermost frame says what went wrong. */
function hdf5Message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const frames = text.split('\n').filter((l) => /^\s*#\d+:/.test(l));
  const last = frames[frames.length - 1];
  const m = last ? /in ([\w]+\(\)): (.*)$/.exec(last) : null;
  return m ? `${m[2]} (HDF5 ${m[1]})` : text.split('\n')[0];
}

export type H5Array = { dtype: 'float32'; shape: number[]; values: Float32Array } | { dtype: 'int32'; shape: number[]; values: Int32Array };

/** A group of an open file: attributes, subgroups, datasets; and, in a file opened for writing, their creation. */
export class H5Group {
  constructor(
    private readonly group: Group,
    /** This group's path in the file, for error messages ("/model_weights/dense"). */
    readonly path: string,
    private readonly what: string,
  ) {}

  private fail(message: string): never {
    throw new Error(`${this.what}: ${message}`);
  }

  private guard<T>(f: () => T, doing: string): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof Error && err.message.startsWith(`${this.what}: `)) throw err;
      throw new Error(`${this.what}: cannot ${doing}: ${hdf5Message(err)}`);
    }
  }

  private child(name: string): string {
    return this.path === '/' ? `/${name}` : `${this.path}/${name}`;
  }

  /** Names of the members (groups and datasets), in HDF5's order (alphabetical unless the file tracks order). */
  keys(): string[] {
    return this.guard(() => this.group.keys(), `list the members of ${this.path}`);
  }

  /** A subgroup, or null if there is none of that name (or the member is a dataset). */
  subgroup(name: string): H5Group | null {
    const g = this.guard(() => (this.keys().includes(name) ? this.group.get(name) : null), `open ${this.child(name)}`);
    return g instanceof h5wasm.Group ? new H5Group(g, this.child(name), this.what) : null;
  }

  isDataset(name: string): boolean {
    return this.guard(() => this.keys().includes(name) && this.group.get(name) instanceof h5wasm.Dataset, `open ${this.child(name)}`);
  }

  attrNames(): string[] {
    return this.guard(() => Object.keys(this.group.attrs), `read the attributes of ${this.path}`);
  }

  /** An attribute's value: a string, a number, or an array of them (null when absent). */
  attr(name: string): unknown {
    return this.guard(() => {
      if (!Object.hasOwn(this.group.attrs, name)) return null;
      const v = this.group.get_attribute(name, true);
      return v;
    }, `read attribute "${name}" of ${this.path}`);
  }

  /** A dataset's values as float32 or int32 (the dtypes of model weights and step counters), with its shape. */
  dataset(name: string): H5Array {
    const path = this.child(name);
    return this.guard(() => {
      const d = this.group.get(name);
      if (!(d instanceof h5wasm.Dataset)) this.fail(`${path} is not a dataset`);
      return readDataset(d, path, this.what);
    }, `read dataset ${path}`);
  }

  createGroup(name: string): H5Group {
    const path = this.child(name);
    return this.guard(() => new H5Group(this.group.create_group(name), path, this.what), `create group ${path}`);
  }

  createDataset(name: string, array: H5Array | { dtype: 'int64'; shape: number[]; values: BigInt64Array }): void {
    this.guard(() => {
      this.group.create_dataset({ name, data: array.values, shape: array.shape, dtype: { float32: '<f', int32: '<i', int64: '<q' }[array.dtype] });
    }, `create dataset ${this.child(name)}`);
  }

  /** A string, a number, or a list of strings (HDF5 variable-length strings, as h5py writes them). */
  setAttr(name: string, value: string | number | string[]): void {
    this.guard(() => this.group.create_attribute(name, value), `write attribute "${name}" of ${this.path}`);
  }
}

function readDataset(d: Dataset, path: string, what: string): H5Array {
  const shape = d.shape ?? [];
  const meta = d.metadata;
  const n = shape.reduce((p, s) => p * s, 1);
  const value = d.value;
  // type 1 is H5T_FLOAT, 0 is H5T_INTEGER (h5wasm's metadata mirrors the HDF5 type class).
  if (meta.type === 1 && (meta.size === 4 || meta.size === 8)) {
    const values = value instanceof Float32Array ? value : typeof value === 'number' ? Float32Array.of(value) : Float32Array.from(value as ArrayLike<number>);
    if (values.length !== n) throw new Error(`${what}: dataset ${path} holds ${values.length} values, but its shape [${shape.join(', ')}] needs ${n}`);
    return { dtype: 'float32', shape, values };
  }
  if (meta.type === 0 && meta.size <= 8) {
    const src = value as ArrayLike<number | bigint> | number | bigint;
    const list: (number | bigint)[] = typeof src === 'number' || typeof src === 'bigint' ? [src] : Array.from(src);
    const values = Int32Array.from(list, (v) => Number(v));
    return { dtype: 'int32', shape, values };
  }
  throw new Error(`${what}: dataset ${path} has HDF5 type class ${meta.type} of ${meta.size} bytes; only float32/float64 and integer datasets are read`);
}

/** Opens `bytes` as an HDF5 file, passes its root group to `read`, and always closes and removes the file. */
export async function readHdf5<T>(bytes: Uint8Array, what: string, read: (root: H5Group) => T): Promise<T> {
  checkHdf5Bytes(bytes, what);
  const m = await h5();
  const name = scratchName();
  m.FS.writeFile(name, bytes);
  let file: H5File | null = null;
  try {
    try {
      file = new h5wasm.File(name, 'r');
    } catch (err) {
      throw new Error(`${what}: cannot open the HDF5 file: ${hdf5Message(err)}`);
    }
    return read(new H5Group(file, '/', what));
  } finally {
    try {
      file?.close();
    } finally {
      m.FS.unlink(name);
    }
  }
}

/** Creates an HDF5 file in memory, lets `write` fill its root group, and returns the file's bytes. */
export async function writeHdf5(what: string, write: (root: H5Group) => void): Promise<Uint8Array> {
  const m = await h5();
  const name = scratchName();
  try {
    let file: H5File;
    try {
      file = new h5wasm.File(name, 'w');
    } catch (err) {
      throw new Error(`${what}: cannot create an HDF5 file: ${hdf5Message(err)}`);
    }
    try {
      write(new H5Group(file, '/', what));
    } finally {
      file.close();
    }
    return m.FS.readFile(name);
  } finally {
    try {
      m.FS.unlink(name);
    } catch {
      // Creating the file failed before it existed.
    }
  }
}
