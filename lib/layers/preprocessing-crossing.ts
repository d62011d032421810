// Keras's HashedCrossing: the "hashing trick" over combinations of categorical features, as TensorFlow's
// tf.sparse.cross_hashed computes it (what Keras calls), so that a cross lands in the bin Keras puts it in: each
// feature value hashed (FarmHash Fingerprint64 of a string; an integer is its own 64-bit hash), the hashes folded
// left to right with FingerprintCat64 from the key 0xDECAFCAFFE, the result modulo numBins.
import { fromArray, type Tensor } from '../tensor.js';
import { invalid, positiveInt } from './core.js';
import { Layer, formatShape, type LayerArgs, type LayerInput, type Shape } from './layer.js';
import { encode, encodedShape, fingerprint64, readTokens } from './preprocessing-text.js';

const M64 = (1n << 64n) - 1n;
const K_MUL = 0xc6a4a7935bd1e995n;
const CROSS_KEY = 0xdecafcaffen;
const shiftMix = (v: bigint): bigint => v ^ (v >> 47n);
const utf8 = new TextEncoder();

/** TensorFlow's FingerprintCat64: two 64-bit fingerprints into one. */
export function fingerprintCat64(fp1: bigint, fp2: bigint): bigint {
  let result = fp1 ^ K_MUL;
  result ^= (shiftMix((fp2 * K_MUL) & M64) * K_MUL) & M64;
  result = (result * K_MUL) & M64;
  result = (shiftMix(result) * K_MUL) & M64;
  return shiftMix(result);
}

export interface HashedCrossingArgs extends LayerArgs {
  numBins?: number;
  /** 'int' (the bin, int32) or 'one_hot' (float32 vectors of numBins). */
  outputMode?: 'int' | 'one_hot';
  sparse?: boolean;
}

/**
 * Crosses two or more categorical features (strings or integers) by hashing each combination into numBins bins:
 * inputs of equal shape (), [batch] or [batch, 1], output of that shape ('int') or with numBins one-hot columns.
 */
export class HashedCrossing extends Layer {
  protected static override readonly takesIntegerInput = true;
  readonly numBins: number;
  readonly outputMode: 'int' | 'one_hot';

  constructor(numBins: number | HashedCrossingArgs, args: HashedCrossingArgs = {}) {
    const a = typeof numBins === 'object' ? numBins : { ...args, numBins };
    super(a);
    this.numBins = positiveInt(a.numBins, 'HashedCrossing', 'numBins');
    const mode = a.outputMode ?? 'int';
    if (mode !== 'int' && mode !== 'one_hot') throw invalid('HashedCrossing', 'outputMode', "'int' or 'one_hot'", a.outputMode);
    this.outputMode = mode;
    if (a.sparse) throw invalid('HashedCrossing', 'sparse', 'false (tensornode has no sparse tensors)', a.sparse);
  }

  /** Keras's checks: a list of at least two inputs of one shape, (), [batch] or [batch, 1]. */
  private checkShapes(shapes: readonly (readonly (number | null)[])[]): void {
    if (shapes.length < 2) throw new Error(`Layer "${this.name}" (HashedCrossing) should be called on a list of at least two inputs, received ${shapes.length}`);
    const first = shapes[0];
    if (first.length > 2 || (first.length === 2 && first[1] !== 1)) {
      throw new Error(`Layer "${this.name}" (HashedCrossing): all inputs should have shape (), (batch_size) or (batch_size, 1), received ${formatShape(first)}`);
    }
    const odd = shapes.findIndex((s) => s.length !== first.length || s.some((d, i) => d !== first[i]));
    if (odd > 0) throw new Error(`Layer "${this.name}" (HashedCrossing): all inputs should have equal shapes, received ${formatShape(first)} and ${formatShape(shapes[odd])} (input ${odd})`);
  }

  call(inputs: LayerInput): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    this.checkShapes(list.map((x) => x.shape));
    const columns = list.map((x) => readTokens(x, 'HashedCrossing', this.name, 'either'));
    const n = columns[0].length;
    const bins = new Int32Array(n);
    const buckets = BigInt(this.numBins);
    for (let r = 0; r < n; r++) {
      let h = CROSS_KEY;
      for (const c of columns) {
        const v = c[r];
        h = fingerprintCat64(h, typeof v === 'string' ? fingerprint64(utf8.encode(v)) : BigInt.asUintN(64, BigInt(v)));
      }
      bins[r] = Number(h % buckets);
    }
    const shape = list[0].shape.slice();
    if (this.outputMode === 'int') return fromArray(bins, shape);
    return encode(bins, shape, 'one_hot', this.numBins, null, `Layer "${this.name}" (HashedCrossing)`);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[];
    this.checkShapes(shapes);
    return this.outputMode === 'int' ? shapes[0] : encodedShape(shapes[0], 'one_hot', this.numBins);
  }

  override getConfig() {
    return { ...super.getConfig(), numBins: this.numBins, outputMode: this.outputMode, sparse: false };
  }
}
