// Recurrent text classifiers (IMDB-style: 80-token reviews, a 10,000-word vocabulary), tensornode against PyTorch,
// both on 2 threads, alternating in one invocation (side-by-side.ts):
//
//   npx tsx benchmarks/text-rnn.ts [--rounds=9] [--steps=20] [--no-write]     (or npm run bench -- text-rnn)
//
// Embedding(10000, 64) → LSTM(64) → Dense(1, sigmoid), and the same with GRU(64); adam, binary cross-entropy. The
// token ids are random (the IMDB reviews are not available offline; a step costs the same on any ids). Each model
// runs twice: with Keras 3's classes (sigmoid gates, GRU with resetAfter) and with TF.js's factories tn.layers.lstm /
// tn.layers.gru (hard sigmoid gates, GRU without resetAfter), which ported TF.js code builds; PyTorch's nn.LSTM and
// nn.GRU (sigmoid gates, reset after) are the peer for both, with the same multiply-adds.
import { pathToFileURL } from 'node:url';
import * as tn from '../lib/index.js';
import { runSideBySide, sideBySideOptions } from './side-by-side.js';

const n = 2048;
const steps = 80;

const torchModel = (cell: 'LSTM' | 'GRU') => String.raw`
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(10000, 64)
        self.rnn = nn.${cell}(64, 64, batch_first=True)
        self.dense = nn.Linear(64, 1)
    def forward(self, ids):
        out, _ = self.rnn(self.embedding(ids))
        return torch.sigmoid(self.dense(out[:, -1]))
def make():
    return Classifier()
x = torch.randint(0, 10000, (${n}, ${steps}))
y = torch.randint(0, 2, (${n}, 1)).float()
loss = nn.functional.binary_cross_entropy
`;

function build(cell: 'LSTM' | 'GRU', tfjsDefaults: boolean) {
  const recurrent = () => {
    if (tfjsDefaults) return cell === 'LSTM' ? tn.layers.lstm({ units: 64 }) : tn.layers.gru({ units: 64 });
    return cell === 'LSTM' ? new tn.layers.LSTM(64) : new tn.layers.GRU(64);
  };
  return () => {
    const model = new tn.Sequential([
      new tn.layers.Embedding(10000, 64, { inputLength: steps }),
      recurrent(),
      new tn.layers.Dense(1, { activation: 'sigmoid' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'binary_crossentropy' });
    return model;
  };
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const options = sideBySideOptions('text-rnn.ts', argv);
  if (!options) return;
  tn.setSeed(1);
  const x = tn.cast(tn.floor(tn.randomUniform([n, steps], 0, 10000, 'float32', 1)), 'int32');
  const y = tn.round(tn.randomUniform([n, 1], 0, 1, 'float32', 2));
  for (const [cell, tfjsDefaults] of [['LSTM', false], ['GRU', false], ['LSTM', true], ['GRU', true]] as const) {
    const factory = cell === 'LSTM' ? 'lstm' : 'gru';
    await runSideBySide({
      title: tfjsDefaults ? `Text classifier, ${cell} with TF.js's defaults` : `Text classifier, ${cell}`,
      file: 'text-rnn.ts',
      build: build(cell, tfjsDefaults),
      x,
      y,
      batchSize: 32,
      predictBatchSize: 256,
      torchModel: torchModel(cell),
      describe: [
        tfjsDefaults
          ? `- Model: Embedding(10000, 64) → tn.layers.${factory}({ units: 64 }) (TF.js's defaults: hard sigmoid gates${cell === 'GRU' ? ', no resetAfter' : ''}) → Dense(1, sigmoid) on sequences of ${steps} token ids;`
          : `- Model: Embedding(10000, 64) → ${cell}(64) → Dense(1, sigmoid) on sequences of ${steps} token ids; adam, binary cross-entropy;`,
        tfjsDefaults
          ? `  adam, binary cross-entropy; %PARAMS% parameters. PyTorch: nn.Embedding → nn.${cell}(batch_first) (sigmoid gates${cell === 'GRU' ? ', reset after' : ''}: the same multiply-adds) → the last step → nn.Linear → sigmoid.`
          : `  %PARAMS% parameters. PyTorch: nn.Embedding → nn.${cell}(batch_first) → the last step → nn.Linear → sigmoid.`,
        `- Data: ${n.toLocaleString('en-US')} random sequences (the IMDB reviews are not available offline; a step costs the same on any ids).`,
      ],
    }, options, command);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
