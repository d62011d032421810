// Keras's image_dataset_from_directory, text_dataset_from_directory and audio_dataset_from_directory: one sub-folder per class (sorted by name, so
// class i is the i-th folder in alphabetical order), the file list shuffled with the seed before the validation split
// (so that training and validation never overlap for one seed), then per epoch: (path, label) pairs shuffled, files
// decoded, batched and prefetched. Images are decoded off the main thread while the model trains: small PNGs (MNIST's
// digits) by a small PNG reader (lib/data/png.ts) on a few worker threads, a batch per message; the rest by sharp
// (libvips), whose work runs on libuv's thread pool.
import { readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { backendInfo } from '../backend.js';
import { adopt } from '../memory.js';
import { generator, Generator } from '../random.js';
import { fromStrings, Tensor } from '../tensor.js';
import { Dataset, iterate, mapParallel } from './dataset.js';
import { decodeOnWorkers } from './decode-pool.js';
import { DataError, Failure, toError, type ElementIterator } from './failure.js';
import { decodeSmallPng, isPng, smallPngSize } from './png.js';
import { fitWav, readWav } from '../audio/wav.js';
import { resampleInterleaved } from '../audio/resample.js';
import { array, zip } from './sources.js';

export type LabelMode = 'int' | 'categorical' | 'binary' | null;

interface DirectoryOptions {
  /** 'inferred' (from the sub-folders), an array with one label per file (in sorted path order), or null (no labels). */
  labels?: 'inferred' | number[] | null;
  /** 'int' (int32 class index), 'categorical' (one-hot float32), 'binary' (float32 0/1, two classes), null (no labels). */
  labelMode?: LabelMode;
  /** The sub-folders to use, in class order (default: all, sorted). */
  classNames?: string[];
  /** Elements per batch; null yields single elements. Default 32. */
  batchSize?: number | null;
  /** Shuffle the files (default true). */
  shuffle?: boolean;
  seed?: number;
  /** Fraction of the files held out for validation (with subset). */
  validationSplit?: number;
  subset?: 'training' | 'validation' | 'both';
  followLinks?: boolean;
  /** Print "Found N files belonging to M classes." (default true). */
  verbose?: boolean;
}

export interface ImageDatasetOptions extends DirectoryOptions {
  /** [height, width] every image is resized to (default [256, 256]). */
  imageSize?: [number, number];
  /** 'grayscale' (1 channel), 'rgb' (3, the default) or 'rgba' (4). */
  colorMode?: 'grayscale' | 'rgb' | 'rgba';
  interpolation?: 'bilinear' | 'nearest' | 'bicubic' | 'lanczos3' | 'lanczos5';
  /** Crop to imageSize's aspect ratio before resizing, instead of stretching. */
  cropToAspectRatio?: boolean;
  /**
   * Worker threads that decode the small PNGs (up to 64x64, 8-bit, already of imageSize and colorMode's channels)
   * while the model trains, a batch per message; 0 decodes them on the main thread. Default: the cores the kernel
   * threads leave free, at least 1 and at most 4. Other images are decoded by sharp on libuv's thread pool.
   */
  decodeWorkers?: number;
}

export interface TextDatasetOptions extends DirectoryOptions {
  /** Keep at most this many characters of each text. */
  maxLength?: number;
}

export interface AudioDatasetOptions extends DirectoryOptions {
  /** Resample every clip to this rate (Hz); by default clips keep their own rate. */
  samplingRate?: number;
  /**
   * Samples per clip (at samplingRate when given): longer clips are cut, shorter ones padded with zeros. By default
   * each batch is padded to its longest clip.
   */
  outputSequenceLength?: number;
  /** Keras's ragged batches: tensornode has no ragged tensors, so only false is taken (use batchSize: null instead). */
  ragged?: boolean;
}

/** A dataset read from a directory, with Keras's class_names and file_paths. */
export type DirectoryDataset<T> = Dataset<T> & { classNames: string[] | null; filePaths: string[] };

const imageFormats = ['.png', '.jpg', '.jpeg', '.gif', '.webp'];

interface Index {
  paths: string[];
  labels: number[] | null;
  classNames: string[] | null;
}

async function listFiles(dir: string, formats: string[], followLinks: boolean): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink() && followLinks) {
      const s = await stat(p);
      isDir = s.isDirectory();
      isFile = s.isFile();
    }
    if (isDir) out.push(...(await listFiles(p, formats, followLinks)));
    else if (isFile && formats.includes(extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

async function indexDirectory(what: string, dir: string, formats: string[], o: DirectoryOptions): Promise<Index> {
  let top;
  try {
    top = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new DataError(`${what}: cannot read the directory ${dir}: ${(err as Error).message}`, dir, undefined, { cause: err });
  }
  const labelsOpt = o.labels === undefined ? 'inferred' : o.labels;
  if (labelsOpt !== 'inferred') {
    const paths = await listFiles(dir, formats, o.followLinks ?? false);
    if (labelsOpt !== null) {
      if (!Array.isArray(labelsOpt)) throw new Error(`${what}: labels must be 'inferred', an array of labels or null, received ${String(labelsOpt)}`);
      if (labelsOpt.length !== paths.length) throw new Error(`${what}: expected labels to have one entry per file: ${paths.length} files were found in ${dir}, but labels has ${labelsOpt.length}`);
    }
    return { paths, labels: labelsOpt === null ? null : labelsOpt.slice(), classNames: null };
  }
  const folders = top.filter((e) => e.isDirectory() || (o.followLinks && e.isSymbolicLink())).map((e) => e.name).sort();
  let classNames = folders;
  if (o.classNames) {
    const missing = o.classNames.filter((c) => !folders.includes(c));
    if (missing.length) throw new Error(`${what}: classNames ${missing.map((m) => `'${m}'`).join(', ')} are not sub-folders of ${dir} (its sub-folders: ${folders.join(', ') || 'none'})`);
    classNames = o.classNames.slice();
  }
  const paths: string[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classNames.length; c++) {
    const files = await listFiles(join(dir, classNames[c]), formats, o.followLinks ?? false);
    for (const f of files) {
      paths.push(f);
      labels.push(c);
    }
  }
  return { paths, labels, classNames };
}

interface Prepared {
  splits: { paths: string[]; labels: number[] | null }[];
  classNames: string[] | null;
  seed: number;
  numClasses: number;
}

async function prepare(what: string, dir: string, formats: string[], o: DirectoryOptions): Promise<Prepared> {
  const labelMode = o.labelMode === undefined ? 'int' : o.labelMode;
  if (labelMode !== null && !['int', 'categorical', 'binary'].includes(labelMode)) throw new Error(`${what}: labelMode must be 'int', 'categorical', 'binary' or null, received ${String(labelMode)}`);
  if (o.batchSize !== undefined && o.batchSize !== null && !(Number.isInteger(o.batchSize) && o.batchSize > 0)) throw new Error(`${what}: batchSize must be a positive integer or null, received ${String(o.batchSize)}`);
  const split = o.validationSplit;
  if (split !== undefined && split !== null && !(split > 0 && split < 1)) throw new Error(`${what}: validationSplit must be between 0 and 1, received ${split}`);
  if (split && !o.subset) throw new Error(`${what}: if validationSplit is given, subset must be 'training', 'validation' or 'both'`);
  if (o.subset && !split) throw new Error(`${what}: subset '${o.subset}' needs a validationSplit`);
  if (o.subset && !['training', 'validation', 'both'].includes(o.subset)) throw new Error(`${what}: subset must be 'training', 'validation' or 'both', received ${String(o.subset)}`);
  const shuffle = o.shuffle ?? true;
  if (split && shuffle && o.seed === undefined) {
    throw new Error(`${what}: with validationSplit and shuffling, you must give a seed, so that the training and validation subsets do not overlap`);
  }
  const index = await indexDirectory(what, dir, formats, o);
  const n = index.paths.length;
  if (n === 0) throw new DataError(`${what}: no files found in ${dir} (allowed formats: ${formats.join(', ')}${index.classNames ? '; one sub-folder per class' : ''})`, dir);
  const numClasses = index.classNames ? index.classNames.length : index.labels ? Math.max(...index.labels) + 1 : 0;
  if (labelMode === 'binary' && numClasses !== 2) throw new Error(`${what}: labelMode 'binary' needs exactly 2 classes, found ${numClasses}${index.classNames ? `: ${index.classNames.join(', ')}` : ''}`);
  if (o.verbose ?? true) console.log(index.classNames ? `Found ${n} files belonging to ${index.classNames.length} classes.` : `Found ${n} files.`);
  const seed = o.seed ?? generator().nextUint32();
  const order = Array.from({ length: n }, (_, i) => i);
  if (shuffle) {
    const g = new Generator(Math.floor(seed) >>> 0);
    for (let i = n - 1; i > 0; i--) {
      const j = g.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const paths = order.map((i) => index.paths[i]);
  const labels = index.labels ? order.map((i) => index.labels![i]) : null;
  const cut = split ? n - Math.floor(split * n) : n;
  const part = (a: number, b: number) => ({ paths: paths.slice(a, b), labels: labels ? labels.slice(a, b) : null });
  const subsets = o.subset === 'both' ? ['training', 'validation'] : [o.subset ?? 'all'];
  const splits = subsets.map((s) => (s === 'validation' ? part(cut, n) : s === 'training' ? part(0, cut) : part(0, n)));
  if (o.verbose ?? true) for (const [i, s] of subsets.entries()) if (s !== 'all') console.log(`Using ${splits[i].paths.length} files for ${s}.`);
  return { splits, classNames: index.classNames, seed, numClasses };
}

function labelValue(mode: LabelMode, label: number, numClasses: number): Tensor {
  if (mode === 'int') return new Tensor(adopt(Int32Array.of(label)), [], 'int32');
  if (mode === 'binary') return new Tensor(adopt(Float32Array.of(label)), [1], 'float32');
  const v = new Float32Array(numClasses);
  v[label] = 1;
  return new Tensor(adopt(v), [numClasses], 'float32');
}

/** The (path, label) pairs of one split, shuffled per epoch, loaded one by one, batched and prefetched (texts). */
function build<T>(split: { paths: string[]; labels: number[] | null }, p: Prepared, o: DirectoryOptions, load: (path: string) => Promise<T>, padded = false): DirectoryDataset<unknown> {
  const labelMode = o.labelMode === undefined ? 'int' : o.labelMode;
  const withLabels = labelMode !== null && split.labels !== null;
  const batchSize = o.batchSize === undefined ? 32 : o.batchSize;
  let ds: Dataset<unknown> = withLabels ? zip([array(split.paths), array(split.labels!)]) : array(split.paths);
  if (o.shuffle ?? true) ds = ds.shuffle(batchSize ? batchSize * 8 : 1024, { seed: p.seed });
  // File reads run on libuv's pool while the main thread trains on a batch; only the calls already queued can run
  // then, so two batches' worth are kept in flight.
  const parallel = Math.max(4 * availableParallelism(), 2 * (batchSize ?? 8));
  ds = withLabels
    ? (ds as Dataset<[string, number]>).map(async ([path, label]) => [await load(path), labelValue(labelMode, label, p.numClasses)], { numParallelCalls: parallel })
    : (ds as Dataset<string>).map((path) => load(path), { numParallelCalls: parallel });
  if (batchSize) ds = padded ? ds.paddedBatch(batchSize) : ds.batch(batchSize);
  ds = ds.prefetch(1);
  return Object.assign(ds, { classNames: p.classNames, filePaths: split.paths });
}

const sharpKernels = { bilinear: 'linear', nearest: 'nearest', bicubic: 'cubic', lanczos3: 'lanczos3', lanczos5: 'lanczos3' } as const;

/** How imageDatasetFromDirectory turns a chunk of paths into pixels. */
interface ImageDecoder {
  height: number;
  width: number;
  channels: number;
  /** Decode workers (0: small PNGs are decoded on the main thread). */
  workers: number;
  /** One image through sharp, as bytes in [0, 255]; a DataError naming the file when it does not decode. */
  viaSharp(path: string): Promise<Uint8Array>;
}

/**
 * The pixels of a chunk of images, float32 in [0, 255], and per image the error that kept it from decoding. Small PNGs
 * are decoded by `workers` decode workers (or here, with 0); the rest, and the files the PNG reader declines, by
 * sharp, whose decodes run on libuv's threads.
 */
async function decodeChunk(d: ImageDecoder, paths: string[], workers: number): Promise<{ pixels: Float32Array; errors: (Error | null)[] }> {
  const size = d.height * d.width * d.channels;
  let pixels: Float32Array;
  let fallback: number[];
  if (workers > 0) ({ pixels, fallback } = await decodeOnWorkers(workers, paths, d.height, d.width, d.channels));
  else {
    pixels = new Float32Array(paths.length * size);
    const small = smallPngSize(d.height, d.width);
    const decoded = await Promise.all(paths.map(async (path, i) => {
      if (!small || !isPng(path)) return false;
      const bytes = await readFile(path).catch(() => null);
      return bytes !== null && decodeSmallPng(bytes, d.height, d.width, d.channels, pixels, i * size);
    }));
    fallback = paths.map((_, i) => i).filter((i) => !decoded[i]);
  }
  const errors: (Error | null)[] = paths.map(() => null);
  await Promise.all(fallback.map(async (i) => {
    try {
      pixels.set(await d.viaSharp(paths[i]), i * size);
    } catch (err) {
      errors[i] = toError(err);
    }
  }));
  return { pixels, errors };
}

/** Consecutive elements in arrays of up to n (without stacking them, as batch() would). */
async function* chunks<T>(up: ElementIterator<T>, n: number): ElementIterator<T[]> {
  let chunk: T[] = [];
  for await (const e of iterate(up)) {
    // The sources here are arrays, which never fail; a failure would still keep its place.
    if (e instanceof Failure) {
      if (chunk.length) yield chunk;
      chunk = [];
      yield e;
      continue;
    }
    chunk.push(e);
    if (chunk.length === n) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
  return undefined;
}

/** A batch's labels as stacking labelValue's tensors would give them. */
function labelBatch(mode: LabelMode, labels: number[], numClasses: number): Tensor {
  const n = labels.length;
  if (mode === 'int') return new Tensor(adopt(Int32Array.from(labels)), [n], 'int32');
  if (mode === 'binary') return new Tensor(adopt(Float32Array.from(labels)), [n, 1], 'float32');
  const v = new Float32Array(n * numClasses);
  labels.forEach((label, i) => (v[i * numClasses + label] = 1));
  return new Tensor(adopt(v), [n, numClasses], 'float32');
}

/**
 * The (path, label) pairs of one split, shuffled per epoch, then decoded a batch at a time (so that a message to a
 * decode worker carries a whole batch) with several batches in flight, and prefetched. The order, the shuffling and
 * the errors are those of decoding each image in a map before batch(): a batch with a file that does not decode
 * fails with that file's error (the first such file's), and with batchSize null each image fails alone.
 */
function buildImages(split: { paths: string[]; labels: number[] | null }, p: Prepared, o: ImageDatasetOptions, d: ImageDecoder): DirectoryDataset<unknown> {
  const labelMode = o.labelMode === undefined ? 'int' : o.labelMode;
  const withLabels = labelMode !== null && split.labels !== null;
  const batchSize = o.batchSize === undefined ? 32 : o.batchSize;
  let pairs: Dataset<unknown> = withLabels ? zip([array(split.paths), array(split.labels!)]) : array(split.paths);
  if (o.shuffle ?? true) pairs = pairs.shuffle(batchSize ? batchSize * 8 : 1024, { seed: p.seed });
  const chunk = batchSize ?? 32;
  const size = d.height * d.width * d.channels;
  const workers = d.workers > 0 && smallPngSize(d.height, d.width) && split.paths.some(isPng) ? d.workers : 0;
  // Two chunks per worker, so that a worker has the next chunk when it finishes one; for sharp's decodes (libuv's 4
  // threads) about two batches' worth of images in flight.
  const inFlight = Math.max(2, 2 * workers, Math.ceil((4 * availableParallelism()) / chunk));
  const up = pairs.make;
  const toElements = async (items: unknown[]): Promise<unknown> => {
    const paths = withLabels ? (items as [string, number][]).map(([path]) => path) : (items as string[]);
    const labels = withLabels ? (items as [string, number][]).map(([, label]) => label) : null;
    const { pixels, errors } = await decodeChunk(d, paths, workers);
    if (batchSize) {
      const failed = errors.find((e) => e !== null);
      if (failed) throw failed;
      const images = new Tensor(adopt(pixels), [paths.length, d.height, d.width, d.channels], 'float32');
      return labels ? [images, labelBatch(labelMode, labels, p.numClasses)] : images;
    }
    return paths.map((_, i) => {
      if (errors[i]) return new Failure(errors[i]!);
      const image = new Tensor(adopt(pixels.slice(i * size, (i + 1) * size)), [d.height, d.width, d.channels], 'float32');
      return labels ? [image, labelValue(labelMode, labels[i], p.numClasses)] : image;
    });
  };
  const decoded = new Dataset<unknown>(async function* () {
    const out = mapParallel(chunks(up(), chunk), toElements, inFlight);
    if (batchSize) yield* iterate(out);
    else for await (const e of iterate(out)) yield* (e instanceof Failure ? [e] : (e as unknown[]));
    return undefined;
  }, batchSize ? Math.ceil(split.paths.length / batchSize) : split.paths.length);
  return Object.assign(decoded.prefetch(1), { classNames: p.classNames, filePaths: split.paths });
}

/**
 * Images from a directory with one sub-folder per class (Keras's image_dataset_from_directory): elements are
 * [images, labels] batches, images float32 [batch, height, width, channels] with values in [0, 255] (as Keras: add a
 * Rescaling layer or a map to scale them). PNG, JPEG, GIF and WebP are decoded with sharp, except small 8-bit PNGs
 * that already have the size and channels asked for, which a small PNG reader on node:zlib decodes on worker threads
 * (decodeWorkers). With subset 'both', a pair [training, validation]. A file that does not decode fails its element
 * with an error naming the file.
 */
export async function imageDatasetFromDirectory(dir: string, options: ImageDatasetOptions & { subset: 'both' }): Promise<[DirectoryDataset<[Tensor, Tensor]>, DirectoryDataset<[Tensor, Tensor]>]>;
export async function imageDatasetFromDirectory(dir: string, options?: ImageDatasetOptions): Promise<DirectoryDataset<[Tensor, Tensor]>>;
export async function imageDatasetFromDirectory(dir: string, options: ImageDatasetOptions = {}): Promise<DirectoryDataset<unknown> | DirectoryDataset<unknown>[]> {
  const what = 'imageDatasetFromDirectory';
  const size = options.imageSize ?? [256, 256];
  if (!Array.isArray(size) || size.length !== 2) throw new Error(`${what}: imageSize must be [height, width] with positive integers, received ${JSON.stringify(options.imageSize)}`);
  const [height, width] = size;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) throw new Error(`${what}: imageSize must be [height, width] with positive integers, received ${JSON.stringify(options.imageSize)}`);
  const colorMode = options.colorMode ?? 'rgb';
  const channels = { grayscale: 1, rgb: 3, rgba: 4 }[colorMode];
  if (!channels) throw new Error(`${what}: colorMode must be 'grayscale', 'rgb' or 'rgba', received ${String(colorMode)}`);
  const kernel = sharpKernels[options.interpolation ?? 'bilinear'];
  if (!kernel) throw new Error(`${what}: interpolation must be one of ${Object.keys(sharpKernels).join(', ')}, received ${String(options.interpolation)}`);
  const workers = options.decodeWorkers ?? defaultDecodeWorkers();
  if (!(Number.isInteger(workers) && workers >= 0)) throw new Error(`${what}: decodeWorkers must be an integer >= 0, received ${String(options.decodeWorkers)}`);
  const { default: sharp } = await import('sharp');
  const viaSharp = async (path: string): Promise<Uint8Array> => {
    let pixels: Buffer;
    let info: { width: number; height: number; channels: number };
    try {
      // One libvips call per image (sharp leaves an image that already has the size untouched): at ~0.1-1 ms a
      // call, a separate metadata() call would add a quarter to the decoding time of small images.
      let img = sharp(path, { failOn: 'error' }).resize(width, height, { fit: options.cropToAspectRatio ? 'cover' : 'fill', kernel });
      if (channels === 1) img = img.removeAlpha().toColourspace('b-w');
      else if (channels === 3) img = img.removeAlpha().toColourspace('srgb');
      else img = img.ensureAlpha().toColourspace('srgb');
      ({ data: pixels, info } = await img.raw().toBuffer({ resolveWithObject: true }));
    } catch (err) {
      throw new DataError(`${what}: cannot decode ${path}: ${(err as Error).message}`, path, undefined, { cause: err });
    }
    if (info.channels !== channels || info.width !== width || info.height !== height) {
      throw new DataError(`${what}: ${path} decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x${channels}`, path);
    }
    return pixels;
  };
  const p = await prepare(what, dir, imageFormats, options);
  const decoder: ImageDecoder = { height, width, channels, workers, viaSharp };
  const sets = p.splits.map((s) => buildImages(s, p, options, decoder));
  return options.subset === 'both' ? sets : sets[0];
}

/**
 * Decode workers by default: the cores the kernels leave free (training keeps its threads busy only part of the
 * time, so one worker is started even when they take every core), at most 4: a worker decodes a 28x28 PNG in tens
 * of microseconds, far faster than a model trains on it.
 */
function defaultDecodeWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - backendInfo().threads));
}

/**
 * Texts from a directory of .txt files, one sub-folder per class (Keras's text_dataset_from_directory): elements are
 * [texts, labels] batches, texts a string tensor [batch] for TextVectorization.
 */
export async function textDatasetFromDirectory(dir: string, options: TextDatasetOptions & { subset: 'both' }): Promise<[DirectoryDataset<[Tensor, Tensor]>, DirectoryDataset<[Tensor, Tensor]>]>;
export async function textDatasetFromDirectory(dir: string, options?: TextDatasetOptions): Promise<DirectoryDataset<[Tensor, Tensor]>>;
export async function textDatasetFromDirectory(dir: string, options: TextDatasetOptions = {}): Promise<DirectoryDataset<unknown> | DirectoryDataset<unknown>[]> {
  const what = 'textDatasetFromDirectory';
  const maxLength = options.maxLength;
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength > 0)) throw new Error(`${what}: maxLength must be a positive integer, received ${String(maxLength)}`);
  const load = async (path: string): Promise<Tensor> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new DataError(`${what}: cannot read ${path}: ${(err as Error).message}`, path, undefined, { cause: err });
    }
    return fromStrings([maxLength ? text.slice(0, maxLength) : text], []);
  };
  const p = await prepare(what, dir, ['.txt'], options);
  const sets = p.splits.map((s) => build(s, p, options, load));
  return options.subset === 'both' ? sets : sets[0];
}

/**
 * Clips from a directory of .wav files, one sub-folder per class (Keras's audio_dataset_from_directory): elements are
 * [audio, labels] batches, audio float32 [batch, samples, channels] in [-1, 1) (tn.audio.decodeWav's), each batch
 * padded with zeros to its longest clip unless outputSequenceLength fixes the length.
 */
export async function audioDatasetFromDirectory(dir: string, options: AudioDatasetOptions & { subset: 'both' }): Promise<[DirectoryDataset<[Tensor, Tensor]>, DirectoryDataset<[Tensor, Tensor]>]>;
export async function audioDatasetFromDirectory(dir: string, options?: AudioDatasetOptions): Promise<DirectoryDataset<[Tensor, Tensor]>>;
export async function audioDatasetFromDirectory(dir: string, options: AudioDatasetOptions = {}): Promise<DirectoryDataset<unknown> | DirectoryDataset<unknown>[]> {
  const what = 'audioDatasetFromDirectory';
  const { samplingRate, outputSequenceLength } = options;
  if (samplingRate !== undefined && samplingRate !== null && !(Number.isInteger(samplingRate) && samplingRate > 0)) throw new Error(`${what}: samplingRate must be a positive integer, received ${String(samplingRate)}`);
  if (outputSequenceLength !== undefined && outputSequenceLength !== null && !(Number.isInteger(outputSequenceLength) && outputSequenceLength > 0)) {
    throw new Error(`${what}: outputSequenceLength must be a positive integer, received ${String(outputSequenceLength)}`);
  }
  if (options.ragged) throw new Error(`${what}: ragged batches need ragged tensors, which tensornode does not have; pass batchSize: null for clips one at a time, each of its own length, or outputSequenceLength for one length`);
  let rate: number | null = null;
  const load = async (path: string): Promise<Tensor> => {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new DataError(`${what}: cannot read ${path}: ${(err as Error).message}`, path, undefined, { cause: err });
    }
    let clip;
    try {
      clip = readWav(bytes, `${what}: ${path}`);
    } catch (err) {
      throw new DataError((err as Error).message, path, undefined, { cause: err });
    }
    if (samplingRate) {
      clip = { ...clip, samples: resampleInterleaved(clip.samples, clip.channels, clip.sampleRate, samplingRate), sampleRate: samplingRate };
      clip.frames = clip.samples.length / clip.channels;
    } else if (rate !== null && clip.sampleRate !== rate) {
      // Clips of different rates in one batch would be different sounds at one tensor rate.
      throw new DataError(`${what}: ${path} has a sample rate of ${clip.sampleRate} Hz, but other clips have ${rate} Hz; pass samplingRate to resample them all to one`, path);
    }
    rate = clip.sampleRate;
    const fitted = fitWav(clip, -1, outputSequenceLength ?? -1, `${what}: ${path}`);
    return new Tensor(adopt(fitted.samples), [fitted.frames, fitted.channels], 'float32');
  };
  const p = await prepare(what, dir, ['.wav'], options);
  const sets = p.splits.map((s) => build(s, p, options, load, !outputSequenceLength));
  return options.subset === 'both' ? sets : sets[0];
}
