// Helpers for the TF.js format tests: TF.js (the @tensorflow/tfjs devDependency, CPU backend) as the reference,
// model.json folders written the way TF.js and tensorflowjs_converter write them, and value comparison.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import * as tn from '../../lib/index.js';

export { tf };

export type Artifacts = tn.io.ModelArtifacts;
export type Spec = tn.io.WeightSpec;

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

/** The artifacts TF.js's model.save hands to a save handler (includeOptimizer when compiled). */
export async function tfjsArtifacts(model: tf.LayersModel, includeOptimizer = false): Promise<Artifacts> {
  let out: Artifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    out = a as unknown as Artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer });
  return out!;
}

/** tf.loadLayersModel on artifacts in memory (tfjs has no file:// handler). */
export async function tfjsLoad(a: Artifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(a as unknown as tf.io.ModelArtifacts));
}

/** Reads a model.json folder into artifacts: the shards of every group concatenated, as TF.js's loaders do. */
export function readFolder(dir: string): Artifacts {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tn.io.ModelJSON;
  const bytes = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))));
  return {
    modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig, weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  };
}

/** The bytes of every weight of `a`, by spec name. */
export function weightBytes(a: Artifacts): Map<string, Uint8Array> {
  const all = new Uint8Array(a.weightData as ArrayBuffer);
  const out = new Map<string, Uint8Array>();
  let at = 0;
  for (const s of a.weightSpecs!) {
    const n = s.shape.reduce((p, d) => p * d, 1) * 4;
    out.set(s.name, all.slice(at, at + n));
    at += n;
  }
  return out;
}

/**
 * Writes artifacts as a model.json folder the way a file writer does: the weights in `order` (a permutation of the
 * specs, so the manifest need not follow layer order) split into shards of `shardBytes` (so a weight may span two),
 * named group1-shardKofN.bin. Returns the manifest's weights with their byte ranges.
 */
export function writeFolder(dir: string, a: Artifacts, opts: { shardBytes?: number; order?: Spec[]; rename?: (name: string) => string; quantize?: (s: Spec, v: Float32Array) => { spec: Spec; bytes: Uint8Array } } = {}): { name: string; start: number; end: number }[] {
  mkdirSync(dir, { recursive: true });
  const bytes = weightBytes(a);
  const specs: Spec[] = [];
  const chunks: Uint8Array[] = [];
  const ranges: { name: string; start: number; end: number }[] = [];
  let at = 0;
  for (const s of opts.order ?? a.weightSpecs!) {
    let b = bytes.get(s.name)!;
    let spec: Spec = { ...s };
    if (opts.quantize && s.dtype === 'float32') ({ spec, bytes: b } = opts.quantize(s, new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)));
    if (opts.rename) spec.name = opts.rename(spec.name);
    specs.push(spec);
    chunks.push(b);
    ranges.push({ name: spec.name, start: at, end: at + b.byteLength });
    at += b.byteLength;
  }
  const data = Buffer.concat(chunks);
  const size = opts.shardBytes ?? Math.max(1, data.byteLength);
  const count = Math.max(1, Math.ceil(data.byteLength / size));
  const paths = Array.from({ length: count }, (_, k) => `group1-shard${k + 1}of${count}.bin`);
  paths.forEach((p, k) => writeFileSync(join(dir, p), data.subarray(k * size, (k + 1) * size)));
  const weightSpecs = specs.map(({ group, ...rest }) => ({ ...rest, ...(group ? { group } : {}) }));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    format: a.format ?? 'layers-model', generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
    modelTopology: a.modelTopology, trainingConfig: a.trainingConfig ?? undefined,
    weightsManifest: [{ paths, weights: weightSpecs }],
  }));
  return ranges;
}

/** tensorflowjs_converter's affine quantization: q = round((v - min) / scale), scale = (max - min) / (2^bits - 1). */
export function quantizeAffine(dtype: 'uint8' | 'uint16') {
  return (s: Spec, v: Float32Array): { spec: Spec; bytes: Uint8Array } => {
    const levels = dtype === 'uint8' ? 255 : 65535;
    let min = Infinity;
    let max = -Infinity;
    for (const x of v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    const scale = max > min ? (max - min) / levels : 1;
    const q = dtype === 'uint8' ? new Uint8Array(v.length) : new Uint16Array(v.length);
    v.forEach((x, i) => (q[i] = Math.round((x - min) / scale)));
    return { spec: { ...s, quantization: { dtype, scale, min } }, bytes: new Uint8Array(q.buffer) };
  };
}

/** float32 -> IEEE half precision bits (round to nearest), as numpy's astype(float16). */
export function toFloat16Bits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    return sign | Math.round(mant / 2 ** (14 - exp));
  }
  if (exp >= 31) return sign | 0x7c00;
  const half = sign | (exp << 10) | (mant >> 13);
  return (mant & 0x1fff) > 0x1000 || ((mant & 0x1fff) === 0x1000 && (half & 1)) ? half + 1 : half;
}

export function quantizeFloat16(s: Spec, v: Float32Array): { spec: Spec; bytes: Uint8Array } {
  const q = new Uint16Array(v.length);
  v.forEach((x, i) => (q[i] = toFloat16Bits(x)));
  return { spec: { ...s, quantization: { dtype: 'float16' } }, bytes: new Uint8Array(q.buffer) };
}

/** Deterministic values in [-1, 1) (a linear congruential generator), so both libraries see the same inputs. */
export function randomValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Replaces every weight of a TF.js model with random values (variances kept positive), so that nothing is trivial. */
export function randomizeTfjs(model: tf.LayersModel, seed: number): void {
  model.setWeights(model.weights.map((w, k) => {
    const v = randomValues(w.shape.reduce((p: number, d) => p * (d as number), 1), seed + k).map((x) => (w.name.includes('variance') ? 0.5 + Math.abs(x) : 0.5 * x));
    return tf.tensor(v, w.shape as number[]);
  }));
}

/** Same values, float32 precision: |a - b| <= rtol |b| + atol. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-4, atol = 1e-5, what = ''): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) - rtol * Math.abs(expected[i]);
    if (!(err <= atol) && (at < 0 || err > worst)) {
      worst = err;
      at = i;
    }
  }
  expect(at, `${what} element ${at}: ${actual[at]} vs ${expected[at]}`).toBe(-1);
}

/** Predictions of both libraries on the same inputs. */
export function predictBoth(ours: tn.Model, theirs: tf.LayersModel, inputs: { values: Float32Array; shape: number[] }[]): { ours: Float32Array[]; theirs: Float32Array[] } {
  const a = ours.predict(inputs.length === 1 ? tn.tensor(inputs[0].values, inputs[0].shape) : inputs.map((x) => tn.tensor(x.values, x.shape)));
  const b = theirs.predict(inputs.length === 1 ? tf.tensor(inputs[0].values, inputs[0].shape) : inputs.map((x) => tf.tensor(x.values, x.shape)));
  return {
    ours: (Array.isArray(a) ? a : [a]).map((t) => Float32Array.from(t.data())),
    theirs: (Array.isArray(b) ? b : [b]).map((t) => t.dataSync() as Float32Array),
  };
}

export function expectSamePredictions(ours: tn.Model, theirs: tf.LayersModel, inputs: { values: Float32Array; shape: number[] }[], rtol = 1e-4, atol = 1e-5): void {
  const p = predictBoth(ours, theirs, inputs);
  expect(p.ours.length).toBe(p.theirs.length);
  p.ours.forEach((o, i) => expectClose(o, p.theirs[i], rtol, atol, `output ${i}`));
}
