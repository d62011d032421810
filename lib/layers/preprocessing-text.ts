// Categorical and text preprocessing (Keras 3's keras/src/layers/preprocessing): CategoryEncoding, Hashing,
// StringLookup, IntegerLookup and TextVectorization. They run on the CPU in plain TypeScript (lookups in a Map,
// hashing with BigInt) and have no weights or gradients: their state is a vocabulary (and idf weights), learned by
// adapt() or given as `vocabulary`, and saved in the layer config (Keras 3 writes an adapted vocabulary to the
// .keras file's assets; tensornode writes it into the config, which Keras reads too, for every format, and reads
// Keras's assets/…/vocabulary.txt back through loadVocabularyAsset).
import { fromArray, fromStrings, isStringTensor, maxTensorElements, stringsOf, Tensor, toInputTensor, toTensor, type TensorLike } from '../tensor.js';
import { invalid, positiveInt, single, singleShape } from './core.js';
import { Layer, SymbolicTensor, type CallArgs, type LayerArgs, type LayerInput, type Shape } from './layer.js';
import { adaptSteps, collectAdaptElements, isAsyncSource, type AdaptOptions, type AsyncAdaptData } from './preprocessing.js';
import { deserializeFunction, isSerializedFunction, serializeFunction } from '../registered-functions.js';
import { checkCallArgs } from '../names.js';

// ---------------------------------------------------------------------------------------------------------------
// FarmHash Fingerprint64 (farmhashna::Hash64), the hash of tf.strings.to_hash_bucket_fast, which Keras's Hashing
// and the OOV buckets of StringLookup use. 64-bit arithmetic in BigInt, reduced mod 2^64 after every step.

const M64 = (1n << 64n) - 1n;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;

const mul64 = (a: bigint, b: bigint): bigint => (a * b) & M64;
const add64 = (...xs: bigint[]): bigint => xs.reduce((s, x) => s + x, 0n) & M64;
const rot64 = (v: bigint, s: bigint): bigint => (s === 0n ? v : ((v >> s) | (v << (64n - s))) & M64);
const shiftMix = (v: bigint): bigint => v ^ (v >> 47n);

function fetch64(b: Uint8Array, i: number): bigint {
  let lo = 0;
  let hi = 0;
  for (let k = 3; k >= 0; k--) lo = lo * 256 + b[i + k];
  for (let k = 7; k >= 4; k--) hi = hi * 256 + b[i + k];
  return (BigInt(hi) << 32n) | BigInt(lo);
}
function fetch32(b: Uint8Array, i: number): bigint {
  return BigInt(b[i] + b[i + 1] * 256 + b[i + 2] * 65536 + b[i + 3] * 16777216);
}

function hashLen16(u: bigint, v: bigint, mul: bigint): bigint {
  let a = mul64(u ^ v, mul);
  a ^= a >> 47n;
  let b = mul64(v ^ a, mul);
  b ^= b >> 47n;
  return mul64(b, mul);
}

function hashLen0to16(s: Uint8Array, len: number): bigint {
  const n = BigInt(len);
  if (len >= 8) {
    const mul = add64(K2, n * 2n);
    const a = add64(fetch64(s, 0), K2);
    const b = fetch64(s, len - 8);
    const c = add64(mul64(rot64(b, 37n), mul), a);
    const d = mul64(add64(rot64(a, 25n), b), mul);
    return hashLen16(c, d, mul);
  }
  if (len >= 4) {
    const mul = add64(K2, n * 2n);
    const a = fetch32(s, 0);
    return hashLen16(add64(n, a << 3n), fetch32(s, len - 4), mul);
  }
  if (len > 0) {
    const y = BigInt(s[0] + (s[len >> 1] << 8));
    const z = BigInt(len + (s[len - 1] << 2));
    return mul64(shiftMix(mul64(y, K2) ^ mul64(z, K0)), K2);
  }
  return K2;
}

function hashLen17to32(s: Uint8Array, len: number): bigint {
  const mul = add64(K2, BigInt(len) * 2n);
  const a = mul64(fetch64(s, 0), K1);
  const b = fetch64(s, 8);
  const c = mul64(fetch64(s, len - 8), mul);
  const d = mul64(fetch64(s, len - 16), K2);
  return hashLen16(add64(rot64(add64(a, b), 43n), rot64(c, 30n), d), add64(a, rot64(add64(b, K2), 18n), c), mul);
}

function hashLen33to64(s: Uint8Array, len: number): bigint {
  const mul = add64(K2, BigInt(len) * 2n);
  const a = mul64(fetch64(s, 0), K2);
  const b = fetch64(s, 8);
  const c = mul64(fetch64(s, len - 8), mul);
  const d = mul64(fetch64(s, len - 16), K2);
  const y = add64(rot64(add64(a, b), 43n), rot64(c, 30n), d);
  const z = hashLen16(y, add64(a, rot64(add64(b, K2), 18n), c), mul);
  const e = mul64(fetch64(s, 16), mul);
  const f = fetch64(s, 24);
  const g = mul64(add64(y, fetch64(s, len - 32)), mul);
  const h = mul64(add64(z, fetch64(s, len - 24)), mul);
  return hashLen16(add64(rot64(add64(e, f), 43n), rot64(g, 30n), h), add64(e, rot64(add64(f, a), 18n), g), mul);
}

/** A 16-byte hash of 32 bytes at s[i..] and two seeds. */
function weakHash32(s: Uint8Array, i: number, a: bigint, b: bigint): [bigint, bigint] {
  const w = fetch64(s, i);
  const x = fetch64(s, i + 8);
  const y = fetch64(s, i + 16);
  const z = fetch64(s, i + 24);
  a = add64(a, w);
  b = rot64(add64(b, a, z), 21n);
  const c = a;
  a = add64(a, x, y);
  b = add64(b, rot64(a, 44n));
  return [add64(a, z), add64(b, c)];
}

/** FarmHash Fingerprint64 of the bytes: an unsigned 64-bit integer, the same on every platform. */
export function fingerprint64(s: Uint8Array): bigint {
  const len = s.length;
  if (len <= 16) return hashLen0to16(s, len);
  if (len <= 32) return hashLen17to32(s, len);
  if (len <= 64) return hashLen33to64(s, len);
  const seed = 81n;
  let x = seed;
  let y = add64(mul64(seed, K1), 113n);
  let z = mul64(shiftMix(add64(mul64(y, K2), 113n)), K2);
  let v: [bigint, bigint] = [0n, 0n];
  let w: [bigint, bigint] = [0n, 0n];
  x = add64(mul64(x, K2), fetch64(s, 0));
  const end = Math.floor((len - 1) / 64) * 64;
  const last64 = end + ((len - 1) & 63) - 63;
  let p = 0;
  do {
    x = mul64(rot64(add64(x, y, v[0], fetch64(s, p + 8)), 37n), K1);
    y = mul64(rot64(add64(y, v[1], fetch64(s, p + 48)), 42n), K1);
    x ^= w[1];
    y = add64(y, v[0], fetch64(s, p + 40));
    z = mul64(rot64(add64(z, w[0]), 33n), K1);
    v = weakHash32(s, p, mul64(v[1], K1), add64(x, w[0]));
    w = weakHash32(s, p + 32, add64(z, w[1]), add64(y, fetch64(s, p + 16)));
    [z, x] = [x, z];
    p += 64;
  } while (p !== end);
  const mul = add64(K1, (z & 0xffn) << 1n);
  p = last64;
  w[0] = add64(w[0], BigInt((len - 1) & 63));
  v[0] = add64(v[0], w[0]);
  w[0] = add64(w[0], v[0]);
  x = mul64(rot64(add64(x, y, v[0], fetch64(s, p + 8)), 37n), mul);
  y = mul64(rot64(add64(y, v[1], fetch64(s, p + 48)), 42n), mul);
  x ^= mul64(w[1], 9n);
  y = add64(y, mul64(v[0], 9n), fetch64(s, p + 40));
  z = mul64(rot64(add64(z, w[0]), 33n), mul);
  v = weakHash32(s, p, mul64(v[1], mul), add64(x, w[0]));
  w = weakHash32(s, p + 32, add64(z, w[1]), add64(y, fetch64(s, p + 16)));
  [z, x] = [x, z];
  return hashLen16(add64(hashLen16(v[0], w[0], mul), mul64(shiftMix(y), K0), z), add64(hashLen16(v[1], w[1], mul), x), mul);
}

// SipHash-2-4 keyed by two 64-bit words, the hash of tf.strings.to_hash_bucket_strong (Keras's Hashing with a salt).
const rotl = (v: bigint, n: bigint): bigint => ((v << n) | (v >> (64n - n))) & M64;

export function sipHash24(key: [bigint, bigint], s: Uint8Array): bigint {
  let v0 = key[0] ^ 0x736f6d6570736575n;
  let v1 = key[1] ^ 0x646f72616e646f6dn;
  let v2 = key[0] ^ 0x6c7967656e657261n;
  let v3 = key[1] ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = add64(v0, v1); v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = add64(v2, v3); v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = add64(v0, v3); v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = add64(v2, v1); v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const full = s.length - (s.length % 8);
  const absorb = (m: bigint): void => {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  };
  for (let i = 0; i < full; i += 8) absorb(fetch64(s, i));
  // The last word: the remaining bytes, and the length's low byte on top.
  let last = BigInt(s.length & 0xff) << 56n;
  for (let i = full; i < s.length; i++) last |= BigInt(s[i]) << BigInt(8 * (i - full));
  absorb(last);
  v2 ^= 0xffn;
  for (let r = 0; r < 4; r++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

const utf8 = new TextEncoder();

/** tf.strings.to_hash_bucket_fast: Fingerprint64 of the UTF-8 bytes, mod `numBuckets`. */
export function hashBucket(s: string, numBuckets: number): number {
  return Number(fingerprint64(utf8.encode(s)) % BigInt(numBuckets));
}

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

type Token = string | number;

/** Input as strings or integers; integer tensors (int32, or float32 holding whole numbers) become numbers. */
export function readTokens(x: Tensor, cls: string, name: string, want: 'string' | 'integer' | 'either'): Token[] {
  if (isStringTensor(x)) {
    if (want === 'integer') throw new Error(`${cls} "${name}": expects integer input, received a string tensor of shape [${x.shape.join(', ')}]`);
    return stringsOf(x, cls);
  }
  if (want === 'string') throw new Error(`${cls} "${name}": expects string input (a string tensor, e.g. tn.tensor(['a', 'b'])), received a ${x.dtype} tensor of shape [${x.shape.join(', ')}]`);
  const v = Array.from(x.values);
  const bad = v.findIndex((e) => !Number.isInteger(e));
  if (bad >= 0) throw new Error(`${cls} "${name}": expects integer values, received ${v[bad]} at flat index ${bad} of a ${x.dtype} tensor of shape [${x.shape.join(', ')}]`);
  return v;
}

export type EncodingMode = 'one_hot' | 'multi_hot' | 'count';

/**
 * Keras's encode_categorical_inputs: one_hot encodes every element (a trailing axis of 1 is replaced by the depth);
 * multi_hot and count bin the last axis of each sample (rank 1 input is one sample); ids < 0 (dropped mask tokens)
 * are skipped. `weights` scales each bin (tf_idf).
 */
/**
 * `weights` scale each bin (tf_idf's idf weights); `countWeights`, one per id, are what 'count' adds for it in place of
 * 1 (CategoryEncoding's count_weights).
 */
export function encode(ids: ArrayLike<number>, shape: number[], mode: EncodingMode, depth: number, weights: Float32Array | null, where: string, countWeights: ArrayLike<number> | null = null): Tensor {
  // A depth such as 2^31 would otherwise allocate (and zero) gigabytes before the tensor's own size check.
  const cells = (mode === 'one_hot' ? ids.length : shape.length === 2 ? shape[0] : 1) * depth;
  if (cells > maxTensorElements) throw new Error(`${where}: ${depth} bins make an output of ${cells} elements, more than the ${maxTensorElements} one tensor can hold`);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] >= depth) throw new Error(`${where}: id ${ids[i]} is out of range for ${depth} bins (expected ids in [0, ${depth}))`);
  }
  if (mode === 'one_hot') {
    const outShape = shape.length > 1 && shape[shape.length - 1] === 1 ? [...shape.slice(0, -1), depth] : [...shape, depth];
    const out = new Float32Array(ids.length * depth);
    for (let i = 0; i < ids.length; i++) if (ids[i] >= 0) out[i * depth + ids[i]] = 1;
    return fromArray(out, outShape);
  }
  if (shape.length > 2) throw new Error(`${where}: output mode '${mode}' takes input of rank 1 or 2 (one sample, or a batch of samples), received shape [${shape.join(', ')}]`);
  const rows = shape.length === 2 ? shape[0] : 1;
  const per = shape.length === 0 ? 1 : shape[shape.length - 1];
  const out = new Float32Array(rows * depth);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < per; j++) {
      const id = ids[r * per + j];
      if (id < 0) continue;
      if (mode === 'multi_hot') out[r * depth + id] = 1;
      else out[r * depth + id] += countWeights ? countWeights[r * per + j] : 1;
    }
  }
  if (weights) for (let r = 0; r < rows; r++) for (let k = 0; k < depth; k++) out[r * depth + k] *= weights[k];
  return fromArray(out, shape.length === 2 ? [rows, depth] : [depth]);
}

export function encodedShape(shape: Shape, mode: string, depth: number): Shape {
  if (mode === 'one_hot') return shape.length > 1 && shape[shape.length - 1] === 1 ? [...shape.slice(0, -1), depth] : [...shape, depth];
  return [...shape.slice(0, -1), depth];
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], cls: string, arg: string): T {
  if (!allowed.includes(v as T)) throw invalid(cls, arg, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  return v as T;
}

// ---------------------------------------------------------------------------------------------------------------
// CategoryEncoding

export interface CategoryEncodingArgs extends LayerArgs {
  numTokens?: number;
  outputMode?: EncodingMode;
  sparse?: boolean;
}

export interface CategoryEncodingCallArgs extends CallArgs {
  /** One weight per input id, summed in its bin instead of 1 ('count' mode only, as Keras's count_weights). */
  countWeights?: TensorLike | null;
}

/** Integer ids in [0, numTokens) to one-hot, multi-hot or count vectors (float32). */
export class CategoryEncoding extends Layer {
  protected static override readonly takesIntegerInput = true;
  readonly numTokens: number;
  readonly outputMode: EncodingMode;

  constructor(args: CategoryEncodingArgs = {}) {
    super(args);
    this.numTokens = positiveInt(args.numTokens, 'CategoryEncoding', 'numTokens');
    this.outputMode = oneOf(args.outputMode ?? 'multi_hot', ['one_hot', 'multi_hot', 'count'] as const, 'CategoryEncoding', 'outputMode');
    if (args.sparse) throw invalid('CategoryEncoding', 'sparse', 'false (tensornode has no sparse tensors)', args.sparse);
  }

  override apply(inputs: any, args: CategoryEncodingCallArgs = {}): any {
    if (this.constructor === CategoryEncoding) checkCallArgs(args, ['countWeights'], this);
    if (args.countWeights instanceof SymbolicTensor) {
      throw new Error(`Layer "${this.name}" (CategoryEncoding): \`countWeights\` is a symbolic tensor, which a functional model cannot record as a call argument; pass it as a concrete tensor in an eager call`);
    }
    return super.apply(inputs, args);
  }

  call(inputs: LayerInput, args: CategoryEncodingCallArgs = {}): Tensor {
    const x = single(inputs, this);
    const where = `Layer "${this.name}" (CategoryEncoding)`;
    const ids = readTokens(x, 'CategoryEncoding', this.name, 'integer') as number[];
    const neg = ids.findIndex((i) => i < 0);
    if (neg >= 0) throw new Error(`${where}: id ${ids[neg]} is negative; expected ids in [0, ${this.numTokens})`);
    // As Keras, the weights count in 'count' mode only; 'one_hot' and 'multi_hot' do not use them.
    let weights: ArrayLike<number> | null = null;
    if (args.countWeights !== undefined && args.countWeights !== null && this.outputMode === 'count') {
      const w = toTensor(args.countWeights, `${where} countWeights`);
      if (w.rank !== x.rank || w.shape.some((d, i) => d !== x.shape[i])) {
        throw new Error(`${where}: countWeights must have the inputs' shape ${JSON.stringify(x.shape)}, received shape ${JSON.stringify(w.shape)}`);
      }
      weights = w.dtype === 'float32' ? w.values : Float32Array.from(w.values);
    }
    return encode(ids, x.shape, this.outputMode, this.numTokens, null, where, weights);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return encodedShape(singleShape(inputShape, this), this.outputMode, this.numTokens);
  }

  override getConfig() {
    return { ...super.getConfig(), numTokens: this.numTokens, outputMode: this.outputMode, sparse: false };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hashing

export interface HashingArgs extends LayerArgs {
  numBins?: number;
  maskValue?: string | number | null;
  salt?: number | number[] | null;
  outputMode?: 'int' | EncodingMode;
  sparse?: boolean;
}

/**
 * Strings or integers to bins: FarmHash Fingerprint64 of the string (of an integer's decimal form, as Keras does
 * with tf.strings.as_string) mod numBins; with `salt`, SipHash-2-4 keyed by the salt instead. With `maskValue`, that
 * value goes to bin 0 and the rest to 1 + hash mod (numBins - 1).
 */
export class Hashing extends Layer {
  protected static override readonly takesIntegerInput = true;
  readonly numBins: number;
  readonly maskValue: string | number | null;
  /** The SipHash key, as Keras keeps it: [salt, salt] for one integer. */
  readonly salt: [number, number] | null;
  readonly outputMode: 'int' | EncodingMode;

  constructor(args: HashingArgs = {}) {
    super(args);
    this.numBins = positiveInt(args.numBins, 'Hashing', 'numBins');
    this.maskValue = args.maskValue ?? null;
    if (this.maskValue !== null && this.numBins < 2) throw invalid('Hashing', 'numBins', 'at least 2 when maskValue is set (bin 0 is the mask)', this.numBins);
    const salt = args.salt ?? null;
    const word = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= Number.MAX_SAFE_INTEGER;
    if (salt === null) this.salt = null;
    else if (word(salt)) this.salt = [salt as number, salt as number];
    else if (Array.isArray(salt) && salt.length === 2 && salt.every(word)) this.salt = [salt[0], salt[1]];
    else throw invalid('Hashing', 'salt', 'null, a non-negative integer or a pair of them', salt);
    this.outputMode = oneOf(args.outputMode ?? 'int', ['int', 'one_hot', 'multi_hot', 'count'] as const, 'Hashing', 'outputMode');
    if (args.sparse) throw invalid('Hashing', 'sparse', 'false (tensornode has no sparse tensors)', args.sparse);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const tokens = readTokens(x, 'Hashing', this.name, 'either');
    const bins = new Int32Array(tokens.length);
    const masked = this.maskValue !== null;
    const n = masked ? this.numBins - 1 : this.numBins;
    const key = this.salt ? ([BigInt(this.salt[0]), BigInt(this.salt[1])] as [bigint, bigint]) : null;
    const bucket = (t: string): number => (key ? Number(sipHash24(key, utf8.encode(t)) % BigInt(n)) : hashBucket(t, n));
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (masked && t === this.maskValue) bins[i] = 0;
      else bins[i] = (masked ? 1 : 0) + bucket(String(t));
    }
    if (this.outputMode === 'int') return fromArray(bins, x.shape.slice());
    return encode(bins, x.shape, this.outputMode, this.numBins, null, `Layer "${this.name}" (Hashing)`);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return this.outputMode === 'int' ? s : encodedShape(s, this.outputMode, this.numBins);
  }

  override getConfig() {
    return { ...super.getConfig(), numBins: this.numBins, maskValue: this.maskValue, salt: this.salt, outputMode: this.outputMode, sparse: false };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// StringLookup and IntegerLookup (Keras's IndexLookup)

export type LookupOutputMode = 'int' | 'one_hot' | 'multi_hot' | 'count' | 'tf_idf';

export interface LookupArgs<T extends Token> extends LayerArgs {
  /** The largest vocabulary, counting the mask and OOV indices; null for no limit. */
  maxTokens?: number | null;
  numOovIndices?: number;
  maskToken?: T | null;
  oovToken?: T;
  vocabulary?: T[] | null;
  idfWeights?: number[] | null;
  invert?: boolean;
  outputMode?: LookupOutputMode;
  padToMaxTokens?: boolean;
  sparse?: boolean;
}

/** Data for adapt(): a tensor, or (nested) arrays of tokens. A rank-1 array is one token per document. */
export type AdaptData = TensorLike | Tensor;

abstract class IndexLookup<T extends Token> extends Layer {
  protected static override readonly takesIntegerInput = true;
  readonly maxTokens: number | null;
  readonly numOovIndices: number;
  readonly maskToken: T | null;
  readonly oovToken: T;
  readonly invert: boolean;
  readonly outputMode: LookupOutputMode;
  readonly padToMaxTokens: boolean;
  /** The learned or given tokens, without the mask and OOV entries. */
  private tokens: T[] = [];
  private index = new Map<T, number>();
  private idf: Float32Array | null = null;
  /** Whether the vocabulary came from `vocabulary` (saved in the config as given). */
  private hasInputVocabulary = false;
  private configVocabulary: T[] | null = null;
  private configIdf: number[] | null = null;
  protected abstract readonly kind: 'string' | 'integer';

  constructor(args: LookupArgs<T>, defaults: { maskToken: T | null; oovToken: T }) {
    super(args);
    const cls = new.target.name;
    this.maxTokens = args.maxTokens ?? null;
    if (this.maxTokens !== null && (!Number.isInteger(this.maxTokens) || this.maxTokens < 1)) throw invalid(cls, 'maxTokens', 'null or a positive integer', args.maxTokens);
    this.numOovIndices = args.numOovIndices ?? 1;
    if (!Number.isInteger(this.numOovIndices) || this.numOovIndices < 0) throw invalid(cls, 'numOovIndices', 'a non-negative integer', args.numOovIndices);
    this.maskToken = args.maskToken === undefined ? defaults.maskToken : args.maskToken;
    this.oovToken = args.oovToken ?? defaults.oovToken;
    this.invert = args.invert ?? false;
    this.outputMode = oneOf(args.outputMode ?? 'int', ['int', 'one_hot', 'multi_hot', 'count', 'tf_idf'] as const, cls, 'outputMode');
    if (this.invert && this.outputMode !== 'int') throw invalid(cls, 'outputMode', "'int' when invert is true", this.outputMode);
    this.padToMaxTokens = args.padToMaxTokens ?? false;
    if (this.padToMaxTokens && this.maxTokens === null) throw invalid(cls, 'maxTokens', 'a positive integer when padToMaxTokens is true', null);
    if (args.sparse) throw invalid(cls, 'sparse', 'false (tensornode has no sparse tensors)', args.sparse);
    if (args.idfWeights && this.outputMode !== 'tf_idf') throw invalid(cls, 'idfWeights', "only given with outputMode 'tf_idf'", 'an array');
    if (args.vocabulary !== undefined && args.vocabulary !== null) {
      this.setVocabulary(args.vocabulary, args.idfWeights ?? undefined);
    } else if (args.idfWeights) {
      throw invalid(cls, 'idfWeights', 'given together with `vocabulary`', 'idfWeights without a vocabulary');
    }
  }

  /** Index of the first OOV entry: 1 when a mask token takes index 0 (int output), else 0. */
  private oovStart(): number {
    return this.maskToken !== null && this.outputMode === 'int' ? 1 : 0;
  }
  private tokenStart(): number {
    return this.oovStart() + this.numOovIndices;
  }

  /** The vocabulary with (by default) the mask and OOV entries first, index i being token i. */
  getVocabulary(includeSpecialTokens = true): T[] {
    const special: T[] = [...(this.oovStart() ? [this.maskToken as T] : []), ...new Array<T>(this.numOovIndices).fill(this.oovToken)];
    return includeSpecialTokens ? [...special, ...this.tokens] : this.tokens.slice();
  }

  vocabularySize(): number {
    return this.tokenStart() + this.tokens.length;
  }

  /** Keras's set_vocabulary: tokens, with or without the special entries in front, and idf weights for tf_idf. */
  setVocabulary(vocabulary: T[], idfWeights?: number[]): void {
    const cls = this.className;
    if (!Array.isArray(vocabulary) || vocabulary.length === 0) throw new Error(`${cls} "${this.name}": Cannot set an empty vocabulary. Received: vocabulary=${JSON.stringify(vocabulary)}`);
    for (const t of vocabulary) this.checkToken(t, 'vocabulary');
    const special = this.getVocabulary(true).slice(0, this.tokenStart());
    const hasSpecial = special.length > 0 && special.every((t, i) => vocabulary[i] === t);
    const tokens = hasSpecial ? vocabulary.slice(special.length) : vocabulary.slice();
    const seen = new Set<T>();
    const repeated = tokens.filter((t) => (seen.has(t) ? true : (seen.add(t), false)));
    if (repeated.length) throw new Error(`${cls} "${this.name}": The passed vocabulary has at least one repeated term. Please uniquify your dataset. The repeated terms are: ${JSON.stringify([...new Set(repeated)])}`);
    if (this.maskToken !== null && seen.has(this.maskToken)) {
      throw new Error(`${cls} "${this.name}": Found reserved mask token ${JSON.stringify(this.maskToken)} at unexpected location in \`vocabulary\`; give it only at the start, in this order: ${JSON.stringify(special)}, or leave it out`);
    }
    if (this.invert && seen.has(this.oovToken)) {
      throw new Error(`${cls} "${this.name}": Found reserved OOV token ${JSON.stringify(this.oovToken)} at unexpected location in \`vocabulary\`; give it only at the start, in this order: ${JSON.stringify(special)}, or leave it out`);
    }
    const size = this.tokenStart() + tokens.length;
    if (this.maxTokens !== null && size > this.maxTokens) {
      throw new Error(`${cls} "${this.name}": Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary size is ${size}; \`maxTokens\` is ${this.maxTokens}.`);
    }
    let idf: Float32Array | null = null;
    if (this.outputMode === 'tf_idf') {
      if (!idfWeights) throw new Error(`${cls} "${this.name}": outputMode 'tf_idf' needs \`idfWeights\` with the vocabulary (or adapt())`);
      if (idfWeights.length !== vocabulary.length) throw new Error(`${cls} "${this.name}": \`idfWeights\` must be the same length as vocabulary. len(idfWeights) is ${idfWeights.length}; len(vocabulary) is ${vocabulary.length}`);
      // Without special entries in the given vocabulary, they get the mean idf (Keras's choice).
      const front = hasSpecial ? [] : new Array<number>(this.tokenStart()).fill(idfWeights.reduce((a, b) => a + b, 0) / idfWeights.length);
      idf = this.padIdf([...front, ...idfWeights]);
    }
    this.install(tokens, idf);
    this.hasInputVocabulary = true;
    this.configVocabulary = vocabulary.slice();
    this.configIdf = idfWeights ? idfWeights.slice() : null;
  }

  /**
   * @internal The vocabulary Keras 3 writes to a .keras file's assets for an adapted layer: one token a line, the
   * special entries first (read back as Keras's load_assets does, with Python's splitlines). Ignored when the config
   * already gave a vocabulary, as Keras does.
   */
  loadVocabularyAsset(text: string, where: string): void {
    if (this.hasInputVocabulary) return;
    if (this.outputMode === 'tf_idf') throw new Error(`${where}: layer "${this.name}" is an adapted ${this.className} with outputMode 'tf_idf', whose idf weights tensornode cannot read from a Keras file; give it \`vocabulary\` and \`idfWeights\` in code`);
    const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    const values = this.kind === 'string' ? lines : lines.map((l) => Number(l));
    try {
      this.setVocabulary(values as T[]);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
  }

  private padIdf(w: number[]): Float32Array {
    const depth = this.padToMaxTokens ? this.maxTokens! : w.length;
    const out = new Float32Array(depth);
    out.set(w.slice(0, depth));
    return out;
  }

  private install(tokens: T[], idf: Float32Array | null): void {
    this.tokens = tokens;
    this.index = new Map(tokens.map((t, i) => [t, this.tokenStart() + i]));
    this.idf = idf;
  }

  protected abstract checkToken(t: unknown, where: string): void;

  /**
   * Learns the vocabulary from data: tokens by count, most frequent first, ties broken by the token itself in
   * descending order (Keras's np.lexsort((tokens, counts))[::-1]), cut to maxTokens; for tf_idf also the idf weights
   * log(1 + documents / (1 + documents containing the token)). Each row of a rank-2 input is a document; a rank-1
   * input is one token per document.
   */
  adapt(data: AsyncAdaptData, options?: AdaptOptions): Promise<void>;
  adapt(data: AdaptData | T[][], options?: AdaptOptions): void;
  adapt(data: AdaptData | T[][] | AsyncAdaptData, options?: AdaptOptions): void | Promise<void> {
    this.checkOptionsNow();
    const steps = adaptSteps(options, `${this.className} "${this.name}"`);
    // A Dataset: each element's rows are documents, as for a tensor; all of them make one vocabulary.
    if (isAsyncSource(data)) {
      return collectAdaptElements(data, `${this.className} "${this.name}"`, steps).then((elements) => {
        const docs: T[][] = [];
        for (const e of elements) {
          const x = toInputTensor(e as TensorLike, `${this.className} "${this.name}" adapt`);
          const flat = readTokens(x, this.className, this.name, this.kind === 'string' ? 'string' : 'integer') as T[];
          const per = x.rank <= 1 ? 1 : x.size / (x.shape[0] || 1);
          for (let d = 0; d < flat.length / per; d++) docs.push(flat.slice(d * per, (d + 1) * per));
        }
        this.adapt(docs);
      });
    }
    const cls = this.className;
    if (this.hasInputVocabulary) throw new Error(`${cls} "${this.name}": Cannot adapt layer '${this.name}' after setting a static vocabulary via \`vocabulary\` argument or \`setVocabulary()\` method.`);
    // Documents of different lengths (Keras takes them as a ragged tensor).
    if (Array.isArray(data) && data.length > 0 && data.every((d) => Array.isArray(d) && d.every((t) => !Array.isArray(t)))) {
      const docs = data as T[][];
      for (const d of docs) for (const t of d) this.checkToken(t, 'adapt data');
      this.adaptDocuments(docs);
      return;
    }
    const x = toInputTensor(data as TensorLike, `${cls} "${this.name}" adapt`);
    const flat = readTokens(x, cls, this.name, this.kind === 'string' ? 'string' : 'integer') as T[];
    const per = x.rank <= 1 ? 1 : x.size / (x.shape[0] || 1);
    this.adaptDocuments(Array.from({ length: flat.length / per }, (_, d) => flat.slice(d * per, (d + 1) * per)));
  }

  /** @internal adapt() on documents that are already lists of tokens (TextVectorization). */
  adaptDocuments(docs: T[][]): void {
    const counts = new Map<T, number>();
    const docCounts = new Map<T, number>();
    for (const doc of docs) {
      for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const t of new Set(doc)) docCounts.set(t, (docCounts.get(t) ?? 0) + 1);
    }
    if (this.maskToken !== null) counts.delete(this.maskToken);
    counts.delete(this.oovToken);
    if (counts.size === 0) throw new Error(`${this.className} "${this.name}": adapt() found no tokens in the data`);
    let tokens = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? 1 : a > b ? -1 : 0));
    if (this.maxTokens !== null) tokens = tokens.slice(0, Math.max(0, this.maxTokens - this.tokenStart()));
    let idf: Float32Array | null = null;
    if (this.outputMode === 'tf_idf') {
      const n = docs.length;
      const w = tokens.map((t) => Math.log(1 + n / (1 + docCounts.get(t)!)));
      const mean = w.reduce((a, b) => a + b, 0) / (w.length || 1);
      idf = this.padIdf([...new Array<number>(this.tokenStart()).fill(mean), ...w]);
    }
    this.install(tokens, idf);
  }

  /** The ids of tokens (mask -> 0 in int mode, or -1 to drop it; OOV -> its bucket). */
  protected lookup(tokens: T[]): Int32Array {
    const out = new Int32Array(tokens.length);
    const maskId = this.outputMode === 'int' ? 0 : -1;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (this.maskToken !== null && t === this.maskToken) {
        out[i] = maskId;
        continue;
      }
      const id = this.index.get(t);
      if (id !== undefined) {
        out[i] = id;
      } else if (this.numOovIndices === 0) {
        throw new Error(`${this.className} "${this.name}": When \`numOovIndices=0\` all inputs should be in vocabulary, found OOV value ${JSON.stringify(t)}; consider setting \`numOovIndices=1\`.`);
      } else if (this.numOovIndices === 1) {
        out[i] = this.oovStart();
      } else {
        // Keras: FarmHash buckets for strings; floormod for integers (its default oov_method).
        const b = typeof t === 'string' ? hashBucket(t, this.numOovIndices) : (((t as number) % this.numOovIndices) + this.numOovIndices) % this.numOovIndices;
        out[i] = this.oovStart() + b;
      }
    }
    return out;
  }

  private depth(): number {
    return this.padToMaxTokens ? this.maxTokens! : this.vocabularySize();
  }

  private checkReady(): void {
    // Keras maps every token to OOV in this state; an error says why instead.
    if (this.tokens.length === 0) {
      throw new Error(`${this.className} "${this.name}": the layer has no vocabulary. Either pass a \`vocabulary\` argument to the layer, or call \`adapt\` with some sample data (or setVocabulary() after loading a model whose file has none for it).`);
    }
  }

  /** @internal ids (or their encoding) for tokens laid out in `shape`. */
  encodeTokens(tokens: T[], shape: number[]): Tensor {
    this.checkReady();
    const ids = this.lookup(tokens);
    if (this.outputMode === 'int') return fromArray(ids, shape.slice());
    const mode = this.outputMode === 'tf_idf' ? 'count' : this.outputMode;
    return encode(ids, shape, mode, this.depth(), this.outputMode === 'tf_idf' ? this.idf : null, `Layer "${this.name}" (${this.className})`);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    if (this.invert) return this.inverse(x);
    const tokens = readTokens(x, this.className, this.name, this.kind === 'string' ? 'string' : 'integer') as T[];
    return this.encodeTokens(tokens, x.shape);
  }

  private inverse(x: Tensor): Tensor {
    const ids = readTokens(x, this.className, this.name, 'integer') as number[];
    const vocab = this.getVocabulary(true);
    const out = ids.map((i) => (i >= 0 && i < vocab.length ? vocab[i] : this.oovToken));
    return this.kind === 'string' ? fromStrings(out as string[], x.shape.slice()) : fromArray(Int32Array.from(out as number[]), x.shape.slice());
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    if (this.outputMode === 'int') return s;
    return encodedShape(s, this.outputMode, this.depth());
  }

  override getConfig() {
    // The vocabulary rides in the config (with its special entries, so that tf_idf weights load unchanged); Keras
    // reads a `vocabulary` list from the config as well as from assets.
    const vocabulary = this.hasInputVocabulary ? this.configVocabulary : this.tokens.length ? this.getVocabulary(true) : null;
    const idfWeights = this.outputMode !== 'tf_idf' ? null : this.hasInputVocabulary ? this.configIdf : this.idf ? Array.from(this.idf.slice(0, this.vocabularySize())) : null;
    return {
      ...super.getConfig(), maxTokens: this.maxTokens, numOovIndices: this.numOovIndices, maskToken: this.maskToken, oovToken: this.oovToken,
      vocabulary, idfWeights, invert: this.invert, outputMode: this.outputMode, padToMaxTokens: this.padToMaxTokens, sparse: false,
    };
  }
}

/** Strings to integer ids through a vocabulary (index 0 the mask when maskToken is set, then the OOV buckets). */
export class StringLookup extends IndexLookup<string> {
  protected readonly kind = 'string' as const;
  constructor(args: LookupArgs<string> = {}) {
    super(args, { maskToken: null, oovToken: '[UNK]' });
  }
  protected checkToken(t: unknown, where: string): void {
    if (typeof t !== 'string') throw new Error(`StringLookup "${this.name}": ${where} must hold strings, received ${JSON.stringify(t)}`);
  }
}

/** Integers to integer ids through a vocabulary (Keras's defaults: no mask, OOV token -1). */
export class IntegerLookup extends IndexLookup<number> {
  protected readonly kind = 'integer' as const;
  constructor(args: LookupArgs<number> = {}) {
    super(args, { maskToken: null, oovToken: -1 });
  }
  protected checkToken(t: unknown, where: string): void {
    if (!Number.isInteger(t)) throw new Error(`IntegerLookup "${this.name}": ${where} must hold integers, received ${JSON.stringify(t)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// TextVectorization

// Keras's DEFAULT_STRIP_REGEX: ASCII punctuation.
const STRIP_PUNCTUATION = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g;
// tf.strings.lower without an encoding, as Keras calls it, lowercases ASCII letters only ('Ä' stays 'Ä'), and
// tf.strings.split splits on ASCII whitespace only.
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
const ASCII_WHITESPACE = /[ \t\n\v\f\r]+/;

export type Standardize = 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null | ((text: string) => string);
export type Split = 'whitespace' | 'character' | null | ((text: string) => string[]);

export interface TextVectorizationArgs extends LayerArgs {
  maxTokens?: number | null;
  standardize?: Standardize;
  split?: Split;
  ngrams?: number | number[] | null;
  outputMode?: 'int' | 'multi_hot' | 'count' | 'tf_idf';
  outputSequenceLength?: number | null;
  padToMaxTokens?: boolean;
  vocabulary?: string[] | null;
  idfWeights?: number[] | null;
  sparse?: boolean;
}

/**
 * Text to token ids or bag-of-words vectors: standardize (lowercase ASCII letters, strip ASCII punctuation), split
 * (on runs of ASCII whitespace, or into Unicode characters), form n-grams (all unigrams, then all bigrams, ..., joined by a space), then
 * look the tokens up in the vocabulary (index 0 '' the padding/mask, 1 '[UNK]' in int mode). In int mode the output
 * is [batch, outputSequenceLength] (padded with 0 or truncated; without outputSequenceLength, the longest text in the
 * batch); otherwise [batch, vocabularySize].
 */
export class TextVectorization extends Layer {
  protected static override readonly takesIntegerInput = true;
  readonly standardize: Standardize;
  readonly split: Split;
  readonly ngrams: number[] | null;
  readonly outputMode: 'int' | 'multi_hot' | 'count' | 'tf_idf';
  readonly outputSequenceLength: number | null;
  private readonly ngramsArg: number | number[] | null;
  private readonly lookupLayer: StringLookup;

  constructor(args: TextVectorizationArgs = {}) {
    super(args);
    const cls = 'TextVectorization';
    // A saved config names a registered function as Keras 3 serializes it.
    const fromConfig = <T,>(v: T, arg: string): T => (isSerializedFunction(v) ? (deserializeFunction(v, `${cls} "${this.name}": ${arg}`) as T) : v);
    const st = fromConfig(args.standardize === undefined ? 'lower_and_strip_punctuation' : args.standardize, 'standardize');
    if (!(st === null || typeof st === 'function' || ['lower_and_strip_punctuation', 'lower', 'strip_punctuation'].includes(st))) {
      throw invalid(cls, 'standardize', "'lower_and_strip_punctuation', 'lower', 'strip_punctuation', null or a function", st);
    }
    this.standardize = st;
    const sp = fromConfig(args.split === undefined ? 'whitespace' : args.split, 'split');
    if (!(sp === null || typeof sp === 'function' || sp === 'whitespace' || sp === 'character')) throw invalid(cls, 'split', "'whitespace', 'character', null or a function", sp);
    this.split = sp;
    this.ngramsArg = args.ngrams ?? null;
    if (this.ngramsArg === null) this.ngrams = null;
    else if (Number.isInteger(this.ngramsArg) && (this.ngramsArg as number) > 0) this.ngrams = Array.from({ length: this.ngramsArg as number }, (_, i) => i + 1);
    else if (Array.isArray(this.ngramsArg) && this.ngramsArg.length > 0 && this.ngramsArg.every((n) => Number.isInteger(n) && n > 0)) this.ngrams = this.ngramsArg.slice();
    else throw invalid(cls, 'ngrams', 'null, a positive integer or an array of positive integers', this.ngramsArg);
    if (this.ngrams && this.split === null) throw invalid(cls, 'ngrams', 'null when split is null (n-grams need split text)', this.ngramsArg);
    this.outputMode = oneOf(args.outputMode ?? 'int', ['int', 'multi_hot', 'count', 'tf_idf'] as const, cls, 'outputMode');
    this.outputSequenceLength = args.outputSequenceLength ?? null;
    if (this.outputSequenceLength !== null) {
      if (this.outputMode !== 'int') throw invalid(cls, 'outputSequenceLength', "null unless outputMode is 'int'", this.outputSequenceLength);
      positiveInt(this.outputSequenceLength, cls, 'outputSequenceLength');
    }
    this.lookupLayer = new StringLookup({
      name: `${this.name}_lookup`, maxTokens: args.maxTokens ?? null, maskToken: '', vocabulary: args.vocabulary ?? null,
      idfWeights: args.idfWeights ?? null, outputMode: this.outputMode, padToMaxTokens: args.padToMaxTokens ?? false, sparse: args.sparse,
    });
  }

  get maxTokens(): number | null {
    return this.lookupLayer.maxTokens;
  }

  /** The vocabulary: '' (the padding) and '[UNK]' first in int mode, '[UNK]' first otherwise. */
  getVocabulary(includeSpecialTokens = true): string[] {
    return this.lookupLayer.getVocabulary(includeSpecialTokens);
  }

  vocabularySize(): number {
    return this.lookupLayer.vocabularySize();
  }

  setVocabulary(vocabulary: string[], idfWeights?: number[]): void {
    this.lookupLayer.setVocabulary(vocabulary, idfWeights);
  }

  /** @internal See IndexLookup.loadVocabularyAsset (Keras's TextVectorization.load_assets delegates the same way). */
  loadVocabularyAsset(text: string, where: string): void {
    this.lookupLayer.loadVocabularyAsset(text, where);
  }

  /** Standardize, split and n-gram one text. */
  private tokenize(text: string): string[] {
    let s = text;
    const st = this.standardize;
    if (typeof st === 'function') {
      s = st(s);
      if (typeof s !== 'string') throw new Error(`TextVectorization "${this.name}": the standardize function returned ${typeof s}, expected a string`);
    } else if (st === 'lower_and_strip_punctuation') s = asciiLower(s).replace(STRIP_PUNCTUATION, '');
    else if (st === 'lower') s = asciiLower(s);
    else if (st === 'strip_punctuation') s = s.replace(STRIP_PUNCTUATION, '');
    const sp = this.split;
    let tokens: string[];
    if (sp === null) return [s];
    if (typeof sp === 'function') {
      tokens = sp(s);
      if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) throw new Error(`TextVectorization "${this.name}": the split function must return an array of strings`);
    } else if (sp === 'whitespace') tokens = s.split(ASCII_WHITESPACE).filter((t) => t.length > 0);
    else tokens = Array.from(s);
    if (!this.ngrams) return tokens;
    const out: string[] = [];
    for (const n of this.ngrams) for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
    return out;
  }

  private texts(x: Tensor, where: string): string[] {
    if (!isStringTensor(x)) throw new Error(`${where}: expects strings (a string tensor such as tn.tensor(['some text'])), received a ${x.dtype} tensor of shape [${x.shape.join(', ')}]`);
    if (x.rank > 2 || (x.rank === 2 && x.shape[1] !== 1)) {
      throw new Error(`${where}: expects texts of shape [batch] or [batch, 1], received shape [${x.shape.join(', ')}]`);
    }
    return stringsOf(x, where);
  }

  /** Learns the vocabulary (and idf weights) from texts: an array of strings or a string tensor. */
  adapt(data: AsyncAdaptData, options?: AdaptOptions): Promise<void>;
  adapt(data: string[] | string[][] | Tensor, options?: AdaptOptions): void;
  adapt(data: string[] | string[][] | Tensor | AsyncAdaptData, options?: AdaptOptions): void | Promise<void> {
    this.checkOptionsNow();
    const where = `TextVectorization "${this.name}" adapt`;
    const steps = adaptSteps(options, `TextVectorization "${this.name}"`);
    // A Dataset of texts (batches or single strings): read to the end (or `steps` elements), then one vocabulary.
    if (isAsyncSource(data)) {
      return collectAdaptElements(data, `TextVectorization "${this.name}"`, steps).then((elements) => {
        const texts = elements.flatMap((e) => (typeof e === 'string' ? [e] : this.texts(toInputTensor(e as TensorLike, where), where)));
        this.lookupLayer.adaptDocuments(texts.map((t) => this.tokenize(t)));
      });
    }
    const x = toInputTensor(data as TensorLike, where);
    this.lookupLayer.adaptDocuments(this.texts(x, where).map((t) => this.tokenize(t)));
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const where = `Layer "${this.name}" (TextVectorization)`;
    if (this.getVocabulary(false).length === 0) {
      throw new Error(`${where}: the layer has no vocabulary. Either pass a \`vocabulary\` argument to the layer, or call \`adapt\` with some sample texts (or setVocabulary() after loading a model whose file has none for it).`);
    }
    const texts = this.texts(x, where);
    const docs = texts.map((t) => this.tokenize(t));
    if (this.outputMode !== 'int') {
      // Each document is one row of tokens; rows may differ in length, so pad with the mask token, which is dropped.
      const width = Math.max(1, ...docs.map((d) => d.length));
      const flat = docs.flatMap((d) => [...d, ...new Array<string>(width - d.length).fill('')]);
      // A single text (a scalar) is one sample: [depth], as Keras.
      return this.lookupLayer.encodeTokens(flat, x.rank === 0 ? [width] : [docs.length, width]);
    }
    if (this.split === null && this.outputSequenceLength === null) return this.lookupLayer.encodeTokens(docs.map((d) => d[0]), x.shape.slice());
    const len = this.outputSequenceLength ?? Math.max(0, ...docs.map((d) => d.length));
    const flat = docs.flatMap((d) => (d.length >= len ? d.slice(0, len) : [...d, ...new Array<string>(len - d.length).fill('')]));
    return this.lookupLayer.encodeTokens(flat, x.rank === 0 ? [len] : [docs.length, len]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    if (this.outputMode !== 'int') return [s[0], this.lookupLayer.computeOutputShape([null, null])[1]];
    if (this.split === null && this.outputSequenceLength === null) return s;
    return [s[0], this.outputSequenceLength];
  }

  override getConfig() {
    const named = (v: unknown, arg: string) => {
      if (typeof v !== 'function') return v;
      const saved = serializeFunction(v as (text: string) => unknown);
      if (!saved) {
        throw new Error(
          `save: layer "${this.name}" (TextVectorization) has a custom \`${arg}\` function, which a config can only name: register it ` +
            'with tn.saving.registerKerasSerializable(fn) (Keras\'s @register_keras_serializable) in the saving and the loading program, ' +
            'or rebuild the layer in code and load its vocabulary with setVocabulary()',
        );
      }
      return saved;
    };
    const lookup = this.lookupLayer.getConfig();
    return {
      ...super.getConfig(), maxTokens: this.maxTokens, standardize: named(this.standardize, 'standardize'), split: named(this.split, 'split'),
      ngrams: this.ngramsArg, outputMode: this.outputMode, outputSequenceLength: this.outputSequenceLength, padToMaxTokens: lookup.padToMaxTokens,
      vocabulary: lookup.vocabulary, idfWeights: lookup.idfWeights, sparse: false,
    };
  }
}
