// tensornode's side of the MNIST CNN benchmark: the reference program (examples/mnist-cnn.ts) as a user runs it,
// through the built package, one epoch per command from the driver.
import * as tn from 'tensornode';
import { expect, memory, readData, send, serve, type DataMeta } from './protocol.js';

const { Sequential, layers } = tn;
const { Conv2D, MaxPooling2D, Flatten, Dense } = layers;

let pixels = 0;
let trainImages: tn.Tensor;
let trainLabels: tn.Tensor;
let testImages: tn.Tensor;
let testLabels: tn.Tensor;
let model: tn.Sequential | null = null;

function referenceModel(): tn.Sequential {
  const m = new Sequential([
    new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D([2, 2]),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

/**
 * Runs fit() in slices of batches granted by the driver, so that the frameworks can take turns inside an epoch.
 * Only the time spent working counts: the clock stops while the worker waits for its next slice.
 */
class SliceGate extends tn.Callback {
  private busy = 0;
  private resumed = 0;
  private budget = 0;
  private done = 0;
  private sliceStart = 0;
  constructor(private readonly samples: number) {
    super();
  }
  override async onEpochBegin(): Promise<void> {
    const c = await expect('epoch');
    this.busy = 0;
    this.done = 0;
    this.budget = c.batches as number;
    this.resumed = performance.now();
  }
  override async onTrainBatchBegin(): Promise<void> {
    if (this.budget === 0) {
      const now = performance.now();
      this.busy += now - this.resumed;
      send({ pause: true, batches: this.done, seconds: (now - this.resumed) / 1000, sliceBatches: this.done - this.sliceStart });
      const c = await expect('run');
      this.budget = c.batches as number;
      this.sliceStart = this.done;
      this.resumed = performance.now();
    }
    this.budget--;
    this.done++;
  }
  override onEpochEnd(epoch: number, logs: Record<string, number> = {}): void {
    this.busy += performance.now() - this.resumed;
    this.sliceStart = 0;
    send({ epoch: epoch + 1, seconds: this.busy / 1000, images: this.samples, loss: logs.loss, accuracy: logs.accuracy, ...memory() });
  }
}

function predictPasses(batchSize: number, passes: number): number {
  const start = performance.now();
  for (let p = 0; p < passes; p++) model!.predict(testImages, { batchSize });
  return (performance.now() - start) / 1000;
}

await serve(async (c) => {
  switch (c.cmd) {
    case 'init': {
      const meta = c.data as DataMeta;
      tn.setNumThreads(c.threads as number);
      tn.setSeed(c.seed as number);
      const d = readData(meta);
      pixels = meta.height * meta.width;
      trainImages = tn.tensor(d.trainImages, [meta.trainCount, meta.height, meta.width, 1]);
      trainLabels = tn.tensor(d.trainLabels, [meta.trainCount], 'int32');
      testImages = tn.tensor(d.testImages, [meta.testCount, meta.height, meta.width, 1]);
      testLabels = tn.tensor(d.testLabels, [meta.testCount], 'int32');
      const info = tn.backendInfo();
      return {
        name: `tensornode ${info.version}`,
        config: `${info.isa} kernels, ${info.threads} OpenMP threads, Node ${process.version}`,
        backend: info,
        ...memory(),
      };
    }
    case 'train': {
      const epochs = c.epochs as number;
      const batchSize = c.batchSize as number;
      const n = Math.min((c.samples as number | undefined) ?? trainImages.shape[0], trainImages.shape[0]);
      const [x, y] = n === trainImages.shape[0] ? [trainImages, trainLabels]
        : [tn.tensor(trainImages.values.subarray(0, n * pixels), [n, ...trainImages.shape.slice(1)]), tn.tensor(trainLabels.values.subarray(0, n), [n], 'int32')];
      model = referenceModel();
      send({ ok: true });
      await model.fit(x, y, { epochs, batchSize, verbose: 0, callbacks: [new SliceGate(n)] });
      return null;
    }
    case 'warmup': {
      // A throwaway model trained for `seconds` of work, then one inference pass: the process's first seconds of
      // training (V8 compiling the hot JavaScript on a helper thread) are then behind it, as in a long-running server.
      const seconds = c.seconds as number;
      const batchSize = c.batchSize as number;
      const start = performance.now();
      let epochs = 0;
      const warm = referenceModel();
      while (performance.now() - start < seconds * 1000) {
        await warm.fit(trainImages, trainLabels, { epochs: 1, batchSize, verbose: 0 });
        epochs++;
      }
      warm.predict(testImages, { batchSize: 256 });
      return { seconds: (performance.now() - start) / 1000, epochs };
    }
    case 'evaluate': {
      const [loss, accuracy] = await model!.evaluate(testImages, testLabels, { batchSize: 256, verbose: 0 });
      return { loss, accuracy };
    }
    case 'infer': {
      const seconds = predictPasses(c.batchSize as number, c.passes as number);
      return { seconds, images: (c.passes as number) * testImages.shape[0], ...memory() };
    }
    case 'memory':
      return memory();
    default:
      throw new Error(`unknown command ${c.cmd}`);
  }
});
