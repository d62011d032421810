// Keras's image_dataset_from_directory and text_dataset_from_directory: one sub-folder per class (sorted by name, so
// class i is the i-th folder in alphabetical order), the file list shuffled with the seed before the validation split
// (so that training and validation never overlap for one seed), then per epoch: (path, label) pairs shuffled, files
// decoded, batched and prefetched. Images are decoded by sharp (libvips), whose work runs on libuv's thread pool, so
// several decodes run at once off the main thread while the model trains.
import { readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { adopt } from '../memory.js';
import { generator, Generator } from '../random.js';
import { fromStrings, Tensor } from '../tensor.js';
import { Dataset } from './dataset.js';
import { DataError } from './failure.js';
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
}

export interface TextDatasetOptions extends DirectoryOptions {
  /** Keep at most this many characters of each text. */
  maxLength?: number;
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

/** The (path, label) pairs of one split, shuffled per epoch, loaded, batched and prefetched. */
function build<T>(split: { paths: string[]; labels: number[] | null }, p: Prepared, o: DirectoryOptions, load: (path: string) => Promise<T>): DirectoryDataset<unknown> {
  const labelMode = o.labelMode === undefined ? 'int' : o.labelMode;
  const withLabels = labelMode !== null && split.labels !== null;
  const batchSize = o.batchSize === undefined ? 32 : o.batchSize;
  let ds: Dataset<unknown> = withLabels ? zip([array(split.paths), array(split.labels!)]) : array(split.paths);
  if (o.shuffle ?? true) ds = ds.shuffle(batchSize ? batchSize * 8 : 1024, { seed: p.seed });
  // sharp's decodes run on libuv's pool (4 threads by default) while the main thread trains on a batch; only the
  // calls already queued can run then, so two batches' worth are kept in flight.
  const parallel = Math.max(4 * availableParallelism(), 2 * (batchSize ?? 8));
  ds = withLabels
    ? (ds as Dataset<[string, number]>).map(async ([path, label]) => [await load(path), labelValue(labelMode, label, p.numClasses)], { numParallelCalls: parallel })
    : (ds as Dataset<string>).map((path) => load(path), { numParallelCalls: parallel });
  if (batchSize) ds = ds.batch(batchSize);
  ds = ds.prefetch(1);
  return Object.assign(ds, { classNames: p.classNames, filePaths: split.paths });
}

/** Up to this many pixels a PNG of the right size is decoded in JavaScript (fast-png) instead of by sharp. */
const SMALL_PNG_PIXELS = 64 * 64;

const sharpKernels = { bilinear: 'linear', nearest: 'nearest', bicubic: 'cubic', lanczos3: 'lanczos3', lanczos5: 'lanczos3' } as const;

/**
 * Images from a directory with one sub-folder per class (Keras's image_dataset_from_directory): elements are
 * [images, labels] batches, images float32 [batch, height, width, channels] with values in [0, 255] (as Keras: add a
 * Rescaling layer or a map to scale them). PNG, JPEG, GIF and WebP are decoded with sharp. With subset 'both', a pair
 * [training, validation]. A file that does not decode fails its element with an error naming the file.
 */
export async function imageDatasetFromDirectory(dir: string, options: ImageDatasetOptions & { subset: 'both' }): Promise<[DirectoryDataset<[Tensor, Tensor]>, DirectoryDataset<[Tensor, Tensor]>]>;
export async function imageDatasetFromDirectory(dir: string, options?: ImageDatasetOptions): Promise<DirectoryDataset<[Tensor, Tensor]>>;
export async function imageDatasetFromDirectory(dir: string, options: ImageDatasetOptions = {}): Promise<DirectoryDataset<unknown> | DirectoryDataset<unknown>[]> {
  const what = 'imageDatasetFromDirectory';
  const [height, width] = options.imageSize ?? [256, 256];
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) throw new Error(`${what}: imageSize must be [height, width] with positive integers, received ${JSON.stringify(options.imageSize)}`);
  const colorMode = options.colorMode ?? 'rgb';
  const channels = { grayscale: 1, rgb: 3, rgba: 4 }[colorMode];
  if (!channels) throw new Error(`${what}: colorMode must be 'grayscale', 'rgb' or 'rgba', received ${String(colorMode)}`);
  const kernel = sharpKernels[options.interpolation ?? 'bilinear'];
  if (!kernel) throw new Error(`${what}: interpolation must be one of ${Object.keys(sharpKernels).join(', ')}, received ${String(options.interpolation)}`);
  const { default: sharp } = await import('sharp');
  const toTensor = (pixels: Uint8Array) => {
    const out = new Float32Array(pixels.length);
    for (let i = 0; i < pixels.length; i++) out[i] = pixels[i];
    return new Tensor(adopt(out), [height, width, channels], 'float32');
  };
  const load = async (path: string): Promise<Tensor> => {
    // Small PNGs that already have the size and channels asked for (MNIST-style digits) are decoded here: sharp's
    // set-up costs ~1 ms of CPU per call whatever the size, several times a small image's decoding, and that CPU is
    // taken from training. Anything else (other sizes, palettes, 16-bit, damaged files) goes to sharp below.
    if (width * height <= SMALL_PNG_PIXELS && extname(path).toLowerCase() === '.png') {
      const decoded = await readFile(path).then((bytes) => decodePng(bytes, { checkCrc: true }), () => null).catch(() => null);
      if (decoded && decoded.depth === 8 && !decoded.palette && decoded.channels === channels && decoded.width === width && decoded.height === height) {
        return toTensor(decoded.data as Uint8Array);
      }
    }
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
    return toTensor(pixels);
  };
  const p = await prepare(what, dir, imageFormats, options);
  const sets = p.splits.map((s) => build(s, p, options, load));
  return options.subset === 'both' ? sets : sets[0];
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
