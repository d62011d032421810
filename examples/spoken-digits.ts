// Spoken-digit classification from log-mel spectrograms. The clips are synthesized with espeak-ng in many voices,
// speeds and pitches; the model never hears the held-out voices (other accents and other voice variants) in training,
// and its accuracy on them is what the example reports.
//
//   sudo apt-get install espeak-ng        (Debian/Ubuntu; the clips are generated at the first run)
//   npm run example -- spoken-digits [--epochs 20]
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tn from 'tensornode';
import { defaultMelOptions, featureStats, frameCount, logMelSpectrogram, melFilterbank, normalize, type Clip } from './spoken-digits/features.js';
import { buildModel } from './spoken-digits/model.js';

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
// An espeak-ng voice is an accent plus a variant (formants, pitch range, breathiness). The held-out voices share
// neither their accent nor their variant with any training voice.
const TRAIN_ACCENTS = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-us-nyc'];
const TRAIN_VARIANTS = ['', 'm1', 'm2', 'm4', 'm5', 'm7', 'f1', 'f2', 'f4'];
const HELD_OUT_ACCENTS = ['en-029', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd'];
const HELD_OUT_VARIANTS = ['m3', 'm6', 'f3', 'f5'];
const TRAIN_SPEEDS = [130, 165, 200]; // words per minute (espeak-ng -s)
const HELD_OUT_SPEEDS = [145, 185];

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const epochs = option('epochs', 20);
const cache = join(dirname(fileURLToPath(import.meta.url)), '.cache', 'spoken-digits');

if (spawnSync('espeak-ng', ['--version']).error) {
  console.error('spoken-digits: espeak-ng is not installed; it synthesizes the clips. Install it with:\n  sudo apt-get install espeak-ng');
  process.exit(1);
}

interface Item { file: string; label: number; voice: string; speed: number; pitch: number }

// A fixed pseudo-random pitch per clip (espeak-ng -p, 0..99), so the cache stays valid between runs.
let state = 12345;
const nextPitch = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return 25 + ((state >>> 16) % 51);
};

function items(accents: string[], variants: string[], speeds: number[]): Item[] {
  const out: Item[] = [];
  for (const accent of accents) {
    for (const variant of variants) {
      const voice = variant ? `${accent}+${variant}` : accent;
      for (const [label, word] of DIGITS.entries()) {
        for (const speed of speeds) {
          const pitch = nextPitch();
          out.push({ file: join(cache, `${voice}_${word}_s${speed}_p${pitch}.wav`), label, voice, speed, pitch });
        }
      }
    }
  }
  return out;
}

async function synthesize(list: Item[]): Promise<void> {
  const run = promisify(execFile);
  const missing = list.filter((it) => !existsSync(it.file));
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const it = missing[next++];
      // Written under another name and renamed, so that an interrupted run leaves no truncated clip in the cache.
      await run('espeak-ng', ['-v', it.voice, '-s', String(it.speed), '-p', String(it.pitch), '-w', `${it.file}.tmp`, DIGITS[it.label]]);
      renameSync(`${it.file}.tmp`, it.file);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

const started = Date.now();
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
mkdirSync(cache, { recursive: true });
const train = items(TRAIN_ACCENTS, TRAIN_VARIANTS, TRAIN_SPEEDS);
const heldOut = items(HELD_OUT_ACCENTS, HELD_OUT_VARIANTS, HELD_OUT_SPEEDS);
await synthesize([...train, ...heldOut]);
console.log(`${train.length} training clips (${TRAIN_ACCENTS.length * TRAIN_VARIANTS.length} voices), ${heldOut.length} held-out clips ` +
  `(${HELD_OUT_ACCENTS.length * HELD_OUT_VARIANTS.length} other voices) in ${cache} (${seconds(started)} s)`);

const featuresStarted = Date.now();
const o = defaultMelOptions;
const filters = melFilterbank(o.nMels, o.nFft, o.sampleRate, o.fMin, o.fMax);
// A clip as the features want it: one channel at their rate (espeak-ng writes 22050 Hz).
function readClip(file: string): Clip {
  const { audio, sampleRate } = tn.audio.decodeWav(readFileSync(file), { desiredChannels: 1 });
  const atRate = sampleRate === o.sampleRate ? audio : tn.audio.resample(audio, sampleRate, o.sampleRate);
  return { sampleRate: o.sampleRate, samples: atRate.data() as Float32Array };
}
const spectrograms = (list: Item[]) => list.map((it) => logMelSpectrogram(readClip(it.file), o, filters));
const trainSpecs = spectrograms(train);
const heldOutSpecs = spectrograms(heldOut);
const stats = featureStats(trainSpecs, o.nMels); // training statistics only
const frames = frameCount(o);
const xTrain = tn.tensor(normalize(trainSpecs, stats), [train.length, frames, o.nMels]);
const yTrain = tn.tensor(train.map((it) => it.label), [train.length]);
const xHeld = tn.tensor(normalize(heldOutSpecs, stats), [heldOut.length, frames, o.nMels]);
const yHeld = tn.tensor(heldOut.map((it) => it.label), [heldOut.length]);
console.log(`log-mel spectrograms [${frames} frames, ${o.nMels} mels] in ${seconds(featuresStarted)} s`);

tn.setSeed(0);
const model = buildModel(tn, frames, o.nMels);
const trainStarted = Date.now();
// The held-out voices are shown as validation data to watch progress; nothing is selected on them (fixed epochs).
await model.fit(xTrain, yTrain, { epochs, batchSize: 32, validationData: [xHeld, yHeld] });
const [, acc] = await model.evaluate(xHeld, yHeld, { verbose: 0 });
console.log(`Held-out accuracy (voices not used in training): ${(100 * acc).toFixed(1)}% ` +
  `(training ${seconds(trainStarted)} s, total ${seconds(started)} s)`);
