// The only file that loads the addon. Everything else imports the typed bindings from here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Unary maps; the numbering matches `tn::UnaryOp` in native/elementwise.h. */
export enum UnaryOp {
  linear = 0, neg, abs, exp, log, sqrt, rsqrt, square, reciprocal,
  relu, relu6, leakyRelu, elu, selu, sigmoid, hardSigmoid, tanh, softplus, softsign, swish, gelu, geluTanh,
  sin, cos, floor, ceil, round, sign, log1p, expm1,
}

/** Binary maps; the numbering matches `tn::BinaryOp` in native/elementwise.h. */
export enum BinaryOp { add = 0, sub, mul, div, pow, maximum, minimum, squaredDifference }

/** Reductions; the numbering matches `tn::ReduceOp` in native/reduce.h. */
export enum ReduceOp { sum = 0, mean, max, min, logSumExp, prod }
/**
 * The LSTM and GRU loops' gate activation; the numbering matches `tn::RecurrentGate` in native/recurrent.h: Keras's
 * sigmoid, Keras 3's hard_sigmoid (slope 1/6), Keras 2's and TF.js's hard sigmoid (slope 0.2).
 */
export enum RecurrentGate { sigmoid = 0, hardSigmoid, hardSigmoidLegacy }

type F32 = Float32Array;
type I32 = Int32Array;

/** How a convolution pass is computed (native/conv.cc). */
export type ConvAlgorithm = 'direct' | 'gemm' | 'im2col' | 'winograd';

/**
 * Signatures of every binding in native/binding/ (one file per family). Arguments are re-checked there; the rules are
 * in native/binding/args.h.
 */
export interface NativeBindings {
  backendInfo(): {
    isa: 'avx512' | 'avx2' | 'scalar'; hardwareIsa: string; threads: number; openmp: boolean;
    /** vdpbf16ps on the active path, and in the hardware (ignoring TENSORNODE_MAX_ISA). */
    avx512Bf16: boolean; hardwareAvx512Bf16: boolean;
  };
  setNumThreads(n: number): void;
  unary(op: UnaryOp, x: F32, y: F32, alpha: number): void;
  unaryGrad(op: UnaryOp, x: F32, y: F32, dy: F32, dx: F32, alpha: number): void;
  binary(op: BinaryOp, a: F32, aStrides: number[], b: F32, bStrides: number[], out: F32, shape: number[]): void;
  transpose(x: F32 | I32, shape: number[], perm: number[], y: F32 | I32): void;
  reduce(op: ReduceOp, x: F32, outer: number, n: number, inner: number, out: F32): void;
  argReduce(isMax: boolean, x: F32, outer: number, n: number, inner: number, out: I32): void;
  softmax(x: F32, outer: number, n: number, y: F32, log: boolean): void;
  softmaxGrad(y: F32, dy: F32, outer: number, n: number, dx: F32, log: boolean): void;
  gemm(
    transposeA: boolean, transposeB: boolean, batch: number, m: number, n: number, k: number,
    a: F32, aOffset: number, lda: number, strideA: number,
    b: F32, bOffset: number, ldb: number, strideB: number,
    beta: number, c: F32, cOffset: number, ldc: number, strideC: number,
    bias: F32 | null, activation: UnaryOp, alpha: number,
  ): void;
  /** gemm without batch and offsets, with operands rounded to bfloat16 and float32 sums (native/gemm/gemm_bf16.h). */
  gemmBf16(
    transposeA: boolean, transposeB: boolean, m: number, n: number, k: number, a: F32, lda: number, b: F32, ldb: number,
    beta: number, c: F32, ldc: number, bias: F32 | null, activation: UnaryOp, alpha: number,
  ): void;
  /** conv2dForward with bfloat16 operands (native/conv_bf16.h). */
  conv2dBf16Forward(x: F32, kernel: F32, bias: F32 | null, y: F32, geometry: number[], activation: UnaryOp, alpha: number): void;
  /** dz: the gradient of the convolution's output, any activation's gradient already applied. */
  conv2dBf16BackwardInput(dz: F32, kernel: F32, dx: F32, geometry: number[]): void;
  conv2dBf16BackwardFilter(x: F32, dz: F32, dKernel: F32, geometry: number[]): void;
  /** geometry: [n, h, w, c, kh, kw, oc, oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft] */
  conv2dForward(x: F32, kernel: F32, bias: F32 | null, y: F32, geometry: number[], activation: UnaryOp, alpha: number): void;
  /**
   * The backward passes take dy = d/dz of the loss; with the optional (y, activation, alpha), dy is d/dy of
   * y = activation(z) and the kernels fold activation'(z), computed from y, in (for output-differentiable activations).
   */
  conv2dBackwardInput(dy: F32, kernel: F32, dx: F32, geometry: number[], y?: F32 | null, activation?: UnaryOp, alpha?: number): void;
  conv2dBackwardFilter(
    x: F32, dy: F32, dKernel: F32, dBias: F32 | null, geometry: number[], y?: F32 | null, activation?: UnaryOp, alpha?: number,
  ): void;
  /** y = maxPool(relu(conv(x) + bias)), pool stride = pool size, 'valid'; y is [n, floor(oh/poolH), floor(ow/poolW), oc]. */
  conv2dReluMaxPool(x: F32, kernel: F32, bias: F32 | null, y: F32, geometry: number[], poolH: number, poolW: number): void;
  /**
   * Training's conv2dReluMaxPool: y as there, and argmax (as long as y) = the position a * poolW + b (row a, column b)
   * of each window's first maximum, for the backward pass. poolH * poolW must be at most 256.
   */
  conv2dReluMaxPoolTrain(
    x: F32, kernel: F32, bias: F32 | null, y: F32, argmax: Uint8Array, geometry: number[], poolH: number, poolW: number,
  ): void;
  /**
   * Gradients of conv2dReluMaxPoolTrain from dy = d/dy of the loss (and its y and argmax): dKernel, dBias and dx as the
   * unfused conv, relu and max-pool backward passes give them; each output may be null (not computed).
   */
  conv2dReluMaxPoolBackward(
    x: F32, kernel: F32, dy: F32, y: F32, argmax: Uint8Array, dKernel: F32 | null, dBias: F32 | null, dx: F32 | null,
    geometry: number[], poolH: number, poolW: number,
  ): void;
  /**
   * Depthwise convolution, kernel [kh, kw, c, depthMultiplier] (Keras's depthwise_kernel), output channel
   * c * depthMultiplier + q. geometry: [n, h, w, c, kh, kw, depthMultiplier, oh, ow, strideH, strideW, dilationH,
   * dilationW, padTop, padLeft]. The backward passes fold an activation's gradient in as conv2d's do.
   */
  depthwiseConv2dForward(x: F32, kernel: F32, bias: F32 | null, y: F32, geometry: number[], activation: UnaryOp, alpha: number): void;
  depthwiseConv2dBackwardInput(dy: F32, kernel: F32, dx: F32, geometry: number[], y?: F32 | null, activation?: UnaryOp, alpha?: number): void;
  /** dKernel and dBias (null: not wanted); the same values on any number of threads. */
  depthwiseConv2dBackwardFilter(
    x: F32, dy: F32, dKernel: F32, dBias: F32 | null, geometry: number[], y?: F32 | null, activation?: UnaryOp, alpha?: number,
  ): void;
  /**
   * 3-D convolution, x [n, d, h, w, c], kernel [kd, kh, kw, c, oc]. geometry: [n, d, h, w, c, kd, kh, kw, oc, od, oh,
   * ow, strideD, strideH, strideW, dilationD, dilationH, dilationW, padFront, padTop, padLeft]. The backward passes
   * write (not add) their outputs; dKernel and dBias (null: not wanted) are the same on any number of threads.
   */
  conv3dForward(x: F32, kernel: F32, bias: F32 | null, y: F32, geometry: number[], activation: UnaryOp, alpha: number): void;
  conv3dBackwardInput(dy: F32, kernel: F32, dx: F32, geometry: number[]): void;
  conv3dBackwardFilter(x: F32, dy: F32, dKernel: F32, dBias: F32 | null, geometry: number[]): void;
  /** geometry: [n, d, h, w, c, poolD, poolH, poolW, od, oh, ow, strideD, strideH, strideW, padFront, padTop, padLeft] */
  maxPool3dForward(x: F32, y: F32, geometry: number[]): void;
  maxPool3dBackward(x: F32, dy: F32, dx: F32, geometry: number[]): void;
  avgPool3dForward(x: F32, y: F32, geometry: number[]): void;
  avgPool3dBackward(dy: F32, dx: F32, geometry: number[]): void;
  /** geometry: [n, h, w, c, poolH, poolW, oh, ow, strideH, strideW, padTop, padLeft] */
  maxPool2dForward(x: F32, y: F32, geometry: number[]): void;
  maxPool2dBackward(x: F32, dy: F32, dx: F32, geometry: number[]): void;
  avgPool2dForward(x: F32, y: F32, geometry: number[]): void;
  avgPool2dBackward(dy: F32, dx: F32, geometry: number[]): void;
  sgdUpdate(w: F32, grad: F32, momentumSlot: F32 | null, learningRate: number, momentum: number, nesterov: boolean): void;
  adamUpdate(
    w: F32, grad: F32, m: F32, v: F32, vHat: F32 | null, learningRate: number, alpha: number,
    beta1: number, beta2: number, epsilon: number, weightDecay: number,
  ): void;
  /**
   * A Dense layer's backward pass with Adam's update of its kernel fused in (native/optim.h): dx = dz @ w^T with w
   * before the update (when dx is given), then Adam with g = x^T @ dz, one block of w's rows at a time.
   */
  denseBackwardAdam(
    x: F32, dz: F32, dx: F32 | null, w: F32, m: F32, v: F32, vHat: F32 | null, rows: number, inputDim: number,
    units: number, learningRate: number, alpha: number, beta1: number, beta2: number, epsilon: number, weightDecay: number,
  ): void;
  /** denseBackwardAdam with SGD's update (momentumSlot null without momentum). */
  denseBackwardSgd(
    x: F32, dz: F32, dx: F32 | null, w: F32, momentumSlot: F32 | null, rows: number, inputDim: number, units: number,
    learningRate: number, momentum: number, nesterov: boolean,
  ): void;
  rmspropUpdate(
    w: F32, grad: F32, velocity: F32, momentumSlot: F32 | null, averageGradient: F32 | null,
    learningRate: number, rho: number, momentum: number, epsilon: number,
  ): void;
  adagradUpdate(w: F32, grad: F32, accumulator: F32, learningRate: number, epsilon: number): void;
  adadeltaUpdate(w: F32, grad: F32, accumulatedGrad: F32, accumulatedDelta: F32, learningRate: number, rho: number, epsilon: number): void;
  /** Adamax with alpha = learningRate / (1 - beta1^t). */
  adamaxUpdate(w: F32, grad: F32, m: F32, norm: F32, alpha: number, beta1: number, beta2: number, epsilon: number): void;
  /** Nadam as w -= (momentumFactor m + gradientFactor g) / (sqrt(velocityFactor v) + epsilon), after updating m and v (native/optim.h). */
  nadamUpdate(
    w: F32, grad: F32, m: F32, v: F32, momentumFactor: number, gradientFactor: number, velocityFactor: number,
    beta1: number, beta2: number, epsilon: number,
  ): void;
  lionUpdate(w: F32, grad: F32, m: F32, learningRate: number, beta1: number, beta2: number): void;
  /** Per-channel mean and biased variance of x [rows, channels]. */
  batchNormStats(x: F32, rows: number, channels: number, mean: F32, variance: F32): void;
  /** y = (x - mean) / sqrt(variance + epsilon) * gamma + beta over x [rows, channels]. */
  batchNormForward(x: F32, rows: number, channels: number, mean: F32, variance: F32, gamma: F32 | null, beta: F32 | null, epsilon: number, y: F32): void;
  /** dx (null: not wanted), dgamma = sum dy * xhat, dbeta = sum dy; batchStats: mean and variance are x's own. */
  batchNormBackward(
    dy: F32, x: F32, rows: number, channels: number, mean: F32, variance: F32, gamma: F32 | null, epsilon: number,
    batchStats: boolean, dx: F32 | null, dgamma: F32 | null, dbeta: F32 | null,
  ): void;
  /** out[i] = 1 / keep with probability keep, else 0; the stream is fixed by the 64-bit key (two uint32 halves). */
  dropoutMask(out: F32, n: number, keep: number, keyLow: number, keyHigh: number): void;
  /** dst[o, j, :] = src[o, indices[j], :] over rows of `inner` values (float32 or int32). */
  gatherRows(src: F32 | Int32Array, outer: number, n: number, inner: number, indices: Int32Array, dst: F32 | Int32Array): void;
  /** g[o, indices[j], :] += dy[o, j, :] (repeated indices accumulate). */
  scatterAddRows(dy: F32, outer: number, n: number, inner: number, indices: Int32Array, g: F32): void;
  /**
   * An LSTM's time loop from zero state, time-major: xw [time, batch, 4u] = x W + b, gates i, f, c, o (gate
   * activation, tanh); writes hs and cs [time, batch, u] and gates [time, batch, 4u].
   */
  lstmForward(
    xw: F32, recurrentKernel: F32, batch: number, time: number, units: number, reverse: boolean, gate: RecurrentGate, hs: F32, cs: F32, gates: F32,
  ): void;
  /** Backpropagation through time: dxw [time, batch, 4u] and dRecurrentKernel [u, 4u] from dhs [time, batch, u]. */
  lstmBackward(
    dhs: F32, recurrentKernel: F32, hs: F32, cs: F32, gates: F32, batch: number, time: number, units: number, reverse: boolean,
    gate: RecurrentGate, dxw: F32, dRecurrentKernel: F32,
  ): void;
  /**
   * A GRU's time loop from zero state, time-major: xw [time, batch, 3u] = x W + input bias, gates z, r, h; with
   * resetAfter r scales h U_h + recurrentBias, without (recurrentBias null) it scales h before U_h. Writes hs
   * [time, batch, u] and gates [time, batch, 4u].
   */
  gruForward(
    xw: F32, recurrentKernel: F32, recurrentBias: F32 | null, batch: number, time: number, units: number, reverse: boolean,
    gate: RecurrentGate, resetAfter: boolean, hs: F32, gates: F32,
  ): void;
  /** Backpropagation through time for gruForward: dxw, dRecurrentKernel and dRecurrentBias (null: not wanted). */
  gruBackward(
    dhs: F32, recurrentKernel: F32, hs: F32, gates: F32, batch: number, time: number, units: number, reverse: boolean,
    gate: RecurrentGate, resetAfter: boolean, dxw: F32, dRecurrentKernel: F32, dRecurrentBias: F32 | null,
  ): void;
  // Int8 inference (native/quantized.h). y's type picks the epilogue's output: Int32Array the raw sums a*w,
  // Float32Array z = fma(acc - aZero * weightSums, multiplier, bias) (relu: max(z, 0)), Uint8Array codes
  // clamp(round(z * outInvScale) + outZero, 0, 255). Packed weights are only valid in the process that packed them.
  quantizedPackedBytes(k: number, n: number): number;
  quantizedPackWeights(w: Int8Array, k: number, n: number, packed: Uint8Array): void;
  quantizedMatmul(
    a: Uint8Array, packed: Uint8Array, m: number, n: number, k: number, aZero: number, weightSums: I32, multiplier: F32,
    bias: F32 | null, relu: boolean, outInvScale: number, outZero: number, y: I32 | F32 | Uint8Array,
  ): void;
  /** geometry as conv2dForward's; the padding reads as aZero. */
  quantizedConv2d(
    x: Uint8Array, packed: Uint8Array, geometry: number[], aZero: number, weightSums: I32, multiplier: F32,
    bias: F32 | null, relu: boolean, outInvScale: number, outZero: number, y: I32 | F32 | Uint8Array,
  ): void;
  /** quantizedConv2d into uint8 codes, then max pooling (window = stride = poolH x poolW, valid) into y. */
  quantizedConv2dMaxPool(
    x: Uint8Array, packed: Uint8Array, geometry: number[], poolH: number, poolW: number, aZero: number, weightSums: I32,
    multiplier: F32, bias: F32 | null, relu: boolean, outInvScale: number, outZero: number, y: Uint8Array,
  ): void;
  /** y = clamp(round(x * invScale) + zero, 0, 255); NaN becomes zero. */
  quantizeUint8(x: F32, invScale: number, zero: number, y: Uint8Array): void;
  /** y = scale * (q - zero). */
  dequantizeUint8(q: Uint8Array, scale: number, zero: number, y: F32): void;
  /** geometry as maxPool2dForward's. */
  maxPool2dUint8(x: Uint8Array, y: Uint8Array, geometry: number[]): void;
  /** The int8 kernels' path: 'avx512-vnni', 'avx2' or 'scalar'. */
  quantizedPath(): 'avx512-vnni' | 'avx2' | 'scalar';
  /**
   * An LSTM layer's forward pass for inference (nothing kept for backward), the input projection included: x [batch,
   * time, features], kernel [features, 4u], bias [4u] or null; writes hs [time, batch, u] with `sequences`, else the
   * last step's h [batch, u].
   */
  lstmInference(
    x: F32, kernel: F32, bias: F32 | null, recurrentKernel: F32, batch: number, time: number, features: number, units: number,
    reverse: boolean, sequences: boolean, gate: RecurrentGate, hs: F32,
  ): void;
  /** The same for a GRU: inputBias and recurrentBias [3u] or null (recurrentBias null without resetAfter). */
  gruInference(
    x: F32, kernel: F32, inputBias: F32 | null, recurrentKernel: F32, recurrentBias: F32 | null, batch: number, time: number,
    features: number, units: number, reverse: boolean, sequences: boolean, gate: RecurrentGate, resetAfter: boolean, hs: F32,
  ): void;
  /**
   * Real DFT of each row of x [rows, n], cropped or zero-padded to fftLength (numpy's rfft(x, n)): re and im
   * [rows, fftLength / 2 + 1], unnormalized (native/fft.h).
   */
  rfft(x: F32, rows: number, n: number, fftLength: number, re: F32, im: F32): void;
  /** rfft's adjoint: dx [rows, n] from dRe and dIm [rows, fftLength / 2 + 1] (null: zero); cropped samples get 0. */
  rfftAdjoint(dRe: F32 | null, dIm: F32 | null, rows: number, n: number, fftLength: number, dx: F32): void;
}

/**
 * The addon's `internal` hooks: for benchmarks/ and the kernel tests, never used by lib/ and not part of the API (a
 * machine measurement and the kernels a shape would take).
 */
export interface InternalBindings {
  /** FP32 FMA throughput in GFLOP/s on the active ISA, best short slice over about `seconds`, on `threads` threads. */
  measurePeakGflops(seconds: number, threads: number): number;
  /** Which algorithm each pass uses for this geometry: 'direct', 'gemm' (1x1), 'im2col' or 'winograd'. */
  conv2dPlan(geometry: number[]): { forward: ConvAlgorithm; backwardInput: ConvAlgorithm; backwardFilter: ConvAlgorithm };
  /** Which 3x3 stride-1 shapes take Winograd: 'auto' (the measured rule), 'always' or 'never'. Process-wide. */
  conv2dWinograd(mode: 'auto' | 'always' | 'never'): void;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: this file sits in lib/ (sources) or dist/ (compiled), one level below it. */
export const packageRoot = resolve(here, '..');

function addonPath(): string {
  const override = process.env.TENSORNODE_ADDON;
  if (override) return resolve(override);
  return join(packageRoot, 'build', 'Release', 'tensornode.node');
}

/**
 * libgomp's spin-wait budget for tensornode's kernels. Its default (300,000 spins, several ms) lets an idle worker
 * hold its core long after a kernel ends; on a machine shared with other processes that costs whole scheduler ticks
 * per parallel kernel (median 7.8 ms instead of 0.12 ms for a 32x128x5408 GEMM called every 200 us on 2 busy
 * cores). 20,000 spins (~0.3 ms) keeps back-to-back kernels on warm threads without that cost.
 *
 * libgomp reads GOMP_SPINCOUNT once, in the constructor that initialises its runtime when the shared library is
 * loaded, and never again. So the variable is set only around the addon's load (which loads libgomp) and removed
 * right after: the budget applies to the addon, while the user's environment, and every child process's, is left
 * as it was. A user's own GOMP_SPINCOUNT or OMP_WAIT_POLICY wins and is left untouched. Two cases it cannot reach:
 * libgomp already loaded by another module, and a first load inside a worker thread (a worker's process.env is a
 * copy that does not reach the C environment); the budget is then libgomp's default.
 */
function withOpenMpWaiting<T>(load: () => T): T {
  if (process.env.GOMP_SPINCOUNT !== undefined || process.env.OMP_WAIT_POLICY !== undefined) return load();
  process.env.GOMP_SPINCOUNT = '20000';
  try {
    return load();
  } finally {
    delete process.env.GOMP_SPINCOUNT;
  }
}

function load(): NativeBindings & { internal: InternalBindings } {
  const path = addonPath();
  const require = createRequire(import.meta.url);
  try {
    return withOpenMpWaiting(() => require(path) as NativeBindings & { internal: InternalBindings });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const missing = !existsSync(path);
    throw new Error(
      `tensornode: could not load its native addon from ${path}` +
        (missing ? ' (the file does not exist: the build did not run or failed).' : ` (${reason}).`) +
        ' Rebuild it with `npm rebuild tensornode` (inside a clone of the repository: `npm run build:native`);' +
        ' this needs python3, make and a C++17 compiler (g++ or clang++), and downloads nothing.',
      { cause: err },
    );
  }
}

const { internal: internalBindings, ...bindings } = load();

export const native: NativeBindings = bindings;
/** Benchmark and test hooks; see InternalBindings. */
export const internal: InternalBindings = internalBindings;

/**
 * The MPI addon's bindings (native/mpi_binding.cc), behind tn.distributed. Every call but abort and finalize must come
 * from the thread that called init(). Buffers are reduced, gathered and broadcast in place over MPI_COMM_WORLD.
 */
export interface MpiBindings {
  init(): { rank: number; size: number; localRank: number; localSize: number; threadLevel: string; library: string };
  /** In place; op 0 sum, 1 min, 2 max; floating buffers are then scaled by `scale` (1 / size for an average). */
  allreduce(buffer: Float32Array | Float64Array | Int32Array, op: 0 | 1 | 2, scale: number): void;
  /** Rank r sends counts[r] elements; recv receives every rank's, in rank order. */
  allgatherv<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(send: T, recv: T, counts: number[]): void;
  broadcast(buffer: Float32Array | Float64Array | Int32Array | Uint8Array, root: number): void;
  barrier(): void;
  /** Prints the message to stderr and ends every rank (MPI_Abort); never returns. */
  abort(code: number, message: string): never;
  finalize(): void;
  wtime(): number;
}

/** Where the MPI addon is: TENSORNODE_MPI_ADDON, else build/Release/tensornode_mpi.node beside the main addon. */
export function mpiAddonPath(): string {
  const override = process.env.TENSORNODE_MPI_ADDON;
  return override ? resolve(override) : join(packageRoot, 'build', 'Release', 'tensornode_mpi.node');
}

let mpiAddon: MpiBindings | null = null;

/**
 * Loads the MPI addon on first use (tn.distributed.init()): a process that never trains across machines never loads
 * libmpi. It is opened RTLD_GLOBAL so that MPI implementations whose plugins resolve libmpi's symbols globally find
 * them (the binding also promotes libmpi itself before MPI_Init), and RTLD_NOW so a broken libmpi fails here, with
 * the message below, rather than at the first collective.
 */
export function mpiBindings(): MpiBindings {
  if (mpiAddon) return mpiAddon;
  const path = mpiAddonPath();
  if (!existsSync(path)) {
    throw new Error(
      'tensornode was built without MPI: apt-get install libopenmpi-dev openmpi-bin (or load your cluster\'s MPI so' +
        ' that mpicc is on PATH), then npm rebuild tensornode (inside a clone of the repository: npm run build:native).' +
        ` (${path} does not exist.)`,
    );
  }
  const module = { exports: {} as MpiBindings };
  try {
    process.dlopen(module, path, osConstants.dlopen.RTLD_NOW | osConstants.dlopen.RTLD_GLOBAL);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `tensornode: could not load its MPI addon from ${path} (${reason}). The MPI it was built against may have been` +
        ' removed or moved: reinstall it (apt-get install libopenmpi-dev openmpi-bin) or rebuild with npm rebuild tensornode.',
      { cause: err },
    );
  }
  mpiAddon = module.exports;
  return mpiAddon;
}
