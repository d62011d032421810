// Checkpoints: ModelCheckpoint (Keras's, saving the model or its weights every epoch or every n batches, optionally
// only when a monitored value improves) and BackupAndRestore (a backup that a restarted training process resumes from,
// at the epoch and batch where it was taken, with the same weights, optimizer state and random state). Every file is
// written crash-safe (lib/io/atomic.ts): a process killed mid-save leaves the previous checkpoint intact.
import { checkOptionNames } from '../names.js';
import { access, mkdir, readdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeManifestAndData } from '../io/atomic.js';
import { checkManifest, readJSONFile, readWeights } from '../io/manifest.js';
import { Layer } from '../layers/layer.js';
import type { Model } from '../models/model.js';
import { applyWeights, collectWeights } from '../models/weights.js';
import { Generator, getRandomState, setRandomState, type RandomState } from '../random.js';
import { backendInfo } from '../backend.js';
import { checkMode, resolveMode, type Mode } from './builtin.js';
import { Callback, type Logs } from './callback.js';

// ---------------------------------------------------------------------------------------------------------------
// Python's str.format for file names: "{epoch:02d}-{val_loss:.4f}"

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([deEfFgG%s])?$/;

/**
 * round(x * 10^t) for a finite x >= 0, computed exactly on x's binary value with ties to even, as Python's float
 * formatting rounds (JavaScript's toFixed and toExponential send an exact tie such as 0.125 away from zero).
 */
function roundScaled(x: number, t: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (biased === 0 ? 0n : 1n << 52n);
  // x = mantissa * 2^power; x * 10^t = num / den.
  const power = Math.max(biased, 1) - 1075;
  let num = mantissa * (t > 0 ? 10n ** BigInt(t) : 1n);
  let den = t < 0 ? 10n ** BigInt(-t) : 1n;
  if (power >= 0) num <<= BigInt(power);
  else den <<= BigInt(-power);
  const floor = num / den;
  const twice = 2n * (num - floor * den);
  return twice > den || (twice === den && (floor & 1n) === 1n) ? floor + 1n : floor;
}

function toFixedEven(x: number, digits: number): string {
  const text = roundScaled(x, digits).toString().padStart(digits + 1, '0');
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** x.toExponential(digits) rounded as Python rounds, with Python's two-digit exponent. */
function toExponentialEven(x: number, digits: number): string {
  if (x === 0) return `${(0).toFixed(digits)}e+00`;
  let exp = Number(x.toExponential().split('e')[1]);
  let q = roundScaled(x, digits - exp);
  if (q >= 10n ** BigInt(digits + 1)) {
    exp += 1;
    q = roundScaled(x, digits - exp);
  }
  const text = q.toString();
  const mantissa = digits === 0 ? text : `${text[0]}.${text.slice(1)}`;
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function formatNumber(value: number, spec: string, field: string, isInt = false): string {
  const m = SPEC.exec(spec);
  if (!m) throw new Error(`Invalid format specifier '${spec}' for field '${field}'`);
  const [, fillChar, alignChar, sign = '-', alt, zero, widthText, grouping, precisionText, type = ''] = m;
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  if (type === 's') throw new Error(`Unknown format code 's' for the number in field '${field}'`);
  if (type === 'd' && !Number.isInteger(value)) throw new Error(`Unknown format code 'd' for object of type 'float' (field '${field}' is ${value})`);
  const negative = value < 0 || Object.is(value, -0);
  const x = Math.abs(value);
  let body: string;
  const pyExp = (s: string) => s.replace(/e([+-])(\d)$/, 'e$10$2');
  if (!Number.isFinite(x)) body = Number.isNaN(x) ? 'nan' : 'inf';
  else if (type === 'f' || type === 'F') body = toFixedEven(x, precision ?? 6);
  else if (type === 'e' || type === 'E') body = toExponentialEven(x, precision ?? 6);
  else if (type === '%') body = Number.isFinite(x * 100) ? `${toFixedEven(x * 100, precision ?? 6)}%` : 'inf%';
  else if (type === 'g' || type === 'G' || (type === '' && precision !== undefined)) {
    // Python's general format: fixed or scientific by the exponent, trailing zeros removed (kept with '#'). With no
    // type, a float switches to scientific one digit earlier and keeps a digit after the point ('{:.3}' of 2.0: '2.0').
    const p = Math.max(1, precision ?? 6);
    const exp = x === 0 ? 0 : Number(toExponentialEven(x, p - 1).split('e')[1]);
    const fixed = exp >= -4 && exp < (type === '' && !isInt ? p - 1 : p);
    body = fixed ? toFixedEven(x, Math.max(0, p - 1 - exp)) : toExponentialEven(x, p - 1);
    if (!alt) body = body.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
    else if (!body.includes('.')) body = body.replace(/(e|$)/, '.$1');
    if (type === '' && !isInt && fixed && !body.includes('.')) body += '.0';
  } else if (type === 'd') body = String(x);
  else if (isInt) body = String(x);
  else {
    // Python's repr of a float: the shortest round-trip digits, scientific outside [1e-4, 1e16), '.0' when integral.
    const exp = x === 0 ? 0 : Number(x.toExponential().split('e')[1]);
    body = exp < -4 || exp >= 16 ? pyExp(x.toExponential()) : String(x).includes('.') ? String(x) : `${String(x)}.0`;
  }
  if (type === 'E' || type === 'G' || type === 'F') body = body.toUpperCase();
  if (grouping) {
    const int = body.split(/(?=[.eE%])/)[0];
    body = int.replace(/\B(?=(\d{3})+(?!\d))/g, grouping) + body.slice(int.length);
  }
  const signText = negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  const width = widthText === undefined ? 0 : Number(widthText);
  const pad = Math.max(0, width - signText.length - body.length);
  const align = alignChar ?? (zero ? '=' : '>');
  const fill = fillChar ?? (zero && !alignChar ? '0' : ' ');
  if (align === '=') return signText + fill.repeat(pad) + body;
  if (align === '<') return signText + body + fill.repeat(pad);
  if (align === '^') return fill.repeat(Math.floor(pad / 2)) + signText + body + fill.repeat(Math.ceil(pad / 2));
  return fill.repeat(pad) + signText + body;
}

/**
 * Python's `template.format(**values)` for numbers: `{name}`, `{name:spec}` with the format-spec mini-language
 * (fill, align, sign, 0, width, grouping, precision, types d e f g %), and `{{`/`}}` for literal braces.
 */
export function formatTemplate(template: string, values: Record<string, number>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{' && template[i + 1] === '{') {
      out += '{';
      i++;
    } else if (c === '}' && template[i + 1] === '}') {
      out += '}';
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) throw new Error(`Single '{' encountered in format string "${template}"`);
      const field = template.slice(i + 1, end);
      const colon = field.indexOf(':');
      const name = colon < 0 ? field : field.slice(0, colon);
      if (!Object.hasOwn(values, name)) throw new Error(`KeyError '${name}': available keys are ${Object.keys(values).join(', ')}`);
      // epoch and batch are integers; log values are floats, shown as Python shows a float ({loss} of 1 is "1.0").
      out += formatNumber(values[name], colon < 0 ? '' : field.slice(colon + 1), name, name === 'epoch' || name === 'batch');
      i = end;
    } else if (c === '}') {
      throw new Error(`Single '}' encountered in format string "${template}"`);
    } else out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// ModelCheckpoint

export interface ModelCheckpointArgs {
  /** Where to save; may hold `{epoch:02d}` (1-based), `{batch}` (1-based, with a batch saveFreq) and any log key (`{val_loss:.4f}`). */
  filepath: string;
  monitor?: string;
  verbose?: number;
  /** Save only when `monitor` improves on the best value so far (the file is then overwritten, unless templated). */
  saveBestOnly?: boolean;
  /** model.saveWeights(path) instead of model.save(path) (a `.weights.h5` path or a folder). */
  saveWeightsOnly?: boolean;
  mode?: Mode;
  /** 'epoch', or save every this many batches. */
  saveFreq?: 'epoch' | number;
  /** With saveBestOnly: the value to beat before the first save. */
  initialValueThreshold?: number;
}

/**
 * Saves the model (tensornode's folder format, or the format its path's ending names: `.keras` for the model,
 * `.weights.h5` with saveWeightsOnly, both Keras 3's files) at the end of every epoch or
 * every `saveFreq` batches, as Keras's ModelCheckpoint. With saveBestOnly only when `monitor` improved.
 */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: 'min' | 'max';
  readonly saveFreq: 'epoch' | number;
  readonly initialValueThreshold: number | undefined;
  best: number;
  private currentEpoch = 0;
  private lastBatchSeen = 0;
  private batchesSinceSave = 0;

  constructor(filepath: string | ModelCheckpointArgs, args: Omit<ModelCheckpointArgs, 'filepath'> = {}) {
    super();
    const a: ModelCheckpointArgs = typeof filepath === 'string' ? { ...args, filepath } : filepath;
    checkOptionNames(a, ['filepath', 'monitor', 'verbose', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'saveFreq', 'initialValueThreshold'], 'ModelCheckpoint');
    if (!a || typeof a.filepath !== 'string' || a.filepath.length === 0) throw new Error(`ModelCheckpoint: filepath must be a non-empty string, received ${JSON.stringify(a?.filepath)}`);
    this.filepath = a.filepath;
    this.monitor = a.monitor ?? 'val_loss';
    this.verbose = a.verbose ?? 0;
    this.saveBestOnly = a.saveBestOnly ?? false;
    this.saveWeightsOnly = a.saveWeightsOnly ?? false;
    // Keras's checks: a Keras file's ending must name what is saved (a folder path is tensornode's format either way).
    if (this.saveWeightsOnly && /\.keras$/i.test(this.filepath)) {
      throw new Error(`ModelCheckpoint: with saveWeightsOnly: true, the filepath must end in \`.weights.h5\` (Keras's weights file) or be a directory path, received filepath=${this.filepath}`);
    }
    if (!this.saveWeightsOnly && /\.(h5|hdf5)$/i.test(this.filepath)) {
      throw new Error(`ModelCheckpoint: the filepath must end in \`.keras\` (Keras's model file) or be a directory path when saving the whole model; for weights only (\`.weights.h5\`) pass saveWeightsOnly: true. Received filepath=${this.filepath}`);
    }
    this.mode = resolveMode(checkMode(a.mode, 'ModelCheckpoint'), this.monitor);
    const freq = a.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(Number.isInteger(freq) && (freq as number) > 0)) {
      throw new Error(`ModelCheckpoint: Unrecognized save_freq: saveFreq must be 'epoch' or a positive integer (a number of batches), received ${JSON.stringify(freq)}`);
    }
    this.saveFreq = freq;
    if (a.initialValueThreshold !== undefined && typeof a.initialValueThreshold !== 'number') {
      throw new Error(`ModelCheckpoint: initialValueThreshold must be a number, received ${JSON.stringify(a.initialValueThreshold)}`);
    }
    this.initialValueThreshold = a.initialValueThreshold;
    this.best = this.initialValueThreshold ?? (this.mode === 'min' ? Infinity : -Infinity);
    // A templated path is checked now, with dummy values, so a malformed one fails before training starts.
    const probe: Record<string, number> = new Proxy({}, { get: () => 1, has: () => true, getOwnPropertyDescriptor: () => ({ value: 1, configurable: true, enumerable: true }) });
    try {
      formatTemplate(this.filepath, probe);
    } catch (err) {
      throw new Error(`ModelCheckpoint: filepath "${this.filepath}" is not a valid template: ${(err as Error).message}`);
    }
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override async onTrainBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    // Keras's count: a batch index not above the last one seen starts a new epoch.
    this.batchesSinceSave += batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.lastBatchSeen = batch;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      await this.save(this.currentEpoch, batch, logs);
    }
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') await this.save(epoch, null, logs);
  }

  /** The path for this epoch (0-based here, 1-based in the name as in Keras) and batch. */
  filePathFor(epoch: number, batch: number | null, logs: Logs): string {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== null && !('batch' in logs)) values.batch = batch + 1;
    try {
      return formatTemplate(this.filepath, values);
    } catch (err) {
      throw new Error(`ModelCheckpoint: Failed to format this callback filepath: "${this.filepath}". Reason: ${(err as Error).message}`);
    }
  }

  private async write(path: string): Promise<void> {
    // As Keras: the folder of a file path is created (a folder path is created by the save itself).
    await mkdir(dirname(path), { recursive: true });
    if (this.saveWeightsOnly) await this.model!.saveWeights(path);
    else await this.model!.save(path);
  }

  private say(text: string): void {
    if (this.verbose > 0) process.stdout.write(`\n${text}\n`);
  }

  private async save(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const path = this.filePathFor(epoch, batch, logs);
    if (!this.saveBestOnly) {
      this.say(`Epoch ${epoch + 1}: saving model to ${path}`);
      await this.write(path);
      return;
    }
    const current = logs[this.monitor];
    if (typeof current !== 'number') {
      process.stderr.write(`ModelCheckpoint: can save best model only with ${this.monitor} available, skipping. Available: ${Object.keys(logs).join(', ')}\n`);
      return;
    }
    const f = (v: number) => formatNumber(v, '.5f', this.monitor);
    if (this.mode === 'min' ? current < this.best : current > this.best) {
      this.say(`Epoch ${epoch + 1}: ${this.monitor} improved from ${f(this.best)} to ${f(current)}, saving model to ${path}`);
      this.best = current;
      await this.write(path);
    } else {
      this.say(`Epoch ${epoch + 1}: ${this.monitor} did not improve from ${f(this.best)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// BackupAndRestore

const BACKUP_FORMAT = 'tensornode-backup';
const BACKUP_VERSION = 1;
const BACKUP_MANIFEST = 'backup.json';

export interface BackupAndRestoreArgs {
  /** The folder holding the backup (created if needed). */
  backupDir: string;
  /** 'epoch' (at the end of each epoch), or every this many batches. */
  saveFreq?: 'epoch' | number;
  /** Remove the backup when training ends normally (not when the process dies or fit throws). Default true. */
  deleteCheckpoint?: boolean;
}

interface BackupFile {
  format: string;
  formatVersion: number;
  generatedBy: string;
  /** The epoch to continue (0-based) and the batches of it already trained. */
  epoch: number;
  step: number;
  /** The global generator when the epoch began (before its shuffle) and when the backup was taken. */
  epochRandomState: RandomState;
  randomState: RandomState;
  /** Generators layers hold (seeded Dropout), by "layer path.property". */
  layerRandomStates: Record<string, RandomState>;
  optimizer: unknown;
  weightsManifest: unknown;
}

/** Every Generator the model's layers hold (seeded Dropout's stream), keyed by layer path and property name. */
export function layerGenerators(model: Model): Map<string, Generator> {
  const found = new Map<string, Generator>();
  const seen = new Set<object>();
  const visit = (layer: Layer, path: string) => {
    if (seen.has(layer)) return;
    seen.add(layer);
    // A model's layers (Sequential, functional, nested) by name; a wrapper's inner layers by property.
    const children = (layer as unknown as { layers?: unknown }).layers;
    if (Array.isArray(children)) for (const child of children) if (child instanceof Layer) visit(child, `${path}/${child.name}`);
    for (const [key, value] of Object.entries(layer)) {
      if (value instanceof Generator) found.set(`${path}.${key}`, value);
      else if (value instanceof Layer) visit(value, `${path}/${key}`);
    }
  };
  visit(model, model.name);
  return found;
}

/**
 * Keras's BackupAndRestore: backs up the training state every epoch (or every `saveFreq` batches); when training is
 * started again after the process was killed, onTrainBegin restores it and fit continues at the epoch and batch of
 * the backup. The backup holds the weights, the optimizer's slots, step count and learning rate, and the random
 * generators' states, so the resumed run shuffles and drops out as the uninterrupted one would and ends with exactly
 * its weights. Metrics averaged over a resumed epoch cover only the batches trained after the resume.
 */
export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly saveFreq: 'epoch' | number;
  readonly deleteCheckpoint: boolean;
  private epochRandomState: RandomState | null = null;
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private pending: BackupFile | null = null;

  constructor(backupDir: string | BackupAndRestoreArgs, args: Omit<BackupAndRestoreArgs, 'backupDir'> = {}) {
    super();
    const a: BackupAndRestoreArgs = typeof backupDir === 'string' ? { ...args, backupDir } : backupDir;
    checkOptionNames(a, ['backupDir', 'saveFreq', 'deleteCheckpoint'], 'BackupAndRestore');
    if (!a || typeof a.backupDir !== 'string' || a.backupDir.length === 0) throw new Error(`BackupAndRestore: Empty \`backupDir\` argument passed; expected a folder path, received ${JSON.stringify(a?.backupDir)}`);
    const freq = a.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(Number.isInteger(freq) && (freq as number) > 0)) {
      throw new Error(`BackupAndRestore: Invalid value for argument \`saveFreq\`: expected 'epoch' or a positive integer (a number of batches), received ${JSON.stringify(freq)}`);
    }
    this.backupDir = a.backupDir;
    this.saveFreq = freq;
    this.deleteCheckpoint = a.deleteCheckpoint ?? true;
  }

  private get manifestPath(): string {
    return join(this.backupDir, BACKUP_MANIFEST);
  }

  override async onTrainBegin(): Promise<void> {
    this.batchesSinceSave = 0;
    this.pending = null;
    const model = this.model!;
    const file = this.manifestPath;
    const exists = await access(file).then(() => true, () => false);
    if (!exists) return;
    const json = (await readJSONFile(file, 'BackupAndRestore')) as BackupFile;
    if (!json || typeof json !== 'object' || json.format !== BACKUP_FORMAT || json.formatVersion !== BACKUP_VERSION) {
      throw new Error(`BackupAndRestore: ${file} is not a tensornode backup (format ${JSON.stringify(json?.format)?.slice(0, 100)}, version ${JSON.stringify(json?.formatVersion)?.slice(0, 20)})`);
    }
    if (!Number.isSafeInteger(json.epoch) || json.epoch < 0 || !Number.isSafeInteger(json.step) || json.step < 0) {
      throw new Error(`BackupAndRestore: ${file}: epoch and step must be non-negative integers, found ${JSON.stringify([json.epoch, json.step])}`);
    }
    if (!model.built) throw new Error(`BackupAndRestore: model "${model.name}" must be built before fit() to restore ${file}: give its first layer an inputShape, or call it on data first`);
    // Every state is checked before any is applied.
    const check = (s: unknown, what: string) => {
      try {
        new Generator(1).setState(s as RandomState);
      } catch (err) {
        throw new Error(`BackupAndRestore: ${file}: ${what}: ${(err as Error).message}`);
      }
    };
    check(json.epochRandomState, 'epochRandomState');
    check(json.randomState, 'randomState');
    const generators = layerGenerators(model);
    const saved = json.layerRandomStates && typeof json.layerRandomStates === 'object' ? json.layerRandomStates : {};
    for (const key of new Set([...generators.keys(), ...Object.keys(saved)])) {
      if (!generators.has(key) || !Object.hasOwn(saved, key)) throw new Error(`BackupAndRestore: ${file} does not fit model "${model.name}": random generator ${key} is in ${generators.has(key) ? 'the model but not the backup' : 'the backup but not the model'}`);
      check(saved[key], key);
    }
    const label = `BackupAndRestore: ${file}`;
    const loaded = await readWeights(await checkManifest(json.weightsManifest, this.backupDir, label), label);
    applyWeights(model, loaded, json.optimizer, file);
    for (const [key, g] of generators) g.setState(saved[key]);
    this.pending = json;
    this.currentEpoch = json.epoch;
    model.resumeAt = { epoch: json.epoch, step: json.step };
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
    // The resumed epoch replays its shuffle from the state the interrupted run had when it began.
    if (this.pending && epoch === this.pending.epoch) {
      setRandomState(this.pending.epochRandomState);
      // A backup from an epoch's end has nothing more to restore: the epoch starts from its beginning.
      if (this.pending.step === 0) this.pending = null;
    }
    this.epochRandomState = getRandomState();
  }

  override onTrainBatchBegin(): void {
    // ... and its batches continue from the state after the last backed-up batch.
    if (this.pending) {
      setRandomState(this.pending.randomState);
      this.pending = null;
    }
  }

  override async onTrainBatchEnd(batch: number): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave++;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      await this.backup(this.currentEpoch, batch + 1);
    }
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    // A backup taken after an epoch's last batch resumes with no batch left to run: its state applies here.
    if (this.pending) setRandomState(this.pending.randomState);
    this.pending = null;
    if (this.saveFreq === 'epoch') await this.backup(epoch + 1, 0);
  }

  private async backup(epoch: number, step: number): Promise<void> {
    const model = this.model!;
    const { specs, data, optimizer } = collectWeights(model);
    const now = getRandomState();
    const layerRandomStates: Record<string, RandomState> = {};
    for (const [key, g] of layerGenerators(model)) layerRandomStates[key] = g.getState();
    await mkdir(this.backupDir, { recursive: true });
    await writeManifestAndData(this.manifestPath, data, (name) => {
      const file: BackupFile = {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_VERSION,
        generatedBy: `tensornode ${backendInfo().version}`,
        epoch,
        step,
        // A backup at the end of an epoch continues with the next epoch, which begins in the state of now.
        epochRandomState: step === 0 ? now : this.epochRandomState ?? now,
        randomState: now,
        layerRandomStates,
        optimizer,
        weightsManifest: [{ paths: [name], weights: specs }],
      };
      return JSON.stringify(file);
    });
  }

  override async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint) return;
    // Only the backup's own files are removed (and the folder, when that leaves it empty).
    let names: string[];
    try {
      names = await readdir(this.backupDir);
    } catch {
      return;
    }
    const own = (n: string) => n === BACKUP_MANIFEST || /^backup\.weights\.[0-9a-f]{16}\.bin$/.test(n) || /^\.backup\..*\.tmp-\d+-/.test(n);
    // The manifest goes first, so a kill part-way leaves no backup rather than a manifest without its data.
    for (const n of names.filter(own).sort((a, b) => Number(b === BACKUP_MANIFEST) - Number(a === BACKUP_MANIFEST))) await unlink(join(this.backupDir, n)).catch(() => {});
    await rmdir(this.backupDir).catch(() => {});
  }
}
