// A CIFAR-10-style CNN (Keras's classic cifar10 example with BatchNormalization after the first convolution of
// each block), tensornode against PyTorch, both on 2 threads, alternating in one invocation (side-by-side.ts):
//
//   npx tsx benchmarks/cifar-cnn.ts [--rounds=9] [--steps=20] [--no-write]     (or npm run bench -- cifar-cnn)
//
// The images are random 32x32x3: CIFAR-10 itself is not available offline, and a step costs the same on any pixels.
import { pathToFileURL } from 'node:url';
import * as tn from '../lib/index.js';
import { runSideBySide, sideBySideOptions } from './side-by-side.js';

const torchModel = String.raw`
FORMATS = ("nchw", "channels_last")
def make():
    # Keras's BatchNormalization: momentum 0.99 (PyTorch counts 1 - that), epsilon 1e-3.
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(64 * 6 * 6, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))
x = torch.rand(2048, 3, 32, 32)
y = torch.randint(0, 10, (2048,))
# softmax output + cross-entropy is log_softmax + nll, as Keras computes it from the logits.
loss = nn.functional.cross_entropy
`;

/** The model, compiled (also benchmarks/ort.ts's and benchmarks/winograd.ts's). */
export function build(): tn.Sequential {
  const { Conv2D, BatchNormalization, MaxPooling2D, Dropout, Flatten, Dense } = tn.layers;
  const model = new tn.Sequential([
    new Conv2D(32, 3, { padding: 'same', activation: 'relu', inputShape: [32, 32, 3] }),
    new BatchNormalization(),
    new Conv2D(32, 3, { activation: 'relu' }),
    new MaxPooling2D(2),
    new Dropout(0.25),
    new Conv2D(64, 3, { padding: 'same', activation: 'relu' }),
    new BatchNormalization(),
    new Conv2D(64, 3, { activation: 'relu' }),
    new MaxPooling2D(2),
    new Dropout(0.25),
    new Flatten(),
    new Dense(512, { activation: 'relu' }),
    new Dropout(0.5),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  return model;
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const options = sideBySideOptions('cifar-cnn.ts', argv);
  if (!options) return;
  tn.setSeed(1);
  const n = 2048;
  await runSideBySide({
    title: 'CIFAR-style CNN',
    file: 'cifar-cnn.ts',
    build,
    x: tn.randomUniform([n, 32, 32, 3], 0, 1, 'float32', 1),
    y: tn.tensor(Array.from({ length: n }, (_, i) => (i * 7) % 10), [n], 'int32'),
    batchSize: 32,
    predictBatchSize: 256,
    torchModel,
    describe: [
      '- Model: Conv2D(32, 3x3, same, relu) → BatchNormalization → Conv2D(32, 3x3, relu) → MaxPooling2D → Dropout(0.25) →',
      '  Conv2D(64, 3x3, same, relu) → BatchNormalization → Conv2D(64, 3x3, relu) → MaxPooling2D → Dropout(0.25) → Flatten →',
      '  Dense(512, relu) → Dropout(0.5) → Dense(10, softmax); adam, sparse categorical cross-entropy; %PARAMS% parameters.',
      '- Data: 2,048 random 32x32x3 images (CIFAR-10 is not available offline; a step costs the same on any pixels).',
    ],
  }, options, command);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
