// The seq2seq example (examples/seq2seq-lstm.ts) shortened: its data encoding, its inference models sharing the
// trained layers, and a short training run whose loss must fall. 'tensornode' points at lib/ here, as in
// examples.test.ts, so the sources run without a build of dist/.
import { describe, expect, it, vi } from 'vitest';
import * as tn from '../../lib/index.js';
import { buildModels, corpusWords, decodeGreedy, encode, trainSeq2Seq } from '../../examples/seq2seq-lstm.js';

vi.mock('tensornode', () => import('../../lib/index.js'));

describe('examples/seq2seq-lstm', () => {
  it('takes distinct 3-8 letter words from the shipped corpus and encodes them for teacher forcing', () => {
    const words = corpusWords();
    expect(words.length).toBeGreaterThan(9000);
    expect(new Set(words).size).toBe(words.length);
    for (const w of words.slice(0, 200)) expect(w).toMatch(/^[a-z]{3,8}$/);

    const { enc, dec, target } = encode(['spam']);
    expect(enc.shape).toEqual([1, 8, 29]);
    expect(dec.shape).toEqual([1, 9, 29]);
    const argmax = (t: tn.Tensor, steps: number) => Array.from({ length: steps }, (_, s) => {
      const row = Array.from(t.data().slice(s * 29, (s + 1) * 29));
      return row.indexOf(Math.max(...row));
    });
    const id = (ch: string) => 3 + ch.charCodeAt(0) - 97;
    // Padded in front; the decoder sees START then the reversed word; the target is the reversed word then END.
    expect(argmax(enc, 8)).toEqual([0, 0, 0, 0, id('s'), id('p'), id('a'), id('m')]);
    expect(argmax(dec, 9)).toEqual([1, id('m'), id('a'), id('p'), id('s'), 0, 0, 0, 0]);
    expect(Array.from(target.data())).toEqual([id('m'), id('a'), id('p'), id('s'), 2, 0, 0, 0, 0]);
  });

  it('decodes step by step exactly as the teacher-forced model predicts the same sequence', () => {
    tn.setSeed(3);
    const { training, encoderModel, stepModel } = buildModels(8);
    const { enc, dec } = encode(['spam', 'word']);
    const full = (training.predict([enc, dec]) as tn.Tensor).data();
    // Run the one-step decoder on the same teacher inputs: its outputs must match the full model's, step by step.
    let [h, c] = encoderModel.predict(enc) as tn.Tensor[];
    for (let t = 0; t < 9; t++) {
      const x = tn.slice(dec, [0, t, 0], [2, 1, 29]);
      const [p, h2, c2] = stepModel.predict([x, h, c]) as tn.Tensor[];
      for (let i = 0; i < 2; i++) {
        for (let k = 0; k < 29; k++) expect(p.data()[i * 29 + k]).toBeCloseTo(full[(i * 9 + t) * 29 + k], 5);
      }
      [h, c] = [h2, c2];
    }
    const decoded = decodeGreedy(encoderModel, stepModel, enc);
    expect(decoded).toHaveLength(2);
    for (const d of decoded) expect(d).toMatch(/^[a-z]{0,9}$/);
  });

  it('trains: the loss falls and held-out letters beat chance', async () => {
    const r = await trainSeq2Seq({ epochs: 3, trainWords: 1500, testWords: 100, units: 32, verbose: 0 });
    expect(r.losses).toHaveLength(3);
    expect(r.losses[2]).toBeLessThan(0.85 * r.losses[0]);
    expect(r.testCount).toBe(100);
    expect(r.charAccuracy).toBeGreaterThan(1 / 26);
  }, 30000);
});
