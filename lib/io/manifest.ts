// Reading a weights manifest and the files it names, as untrusted input. The manifest is TF.js's layout (shared by
// tensornode's model.json, weights-only folders and backups): groups of weights, each group's bytes split over one or
// more shard files that are concatenated in order, each weight taking shape-product values of its dtype.
//
// Everything is checked before anything is allocated from it: every path stays inside the model's folder (no
// absolute path, no '..' out of it, no symlink out of it: nothing outside is opened), every shape is a short list of
// non-negative integers whose product cannot overflow, and the shards' sizes on disk add up to exactly what the
// manifest describes. So memory is bounded by the bytes actually on disk, and a truncated, extended or mismatched file
// is an Error naming the file and what is wrong. A data file named by tensornode's writer carries a hash of its
// content in its name, which catches corrupted bytes too.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A manifest (model.json) larger than this is refused before it is read: architectures are kilobytes to megabytes. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
const MAX_RANK = 32;
const MAX_SHARDS = 100_000;

export type WeightDType = 'float32' | 'int32';
const BYTES: Record<WeightDType, number> = { float32: 4, int32: 4 };

export interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: WeightDType;
  /** TF.js's quantized storage (tensorflowjs_converter --quantize_*): the bytes on disk are of this dtype. */
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16' };
}
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** A manifest whose every field has been checked, with the shards' resolved paths and sizes. */
export interface CheckedManifest {
  groups: { shards: { path: string; bytes: number }[]; bytes: number; weights: ManifestWeight[] }[];
  weights: ManifestWeight[];
}

export interface LoadedWeight extends ManifestWeight {
  values: Float32Array | Int32Array;
}

const show = (v: unknown) => {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 120 ? `${s.slice(0, 120)}...` : s;
};

/** Reads and parses a JSON file of at most MAX_JSON_BYTES; errors say `what` failed on which file and why. */
export async function readJSONFile(path: string, what: string): Promise<unknown> {
  let text: string;
  // O_NONBLOCK: a FIFO in place of the file must not block the open (it is refused below as not a regular file).
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${what}: cannot read ${path}: ${err.code === 'ENOENT' ? 'the file does not exist' : err.message}`);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${what}: ${path} is not a regular file`);
    if (info.size > MAX_JSON_BYTES) throw new Error(`${what}: ${path} is ${info.size} bytes; a manifest larger than ${MAX_JSON_BYTES} bytes is refused`);
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what}: ${path} is not valid JSON (${(err as Error).message})`);
  }
}

/** `rel` resolved inside `dir`, or an Error: absolute paths and paths that climb out of the folder are refused. */
export function pathInside(dir: string, rel: unknown, where: string): string {
  if (typeof rel !== 'string' || rel.length === 0 || rel.length > 4096) throw new Error(`${where}: a weights path must be a non-empty string, found ${show(rel)}`);
  if (rel.includes('\0')) throw new Error(`${where}: the weights path ${show(rel)} contains a NUL character`);
  if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith('\\')) throw new Error(`${where}: the weights path ${show(rel)} is absolute; paths must be relative to the model's folder ${dir}`);
  const base = resolve(dir);
  const full = resolve(base, rel);
  const r = relative(base, full);
  if (r === '' || r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r)) throw new Error(`${where}: the weights path ${show(rel)} leaves the model's folder ${dir}`);
  return full;
}

const isCount = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= 0x7fffffff;

/**
 * Checks a manifest (`weightsManifest` of `file`, resolved against `dir`) against the shard files on disk. Opens
 * nothing: it only stats files, after their paths have been checked to stay inside `dir`. `file` starts every message
 * (give it as "loadModel: /path/model.json").
 */
export async function checkManifest(manifest: unknown, dir: string, file: string): Promise<CheckedManifest> {
  const where = `${file}: weightsManifest`;
  const local = (at: string) => at.slice(file.length + 2);
  if (!Array.isArray(manifest)) throw new Error(`${where} must be a list of weight groups, found ${show(manifest)}`);
  let realDir: string;
  try {
    realDir = await realpath(dir);
  } catch (err) {
    throw new Error(`${file}: cannot resolve the model's folder ${dir}: ${(err as Error).message}`);
  }
  const checked: CheckedManifest = { groups: [], weights: [] };
  let shardCount = 0;
  for (const [g, group] of manifest.entries()) {
    const at = `${where}[${g}]`;
    if (!group || typeof group !== 'object' || !Array.isArray((group as { paths?: unknown }).paths) || !Array.isArray((group as { weights?: unknown }).weights)) {
      throw new Error(`${at} must be { paths: [...], weights: [...] }, found ${show(group)}`);
    }
    const { paths, weights } = group as { paths: unknown[]; weights: unknown[] };
    shardCount += paths.length;
    if (shardCount > MAX_SHARDS) throw new Error(`${where} names more than ${MAX_SHARDS} shard files`);
    let bytes = 0;
    const specs: ManifestWeight[] = [];
    for (const [i, w] of weights.entries()) {
      const wat = `${at}.weights[${i}]`;
      if (!w || typeof w !== 'object') throw new Error(`${wat} must be { name, shape, dtype }, found ${show(w)}`);
      const { name, shape, dtype } = w as Record<string, unknown>;
      if (typeof name !== 'string') throw new Error(`${wat}: name must be a string, found ${show(name)}`);
      if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every(isCount)) {
        throw new Error(`${wat} ("${name}"): shape must be a list of at most ${MAX_RANK} integers in [0, 2^31), found ${show(shape)}`);
      }
      const type = dtype ?? 'float32';
      if (type !== 'float32' && type !== 'int32') throw new Error(`${wat} ("${name}"): dtype ${show(dtype)} is not supported (float32 or int32)`);
      const { quantization } = w as { quantization?: unknown };
      const qtype = (quantization as { dtype?: unknown } | undefined)?.dtype;
      if (quantization !== undefined && (typeof qtype !== 'string' || !Object.hasOwn(QUANTIZED_BYTES, qtype))) {
        throw new Error(`${wat} ("${name}"): quantization ${show(quantization)} is not supported (dtype uint8, uint16 or float16)`);
      }
      if (qtype !== undefined && qtype !== 'float16') {
        const { scale, min } = quantization as { scale?: unknown; min?: unknown };
        if (!Number.isFinite(scale) || !Number.isFinite(min)) throw new Error(`${wat} ("${name}"): ${qtype} quantization needs finite scale and min, found ${show(quantization)}`);
      }
      // Checked in floating point against a bound far below 2^53, so the product cannot silently lose precision.
      let size = quantization === undefined ? BYTES[type] : QUANTIZED_BYTES[qtype as string];
      for (const d of shape as number[]) {
        size *= d;
        if (size > Number.MAX_SAFE_INTEGER / 8) throw new Error(`${wat} ("${name}"): shape ${show(shape)} describes more bytes than any file can hold`);
      }
      bytes += size;
      if (bytes > Number.MAX_SAFE_INTEGER / 8) throw new Error(`${at}: the weights' sizes add up to more bytes than any file can hold`);
      specs.push({ name, shape: (shape as number[]).slice(), dtype: type, ...(quantization === undefined ? {} : { quantization: { dtype: qtype as 'uint8' } }) });
    }
    const shards: { path: string; bytes: number }[] = [];
    let onDisk = 0;
    for (const [k, rel] of paths.entries()) {
      const path = pathInside(dir, rel, `${at}.paths[${k}]`);
      let info;
      try {
        info = await lstat(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new Error(code === 'ENOENT' ? `${file}: the weights file ${path} (${local(at)}.paths[${k}]) is missing` : `${file}: cannot read the weights file ${path}: ${(err as Error).message}`);
      }
      if (info.isSymbolicLink()) {
        // A link is followed only when it ends inside the folder.
        const target = await realpath(path).catch(() => null);
        if (target === null || (target !== realDir && !target.startsWith(realDir + sep))) throw new Error(`${file}: the weights file ${path} is a symbolic link out of the model's folder ${dir}`);
        info = await stat(path);
      } else {
        const parent = await realpath(resolve(path, '..'));
        if (parent !== realDir && !parent.startsWith(realDir + sep)) throw new Error(`${file}: the weights file ${path} is reached through a symbolic link out of the model's folder ${dir}`);
      }
      if (!info.isFile()) throw new Error(`${file}: the weights file ${path} is not a regular file`);
      shards.push({ path, bytes: info.size });
      onDisk += info.size;
    }
    if (paths.length === 0 && bytes > 0) throw new Error(`${at} describes ${bytes} bytes of weights but names no file`);
    if (onDisk !== bytes) {
      const names = shards.map((s) => s.path).join(', ');
      throw new Error(onDisk < bytes
        ? `${file}: the weights file ${names} is truncated: it holds ${onDisk} bytes, the manifest describes ${bytes}`
        : `${file}: the weights file ${names} is longer than the manifest describes: it holds ${onDisk} bytes, the manifest describes ${bytes}`);
    }
    checked.groups.push({ shards, bytes, weights: specs });
    checked.weights.push(...specs);
  }
  return checked;
}

/** Reads the shards of a checked manifest: one buffer per group, its shards concatenated (TF.js's layout). */
export async function readWeightData(checked: CheckedManifest, file: string): Promise<ArrayBuffer[]> {
  const out: ArrayBuffer[] = [];
  for (const group of checked.groups) {
    const buffer = new ArrayBuffer(group.bytes);
    let at = 0;
    for (const shard of group.shards) {
      // O_NOFOLLOW and O_NONBLOCK: the path was checked above; a link or FIFO swapped in since then is not followed
      // and does not block.
      const handle = await open(shard.path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)).catch((err: Error) => {
        throw new Error(`${file}: cannot open the weights file ${shard.path}: ${err.message}`);
      });
      try {
        if (!(await handle.stat()).isFile()) throw new Error(`${file}: the weights file ${shard.path} is not a regular file`);
        let done = 0;
        while (done < shard.bytes) {
          const { bytesRead } = await handle.read(new Uint8Array(buffer, at + done, shard.bytes - done), 0, shard.bytes - done, done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        const extra = await handle.read(new Uint8Array(1), 0, 1, done);
        if (done !== shard.bytes || extra.bytesRead !== 0) throw new Error(`${file}: the weights file ${shard.path} changed size while it was read`);
      } finally {
        await handle.close();
      }
      // tensornode's writer names a data file by a hash of its content (lib/io/atomic.ts): check it, which catches
      // flipped bytes that sizes cannot.
      const named = /\.weights\.([0-9a-f]{16})\.bin$/.exec(shard.path);
      if (named && createHash('sha256').update(new Uint8Array(buffer, at, shard.bytes)).digest('hex').slice(0, 16) !== named[1]) {
        throw new Error(`${file}: the weights file ${shard.path} is corrupted: its content does not match the hash in its name`);
      }
      at += shard.bytes;
    }
    out.push(buffer);
  }
  return out;
}

/** Reads the shards of a checked manifest; each weight's values are a view of its group's bytes (little-endian). */
export async function readWeights(checked: CheckedManifest, file: string): Promise<LoadedWeight[]> {
  const quantized = checked.weights.find((w) => w.quantization);
  if (quantized) throw new Error(`${file}: weight "${quantized.name}" is quantized (${quantized.quantization!.dtype}); only a layers-model file (model.json) may hold quantized weights`);
  const data = await readWeightData(checked, file);
  const out: LoadedWeight[] = [];
  for (const [g, group] of checked.groups.entries()) {
    const buffer = data[g];
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((p, d) => p * d, 1);
      const values = w.dtype === 'int32' ? new Int32Array(buffer, offset, n) : new Float32Array(buffer, offset, n);
      offset += n * BYTES[w.dtype];
      out.push({ ...w, values });
    }
  }
  return out;
}

/** checkManifest then readWeights. */
export async function loadManifestWeights(manifest: unknown, dir: string, file: string): Promise<LoadedWeight[]> {
  return readWeights(await checkManifest(manifest, dir, file), file);
}
