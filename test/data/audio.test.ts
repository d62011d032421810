// tn.audio (decodeWav, encodeWav, resample), Dataset.paddedBatch and tn.utils.audioDatasetFromDirectory: WAV files
// against Python's own reader (test/fixtures/wav-reference.json, from wav-reference.py) in every encoding read,
// resampling by what it does to tones, padding against plain arrays, and a folder of clips training a model.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-audio-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fixtures = new URL('../fixtures/', import.meta.url);
const reference = JSON.parse(readFileSync(new URL('wav-reference.json', fixtures), 'utf8')) as {
  clips: { file: string; channels: number; sampleRate: number; frames: number; sum: number; head: number[] }[];
  encodings: { name: string; bytes: string; channels: number; sampleRate: number; samples: number[] }[];
};
const values = (t: tn.Tensor) => Array.from(t.data() as Float32Array);

/** A tone of `freq` Hz, `frames` long, at `rate` Hz, as [frames, 1]. */
function tone(freq: number, frames: number, rate: number, amplitude = 0.5): tn.Tensor {
  return tn.tensor(Float32Array.from({ length: frames }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate)), [frames, 1]);
}

/** The magnitude of the DFT of x at `freq` Hz, relative to the signal's length. */
function magnitudeAt(x: ArrayLike<number>, freq: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i] * Math.cos((2 * Math.PI * freq * i) / rate);
    im -= x[i] * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

describe('decodeWav', () => {
  for (const c of reference.clips) {
    it(`reads ${c.file} (espeak-ng, PCM 16) as Python's wave module does`, () => {
      const { audio, sampleRate } = tn.audio.decodeWav(readFileSync(new URL(`audio/${c.file}`, fixtures)));
      expect([audio.shape, sampleRate]).toEqual([[c.frames, c.channels], c.sampleRate]);
      const v = values(audio);
      expect(v.reduce((s, x) => s + x, 0)).toBeCloseTo(c.sum, 3);
      expect(v.slice(1000, 1016)).toEqual(c.head.map(Math.fround));
    });
  }

  for (const e of reference.encodings) {
    it(`reads ${e.name}`, () => {
      const { audio, sampleRate } = tn.audio.decodeWav(Buffer.from(e.bytes, 'base64'));
      expect([audio.shape, sampleRate]).toEqual([[e.samples.length / e.channels, e.channels], e.sampleRate]);
      expect(values(audio)).toEqual(e.samples.map(Math.fround));
    });
  }

  it('fits channels and samples as desiredChannels and desiredSamples ask', () => {
    const stereo = Buffer.from(reference.encodings.find((e) => e.channels === 2)!.bytes, 'base64');
    const full = tn.audio.decodeWav(stereo).audio;
    const first = tn.audio.decodeWav(stereo, { desiredChannels: 1, desiredSamples: 10 }).audio;
    expect(first.shape).toEqual([10, 1]);
    expect(values(first)).toEqual(values(tn.slice(full, [0, 0], [10, 1])));
    const padded = tn.audio.decodeWav(stereo, { desiredSamples: full.shape[0] + 3 }).audio;
    expect(values(padded).slice(-6)).toEqual([0, 0, 0, 0, 0, 0]);
    const mono = Buffer.from(reference.encodings.find((e) => e.channels === 1)!.bytes, 'base64');
    const twice = tn.audio.decodeWav(mono, { desiredChannels: 2 }).audio;
    const once = values(tn.audio.decodeWav(mono).audio);
    expect(values(twice)).toEqual(once.flatMap((v) => [v, v]));
    expect(() => tn.audio.decodeWav(stereo, { desiredChannels: 3 })).toThrow('the file has 2 channels; desiredChannels 3 can only repeat a mono file\'s channel');
  });

  it('reads a data chunk declared longer than the file (streaming writers leave 0xffffffff) up to the end', () => {
    const bytes = Buffer.from(tn.audio.encodeWav(tn.tensor([[0.25], [-0.5], [0.125]]), 16000));
    bytes.writeUInt32LE(0xffffffff, 40);
    expect(values(tn.audio.decodeWav(bytes).audio)).toEqual([0.25, -0.5, 0.125]);
  });

  it('refuses what is not a WAV file it can read, saying why', () => {
    expect(() => tn.audio.decodeWav(Buffer.from('hello, world'))).toThrow('decodeWav: not a WAV file (expected a RIFF/WAVE header, found "hell")');
    const adpcm = Buffer.from(tn.audio.encodeWav(tn.zeros([4, 1]), 8000));
    adpcm.writeUInt16LE(2, 20);
    expect(() => tn.audio.decodeWav(adpcm)).toThrow('decodeWav: unsupported WAV encoding (format code 2, 16 bits per sample)');
    expect(() => tn.audio.decodeWav(tn.audio.encodeWav(tn.zeros([4, 1]), 8000).subarray(0, 36))).toThrow('decodeWav: no data chunk found');
    expect(() => tn.audio.decodeWav(Buffer.alloc(0), { desiredSamples: 0 })).toThrow('desiredSamples must be a positive integer or -1');
  });
});

describe('encodeWav', () => {
  it('writes 16-bit PCM that decodeWav reads back to within one step, clipping to [-1, 1]', () => {
    const x = tn.tensor([[0.5, -0.25], [1.5, -2], [0.1, 0.7], [0, -1]]);
    const bytes = tn.audio.encodeWav(x, 16000);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('RIFF');
    expect(bytes.length).toBe(44 + 4 * 2 * 2);
    const { audio, sampleRate } = tn.audio.decodeWav(bytes);
    expect([audio.shape, sampleRate]).toEqual([[4, 2], 16000]);
    const want = [0.5, -0.25, 1, -1, 0.1, 0.7, 0, -1];
    values(audio).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1 / 32768 + 1e-7));
    expect(() => tn.audio.encodeWav(tn.zeros([4]), 8000)).toThrow('encodeWav: audio must have shape [samples, channels], received shape [4]');
  });
});

describe('resample', () => {
  it('gives the tone sampled at the new rate, to 1e-3 away from the ends', () => {
    const y = values(tn.audio.resample(tone(1000, 22050, 22050, 1), 22050, 16000));
    const want = values(tone(1000, 16000, 16000, 1));
    for (let i = 200; i < 15800; i++) expect(Math.abs(y[i] - want[i])).toBeLessThan(1e-3);
  });

  it('keeps a tone\'s pitch and loudness, and the length rate_out / rate_in of the input', () => {
    const x = tone(440, 22050, 22050);
    const y = tn.audio.resample(x, 22050, 16000);
    expect(y.shape).toEqual([16000, 1]);
    const v = values(y).slice(200, 15800);
    expect(magnitudeAt(v, 440, 16000)).toBeCloseTo(0.5, 2);
    expect(magnitudeAt(v, 460, 16000)).toBeLessThan(0.05);
    const up = tn.audio.resample(tn.reshape(x, [22050]), 22050, 44100);
    expect(up.shape).toEqual([44100]);
    expect(magnitudeAt(values(up).slice(400, 43600), 440, 44100)).toBeCloseTo(0.5, 2);
  });

  it('removes what is above the new Nyquist frequency instead of folding it back, and keeps a constant constant', () => {
    const high = tn.audio.resample(tone(7000, 4410, 44100), 44100, 8000);
    // Without the low-pass a 7 kHz tone would alias to 1 kHz at 8 kHz.
    expect(magnitudeAt(values(high).slice(40, 760), 1000, 8000)).toBeLessThan(0.01);
    const constant = tn.audio.resample(tn.fill([1000, 2], 0.25), 11025, 16000);
    for (const v of values(constant)) expect(v).toBeCloseTo(0.25, 5);
    expect(() => tn.audio.resample(tn.zeros([10]), 0, 8000)).toThrow('resample: sample rates must be positive integers');
  });
});

describe('Dataset.paddedBatch', () => {
  it('pads every tensor to the batch\'s largest shape, or to paddedShapes, with paddingValues', async () => {
    const lengths = [3, 1, 4, 2, 5];
    const ds = tn.data.array(lengths.map((n, i) => ({ x: tn.tensor(Array.from({ length: n * 2 }, (_, k) => i * 100 + k + 1), [n, 2]), y: i })));
    const batches = await ds.paddedBatch(2).toArray() as { x: tn.Tensor; y: tn.Tensor }[];
    expect(batches.map((b) => b.x.shape)).toEqual([[2, 3, 2], [2, 4, 2], [1, 5, 2]]);
    expect(Array.from(batches[0].x.data())).toEqual([1, 2, 3, 4, 5, 6, 101, 102, 0, 0, 0, 0]);
    expect(Array.from(batches[1].y.data())).toEqual([2, 3]);
    const fixed = await ds.paddedBatch(5, { paddedShapes: { x: [6, null] }, paddingValues: { x: -1 } }).toArray() as { x: tn.Tensor }[];
    expect(fixed[0].x.shape).toEqual([5, 6, 2]);
    expect(Array.from(fixed[0].x.data()).slice(12, 24)).toEqual([101, 102, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]);
    const words = tn.data.array([['a', 'b'], ['c'], ['d', 'e', 'f']].map((w) => tn.tensor(w)));
    const wordBatches = await words.paddedBatch(3).toArray() as tn.Tensor[];
    expect(wordBatches[0].shape).toEqual([3, 3]);
    expect(wordBatches[0].arraySync()).toEqual([['a', 'b', ''], ['c', '', ''], ['d', 'e', 'f']]);
    await expect(ds.paddedBatch(5, { paddedShapes: { x: [4, null] } }).toArray()).rejects.toThrow('paddedBatch: paddedShapes at .x gives 4 for axis 0, but an element has 5 there');
    const ranks = tn.data.array([tn.zeros([2]), tn.zeros([2, 2])]);
    await expect(ranks.paddedBatch(2).toArray()).rejects.toThrow('paddedBatch: element 1 has');
    expect(() => ds.paddedBatch(2, { padding: 0 } as never)).toThrow(/paddedBatch.*padding/);
  });
});

describe('audioDatasetFromDirectory', () => {
  /** Two classes of clips of different lengths: low tones and high tones, at `rate` Hz. */
  function writeClips(dir: string, rate: number, perClass: number): void {
    for (const [label, base] of [['high', 1800], ['low', 300]] as const) {
      mkdirSync(join(dir, label), { recursive: true });
      for (let i = 0; i < perClass; i++) {
        const frames = Math.round(rate * (0.05 + 0.01 * (i % 5)));
        writeFileSync(join(dir, label, `clip${String(i).padStart(2, '0')}.wav`), tn.audio.encodeWav(tone(base * (1 + 0.1 * (i % 4)), frames, rate, 0.3 + 0.05 * (i % 3)), rate));
      }
    }
  }

  it('reads class folders as Keras does: labels, classNames, batches padded to their longest clip', async () => {
    const dir = join(root, 'tones');
    writeClips(dir, 8000, 6);
    const ds = await tn.utils.audioDatasetFromDirectory(dir, { batchSize: 4, shuffle: false, verbose: false });
    expect(ds.classNames).toEqual(['high', 'low']);
    const batches = await ds.toArray();
    expect(batches.map(([x]) => x.shape)).toEqual([[4, 640, 1], [4, 720, 1], [4, 720, 1]]);
    expect(Array.from(batches[0][1].data())).toEqual([0, 0, 0, 0]);
    expect(Array.from(batches[2][1].data())).toEqual([1, 1, 1, 1]);
    // Each clip is its file, then zeros.
    const first = tn.audio.decodeWav(readFileSync(ds.filePaths[0])).audio;
    expect(values(tn.slice(batches[0][0], [0, 0, 0], [1, 400, 1]))).toEqual(values(first));
    expect(values(tn.slice(batches[0][0], [0, 400, 0], [1, 240, 1])).every((v) => v === 0)).toBe(true);
  });

  it('fixes the length, resamples, splits for validation, and one-hot labels', async () => {
    const dir = join(root, 'tones2');
    writeClips(dir, 8000, 5);
    const [train, val] = await tn.utils.audioDatasetFromDirectory(dir, {
      batchSize: 8, outputSequenceLength: 500, samplingRate: 16000, labelMode: 'categorical', validationSplit: 0.2, subset: 'both', shuffle: false, verbose: false,
    });
    expect([train.filePaths.length, val.filePaths.length]).toEqual([8, 2]);
    expect(train.filePaths.some((p) => val.filePaths.includes(p))).toBe(false);
    const [[x, y]] = await train.toArray();
    expect([x.shape, y.shape]).toEqual([[8, 500, 1], [8, 2]]);
    // Resampled to 16 kHz, a clip's tone is where it was in Hz (unshuffled, the batch is in filePaths' order).
    const path = train.filePaths[0];
    const freq = (path.includes('high') ? 1800 : 300) * (1 + 0.1 * (Number(/clip(\d+)/.exec(path)![1]) % 4));
    const clip = values(tn.slice(x, [0, 0, 0], [1, 500, 1]));
    expect(magnitudeAt(clip.slice(50, 450), freq, 16000)).toBeGreaterThan(0.2);
  });

  it('trains a model that tells low tones from high ones', async () => {
    tn.setSeed(5);
    const dir = join(root, 'tones3');
    writeClips(dir, 8000, 20);
    const ds = await tn.utils.audioDatasetFromDirectory(dir, { batchSize: 8, outputSequenceLength: 400, seed: 1, verbose: false });
    const model = new tn.Sequential([
      new tn.layers.Conv1D(8, 16, { strides: 4, activation: 'relu', inputShape: [400, 1] }),
      new tn.layers.GlobalMaxPooling1D(),
      new tn.layers.Dense(2, { activation: 'softmax' }),
    ]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const history = await model.fit(ds, { epochs: 15, verbose: 0 });
    expect(history.history.accuracy.at(-1)).toBeGreaterThan(0.95);
  });

  it('names the file that does not decode, and refuses mixed rates, ragged batches and bad options', async () => {
    const dir = join(root, 'bad');
    writeClips(dir, 8000, 2);
    writeFileSync(join(dir, 'low', 'broken.wav'), 'not a wav');
    const ds = await tn.utils.audioDatasetFromDirectory(dir, { batchSize: 2, shuffle: false, verbose: false });
    await expect(ds.toArray()).rejects.toThrow(/broken\.wav: not a WAV file/);
    const mixed = join(root, 'mixed');
    writeClips(mixed, 8000, 1);
    copyFileSync(new URL('audio/seven-en-us.wav', fixtures), join(mixed, 'low', 'seven.wav'));
    const ds2 = await tn.utils.audioDatasetFromDirectory(mixed, { batchSize: 4, shuffle: false, verbose: false });
    await expect(ds2.toArray()).rejects.toThrow(/has a sample rate of (22050|8000) Hz, but other clips have (8000|22050) Hz; pass samplingRate/);
    await expect(tn.utils.audioDatasetFromDirectory(dir, { ragged: true })).rejects.toThrow('audioDatasetFromDirectory: ragged batches need ragged tensors');
    await expect(tn.utils.audioDatasetFromDirectory(dir, { samplingRate: 1.5 })).rejects.toThrow('audioDatasetFromDirectory: samplingRate must be a positive integer');
    await expect(tn.utils.audioDatasetFromDirectory(join(root, 'nowhere'))).rejects.toThrow('audioDatasetFromDirectory: cannot read the directory');
  });
});
