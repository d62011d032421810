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

/** Holds fit() at the start of each epoch until the driver says go, and reports each epoch as it ends. */
class EpochGate extends tn.Callback {
  private start = 0;
  constructor(private readonly samples: number) {
    super();
  }
  override async onEpochBegin(): Promise<void> {
    await expect('epoch');
    this.start = performance.now();
  }
  override onEpochEnd(epoch: number, logs: Record<string, number> = {}): void {
    const seconds = (performance.now() - this.start) / 1000;
    send({ epoch: epoch + 1, seconds, images: this.samples, loss: logs.loss, accuracy: logs.accuracy, ...memory() });
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
      await model.fit(x, y, { epochs, batchSize, verbose: 0, callbacks: [new EpochGate(n)] });
      return null;
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
