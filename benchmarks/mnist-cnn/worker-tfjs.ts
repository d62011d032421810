// TF.js's side of the MNIST CNN benchmark: the same Keras model with @tensorflow/tfjs's layers API, on the wasm
// backend (XNNPACK kernels compiled to WebAssembly SIMD) or on the cpu backend (plain JavaScript).
//
// The wasm backend cannot train a Conv2D as shipped: its kernel registry has no Conv2DBackpropFilter (tfjs issue
// #8474, open), so fit() fails with "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'". The
// workaround registers that kernel for 'wasm' with tf.registerKernel, built from the backend's own kernels:
//   dW[i, j, c, k] = sum over n, h, w of x[n, h + i, w + j, c] * dy[n, h, w, k]
// is a stride-1 convolution of x with channels and batch swapped ([C, H, W, N]) by dy read as a filter
// ([OH, OW, N, K]), giving [C, KH, KW, K], then transposed to [KH, KW, C, K]. That keeps the work in XNNPACK.
// Registering the cpu backend's kernel instead (copying the tensors across) also works but its per-element
// TensorBuffer loops made training ~15x slower (about 30 images/s here), so it only covers what the composition
// does not (strides other than 1, NCHW); this model never needs it.
//
// The wasm backend runs one thread in Node: its multi-threaded build is disabled there (WASM_HAS_MULTITHREAD_SUPPORT
// is hard-wired to false in Node, tfjs issue #3830), and forcing the flag fails to start its workers.
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { expect, memory, readData, send, serve, type DataMeta } from './protocol.js';

type TF = typeof import('@tensorflow/tfjs');
type Wasm = typeof import('@tensorflow/tfjs-backend-wasm');
type TensorInfo = import('@tensorflow/tfjs').TensorInfo;
type KernelConfig = import('@tensorflow/tfjs').KernelConfig;
type KernelFunc = KernelConfig['kernelFunc'];
type BackendWasm = import('@tensorflow/tfjs-backend-wasm').BackendWasm;
type Conv2DBackpropFilterAttrs = import('@tensorflow/tfjs').Conv2DBackpropFilterAttrs;
type Shape4 = [number, number, number, number];

const require = createRequire(import.meta.url);
// The packages are CommonJS bundles; require gives their full namespace.
const tf = require('@tensorflow/tfjs') as TF;

function kernel(name: string, backendName: string): KernelFunc {
  const k = tf.getKernel(name, backendName);
  if (!k) throw new Error(`TF.js has no ${name} kernel for the ${backendName} backend`);
  return k.kernelFunc;
}

/** The cpu backend's Conv2DBackpropFilter run on copies of the wasm tensors. */
const conv2DBackpropFilterViaCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const cpu = tf.findBackend('cpu') as unknown as BackendWasm;
  const copy = (t: TensorInfo): TensorInfo => ({ dataId: cpu.write(wasm.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype });
  const x = copy(inputs.x as TensorInfo);
  const dy = copy(inputs.dy as TensorInfo);
  const r = kernel('Conv2DBackpropFilter', 'cpu')({ inputs: { x, dy }, backend: cpu, attrs }) as TensorInfo;
  const values = cpu.readSync(r.dataId);
  for (const t of [x, dy, r]) cpu.disposeData(t.dataId);
  return wasm.makeOutput(r.shape, 'float32', undefined, values);
};

const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false,
    tf.backend_util.convertConv2DDataFormat(a.dataFormat));
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dataFormat !== 'channelsLast') {
    return conv2DBackpropFilterViaCpu({ inputs, backend, attrs });
  }
  const transpose = kernel('Transpose', 'wasm');
  const conv2d = kernel('Conv2D', 'wasm');
  const xt = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } }) as TensorInfo;
  const dyt = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }) as TensorInfo;
  const { top, bottom, left, right } = info.padInfo;
  const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const dw = conv2d({ inputs: { x: xt, filter: dyt }, backend, attrs: { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 } }) as TensorInfo;
  const out = transpose({ inputs: { x: dw }, backend, attrs: { perm: [1, 2, 0, 3] } }) as TensorInfo;
  for (const t of [xt, dyt, dw]) wasm.disposeData(t.dataId);
  return out;
};

let x: import('@tensorflow/tfjs').Tensor4D;
let y: import('@tensorflow/tfjs').Tensor1D;
let testX: import('@tensorflow/tfjs').Tensor4D;
let testY: import('@tensorflow/tfjs').Tensor1D;
let model: import('@tensorflow/tfjs').Sequential | null = null;

function referenceModel() {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function init(backendName: string): Promise<string> {
  if (backendName === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as Wasm;
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm });
  }
  if (!(await tf.setBackend(backendName))) throw new Error(`TF.js could not start its ${backendName} backend`);
  await tf.ready();
  if (backendName === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as Wasm;
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return `WebAssembly${simd ? ' SIMD' : ''}, ${wasm.getThreadsCount()} thread; Conv2DBackpropFilter registered from wasm kernels`;
  }
  return 'plain JavaScript, 1 thread';
}

await serve(async (c) => {
  switch (c.cmd) {
    case 'init': {
      const meta = c.data as DataMeta;
      const backendName = c.backend as string;
      const config = await init(backendName);
      const d = readData(meta);
      x = tf.tensor4d(d.trainImages, [meta.trainCount, meta.height, meta.width, 1]);
      y = tf.tensor1d(Float32Array.from(d.trainLabels));
      testX = tf.tensor4d(d.testImages, [meta.testCount, meta.height, meta.width, 1]);
      testY = tf.tensor1d(Float32Array.from(d.testLabels));
      return { name: `TF.js ${tf.version.tfjs} ${backendName}`, config: `${config}, Node ${process.version}`, ...memory() };
    }
    case 'train': {
      const epochs = c.epochs as number;
      const batchSize = c.batchSize as number;
      const samples = Math.min((c.samples as number | undefined) ?? x.shape[0], x.shape[0]);
      const xs = samples < x.shape[0] ? x.slice(0, samples) : x;
      const ys = samples < y.shape[0] ? y.slice(0, samples) : y;
      model?.dispose();
      model = referenceModel();
      send({ ok: true });
      // Slices of batches granted by the driver, timed only while working (see worker-tensornode.ts).
      let busy = 0;
      let resumed = 0;
      let budget = 0;
      let done = 0;
      let sliceStart = 0;
      await model.fit(xs, ys, {
        epochs, batchSize, shuffle: true, verbose: 0,
        callbacks: {
          onEpochBegin: async () => {
            const go = await expect('epoch');
            busy = 0;
            done = 0;
            sliceStart = 0;
            budget = go.batches as number;
            resumed = performance.now();
          },
          onBatchBegin: async () => {
            if (budget === 0) {
              const now = performance.now();
              busy += now - resumed;
              send({ pause: true, batches: done, seconds: (now - resumed) / 1000, sliceBatches: done - sliceStart });
              budget = (await expect('run')).batches as number;
              sliceStart = done;
              resumed = performance.now();
            }
            budget--;
            done++;
          },
          onEpochEnd: async (epoch, logs) => {
            busy += performance.now() - resumed;
            send({ epoch: epoch + 1, seconds: busy / 1000, images: samples, loss: logs?.loss, accuracy: logs?.acc ?? logs?.accuracy, ...memory() });
          },
        },
      });
      if (xs !== x) tf.dispose([xs, ys]);
      return null;
    }
    case 'warmup': {
      // As worker-tensornode.ts: a throwaway model trained for `seconds`, then one inference pass.
      const seconds = c.seconds as number;
      const samples = Math.min((c.samples as number | undefined) ?? x.shape[0], x.shape[0]);
      const xs = samples < x.shape[0] ? x.slice(0, samples) : x;
      const ys = samples < y.shape[0] ? y.slice(0, samples) : y;
      const start = performance.now();
      let epochs = 0;
      const warm = referenceModel();
      while (performance.now() - start < seconds * 1000) {
        await warm.fit(xs, ys, { epochs: 1, batchSize: c.batchSize as number, shuffle: true, verbose: 0 });
        epochs++;
      }
      tf.dispose(warm.predict(testX, { batchSize: 256 }) as import('@tensorflow/tfjs').Tensor);
      warm.dispose();
      if (xs !== x) tf.dispose([xs, ys]);
      return { seconds: (performance.now() - start) / 1000, epochs };
    }
    case 'evaluate': {
      const r = model!.evaluate(testX, testY, { batchSize: 256 }) as import('@tensorflow/tfjs').Scalar[];
      const [loss, accuracy] = r.map((s) => s.dataSync()[0]);
      tf.dispose(r);
      return { loss, accuracy };
    }
    case 'infer': {
      const passes = c.passes as number;
      const start = performance.now();
      for (let p = 0; p < passes; p++) {
        const out = model!.predict(testX, { batchSize: c.batchSize as number }) as import('@tensorflow/tfjs').Tensor;
        out.dataSync();
        out.dispose();
      }
      return { seconds: (performance.now() - start) / 1000, images: passes * testX.shape[0], ...memory() };
    }
    case 'memory':
      return memory();
    default:
      throw new Error(`unknown command ${c.cmd}`);
  }
});
