// TF.js's tf.string (stringToHashBucketFast, staticRegexReplace, stringSplit, stringNGrams) on string tensors,
// against TF.js's own ops on the same strings (@tensorflow/tfjs, CPU backend), and errors that name the op.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { tf, useCpu } from './helpers/tfjs.js';

const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number | string>);
const theirStrings = (t: ReturnType<typeof tf.tensor>) => (t.dataSync() as unknown as Uint8Array[]).map((b) => (typeof b === 'string' ? b : new TextDecoder().decode(b)));

describe('TF.js\'s tn.string', () => {
  it('stringToHashBucketFast and staticRegexReplace equal TF.js\'s', async () => {
    await useCpu();
    const words = [['hello', 'world'], ['', 'ünïcödé']];
    for (const buckets of [1, 7, 1000]) {
      const ours = tn.string.stringToHashBucketFast(tn.tensor(words), buckets);
      const theirs = tf.string.stringToHashBucketFast(tf.tensor(words), buckets);
      expect(ours.shape).toEqual(theirs.shape);
      expect(vals(ours), `buckets ${buckets}`).toEqual(Array.from(theirs.dataSync()));
    }
    const text = ['The cat  sat.', 'a-b-c', ''];
    for (const [pattern, rewrite, global] of [['\\s+', ' ', true], ['[aeiou]', '_', false], ['(\\w)-(\\w)', '$2+$1', true]] as [string, string, boolean][]) {
      const ours = tn.string.staticRegexReplace(tn.tensor(text), pattern, rewrite, global);
      expect(vals(ours), pattern).toEqual(theirStrings(tf.string.staticRegexReplace(tf.tensor(text), pattern, rewrite, global)));
    }
    expect(() => tn.string.stringToHashBucketFast(tn.tensor([1, 2]), 3)).toThrow(/string.stringToHashBucketFast: input must be a string tensor, received a float32 tensor of shape \[2\]/);
    expect(() => tn.string.staticRegexReplace(tn.tensor(text), '(', 'x')).toThrow(/string.staticRegexReplace: invalid pattern "\("/);
  });

  it('stringSplit equals TF.js\'s, one delimiter, several, none, keeping or skipping empty tokens', async () => {
    await useCpu();
    const rows = ['a b  c', '', 'x,y', ' lead trail '];
    for (const [delimiter, skipEmpty] of [[' ', true], [' ', false], [' ,', true], ['', true]] as [string, boolean][]) {
      const ours = tn.string.stringSplit(tn.tensor(rows), tn.tensor(delimiter as never), skipEmpty);
      const theirs = tf.string.stringSplit(tf.tensor(rows) as never, tf.scalar(delimiter), skipEmpty);
      const what = `${JSON.stringify(delimiter)} ${skipEmpty}`;
      expect(ours.indices.shape, what).toEqual(theirs.indices.shape);
      expect(vals(ours.indices), what).toEqual(Array.from(theirs.indices.dataSync()));
      expect(vals(ours.values), what).toEqual(theirStrings(theirs.values));
      expect(vals(ours.shape), what).toEqual(Array.from(theirs.shape.dataSync()));
    }
    expect(() => tn.string.stringSplit(tn.tensor([['a']]), tn.tensor(' ' as never))).toThrow(/string.stringSplit: input must be a vector of strings, received shape \[1,1\]/);
  });

  it('stringNGrams equals TF.js\'s for widths, padding, short sequences and empty rows', async () => {
    await useCpu();
    const data = ['a', 'b', 'c', 'd', 'e', 'f'];
    type Args = [number[], number[], string, string, number, boolean];
    const cases: Args[] = [
      [[0, 4, 6], [2], 'LP', 'RP', -1, false], [[0, 4, 6], [1, 3], '<', '>', 1, false], [[0, 1, 1, 6], [3], 'L', 'R', 0, true],
      [[0, 1, 6], [4], 'L', 'R', 0, true], [[0, 2, 2, 6], [3], 'L', 'R', 2, false], [[0, 6], [2, 4, 7], 'L', 'R', -1, false],
    ];
    for (const [splits, widths, left, right, pad, preserve] of cases) {
      const ours = tn.string.stringNGrams(tn.tensor(data), tn.tensor(splits, [splits.length], 'int32'), '|', widths, left, right, pad, preserve);
      const theirs = tf.string.stringNGrams(tf.tensor(data) as never, tf.tensor1d(splits, 'int32'), '|', widths, left, right, pad, preserve);
      const what = JSON.stringify([splits, widths, pad, preserve]);
      expect(vals(ours.nGrams), what).toEqual(theirStrings(theirs.nGrams));
      expect(vals(ours.nGramsSplits), what).toEqual(Array.from(theirs.nGramsSplits.dataSync()));
    }
    expect(() => tn.string.stringNGrams(tn.tensor(data), tn.tensor([0, 7], [2], 'int32'), '|', [2], '', '', 0, false)).toThrow(/string.stringNGrams: dataSplits must start at 0 and rise to 6/);
  });
});
