// Fuzzing the loaders: valid files of each format, damaged by random byte flips, truncations, appended bytes and
// (for JSON) numbers swapped for hostile ones, must each load or fail with an Error that names the folder: never a
// crash, a hang or another kind of throw. A new format is one more entry in `formats`. Used in-process by
// test/models/load-fuzz.test.ts and in a child process by test/workers/load-fuzz.mjs.
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tn from '../../lib/index.js';

export interface FuzzFormat {
  name: string;
  /** Writes a valid instance into `dir`. */
  make(dir: string): Promise<void>;
  /** Loads what is in `dir` (resolves on success). */
  load(dir: string): Promise<unknown>;
}

function smallModel(): tn.Sequential {
  const model = new tn.Sequential([
    new tn.layers.Dense(4, { inputShape: [3], activation: 'relu' }),
    new tn.layers.Dropout(0.1),
    new tn.layers.BatchNormalization(),
    new tn.layers.Dense(2, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

const x8 = () => tn.randomNormal([8, 3], 0, 1, 'float32', 1);
const y8 = () => tn.tensor([0, 1, 0, 1, 1, 0, 0, 1], [8], 'int32');

async function trained(): Promise<tn.Sequential> {
  const model = smallModel();
  await model.fit(x8(), y8(), { epochs: 1, batchSize: 4, verbose: 0 });
  return model;
}

export const formats: FuzzFormat[] = [
  {
    // What model.save(dir) writes: TF.js's layers-model folder, its weights in one content-named file.
    name: 'tensornode / TF.js layers-model folder (model.json + model.weights.<hash>.bin)',
    make: async (dir) => {
      await (await trained()).save(dir);
    },
    load: (dir) => tn.models.loadModel(dir),
  },
  {
    // What TF.js's converters write: the same manifest with the weights in 100-byte shards named group1-shardKofN.bin,
    // which a weight may straddle.
    name: 'TF.js layers-model folder in shards (model.json + group1-shard*.bin)',
    make: async (dir) => {
      let artifacts: tn.io.ModelArtifacts | undefined;
      await (await trained()).save(tn.io.withSaveHandler((a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: 0 } };
      }));
      const data = Buffer.from(artifacts!.weightData as ArrayBuffer);
      const count = Math.ceil(data.byteLength / 100);
      const paths = Array.from({ length: count }, (_, k) => `group1-shard${k + 1}of${count}.bin`);
      paths.forEach((p, k) => writeFileSync(join(dir, p), data.subarray(k * 100, (k + 1) * 100)));
      const { weightSpecs, weightData, ...rest } = artifacts!;
      void weightData;
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...rest, weightsManifest: [{ paths, weights: weightSpecs }] }));
    },
    load: (dir) => tn.models.loadModel(dir),
  },
  {
    name: 'Keras 3 model file (.keras)',
    make: async (dir) => {
      await (await trained()).save(join(dir, 'model.keras'));
    },
    load: (dir) => tn.models.loadModel(join(dir, 'model.keras')),
  },
  {
    name: 'Keras 3 weights file (.weights.h5)',
    make: async (dir) => (await trained()).saveWeights(join(dir, 'model.weights.h5')),
    load: (dir) => smallModel().loadWeights(join(dir, 'model.weights.h5')),
  },
  {
    name: 'tensornode weights folder (weights.json + weights)',
    make: async (dir) => (await trained()).saveWeights(dir),
    load: (dir) => smallModel().loadWeights(dir),
  },
  {
    // Read by BackupAndRestore when fit begins; one epoch was backed up, so an intact backup trains nothing more.
    name: 'BackupAndRestore backup (backup.json + weights)',
    make: async (dir) => {
      await smallModel().fit(x8(), y8(), { epochs: 1, batchSize: 4, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, deleteCheckpoint: false })] });
    },
    load: (dir) => smallModel().fit(x8(), y8(), { epochs: 1, batchSize: 4, verbose: 0, callbacks: [new tn.BackupAndRestore({ backupDir: dir, deleteCheckpoint: false })] }),
  },
];

/** A small seeded generator, so that a failing case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hostileNumbers = ['-1', '0', '1e308', '2147483648', '9007199254740993', '1.5', 'null', '"x"', '[]', '{}', '-0', '4294967296', '1e-320'];

/** One damaged copy of `bytes`, and what was done to it. */
function mutate(bytes: Buffer, isJSON: boolean, random: () => number): [Buffer, string] {
  const pick = random();
  if (pick < 0.4) {
    const out = Buffer.from(bytes);
    const flips = 1 + Math.floor(random() * 4);
    const at: number[] = [];
    for (let i = 0; i < flips && out.length; i++) {
      const k = Math.floor(random() * out.length);
      out[k] ^= 1 << Math.floor(random() * 8);
      at.push(k);
    }
    return [out, `bit flips at ${at.join(',')}`];
  }
  if (pick < 0.6) {
    const n = Math.floor(random() * bytes.length);
    return [bytes.subarray(0, n), `truncated to ${n}`];
  }
  if (pick < 0.7) {
    const n = 1 + Math.floor(random() * 16);
    return [Buffer.concat([bytes, Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)))]), `${n} bytes appended`];
  }
  if (isJSON) {
    const text = bytes.toString('utf8');
    const numbers = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/g)];
    if (numbers.length) {
      const m = numbers[Math.floor(random() * numbers.length)];
      const v = hostileNumbers[Math.floor(random() * hostileNumbers.length)];
      return [Buffer.from(text.slice(0, m.index) + v + text.slice(m.index! + m[0].length)), `number at ${m.index} set to ${v}`];
    }
  }
  const out = Buffer.from(bytes);
  const k = Math.floor(random() * out.length);
  if (out.length) out[k] = Math.floor(random() * 256);
  return [out, `byte ${k} replaced`];
}

export interface FuzzSummary {
  cases: number;
  loaded: number;
  refused: number;
  /** Cases that threw something other than an Error naming the folder (should be empty). */
  bad: string[];
}

/** Runs `count` cases per format in folders under `root`, seeded by `seed`. */
export async function fuzz(root: string, seed: number, count: number, timeoutMs = 5000): Promise<FuzzSummary> {
  const random = rng(seed);
  const summary: FuzzSummary = { cases: 0, loaded: 0, refused: 0, bad: [] };
  for (const [f, format] of formats.entries()) {
    const dir = join(root, `format${f}`);
    mkdirSync(dir, { recursive: true });
    await format.make(dir);
    const files = readdirSync(dir).map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
    for (let i = 0; i < count; i++) {
      const file = files[Math.floor(random() * files.length)];
      const [bytes, what] = mutate(file.bytes, file.name.endsWith('.json'), random);
      const label = `${format.name}: ${file.name} ${what}`;
      writeFileSync(join(dir, file.name), bytes);
      summary.cases++;
      try {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([format.load(dir), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`HANG: no answer within ${timeoutMs} ms`)), timeoutMs)))]).finally(() => clearTimeout(timer));
        summary.loaded++;
      } catch (err) {
        const ok = err instanceof Error && !err.message.startsWith('HANG') && err.message.includes(dir);
        if (ok) summary.refused++;
        else summary.bad.push(`${label}: ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`);
      }
      // Back to the valid folder (a load that trained may have written a new backup into it).
      for (const name of readdirSync(dir)) if (!files.some((f) => f.name === name)) unlinkSync(join(dir, name));
      for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
      tn.clearSession();
    }
  }
  return summary;
}
