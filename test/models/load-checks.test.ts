// Loading checks before it trusts: each damaged or hostile model folder gives an Error naming the file and what is
// wrong, and no path outside the folder is opened. The "outside" file is a FIFO: opening it for reading would block
// the loader, and after the load a non-blocking open for writing fails with ENXIO only if no reader holds it open.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, cpSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, appendFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-checks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());
let count = 0;

interface Manifest {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  [key: string]: unknown;
}

/** A saved model (Dense 3 -> 4 -> 2, Adam with slots), with helpers to damage it. */
async function savedModel(kind: 'model' | 'weights' = 'model') {
  const dir = join(root, `m${count++}`);
  const model = new tn.Sequential([new tn.layers.Dense(4, { inputShape: [3], activation: 'relu' }), new tn.layers.Dense(2)]);
  model.compile({ optimizer: 'adam', loss: 'mse' });
  await model.fit(tn.ones([4, 3]), tn.zeros([4, 2]), { epochs: 1, verbose: 0 });
  if (kind === 'model') await model.save(dir);
  else await model.saveWeights(dir);
  const json = join(dir, kind === 'model' ? 'model.json' : 'weights.json');
  const manifest = () => JSON.parse(readFileSync(json, 'utf8')) as Manifest;
  const data = join(dir, manifest().weightsManifest[0].paths[0]);
  const edit = (f: (m: Manifest) => void) => {
    const m = manifest();
    f(m);
    writeFileSync(json, JSON.stringify(m));
  };
  const load = (): Promise<unknown> => (kind === 'model' ? tn.models.loadModel(dir) : model.loadWeights(dir));
  return { dir, json, data, edit, load, model };
}

/** A FIFO outside every model folder; `untouched()` is true when no one has it open for reading. */
function outsideFifo(): { path: string; untouched: () => boolean } {
  const path = join(root, `outside-${count++}.bin`);
  execFileSync('mkfifo', [path]);
  return {
    path,
    untouched: () => {
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ENXIO';
      }
    },
  };
}

const within = <T>(p: Promise<T>, ms = 5000) => Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms (a blocking open?)`)), ms))]);

describe('loadModel refuses damaged files with an Error naming the file', () => {
  it('loads an undamaged folder (the control)', async () => {
    const m = await savedModel();
    const loaded = await m.load();
    expect(loaded).toBeInstanceOf(tn.Model);
  });

  it('a truncated weights file', async () => {
    const m = await savedModel();
    truncateSync(m.data, 10);
    await expect(m.load()).rejects.toThrow(new RegExp(`^loadModel: ${m.json.replace(/\./g, '\\.')}: the weights file ${m.data.replace(/\./g, '\\.')} is truncated: it holds 10 bytes, the manifest describes 316`));
  });

  it('an extended weights file', async () => {
    const m = await savedModel();
    appendFileSync(m.data, Buffer.alloc(8));
    await expect(m.load()).rejects.toThrow(/is longer than the manifest describes: it holds 324 bytes, the manifest describes 316/);
  });

  it('a corrupted weights file (one flipped byte)', async () => {
    const m = await savedModel();
    const bytes = readFileSync(m.data);
    bytes[13] ^= 0x40;
    writeFileSync(m.data, bytes);
    await expect(m.load()).rejects.toThrow(/model\.weights\.[0-9a-f]{16}\.bin is corrupted: its content does not match the hash in its name/);
  });

  it('a manifest whose shapes do not fit the data or the model', async () => {
    const grown = await savedModel();
    grown.edit((f) => (f.weightsManifest[0].weights[0].shape = [3, 5]));
    await expect(grown.load()).rejects.toThrow(/loadModel: .*model\.json: the weights file .* is truncated: it holds 316 bytes, the manifest describes 328/);
    const swapped = await savedModel();
    swapped.edit((f) => (f.weightsManifest[0].weights[0].shape = [4, 3]));
    await expect(swapped.load()).rejects.toThrow(/model\.json: weight "dense\w*\/kernel" in the file has shape \[4,3\], but dense\w*\/kernel of layer "dense\w*" has shape \[3,4\]/);
    const extra = await savedModel();
    extra.edit((f) => f.weightsManifest[0].weights.splice(1, 0, { name: 'ghost', shape: [0], dtype: 'float32' }));
    await expect(extra.load()).rejects.toThrow(/model\.json: .*weights that no layer of the model uses: ghost/);
  });

  it('shapes and dtypes that are not sizes, or that would overflow or exhaust memory', async () => {
    const cases: [unknown, RegExp][] = [
      [[2147483647, 2147483647, 2147483647], /shape \[2147483647,2147483647,2147483647\] describes more bytes than any file can hold/],
      [[1e300], /shape must be a list of at most 32 integers/],
      [[-1, 4], /shape must be a list of at most 32 integers/],
      [[1.5], /shape must be a list of at most 32 integers/],
      ['12', /shape must be a list of at most 32 integers/],
      [new Array(40).fill(1), /shape must be a list of at most 32 integers/],
    ];
    for (const [shape, message] of cases) {
      const m = await savedModel();
      m.edit((f) => ((f.weightsManifest[0].weights[0] as { shape: unknown }).shape = shape));
      await expect(m.load()).rejects.toThrow(new RegExp(`model\\.json: weightsManifest\\[0\\]\\.weights\\[0\\] \\("dense\\w*/kernel"\\): ${message.source}`));
    }
    const big = await savedModel();
    // Many weights each below the limit, together above it.
    big.edit((f) => (f.weightsManifest[0].weights = Array.from({ length: 4 }, (_, i) => ({ name: `w${i}`, shape: [1 << 27, 1 << 20], dtype: 'float32' }))));
    await expect(big.load()).rejects.toThrow(/weightsManifest\[0\]: the weights' sizes add up to more bytes than any file can hold/);
    const dtype = await savedModel();
    dtype.edit((f) => (f.weightsManifest[0].weights[0].dtype = 'float64'));
    await expect(dtype.load()).rejects.toThrow(/model\.json: weightsManifest\[0\]\.weights\[0\] \("dense\w*\/kernel"\): dtype "float64" is not supported/);
    const manifest = await savedModel();
    manifest.edit((f) => ((f as { weightsManifest: unknown }).weightsManifest = { paths: 'x' }));
    await expect(manifest.load()).rejects.toThrow(/model\.json: weightsManifest must be a list of weight groups/);
  });

  it('invalid JSON, a manifest too large to read, a missing model.json', async () => {
    const bad = await savedModel();
    writeFileSync(bad.json, readFileSync(bad.json, 'utf8').slice(0, 200));
    await expect(bad.load()).rejects.toThrow(/loadModel: .*model\.json is not valid JSON/);
    const huge = await savedModel();
    truncateSync(huge.json, 65 * 1024 * 1024);
    await expect(huge.load()).rejects.toThrow(/model\.json is 68157440 bytes; a manifest larger than 67108864 bytes is refused/);
    const gone = await savedModel();
    unlinkSync(gone.json);
    await expect(gone.load()).rejects.toThrow(/loadModel: cannot read .*model\.json: the file does not exist/);
  });

  it('a model.json or weights file that is a FIFO is refused without blocking', async () => {
    const m = await savedModel();
    unlinkSync(m.json);
    execFileSync('mkfifo', [m.json]);
    await expect(within(m.load())).rejects.toThrow(/loadModel: .*model\.json is not a regular file/);
    const w = await savedModel();
    unlinkSync(w.data);
    execFileSync('mkfifo', [w.data]);
    await expect(within(w.load())).rejects.toThrow(/loadModel: .*model\.json: the weights file .*\.bin is not a regular file/);
  });

  it('a missing shard', async () => {
    const m = await savedModel();
    m.edit((f) => f.weightsManifest[0].paths.push('group1-shard2of2.bin'));
    await expect(m.load()).rejects.toThrow(/loadModel: .*model\.json: the weights file .*group1-shard2of2\.bin \(weightsManifest\[0\]\.paths\[1\]\) is missing/);
  });

  it('an architecture asking for more weight values than the file holds is refused before allocating them', async () => {
    for (const units of [1000, 2e9]) {
      const m = await savedModel();
      m.edit((f) => ((f.modelTopology as { config: { layers: { config: { units: number } }[] } }).config.layers[0].config.units = units));
      // 316 bytes: the weights, Adam's two slots and its step count, 79 values in all.
      await expect(m.load()).rejects.toThrow(new RegExp(`model\\.json: layer "dense\\w*" asks for a weight "kernel" of shape \\[3,${units}\\] \\(${3 * units} values\\), more than the 79 values left of the 79 the file holds`));
    }
  });

  it('damaged architectures and training configs name the file', async () => {
    const m = await savedModel();
    m.edit((f) => ((f.modelTopology as { config: { layers: unknown } }).config.layers = 'dense'));
    await expect(m.load()).rejects.toThrow(/loadModel: .*model\.json: /);
    const t = await savedModel();
    t.edit((f) => ((f.userDefinedMetadata as { tensornode: { compile: { optimizer: unknown } } }).tensornode.compile.optimizer = { className: 'Bogus', config: {} }));
    await expect(t.load()).rejects.toThrow(/loadModel: .*model\.json: .*Bogus/);
  });
});

describe('a weights path never leaves the model folder, and nothing outside is opened', () => {
  const cases: [string, (fifo: string, dir: string) => string, RegExp][] = [
    ['../../etc/passwd', () => '../../etc/passwd', /the weights path "\.\.\/\.\.\/etc\/passwd" leaves the model's folder/],
    ['a relative path to an existing file outside', (fifo) => `../${fifo.split('/').pop()}`, /the weights path "\.\.\/outside-\d+\.bin" leaves the model's folder/],
    ['an absolute path', (fifo) => fifo, /the weights path ".*outside-\d+\.bin" is absolute; paths must be relative to the model's folder/],
    ['a path that climbs out and back in', (fifo, dir) => `../${dir.split('/').pop()}/../${fifo.split('/').pop()}`, /the weights path ".*" leaves the model's folder/],
    ['/etc/passwd', () => '/etc/passwd', /the weights path "\/etc\/passwd" is absolute/],
    ['a NUL byte', () => 'weights\u0000.bin', /the weights path "weights\\u0000\.bin" contains a NUL character/],
    ['the folder itself', () => '.', /the weights path "\." leaves the model's folder/],
  ];
  for (const [what, path, message] of cases) {
    it(what, async () => {
      const fifo = outsideFifo();
      const m = await savedModel();
      m.edit((f) => (f.weightsManifest[0].paths = [path(fifo.path, m.dir)]));
      await expect(within(m.load())).rejects.toThrow(new RegExp(`model\\.json: weightsManifest\\[0\\]\\.paths\\[0\\]: ${message.source}`));
      expect(fifo.untouched()).toBe(true);
    });
  }

  it('a symbolic link inside the folder that points outside', async () => {
    const fifo = outsideFifo();
    const m = await savedModel();
    symlinkSync(fifo.path, join(m.dir, 'linked.bin'));
    m.edit((f) => (f.weightsManifest[0].paths = ['linked.bin']));
    await expect(within(m.load())).rejects.toThrow(/model\.json: the weights file .*linked\.bin is a symbolic link out of the model's folder/);
    expect(fifo.untouched()).toBe(true);
  });

  it('the FIFO probe does see an open (so the checks above can fail)', async () => {
    const fifo = outsideFifo();
    const reader = openSync(fifo.path, constants.O_RDONLY | constants.O_NONBLOCK);
    expect(fifo.untouched()).toBe(false);
    closeSync(reader);
    expect(fifo.untouched()).toBe(true);
  });
});

describe('weights-only folders and backups go through the same checks', () => {
  it('loadWeights: truncated data, an escaping path, a model of another structure', async () => {
    const m = await savedModel('weights');
    truncateSync(m.data, 12);
    await expect(m.load()).rejects.toThrow(/weights\.json: the weights file .*weights\.weights\.[0-9a-f]{16}\.bin is truncated: it holds 12 bytes/);
    const fifo = outsideFifo();
    const e = await savedModel('weights');
    e.edit((f) => (f.weightsManifest[0].paths = [`../${fifo.path.split('/').pop()}`]));
    await expect(within(e.load())).rejects.toThrow(/weights\.json: weightsManifest\[0\]\.paths\[0\]: the weights path .* leaves the model's folder/);
    expect(fifo.untouched()).toBe(true);
    const other = new tn.Sequential([new tn.layers.Dense(5, { inputShape: [3] }), new tn.layers.Dense(2)]);
    const before = other.getWeights().map((w) => Array.from(w.dataSync()));
    const ok = await savedModel('weights');
    await expect(other.loadWeights(ok.dir)).rejects.toThrow(/weights\.json: weight 0 \(dense\w*\/kernel\) of model "sequential\w*" is float32 \[3,5\], but the file has dense\w*\/kernel: float32 \[3,4\]/);
    // A refused file changes nothing.
    expect(other.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('BackupAndRestore: a damaged backup stops fit with an Error naming it', async () => {
    const dir = join(root, `backup${count++}`);
    const make = () => {
      const model = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [3] })]);
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      return model;
    };
    const stop = new tn.LambdaCallback({ onEpochEnd: () => { throw new Error('killed'); } });
    await expect(make().fit(tn.ones([4, 3]), tn.zeros([4, 2]), { epochs: 3, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir }), stop] })).rejects.toThrow('killed');
    const file = join(dir, 'backup.json');
    const backup = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    backup.weightsManifest[0].paths = ['/etc/passwd'];
    writeFileSync(file, JSON.stringify(backup));
    await expect(make().fit(tn.ones([4, 3]), tn.zeros([4, 2]), { epochs: 3, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir })] })).rejects.toThrow(/backup\.json: weightsManifest\[0\]\.paths\[0\]: the weights path "\/etc\/passwd" is absolute/);
    writeFileSync(file, '{"format": "tensornode-backup", ');
    await expect(make().fit(tn.ones([4, 3]), tn.zeros([4, 2]), { epochs: 3, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir })] })).rejects.toThrow(/BackupAndRestore: .*backup\.json is not valid JSON/);
  });
});

// A folder TF.js's converter wrote (model.json + group1-shard1of1.bin, Keras 3 LSTM) goes through the same reader.
const REAL = [resolve(__dirname, '../../../shared/realmodels/tfjs'), resolve(__dirname, '../../../../shared/realmodels/tfjs')].find((d) => existsSync(d))
  ?? resolve(__dirname, '../../../shared/realmodels/tfjs');

describe('a real TF.js folder (group1-shard1of1.bin) goes through the same checks', () => {
  const copy = () => {
    const dir = join(root, `real${count++}`);
    cpSync(join(REAL, 'stock-lstm-keras3'), dir, { recursive: true });
    const json = join(dir, 'model.json');
    const shard = join(dir, 'group1-shard1of1.bin');
    const edit = (f: (m: Manifest) => void) => {
      const m = JSON.parse(readFileSync(json, 'utf8')) as Manifest;
      f(m);
      writeFileSync(json, JSON.stringify(m));
    };
    return { dir, json, shard, edit, load: () => tn.models.loadModel(dir) };
  };

  it('loads undamaged; a truncated, extended or FIFO shard, an escaping path or a link out is refused', async () => {
    expect(await copy().load()).toBeInstanceOf(tn.Model);
    const size = readFileSync(join(REAL, 'stock-lstm-keras3', 'group1-shard1of1.bin')).byteLength;

    const short = copy();
    truncateSync(short.shard, 10);
    await expect(short.load()).rejects.toThrow(new RegExp(`^loadModel: ${short.json.replace(/\./g, '\\.')}: the weights file .*group1-shard1of1\\.bin is truncated: it holds 10 bytes, the manifest describes ${size}`));
    const long = copy();
    appendFileSync(long.shard, Buffer.alloc(4));
    await expect(long.load()).rejects.toThrow(new RegExp(`group1-shard1of1\\.bin is longer than the manifest describes: it holds ${size + 4} bytes`));
    const fifoShard = copy();
    unlinkSync(fifoShard.shard);
    execFileSync('mkfifo', [fifoShard.shard]);
    await expect(within(fifoShard.load())).rejects.toThrow(/model\.json: the weights file .*group1-shard1of1\.bin is not a regular file/);

    const fifo = outsideFifo();
    const escaping = copy();
    escaping.edit((f) => (f.weightsManifest[0].paths = [`../${fifo.path.split('/').pop()}`]));
    await expect(within(escaping.load())).rejects.toThrow(/model\.json: weightsManifest\[0\]\.paths\[0\]: the weights path .* leaves the model's folder/);
    const linked = copy();
    unlinkSync(linked.shard);
    symlinkSync(fifo.path, linked.shard);
    await expect(within(linked.load())).rejects.toThrow(/model\.json: the weights file .*group1-shard1of1\.bin is a symbolic link out of the model's folder/);
    expect(fifo.untouched()).toBe(true);
  });
});
